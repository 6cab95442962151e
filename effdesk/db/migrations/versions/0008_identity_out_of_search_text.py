"""complainant identity masked out of search_text

A clerk may have typed the complainant's name or phone into the summary or the content; the
text every role searches (``search_text``, indexed by FTS5 / pg_trgm) must not hold them (they
live in ``search_identity``, searched only by roles with the identity right). Rebuilds
``search_text`` of every case that repeats its complainant's identity; the FTS5 update trigger
keeps the index in step. No schema change.

The masking is copied here (not imported) so that this migration keeps doing what it did when
the service's rule changes later.

Revision ID: 0008
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0002"
branch_labels = None
depends_on = None

_GAP = r"[\s\-－—.·()（）]*"


def _mask(text: str, name: str, phone: str, company: str, address: str) -> str:
    patterns = set()
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) >= 5:
        patterns.add(_GAP.join(digits))
    for v in (name, company, address):
        v = (v or "").strip()
        if len(v) >= 2:
            patterns.add(re.escape(v))
    if not patterns or not text:
        return text
    # Cheap test first: most cases repeat nothing (a million-case office must not wait).
    plain = [v.strip() for v in (name, company, address) if len((v or "").strip()) >= 2]
    if not any(v in text for v in plain) and not (
        len(digits) >= 5 and digits in re.sub(r"\D", "", text)
    ):
        return text
    regex = re.compile("|".join(sorted(patterns, key=len, reverse=True)))
    return regex.sub("×××", text)


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
