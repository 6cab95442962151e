"""The demo office generator: ``effdesk demo`` builds a realistic county efficiency office."""

from effdesk.demo.generator import DemoRefused, DemoSummary, build_demo, existing_data

__all__ = ["DemoRefused", "DemoSummary", "build_demo", "existing_data"]
