"""Password hashing with scrypt (memory-hard), never storing the password itself.

Encoded form: ``scrypt$<n>$<r>$<p>$<salt_b64>$<hash_b64>`` (standard base64 without newlines).
The parameters travel with the hash, so they can be raised later without breaking old users:
:func:`needs_rehash` tells the login service when to re-encode with the current parameters.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

SCHEME = "scrypt"
N = 2**14
R = 8
P = 1
SALT_BYTES = 16
HASH_BYTES = 32
# scrypt needs 128 * r * n bytes; leave headroom over OpenSSL's default 32 MiB cap.
_MAXMEM = 64 * 1024 * 1024


def _derive(plain: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        plain.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=length
    )


def hash_password(plain: str) -> str:
    """Return the encoded scrypt hash of ``plain`` with a fresh random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _derive(plain, salt, N, R, P, HASH_BYTES)
    return "$".join(
        [
            SCHEME,
            str(N),
            str(R),
            str(P),
            base64.b64encode(salt).decode("ascii"),
            base64.b64encode(digest).decode("ascii"),
        ]
    )


def _parse(encoded: str) -> tuple[int, int, int, bytes, bytes] | None:
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return None
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt = base64.b64decode(parts[4], validate=True)
        digest = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        return None
    # Refuse absurd parameters rather than let a tampered row burn memory or CPU.
    if n < 2 or n > 2**20 or n & (n - 1) or not 1 <= r <= 32 or not 1 <= p <= 16:
        return None
    if not salt or not 16 <= len(digest) <= 64:
        return None
    return n, r, p, salt, digest


def verify_password(plain: str, encoded: str) -> bool:
    """True when ``plain`` matches ``encoded``; compares in constant time; False if malformed."""
    parsed = _parse(encoded)
    if parsed is None:
        return False
    n, r, p, salt, digest = parsed
    candidate = _derive(plain, salt, n, r, p, len(digest))
    return hmac.compare_digest(candidate, digest)


def needs_rehash(encoded: str) -> bool:
    """True when the stored hash uses other parameters than the current ones."""
    parsed = _parse(encoded)
    if parsed is None:
        return True
    n, r, p, _salt, digest = parsed
    return (n, r, p, len(digest)) != (N, R, P, HASH_BYTES)


# A dummy hash to spend the same time on unknown usernames, so timing does not reveal
# whether a user exists.
_DUMMY: str | None = None


def dummy_verify(plain: str) -> None:
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = hash_password(secrets.token_urlsafe(12))
    verify_password(plain, _DUMMY)


_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


def generate_password(length: int = 12) -> str:
    """A random one-time password without look-alike characters (0/O, 1/l/I)."""
    while True:
        pw = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in pw) and any(c.isalpha() for c in pw):
            return pw
