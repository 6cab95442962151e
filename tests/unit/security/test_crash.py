"""A short run of benchmarks/crash_safety.py: SIGKILL during import, backup, issue and restore
(the restore killed after every step of its swap)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "crash_safety.py"


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")
def test_killed_operations_leave_all_or_nothing(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("crash_safety", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["crash_safety"] = module
    spec.loader.exec_module(module)
    ops = ["import", "backup", "issue", "restore"]
    results = module.run(iterations=2, ops=ops, seed=7, work=tmp_path)
    text = module.report(results)
    print(text)
    from effdesk.db.restore_journal import SWAP_STEPS

    for op, tally in results.items():
        assert tally.violations == [], text
        trials = len(SWAP_STEPS) - 1 if op == "restore" else 2  # one kill after each step
        assert tally.completed + tally.killed_applied + tally.killed_none == trials, op
