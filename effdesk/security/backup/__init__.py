"""Encrypted backups of the database and the evidence files, and their restore.

What goes in
    A consistent snapshot of the SQLite database taken with SQLite's online backup API
    (``sqlite3.Connection.backup``, never a file copy of a live database), every evidence file
    under ``objects/`` of the evidence store (thumbnails are rebuilt, not saved), and a
    manifest with the SHA-256 of every file. A server database (PostgreSQL) is snapshotted by
    copying its rows, in one REPEATABLE READ transaction, into a SQLite file
    (:func:`effdesk.db.copy.snapshot_to_sqlite`), so its archive has the same format; its
    restore is :mod:`effdesk.security.backup.server`.

Modules: :mod:`.archive` (the format below), :mod:`.identity` (database id, backup key),
:mod:`.create` (writing an archive), :mod:`.daily` (the automatic daily backup),
:mod:`.restore` (unpack, check, swap) and :mod:`.server` (restore into a server database).

Archive format (``.effbak``), version 1 — a streaming chunked AEAD, so gigabytes of evidence
never have to fit in memory::

    header  = magic "EFFDBAK\\0" (8) | version u16 = 1 | flags u16 = 0 | chunk_size u32
              | key_id (16) | salt (32) | id_len u16 | database_id (id_len bytes, UTF-8)
              (all integers big-endian)
    body    = chunk_0 | chunk_1 | ... | chunk_n
    chunk_i = AES-256-GCM(subkey, nonce_i, plaintext_i, aad=header)   -> ciphertext + 16-byte tag
    subkey  = HKDF-SHA256(backup key, salt, info="EffDesk backup v1"), a fresh salt per archive
    nonce_i = i as u64 big-endian | 00 00 00 | final flag (01 on the last chunk, else 00)

Every chunk but the last holds exactly ``chunk_size`` plaintext bytes (1 MiB); the last is
flagged final and may be shorter or empty. Because the index and the final flag are part of
the nonce and the header is the associated data of every chunk, reordered, dropped, repeated
or truncated chunks and an altered header all fail authentication (the STREAM construction).
``key_id`` = HMAC-SHA256(key, "EffDesk backup key id v1")[:16] tells a wrong key apart from a
damaged file before any decryption.

The decrypted stream is a POSIX tar: ``database.sqlite``, ``files/objects/<aa>/<sha256>`` …,
and ``manifest.json`` last (format, time, database id, schema revision, audit chain head,
and ``files: [{path, size, sha256}]`` for every member).

Beside each archive, ``<archive>.anchor.json`` holds the audit chain head just after the
backup's own BACKUP entry, keyed with the backup key, and the same head goes into a local mark
beside the database (:mod:`effdesk.security.anchors`): ``effdesk verify`` uses them to detect a
log whose newest entries were cut off or rewritten since.

Restore takes the database exclusively (refused while any other EffDesk has it open, see
:mod:`effdesk.db.presence`), decrypts and unpacks the WHOLE archive into a private staging
folder beside the database, checks every chunk, every manifest hash and the database's own
integrity, records the restore in the staged database, fsyncs it all, and only then moves the
current database and evidence folder aside (renamed with a timestamp, never deleted) and the
restored ones in, through a journal the next start completes if the process dies midway
(:mod:`effdesk.db.restore_journal`).

The plaintext database snapshot of a backup is written to a private folder beside the database
(``.effdesk-tmp/``, mode 0700), never to the backup destination; archives are created 0600.
"""

from __future__ import annotations

from effdesk.progress import Progress
from effdesk.security.backup.anchoring import check_database
from effdesk.security.backup.archive import (
    CHUNK_SIZE,
    DB_MEMBER,
    FILES_PREFIX,
    FORMAT_VERSION,
    MAGIC,
    MANIFEST_MEMBER,
    SALT_BYTES,
    SUFFIX,
    TAG_BYTES,
    ArchiveHeader,
    BackupKeyMissing,
    BackupNotSupported,
    inspect_archive,
    read_header,
)
from effdesk.security.backup.create import (
    ANCHOR_SUFFIX,
    AuditAnchor,
    BackupResult,
    anchor_path,
    archive_name,
    create_backup,
    io_error,
    latest_anchor,
)
from effdesk.security.backup.daily import (
    DailyBackupResult,
    latest_backup,
    maybe_daily_backup,
)
from effdesk.security.backup.identity import (
    DATABASE_ID_KEY,
    KeyChoice,
    backup_key,
    configured_key_file,
    database_id,
    is_server,
    mark_base,
    sqlite_path,
)
from effdesk.security.backup.restore import key_for_archive, restore_backup
from effdesk.security.backup.unpack import (
    Manifest,
    RestoreResult,
    unpack_archive,
    verify_archive,
)
from effdesk.security.housekeeping import clean_partials

__all__ = [
    "ANCHOR_SUFFIX",
    "CHUNK_SIZE",
    "DATABASE_ID_KEY",
    "DB_MEMBER",
    "FILES_PREFIX",
    "FORMAT_VERSION",
    "MAGIC",
    "MANIFEST_MEMBER",
    "SALT_BYTES",
    "SUFFIX",
    "TAG_BYTES",
    "ArchiveHeader",
    "AuditAnchor",
    "BackupKeyMissing",
    "BackupNotSupported",
    "BackupResult",
    "DailyBackupResult",
    "KeyChoice",
    "Manifest",
    "Progress",
    "RestoreResult",
    "anchor_path",
    "archive_name",
    "backup_key",
    "check_database",
    "clean_partials",
    "configured_key_file",
    "create_backup",
    "database_id",
    "inspect_archive",
    "io_error",
    "is_server",
    "key_for_archive",
    "latest_anchor",
    "latest_backup",
    "mark_base",
    "maybe_daily_backup",
    "read_header",
    "restore_backup",
    "sqlite_path",
    "unpack_archive",
    "verify_archive",
]
