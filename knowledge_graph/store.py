"""The graph store: Cypher over Bolt with the official ``neo4j`` driver, to embedded ArcadeDB or to Neo4j.

``GraphStore.from_settings(settings)`` starts (or reuses) the embedded ArcadeDB
server of the workspace (:mod:`knowledge_graph.server`), or connects to the
Neo4j server at ``graph.uri``.  Callers pass and get plain Python values only:
nodes come back as ``{**properties, "_labels": [...]}``, relationships as
``{**properties, "_type": "..."}``, paths as ``{"nodes": [...], "relationships": [...]}``
and temporal values as ISO-8601 strings.

Portable Cypher: what both accept
---------------------------------
Run on ArcadeDB 26.10.2 (embedded, Bolt) by ``tests/contract/test_graph_cypher.py``;
the Neo4j side is Neo4j 5 Cypher as documented, and the same tests run on a Neo4j
server when ``NEO4J_URI`` is set (no Neo4j was at hand when this table was made).
"yes" = accepted with the same result on both.

====================================================================  ====  ==========================================
Construct                                                              both  notes
====================================================================  ====  ==========================================
``MERGE (n:L {id: $id}) SET n += $props``                              yes   ``+=`` with a null value removes the key
``MERGE ... ON CREATE SET ... ON MATCH SET ...``                       yes
``UNWIND $rows AS row MERGE (n:L {id: row.id}) SET n += row.props``    yes   the batch form; see write_batch
``MATCH (a:L {id:$x}), (b:M {id:$y}) MERGE (a)-[:R]->(b)``             yes   idempotent; ``SET r += ...`` works too
``UNWIND $rows AS row MATCH (a..),(b..) MERGE (a)-[r:R]->(b)``         yes
``-[:R*1..5]->``, ``-[:R*]->``, ``-[:A|B]-``, ``<-[:R]-``                yes   bound the length (``*1..5``) in real queries
``OPTIONAL MATCH`` (missing -> null)                                   yes
``collect()``, ``collect(DISTINCT)``, ``count()``, ``count(DISTINCT)``   yes   also min/max/avg/sum
``labels(n)``, ``type(r)``, ``properties(x)``, ``keys(x)``               yes   list order differs: sort before comparing
``coalesce()``, ``CASE WHEN .. THEN .. ELSE .. END``, ``CASE x WHEN``    yes
``WITH ... ORDER BY ... SKIP ... LIMIT``, ``RETURN DISTINCT``            yes   ``NULLS LAST`` is NOT accepted by ArcadeDB
``WHERE EXISTS { MATCH (a)<-[:R]-(:M) }`` / ``NOT EXISTS {..}``          yes   also pattern predicates ``WHERE (a)-[:R]->()``
``count { (a)-[:R]->() }``, ``size([(a)-[:R]->() | 1])``                 yes
``shortestPath((a)-[:R*]-(b))``, ``allShortestPaths``                   yes   ``nodes(p)``, ``relationships(p)``, ``length(p)``
``CALL { ... }`` subquery, ``CALL { WITH a ... }``, ``UNION``            yes
list comprehension, ``reduce``, ``any/all/none``, ``range``, slices    yes   ArcadeDB caps ``range()`` at ~3.2M elements
map projection ``n {.id, .name}``, ``IN $list``, ``STARTS WITH``,       yes
``CONTAINS``, ``=~``, string functions (toLower, trim, split, ...)
``WHERE n:A AND NOT n:B``, ``SET n:Label``, ``REMOVE n:Label``           yes   on a node committed earlier; see below
``DETACH DELETE``, ``DELETE r``, ``FOREACH (x IN l | CREATE ...)``       yes
``MATCH (n) WITH n LIMIT k DETACH DELETE n RETURN count(*)``            yes   how clear() deletes in chunks
``CREATE CONSTRAINT IF NOT EXISTS FOR (n:L) REQUIRE n.p IS UNIQUE``     yes   used by ensure_schema; also backs MERGE
``CREATE INDEX IF NOT EXISTS FOR (n:L) ON (n.p)``, ``SHOW INDEXES``       yes
``CALL db.labels()``, ``db.relationshipTypes()``, ``db.propertyKeys()``   yes   ``db.indexes()``/``db.constraints()``: no
``MERGE (n:L {id:..}) SET n:M`` (label added where n is created)       no    ArcadeDB: duplicate key if L is unique
several statements separated by ``;``                                  no    one statement per call
``ORDER BY x NULLS FIRST/LAST``                                        no    ArcadeDB syntax error
``id(n)``, ``elementId(n)``                                            no    values differ (ArcadeDB RIDs ``#4:0``)
``LOAD CSV``                                                           no    disabled on the embedded server
``apoc.*``, ``gds.*``                                                  no    not in ArcadeDB
====================================================================  ====  ==========================================

Differences to keep in mind when writing builders and queries:

* Property values: str, int, float, bool, and *homogeneous* lists of those.
  ArcadeDB also stores maps-in-lists and mixed lists; Neo4j refuses them, so
  don't.  Maps are never property values (both refuse): flatten or JSON-encode.
  Dates: store ISO strings (``datetime.date`` parameters work on both but come
  back here as ISO strings anyway).
* One label per node.  ArcadeDB stores a node in one type per label set, so
  adding a label moves the record, and doing it in the transaction that created
  the node fails on a unique constraint of its first label.  Put sub-kinds in a
  property (``kind``) instead; if a second label is unavoidable, give it in the
  CREATE/MERGE pattern itself or add it in a later call.
* A MERGE key must not be null: Neo4j refuses ``MERGE (n:L {id: null})``,
  ArcadeDB creates a node with no id.
* Keep key types consistent (ids are strings): ArcadeDB's unique index treats
  ``2`` and ``"2"`` as the same key (duplicate-key error), Neo4j as different.
  ``2 = 2.0`` is true on both.
* ``MERGE (a:L {id:1})-[:R]->(b:L {id:2})`` creates the *whole* pattern when it
  does not exist (duplicates ``a``): MATCH or MERGE the nodes first, then MERGE
  the relationship between the bound variables.
* Without a unique constraint MERGE scans the label: 5,000 MERGEs took 7-10 s on
  ArcadeDB without and 0.3-0.6 s with ``ensure_schema``.  Call ensure_schema for
  every (label, key) before loading.
* Transactions: every call is one transaction (a batch of write_batch is one);
  atomic on both; an error rolls the whole call back.  Concurrent MERGEs of the
  same key: Neo4j locks, ArcadeDB fails one writer with a duplicate-key error,
  which write/write_batch retry (3 tries) for statements containing MERGE.
  Prefer one writer per label at a time.
* Read-only: ArcadeDB ignores the read access mode of a Bolt session, so
  :meth:`GraphStore.read` refuses write clauses lexically and runs in an
  explicit transaction that is always rolled back (and raises if the server
  reports updates).
* Timeouts: Neo4j honours the transaction timeout (graph.query_timeout_s);
  ArcadeDB ignores it, so the embedded server is started with
  ``arcadedb.command.timeout`` = graph.query_timeout_s (per statement, so also
  per write_batch batch).
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime
from datetime import time as dtime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import neo4j
from neo4j import exceptions as nx
from neo4j.graph import Node, Path, Relationship
from neo4j.spatial import Point
from neo4j.time import Duration

from knowledge_graph.errors import GraphError, GraphQueryError, GraphUnavailable, ReadOnlyViolation
from knowledge_graph.server import EmbeddedArcadeDB

log = logging.getLogger(__name__)

READ_PROCEDURES = frozenset({
    "db.labels", "db.relationshiptypes", "db.propertykeys", "db.schema.visualization",
    "db.schema.nodetypeproperties", "db.schema.reltypeproperties", "dbms.components",
    "db.index.fulltext.querynodes", "db.index.fulltext.queryrelationships", "db.index.vector.querynodes",
})
_WRITE_WORDS = re.compile(
    r"(?<![\w.$])(CREATE|MERGE|SET|DELETE|DETACH|REMOVE|DROP|FOREACH|INSERT|ALTER|RENAME|GRANT|DENY|REVOKE"
    r"|LOAD\s+CSV)(?!\w)(?!\s*:)",
    re.IGNORECASE,
)
_CALL_PROC = re.compile(r"(?<![\w.$])CALL\s+([A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_][\w]*)+)", re.IGNORECASE)
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

CLEAR_CHUNK = 10_000
WRITE_TRIES = 3


# --------------------------------------------------------------------- lexical check

def strip_literals(cypher: str) -> str:
    """``cypher`` with string literals, backquoted names and comments replaced by neutral tokens."""
    out: list[str] = []
    i, n = 0, len(cypher)
    while i < n:
        c = cypher[i]
        if c in "'\"":
            i += 1
            while i < n and cypher[i] != c:
                i += 2 if cypher[i] == "\\" else 1
            i += 1
            out.append(" '' ")
        elif c == "`":
            i += 1
            while i < n:
                if cypher[i] == "`":
                    if cypher.startswith("``", i):
                        i += 2
                        continue
                    break
                i += 1
            i += 1
            out.append(" _name_ ")
        elif cypher.startswith("//", i):
            end = cypher.find("\n", i)
            i = n if end < 0 else end
            out.append(" ")
        elif cypher.startswith("/*", i):
            end = cypher.find("*/", i + 2)
            i = n if end < 0 else end + 2
            out.append(" ")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def write_clauses(cypher: str) -> list[str]:
    """The write clauses of ``cypher`` outside strings and comments (conservative: may over-report).

    >>> write_clauses("RETURN 'CREATE' AS x")
    []
    >>> write_clauses("MATCH (n) DETACH DELETE n")
    ['DETACH', 'DELETE']
    >>> write_clauses("CALL db.labels()"), write_clauses("CALL apoc.create.node(['A'], {})")
    ([], ['CALL apoc.create.node'])
    """
    bare = strip_literals(cypher)
    found = [" ".join(m.group(1).upper().split()) for m in _WRITE_WORDS.finditer(bare)]
    for m in _CALL_PROC.finditer(bare):
        name = re.sub(r"\s+", "", m.group(1))
        if name.lower() not in READ_PROCEDURES:
            found.append(f"CALL {name}")
    return found


# --------------------------------------------------------------------- values

def to_plain(value: Any) -> Any:
    """Driver values to plain Python: nodes/relationships/paths to dicts, temporals to ISO strings."""
    if value is None or isinstance(value, str | bool | int | float | bytes):
        return value
    if isinstance(value, Node):
        out = {k: to_plain(v) for k, v in value.items()}
        out["_labels"] = sorted(value.labels)
        return out
    if isinstance(value, Relationship):
        out = {k: to_plain(v) for k, v in value.items()}
        out["_type"] = value.type
        return out
    if isinstance(value, Path):
        return {"nodes": [to_plain(n) for n in value.nodes], "relationships": [to_plain(r) for r in value.relationships]}
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, Point):
        return {"srid": value.srid, "coordinates": list(value)}
    if isinstance(value, Duration):
        return value.iso_format()
    iso = getattr(value, "iso_format", None) or getattr(value, "isoformat", None)
    if callable(iso):
        return iso()
    return value


def _params(params: dict | None) -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise GraphQueryError(f"parameters must be a dict, not {type(params).__name__}")
    return {str(k): _param_value(v) for k, v in params.items()}


def _param_value(value: Any) -> Any:
    if isinstance(value, tuple | set | frozenset):
        value = list(value) if isinstance(value, tuple) else sorted(value)
    if isinstance(value, list):
        return [_param_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _param_value(v) for k, v in value.items()}
    if value is None or isinstance(value, str | bool | int | float | bytes | date | datetime | dtime):
        return value
    raise GraphQueryError(f"parameter value of type {type(value).__name__} is not supported (use str, int, "
                          "float, bool, None, lists and dicts)")


def _one_line(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    first = next((line.strip() for line in str(message).splitlines() if line.strip()), str(message))
    code = getattr(exc, "code", None) or ""
    short = code.rsplit(".", 1)[-1] if code else type(exc).__name__
    return f"{short}: {first}"


def _safe_uri(uri: str) -> str:
    """``uri`` without user:password@."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "<invalid uri>"
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        parts = parts._replace(netloc=host)
    return urlunsplit(parts)


