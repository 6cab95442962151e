"""Security: password hashing, keys in the OS keyring, encrypted backups, concurrency helpers.

Nothing here imports PySide6; the dialogs live in :mod:`effdesk.ui.security`.
"""
