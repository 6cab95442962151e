"""The schema versions are read without importing Alembic (a faster start), and agree with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from effdesk.db.engine import (
    MIGRATIONS_DIR,
    _revision_graph,
    current_revision,
    head_revision,
    open_database,
)


def test_the_header_reader_agrees_with_alembic() -> None:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    assert head_revision() == script.get_current_head()
    alembic_graph = {r.revision: r.down_revision for r in script.walk_revisions()}
    assert _revision_graph() == alembic_graph


def test_current_revision_of_new_and_migrated_databases(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'a.sqlite'}", create=True)
    assert current_revision(db.engine) == head_revision()
    db.dispose()
    empty = open_database(f"sqlite:///{tmp_path / 'b.sqlite'}", migrate=False, create=True)
    assert current_revision(empty.engine) is None
    empty.dispose()


def test_opening_an_up_to_date_database_does_not_import_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'office.sqlite'}"
    open_database(url, create=True).dispose()
    code = (
        "import sys; from effdesk.db.engine import open_database; "
        f"open_database({url!r}).dispose(); print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
