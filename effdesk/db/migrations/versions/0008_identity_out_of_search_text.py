"""complainant identity masked out of search_text

A clerk may have typed the complainant's name or phone into the summary or the content; the
text every role searches (``search_text``, indexed by FTS5 / pg_trgm) must not hold them (they
live in ``search_identity``, searched only by roles with the identity right). Rebuilds
``search_text`` of every case that repeats its complainant's identity; the FTS5 update trigger
keeps the index in step. No schema change.

The masking is copied here (not imported) so that this migration keeps doing what it did when
the service's rule changes later.

Revision ID: 0008
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import itertools
import re

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0003"
branch_labels = None
depends_on = None

_NOT_DIGIT = re.compile(r"[^0-9]")
_FULLWIDTH = {ord("０") + i: str(i) for i in range(10)}
_MASK = "×××"


def _phone_spans(text: str, digits: str) -> list[tuple[int, int]]:
    plain = text.translate(_FULLWIDTH)
    if digits not in _NOT_DIGIT.sub("", plain):
        return []  # the cheap test: most texts hold no phone
    where = [i for i, ch in enumerate(plain) if "0" <= ch <= "9"]
    run = "".join(plain[i] for i in where)
    spans = []
    at = run.find(digits)
    while at != -1:
        idx = where[at : at + len(digits)]
        if all(
            b - a - 1 <= 3 and not any(ch.isalnum() for ch in plain[a + 1 : b])
            for a, b in itertools.pairwise(idx)
        ):
            spans.append((idx[0], idx[-1] + 1))
        at = run.find(digits, at + 1)
    return spans


def _mask(text: str, name: str, phone: str, company: str, address: str) -> str:
    if not text:
        return text
    digits = _NOT_DIGIT.sub("", (phone or "").translate(_FULLWIDTH))
    if len(digits) >= 5:
        spans = _phone_spans(text, digits)
        if spans:
            out, pos = [], 0
            for start, end in sorted(spans):
                if start < pos:
                    pos = max(pos, end)
                    continue
                out += [text[pos:start], _MASK]
                pos = end
            text = "".join([*out, text[pos:]])
    values = {v.strip() for v in (name, company, address) if len((v or "").strip()) >= 2}
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, _MASK)
    return text


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, search_text, complainant_name, complainant_phone, "
            "complainant_company, complainant_address FROM complaints"
        )
    )
    changed = []
    for r in rows:
        masked = _mask(r[1] or "", r[2] or "", r[3] or "", r[4] or "", r[5] or "")
        if masked != (r[1] or ""):
            changed.append({"id": r[0], "t": masked})
    if changed:
        bind.execute(sa.text("UPDATE complaints SET search_text = :t WHERE id = :id"), changed)


def downgrade() -> None:
    pass  # the unmasked text is not needed by any earlier version
