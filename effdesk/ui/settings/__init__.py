"""系统设置: users, audit log, backups, office settings, holidays, one's own password."""
