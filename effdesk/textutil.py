"""Small text helpers shared by services: pinyin keys, phone normalisation."""

from __future__ import annotations

import re


def pinyin_key(text: str) -> str:
    """ "公安局" → "gaj gonganju": initials and full pinyin, lower case, for type-ahead search."""
    if not text:
        return ""
    # Imported on first use: pypinyin loads its dictionary at import (about 0.6 s), which the
    # program's start must not wait for.
    from pypinyin import Style, lazy_pinyin

    initials = "".join(p[0] for p in lazy_pinyin(text, style=Style.FIRST_LETTER) if p)
    full = "".join(lazy_pinyin(text))
    return f"{initials} {full}".lower()


_PHONE_SEPARATORS = re.compile(r"[\s\-－—()（）]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}(\d{1,4})?$")
_LOCAL = re.compile(r"^[2-9]\d{6,7}$")
_SHORT = re.compile(r"^(1\d{4}|9\d{4})$")  # 12345 and similar service numbers


def normalise_phone(raw: str) -> str:
    """Strip spaces, dashes and brackets; keep +86 out. Returns digits only."""
    digits = _PHONE_SEPARATORS.sub("", raw.strip())
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def is_valid_phone(raw: str) -> bool:
    """A mobile, a landline with area code, a local landline, or a short service number."""
    d = normalise_phone(raw)
    return bool(_MOBILE.match(d) or _LANDLINE.match(d) or _LOCAL.match(d) or _SHORT.match(d))
