"""The audit trail: an append-only, hash-chained log of what was asked and answered (SQLite in the workspace).

Every record stores the hash of the record before it (``prev_hash``) and its own ``hash``:
the SHA-256 of its fields, ``prev_hash`` included, as canonical JSON (sorted keys, no
spaces).  A ``head`` row, updated in the same transaction as each append, holds the last
``seq`` and hash.  :meth:`AuditLog.verify` recomputes the chain, so an edited record
(hash mismatch), a deleted one (a gap in ``seq``, a broken link) and a cut tail (fewer
records than the head says) are found.  Triggers refuse UPDATE and DELETE on records; the
chain is what shows tampering by someone who drops them.  The chain is tamper-evident, not
tamper-proof: whoever can rewrite the whole file can rewrite the whole chain.

Domain results become records in :mod:`assistant.audit_records` (one function per kind).

Examples
--------
>>> import tempfile, pathlib
>>> log = AuditLog(pathlib.Path(tempfile.mkdtemp()) / "audit.sqlite", settings_hash="abc123")
>>> first = log.record("search", role="public", actor="cli", request={"query": "永久基本农田"})
>>> second = log.record("check", role="officer", actor="审查科", request={"project": "P-003"},
...                     result={"overall": "fail"})
>>> second.seq, second.prev_hash == first.hash, first.prev_hash == GENESIS_HASH
(2, True, True)
>>> [r.kind for r in log.list()]
['check', 'search']
>>> log.verify().ok
True
>>> log.close()
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

AuditKind = Literal["answer", "check", "review", "extract", "compare", "search"]
KINDS: tuple[str, ...] = get_args(AuditKind)
GENESIS_HASH = "0" * 64

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    role TEXT NOT NULL,
    actor TEXT NOT NULL,
    request TEXT NOT NULL,
    evidence_ids TEXT NOT NULL,
    tool_calls TEXT NOT NULL,
    result TEXT NOT NULL,
    model TEXT,
    settings_hash TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_kind ON records(kind, seq);
CREATE TABLE IF NOT EXISTS head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
"""
_JSON_COLUMNS = ("request", "evidence_ids", "tool_calls", "result")


class AuditError(RuntimeError):
    """The audit trail cannot be opened, written or read; the message is one line for the user."""


class AuditRecord(BaseModel):
    seq: int
    at: str  # UTC, ISO 8601
    kind: AuditKind
    role: str
    actor: str  # the API key's name, "cli" or "public"
    request: dict[str, Any]
    evidence_ids: list[str]
    tool_calls: list[dict[str, Any]]
    result: dict[str, Any]  # a summary: answer text, overall status, report path and sha256…
    model: str | None
    settings_hash: str
    prev_hash: str
    hash: str


class VerifyResult(BaseModel):
    ok: bool
    records: int
    first_bad_seq: int | None = None
    reason: str = ""


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text: the bytes a record's hash is taken over.

    >>> canonical_json({"b": [1, 2.5], "a": "红线"})
    '{"a":"红线","b":[1,2.5]}'
    """
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def record_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 of a record's fields (``prev_hash`` included, ``hash`` left out), hex."""
    body = {k: v for k, v in fields.items() if k != "hash"}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


