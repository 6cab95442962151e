"""The package tests need the build's output (installer/build-linux) and run only when asked:

bash installer/build-linux && .venv/bin/python -m pytest -m package tests/package
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "package" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="needs installer/build-linux first; run with -m package")
    for item in items:
        if "package" in item.keywords:
            item.add_marker(skip)
