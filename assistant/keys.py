"""API keys: each names a caller and grants one :class:`~assistant.access.Role` (SQLite in the workspace).

A secret is ``om_`` + 32 random bytes (URL-safe base64).  Only its SHA-256 is stored: the
secret is shown once, when the key is added, and cannot be recovered.  Lookups compare
hashes in constant time.  A revoked key stays listed (with ``--all``) but never authenticates.

Examples
--------
>>> import tempfile, pathlib
>>> store = KeyStore(pathlib.Path(tempfile.mkdtemp()) / "keys.sqlite")
>>> key, secret = store.add("审查科", Role.OFFICER)
>>> secret.startswith("om_"), key.prefix == secret[:8], key.role
(True, True, <Role.OFFICER: 'officer'>)
>>> store.lookup(secret).name
'审查科'
>>> store.revoke("审查科").revoked_at is not None, store.lookup(secret)
(True, None)
>>> store.close()
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from assistant.access import Role

SECRET_PREFIX = "om_"
MAX_NAME_CHARS = 64

_SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (
    key_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    prefix TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL UNIQUE
);
CREATE UNIQUE INDEX IF NOT EXISTS keys_active_name ON keys(name) WHERE revoked_at IS NULL;
CREATE INDEX IF NOT EXISTS keys_prefix ON keys(prefix);
"""


class KeyStoreError(ValueError):
    """A key operation was refused; the message is one line for the user."""


class DuplicateKeyNameError(KeyStoreError):
    """An active key already has this name."""


class UnknownKeyError(KeyStoreError, KeyError):
    """No active key has this name or id (also a ``KeyError``)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ApiKey(BaseModel):
    key_id: str
    name: str
    role: Role
    created_at: str
    revoked_at: str | None = None
    prefix: str  # the secret's first 8 characters, to tell keys apart in listings

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_secret(secret: str) -> str:
    """SHA-256 of a secret, hex (a secret is 32 random bytes, so no salt or stretching is needed).

    >>> hash_secret("om_x")[:12]
    '46239325f94e'
    """
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class KeyStore:
    """The workspace's API keys; safe to share between threads (one connection behind a lock)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
        self._db.row_factory = sqlite3.Row
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(self, name: str, role: Role | str) -> tuple[ApiKey, str]:
        """A new key for ``name`` with ``role``; returns the record and the secret (shown once)."""
        name = _valid_name(name)
        role = _valid_role(role)
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey(key_id="key_" + secrets.token_hex(6), name=name, role=role, created_at=_now(),
                     prefix=secret[:8])
        with self._lock:
            try:
                self._db.execute("INSERT INTO keys VALUES (?,?,?,?,?,?,?)",
                                 (key.key_id, key.name, key.role.value, key.created_at, None, key.prefix,
                                  hash_secret(secret)))
            except sqlite3.IntegrityError:
                raise DuplicateKeyNameError(
                    f"an active key is already named {name!r}; revoke it first or choose another name") from None
        return key, secret

    def list(self, include_revoked: bool = False) -> list[ApiKey]:
        """Keys by creation time; active ones only unless ``include_revoked``."""
        where = "" if include_revoked else "WHERE revoked_at IS NULL"
        with self._lock:
            rows = self._db.execute(f"SELECT * FROM keys {where} ORDER BY created_at, rowid").fetchall()
        return [_key(r) for r in rows]

    def revoke(self, name_or_id: str) -> ApiKey:
        """Revoke the active key with this name or id; :class:`UnknownKeyError` if there is none."""
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM keys WHERE revoked_at IS NULL AND (name = ? OR key_id = ?) "
                "ORDER BY name = ? DESC LIMIT 1", (name_or_id, name_or_id, name_or_id)).fetchone()
            if row is None:
                revoked = self._db.execute("SELECT 1 FROM keys WHERE key_id = ? OR name = ?",
                                           (name_or_id, name_or_id)).fetchone()
                state = "is already revoked" if revoked else "does not exist"
                raise UnknownKeyError(f"no active key named or with id {name_or_id!r} (it {state}); "
                                      "see: onemap keys list --all")
            now = _now()
            self._db.execute("UPDATE keys SET revoked_at = ? WHERE key_id = ?", (now, row["key_id"]))
        return _key(row).model_copy(update={"revoked_at": now})

    def lookup(self, secret: str) -> ApiKey | None:
        """The active key whose secret this is, else None (unknown, malformed or revoked)."""
        if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX):
            return None
        digest = hash_secret(secret)
        with self._lock:
            rows = self._db.execute("SELECT * FROM keys WHERE prefix = ? AND revoked_at IS NULL",
                                    (secret[:8],)).fetchall()
        found = None
        for row in rows:  # compare every candidate, in constant time each
            if hmac.compare_digest(row["secret_sha256"], digest):
                found = row
        return _key(found) if found is not None else None


def _valid_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise KeyStoreError("the key name is empty")
    if len(name) > MAX_NAME_CHARS or not name.isprintable():
        raise KeyStoreError(f"the key name must be one line of at most {MAX_NAME_CHARS} printable characters")
    return name


def _valid_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise KeyStoreError(f"unknown role {role!r}; one of: {', '.join(r.value for r in Role)}") from None


def _key(row: sqlite3.Row) -> ApiKey:
    return ApiKey(key_id=row["key_id"], name=row["name"], role=Role(row["role"]), created_at=row["created_at"],
                  revoked_at=row["revoked_at"], prefix=row["prefix"])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