class AuditLog:
    """Append and read audit records; safe to share between threads (one connection behind a lock)
    and between processes (each append is one ``BEGIN IMMEDIATE`` transaction)."""

    def __init__(self, path: Path, settings_hash: str) -> None:
        self.path = path
        self.settings_hash = settings_hash
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise AuditError(f"cannot open the audit trail {path}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def record(self, kind: AuditKind, *, role: str, actor: str, request: Mapping[str, Any],
               evidence_ids: Iterable[str] = (), tool_calls: Iterable[Mapping[str, Any]] = (),
               result: Mapping[str, Any] | None = None, model: str | None = None) -> AuditRecord:
        """Append one record, chained to the last; :class:`AuditError` if it cannot be written."""
        if kind not in KINDS:
            raise ValueError(f"unknown audit kind {kind!r}; one of: {', '.join(KINDS)}")
        fields: dict[str, Any] = {
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"), "kind": kind, "role": str(role),
            "actor": str(actor), "request": _plain(dict(request)), "evidence_ids": [str(e) for e in evidence_ids],
            "tool_calls": _plain([dict(t) for t in tool_calls]), "result": _plain(dict(result or {})),
            "model": model or None, "settings_hash": self.settings_hash,
        }
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                row = self._db.execute("SELECT seq, hash FROM head WHERE id = 1").fetchone()
                seq, prev = (row[0], row[1]) if row else (0, GENESIS_HASH)
                fields.update(seq=seq + 1, prev_hash=prev)
                fields["hash"] = record_hash(fields)
                self._db.execute(
                    "INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (fields["seq"], fields["at"], kind, fields["role"], fields["actor"],
                     *(canonical_json(fields[c]) for c in _JSON_COLUMNS), fields["model"],
                     fields["settings_hash"], prev, fields["hash"]))
                self._db.execute("INSERT INTO head(id, seq, hash) VALUES (1, ?, ?) "
                                 "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                                 (fields["seq"], fields["hash"]))
                self._db.execute("COMMIT")
            except BaseException as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise AuditError(f"cannot write the audit trail {self.path}: {exc}") from exc
                raise
        return AuditRecord(**fields)

    def list(self, *, limit: int = 50, kind: AuditKind | None = None) -> list[AuditRecord]:
        """The newest ``limit`` records (of ``kind``, if given), newest first."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown audit kind {kind!r}; one of: {', '.join(KINDS)}")
        where, args = ("WHERE kind = ?", (kind,)) if kind else ("", ())
        with self._lock:
            try:
                rows = self._db.execute(f"SELECT * FROM records {where} ORDER BY seq DESC LIMIT ?",
                                        (*args, limit)).fetchall()
            except sqlite3.Error as exc:
                raise AuditError(f"cannot read the audit trail {self.path}: {exc}") from exc
        return [_record(r) for r in rows]

    def verify(self) -> VerifyResult:
        """Recompute the chain from the first record; the first record that breaks it, and why."""
        # A separate read-only connection in one read transaction: a consistent snapshot that does
        # not hold the lock appends need while a long trail is checked.
        try:
            db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        except sqlite3.Error as exc:
            raise AuditError(f"cannot read the audit trail {self.path}: {exc}") from exc
        try:
            db.execute("BEGIN")
            count = db.execute("SELECT count(*) FROM records").fetchone()[0]
            head = db.execute("SELECT seq, hash FROM head WHERE id = 1").fetchone()
            return _verify_chain(db.execute("SELECT * FROM records ORDER BY seq"), count, head)
        except sqlite3.Error as exc:
            raise AuditError(f"cannot read the audit trail {self.path}: {exc}") from exc
        finally:
            db.close()


def _verify_chain(rows: Iterable[tuple], count: int, head: tuple[int, str] | None) -> VerifyResult:
    def bad(seq: int, reason: str) -> VerifyResult:
        return VerifyResult(ok=False, records=count, first_bad_seq=seq, reason=reason)

    expected_seq, prev_hash = 1, GENESIS_HASH
    for row in rows:
        seq = row[0]
        if seq != expected_seq:
            missing = str(expected_seq) if seq == expected_seq + 1 else f"{expected_seq}–{seq - 1}"
            return bad(expected_seq, f"record {missing} is missing (deleted): seq jumps from "
                                     f"{expected_seq - 1} to {seq}")
        try:
            rec = _record(row)
        except (ValueError, TypeError) as exc:
            return bad(seq, f"record {seq} is unreadable: {exc}")
        if rec.prev_hash != prev_hash:
            return bad(seq, f"record {seq}'s prev_hash does not match the hash of record {seq - 1} "
                            "(a record was replaced, reordered or rewritten)")
        if record_hash(rec.model_dump()) != rec.hash:
            return bad(seq, f"record {seq} was altered: its hash does not match its fields")
        expected_seq, prev_hash = seq + 1, rec.hash
    last = expected_seq - 1
    if head is None:
        return bad(1, "the head row is missing: the trail was emptied or replaced") if last else \
            VerifyResult(ok=True, records=0)
    head_seq, head_hash = head
    if head_seq > last:
        missing = str(last + 1) if head_seq == last + 1 else f"{last + 1}–{head_seq}"
        return bad(last + 1, f"record {missing} is missing (the tail was cut): the head says {head_seq} records")
    if head_seq < last:
        return bad(head_seq + 1, f"record {head_seq + 1} was appended outside the log: the head says {head_seq}")
    if head_hash != prev_hash:
        return bad(last, f"record {last} does not match the head's hash (the last record was rewritten)")
    return VerifyResult(ok=True, records=count)


def _plain(value: Any) -> Any:
    """JSON types only (models dumped, paths and dates as text), as they read back from storage."""
    return json.loads(json.dumps(to_jsonable_python(value, fallback=str), ensure_ascii=False))


def _record(row: tuple) -> AuditRecord:
    (seq, at, kind, role, actor, request, evidence_ids, tool_calls, result, model, settings_hash, prev_hash,
     hash_) = row
    return AuditRecord(seq=seq, at=at, kind=kind, role=role, actor=actor, request=json.loads(request),
                       evidence_ids=json.loads(evidence_ids), tool_calls=json.loads(tool_calls),
                       result=json.loads(result), model=model, settings_hash=settings_hash, prev_hash=prev_hash,
                       hash=hash_)
