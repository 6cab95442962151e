"""Login, passwords, users, the audit viewer, backups and the corrupt-database start."""