def _redact(text: str, uri: str, password: str) -> str:
    text = text.replace(uri, _safe_uri(uri))
    return text.replace(password, "***") if password else text


def _quote(name: str) -> str:
    if not name:
        raise GraphQueryError("empty label or property name")
    return name if _IDENT.match(name) else "`" + name.replace("`", "``") + "`"


class _Unreachable(Exception):
    """The server did not answer (connection refused or lost)."""


# --------------------------------------------------------------------- the store

class GraphStore:
    """Cypher over Bolt.  Thread-safe: one driver, one session per call.

    Examples
    --------
    >>> store = GraphStore.from_settings(settings)  # doctest: +SKIP
    >>> store.ensure_schema([("Regulation", "id")])  # doctest: +SKIP
    >>> store.write_batch("MERGE (n:Regulation {id: row.id}) SET n += row.props", rows)  # doctest: +SKIP
    >>> store.read("MATCH (n:Regulation {id: $id}) RETURN n", {"id": "r1"})  # doctest: +SKIP
    [{'n': {'id': 'r1', 'title': '...', '_labels': ['Regulation']}}]
    """

    def __init__(
        self,
        uri: str,
        auth: tuple[str, str],
        *,
        database: str,
        server: EmbeddedArcadeDB | None = None,
        query_timeout_s: float = 30.0,
        connect_timeout_s: float = 10.0,
    ) -> None:
        self.database = database
        self.server = server
        self.backend = "arcadedb" if server is not None else "neo4j"
        self.query_timeout_s = query_timeout_s
        self.connect_timeout_s = connect_timeout_s
        self._uri = uri
        self._auth = auth
        self._lock = threading.RLock()
        self._generation = 0
        self._closed = False
        self._driver = self._new_driver()

    # ----------------------------------------------------------------- construction

    @classmethod
    def from_settings(cls, settings) -> GraphStore:  # settings: assistant.settings.Settings
        g = settings.graph
        if g.mode == "embedded":
            return cls.embedded(EmbeddedArcadeDB.from_settings(settings), query_timeout_s=g.query_timeout_s)
        return cls.connect(g.uri, g.user, g.password, database=g.database, query_timeout_s=g.query_timeout_s)

    @classmethod
    def embedded(cls, server: EmbeddedArcadeDB, *, query_timeout_s: float = 30.0) -> GraphStore:
        """A store on ``server``, started (or reused) now."""
        info = server.ensure_running()
        return cls(info.uri, server.auth, database=server.database, server=server,
                   query_timeout_s=query_timeout_s, connect_timeout_s=5.0)

    @classmethod
    def connect(cls, uri: str, user: str, password: str, *, database: str = "neo4j",
                query_timeout_s: float = 30.0) -> GraphStore:
        """A store on the Neo4j server at ``uri``; raises :class:`GraphUnavailable` when it does not answer."""
        if not uri:
            raise GraphUnavailable("graph.mode is 'neo4j' but graph.uri is empty; set it (ONEMAP__GRAPH__URI), "
                                   "e.g. bolt://neo4j:7687")
        try:
            store = cls(uri, (user, password), database=database, query_timeout_s=query_timeout_s)
        except (ValueError, nx.ConfigurationError) as exc:
            reason = _redact(str(exc), uri, password)
            raise GraphUnavailable(f"invalid graph.uri {_safe_uri(uri)!r}: {reason}") from None
        try:
            store.ping()
        except BaseException:
            store._driver.close()
            raise
        return store

    def _new_driver(self) -> neo4j.Driver:
        return neo4j.GraphDatabase.driver(
            self._uri, auth=self._auth,
            connection_timeout=self.connect_timeout_s,
            connection_acquisition_timeout=self.connect_timeout_s + self.query_timeout_s,
            max_transaction_retry_time=0,
        )

    @property
    def uri(self) -> str:
        return _safe_uri(self._uri)

    # ----------------------------------------------------------------- API

    def read(self, cypher: str, params: dict | None = None) -> list[dict]:
        """Rows of a read-only query; :class:`ReadOnlyViolation` for anything that writes."""
        found = write_clauses(cypher)
        if found:
            raise ReadOnlyViolation(f"read() refuses write clauses: {', '.join(dict.fromkeys(found))}; use write()")
        values = _params(params)

        def work(session: neo4j.Session) -> list[dict]:
            # never committed: leaving the block rolls back whatever a write slipped past the check did
            with session.begin_transaction(timeout=self.query_timeout_s) as tx:
                result = tx.run(cypher, values)
                rows = [{k: to_plain(v) for k, v in record.items()} for record in result]
                summary = result.consume()
                tx.rollback()
            if summary.counters.contains_updates or summary.counters.contains_system_updates:
                raise ReadOnlyViolation("read() query reported updates; they were rolled back: use write()")
            return rows

        return self._call(work, neo4j.READ_ACCESS, retry_conflicts=False)

    def write(self, cypher: str, params: dict | None = None) -> list[dict]:
        """Rows of a query run in one write transaction (committed when it returns)."""
        values = _params(params)

        def work(session: neo4j.Session) -> list[dict]:
            with session.begin_transaction(timeout=self.query_timeout_s) as tx:
                rows = [{k: to_plain(v) for k, v in record.items()} for record in tx.run(cypher, values)]
                tx.commit()
            return rows

        return self._call(work, neo4j.WRITE_ACCESS, retry_conflicts=_has_merge(cypher))

    def write_batch(self, cypher: str, rows: list[dict], batch_size: int = 500) -> int:
        """Run ``cypher`` over ``rows`` in batches, one transaction per batch; returns the rows written.

        ``cypher`` reads ``$rows``: either ``UNWIND $rows AS row MERGE ...`` or just the body
        (``MERGE (n:L {id: row.id}) SET n += row.props``), which gets ``UNWIND $rows AS row`` prepended.
        Batches before a failing one stay committed.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if not re.search(r"\$rows\b", strip_literals(cypher)):
            cypher = "UNWIND $rows AS row " + cypher
        rows = list(rows)
        done = 0
        for start in range(0, len(rows), batch_size):
            batch = _params({"rows": rows[start:start + batch_size]})

            def work(session: neo4j.Session, batch: dict = batch) -> None:
                with session.begin_transaction(timeout=self.query_timeout_s) as tx:
                    tx.run(cypher, batch).consume()
                    tx.commit()

            self._call(work, neo4j.WRITE_ACCESS, retry_conflicts=_has_merge(cypher))
            done += len(batch["rows"])
        return done

    def ensure_schema(self, constraints: Iterable[tuple[str, str]], indexes: Iterable[tuple[str, str]] = ()) -> None:
        """Unique constraints (and plain indexes) on (label, property); existing ones are kept.

        The same Cypher works on both backends; on ArcadeDB it creates the vertex type and a
        unique LSM index on the property, which MERGE and MATCH {key: ...} then use.
        """
        statements = [
            f"CREATE CONSTRAINT IF NOT EXISTS FOR (n:{_quote(label)}) REQUIRE n.{_quote(prop)} IS UNIQUE"
            for label, prop in constraints
        ] + [f"CREATE INDEX IF NOT EXISTS FOR (n:{_quote(label)}) ON (n.{_quote(prop)})" for label, prop in indexes]
        for statement in statements:
            def work(session: neo4j.Session, statement: str = statement) -> None:
                session.run(statement).consume()  # auto-commit: Neo4j runs schema changes outside data transactions

            self._call(work, neo4j.WRITE_ACCESS, retry_conflicts=False)

    def clear(self) -> int:
        """Delete every node and relationship (schema stays), in chunks; returns the nodes deleted."""
        total = 0
        while True:
            rows = self.write(f"MATCH (n) WITH n LIMIT {CLEAR_CHUNK} DETACH DELETE n RETURN count(*) AS deleted")
            deleted = int(rows[0]["deleted"]) if rows else 0
            total += deleted
            if deleted < CLEAR_CHUNK:
                return total

    def counts(self) -> dict[str, dict[str, int]]:
        """``{"labels": {label: nodes}, "relationships": {type: relationships}}`` (a node counts under each label)."""
        labels = self.read("MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n")
        rels = self.read("MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n")
        return {
            "labels": {r["label"]: int(r["n"]) for r in sorted(labels, key=lambda r: r["label"])},
            "relationships": {r["type"]: int(r["n"]) for r in sorted(rels, key=lambda r: r["type"])},
        }

    def ping(self) -> float:
        """Round trip of ``RETURN 1`` in milliseconds."""
        t0 = time.perf_counter()
        self.read("RETURN 1 AS ok")
        return (time.perf_counter() - t0) * 1000

    def close(self, stop_server: bool | None = None) -> None:
        """Close the driver; stop the embedded server if this process started it (or ``stop_server``)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._driver.close()
            if self.server is not None:
                stop = self.server.started_here if stop_server is None else stop_server
                if stop:
                    self.server.stop()

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- plumbing

    def _call(self, work: Callable[[neo4j.Session], Any], mode: str, *, retry_conflicts: bool) -> Any:
        if self._closed:
            raise GraphUnavailable("the graph store is closed")
        generation = self._generation
        try:
            return self._attempt(work, mode, retry_conflicts)
        except _Unreachable as exc:
            if self.server is None:
                raise GraphUnavailable(_redact(
                    f"Neo4j at {self.uri} (database {self.database!r}) is unreachable: {exc}; check graph.uri "
                    "and that the server runs", self._uri, self._auth[1]
                )) from None
            log.warning("graph: embedded server unreachable (%s); restarting it", exc)
            self._recover(generation)
        try:
            return self._attempt(work, mode, retry_conflicts)
        except _Unreachable as exc:
            raise GraphUnavailable(
                f"the embedded graph server at {self.uri} is unreachable after a restart: {exc}; "
                f"see {self.server.log_path}:\n{self.server.log_tail(15)}"
            ) from None

    def _recover(self, generation: int) -> None:
        with self._lock:
            if self._closed:
                raise GraphUnavailable("the graph store is closed")
            if generation != self._generation:
                return  # another thread already reconnected
            assert self.server is not None
            info = self.server.ensure_running()  # restarts a dead server; GraphUnavailable if it cannot
            old = self._driver
            self._uri = info.uri
            self._auth = self.server.auth
            self._driver = self._new_driver()
            self._generation += 1
        with contextlib.suppress(Exception):  # the old pool points at a dead server
            old.close()

    def _attempt(self, work: Callable[[neo4j.Session], Any], mode: str, retry_conflicts: bool) -> Any:
        for attempt in range(1, WRITE_TRIES + 1):
            try:
                with self._driver.session(database=self.database, default_access_mode=mode) as session:
                    return work(session)
            except (nx.ServiceUnavailable, nx.SessionExpired, ConnectionError) as exc:
                raise _Unreachable(_one_line(exc)) from None
            except nx.AuthError as exc:
                raise GraphUnavailable(
                    f"{self.backend} at {self.uri} refused the credentials of user {self._auth[0]!r}: {_one_line(exc)}"
                ) from None
            except (nx.TransientError, nx.ConstraintError) as exc:
                conflict = isinstance(exc, nx.TransientError) or retry_conflicts
                if _is_read_only_refusal(exc):
                    raise ReadOnlyViolation(_one_line(exc)) from None
                if not conflict or attempt == WRITE_TRIES:
                    raise GraphQueryError(_one_line(exc), getattr(exc, "code", "") or "") from None
                log.info("graph: retrying after %s", _one_line(exc))
                time.sleep(0.05 * attempt)
            except nx.Neo4jError as exc:
                if _is_read_only_refusal(exc):
                    raise ReadOnlyViolation(_one_line(exc)) from None
                raise GraphQueryError(_one_line(exc), getattr(exc, "code", "") or "") from None
            except GraphError:
                raise
            except (nx.DriverError, TypeError, ValueError) as exc:
                raise GraphQueryError(_one_line(exc)) from None
        raise AssertionError("unreachable")


def _has_merge(cypher: str) -> bool:
    return re.search(r"(?<![\w.$])MERGE(?!\w)", strip_literals(cypher), re.IGNORECASE) is not None


def _is_read_only_refusal(exc: Exception) -> bool:
    code = getattr(exc, "code", "") or ""
    return "AccessMode" in code or isinstance(exc, nx.ForbiddenOnReadOnlyDatabase)
