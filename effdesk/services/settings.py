"""Moved to :mod:`effdesk.settings` (typed keys, below the services and ``security``).

This name stays only until the branches written against it are merged; new code imports
``from effdesk import settings``.
"""

from effdesk.settings import DEFAULTS, KEYS, SettingKey, get, get_all, put, seed_defaults, store

__all__ = ["DEFAULTS", "KEYS", "SettingKey", "get", "get_all", "put", "seed_defaults", "store"]
