"""Widgets shared by every screen (see each module's docstring for its API)."""
