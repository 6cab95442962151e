"""CLI subcommands, one module each (see effdesk/cli.py)."""
