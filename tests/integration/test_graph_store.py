"""GraphStore on a real embedded ArcadeDB server (one per session, see conftest_graph.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from assistant.settings import Settings, load_settings
from knowledge_graph import store as store_module
from knowledge_graph.errors import GraphError, GraphQueryError, GraphUnavailable, ReadOnlyViolation
from knowledge_graph.server import STATE_FILE, EmbeddedArcadeDB, free_port, port_open
from knowledge_graph.store import GraphStore, write_clauses

pytest_plugins = ["tests.integration.conftest_graph"]

ROOT = Path(__file__).resolve().parents[2]


def _count(store: GraphStore, label: str) -> int:
    return store.read(f"MATCH (n:{label}) RETURN count(n) AS c")[0]["c"]


# ----------------------------------------------------------------------------- read-only check (no server)

@pytest.mark.parametrize("cypher", [
    "RETURN 'CREATE' AS x",
    'RETURN "MERGE (n) SET n.x = 1" AS x',
    "RETURN 'it''s' AS x, 'DELETE' AS y",
    "RETURN 'a\\'b CREATE' AS x",
    "MATCH (n:`CREATE`) RETURN n.set AS s, n.delete AS d",
    "MATCH (n) RETURN n {.create, .merge} AS m",
    "RETURN {set: 1, remove: 2} AS m",
    "// CREATE (n)\nMATCH (n) RETURN count(n) /* DETACH DELETE n */",
    "MATCH (n) WHERE n.name CONTAINS $q RETURN n",
    "RETURN $create AS x",
    "CALL db.labels()",
    "CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType",
    "CALL { MATCH (n) RETURN count(n) AS c } RETURN c",
    "SHOW INDEXES",
    "MATCH (n) WHERE n.created_at > 1 RETURN n.settled AS s",
])
def test_read_check_allows_reads(cypher: str) -> None:
    assert write_clauses(cypher) == []


@pytest.mark.parametrize("cypher", [
    "MATCH (n) DETACH DELETE n",
    "CREATE (n:A)",
    "MERGE (n:A {id: 1})",
    "MATCH (n) SET n.x = 1",
    "MATCH (n) SET n:B",
    "MATCH (n) REMOVE n.x",
    "MATCH (n) DELETE n",
    "DROP CONSTRAINT c",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "load  csv with headers from 'x' as r return r",
    "FOREACH (x IN [1] | CREATE (:A))",
    "RETURN 'CREATE' AS x UNION MATCH (n) DELETE n RETURN 1 AS x",
    "CALL { CREATE (n:A) RETURN n } RETURN n",
    "CALL apoc.create.node(['A'], {})",
    "CALL db.createLabel('A')",
    "MATCH (n) WITH n /* comment */ detach delete n",
    "INSERT (n:A)",
])
def test_read_check_refuses_writes(cypher: str) -> None:
    assert write_clauses(cypher)


# ----------------------------------------------------------------------------- server life cycle

def test_store_starts_embedded_server(graph_store: GraphStore, graph_settings: Settings) -> None:
    server = graph_store.server
    assert server is not None and graph_store.backend == "arcadedb"
    assert server.root == graph_settings.workspace / "graph"
    assert server.alive()
    info = server.info
    assert info is not None and port_open(info.bolt_port)
    state = json.loads((server.root / STATE_FILE).read_text())
    assert state["pid"] == info.pid and state["bolt_port"] == info.bolt_port
    password = server.root / "root.password"
    assert password.stat().st_mode & 0o777 == 0o600
    assert password.read_text() not in (server.root / STATE_FILE).read_text()
    assert (server.root / "databases" / graph_settings.graph.database).is_dir()
    assert graph_store.ping() > 0


def test_listens_on_loopback_only(graph_store: GraphStore) -> None:
    info = graph_store.server.info
    listening = Path("/proc/net/tcp").read_text().splitlines()[1:] + Path("/proc/net/tcp6").read_text().splitlines()[1:]
    ours = {info.bolt_port, info.http_port}
    for line in listening:
        fields = line.split()
        local, state = fields[1], fields[3]
        addr, port = local.rsplit(":", 1)
        if state == "0A" and int(port, 16) in ours:  # LISTEN
            loopback = {"0100007F", "0000000000000000FFFF00000100007F", "00000000000000000000000001000000"}
            assert addr in loopback, f"port {int(port, 16)} listens on {addr}"


def test_second_store_reuses_server(graph_store: GraphStore, graph_settings: Settings) -> None:
    pid = graph_store.server.info.pid
    second = GraphStore.from_settings(graph_settings)
    try:
        assert second.server.info.pid == pid
        assert not second.server.started_here
        second.write("MERGE (n:Reuse {id: 'r1'})")
        assert _count(graph_store, "Reuse") == 1
    finally:
        second.close()
    assert graph_store.server.alive(), "closing a store that reused the server must not stop it"
    assert _count(graph_store, "Reuse") == 1


def test_second_process_reuses_server(graph_store: GraphStore, graph_settings: Settings) -> None:
    pid = graph_store.server.info.pid
    graph_store.write("MERGE (n:Reuse {id: 'r2'})")
    script = (
        "import sys, json\n"
        "from assistant.settings import load_settings\n"
        "from knowledge_graph.store import GraphStore\n"
        "s = load_settings('test', environ={'ONEMAP_HOME': sys.argv[1]})\n"
        "st = GraphStore.from_settings(s)\n"
        "print(json.dumps([st.server.info.pid, st.server.started_here, "
        "st.read(\"MATCH (n:Reuse {id: 'r2'}) RETURN count(n) AS c\")[0]['c']]))\n"
        "st.close()\n"
    )
    out = subprocess.run([sys.executable, "-c", script, str(graph_settings.workspace)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [pid, False, 1]
    assert graph_store.server.alive() and graph_store.server.info.pid == pid


def test_kill9_then_call_restarts_and_keeps_data(graph_store: GraphStore) -> None:
    graph_store.ensure_schema([("Survivor", "id")])
    graph_store.write_batch("MERGE (n:Survivor {id: row.id}) SET n.v = row.v", [{"id": f"s{i}", "v": i} for i in range(50)])
    old = graph_store.server.info
    os.kill(old.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while port_open(old.bolt_port, 0.2) and time.monotonic() < deadline:
        time.sleep(0.05)

    assert _count(graph_store, "Survivor") == 50  # restarts the server, retries
    new = graph_store.server.info
    assert new.pid != old.pid and graph_store.server.alive()
    assert graph_store.read("MATCH (n:Survivor {id: 's7'}) RETURN n.v AS v") == [{"v": 7}]
    # the unique index came back with the WAL-recovered database
    with pytest.raises(GraphQueryError):
        graph_store.write("CREATE (:Survivor {id: 's7'})")


def test_stale_state_file_and_stop(tmp_path: Path) -> None:
    """A server.json whose pid is not our server (recycled pid) is replaced; stop() ends the JVM cleanly."""
    settings = load_settings("test", environ={"ONEMAP_HOME": str(tmp_path / "ws")})
    root = settings.workspace / settings.graph.path
    root.mkdir(parents=True)
    bogus = {"pid": os.getpid(), "bolt_port": free_port(), "http_port": free_port(), "database": "onemap"}
    (root / STATE_FILE).write_text(json.dumps(bogus))
    store = GraphStore.from_settings(settings)
    try:
        info = store.server.info
        assert info.pid != os.getpid() and store.server.started_here
        store.write("CREATE (:Stale {id: 1})")
        t0 = time.monotonic()
        store.close()  # started here: stops the server
        assert time.monotonic() - t0 < 25
        assert not store.server.alive()
        assert not (root / STATE_FILE).exists()
        assert not port_open(info.bolt_port)
        with pytest.raises(GraphUnavailable):
            store.read("RETURN 1 AS x")
        # a clean stop then a new start on the same folder keeps the data
        again = GraphStore.from_settings(settings)
        try:
            assert _count(again, "Stale") == 1
        finally:
            again.close()
    finally:
        store.close(stop_server=True)


def test_startup_timeout_reports_log(tmp_path: Path) -> None:
    server = EmbeddedArcadeDB(tmp_path / "graph", startup_timeout_s=0.3, stop_at_exit=False)
    with pytest.raises(GraphUnavailable, match="did not answer Bolt.*startup_timeout_s") as caught:
        server.ensure_running()
    assert "ArcadeDB" in str(caught.value) or "last lines" in str(caught.value)
    assert not server.alive()


# ----------------------------------------------------------------------------- queries

def test_read_refuses_writes(graph_store: GraphStore) -> None:
    graph_store.write("MERGE (n:Guard {id: 'g'})")
    assert graph_store.read("RETURN 'CREATE' AS x") == [{"x": "CREATE"}]
    with pytest.raises(ReadOnlyViolation, match="DETACH"):
        graph_store.read("MATCH (n) DETACH DELETE n")
    with pytest.raises(ReadOnlyViolation):
        graph_store.read("MATCH (n:Guard) SET n.x = 1")
    assert graph_store.read("MATCH (n:Guard) RETURN n.x AS x") == [{"x": None}]


def test_read_rolls_back_a_write_that_slips_through(graph_store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "write_clauses", lambda cypher: [])
    with pytest.raises(ReadOnlyViolation, match="rolled back"):
        graph_store.read("CREATE (n:Sneaky {id: 1}) RETURN n.id AS id")
    monkeypatch.undo()
    assert _count(graph_store, "Sneaky") == 0


def test_bad_cypher_is_one_line_query_error(graph_store: GraphStore) -> None:
    for bad in ("MATCH (n RETURN n", "RETURN nosuchfunction(1) AS x", "RETURN 1 AS x; RETURN 2 AS y"):
        with pytest.raises(GraphQueryError) as caught:
            graph_store.read(bad)
        message = str(caught.value)
        assert message and "\n" not in message, message
        assert isinstance(caught.value, GraphError)
    with pytest.raises(GraphQueryError, match="SyntaxError"):
        graph_store.write("MERGE (n:X {id: 1) RETURN n")


def test_write_batch_is_idempotent_with_merge(graph_store: GraphStore) -> None:
    graph_store.ensure_schema([("BatchNode", "id")])
    graph_store.ensure_schema([("BatchNode", "id")])  # again: no error
    rows = [{"id": f"b{i}", "props": {"name": f"名称{i}", "no": i}} for i in range(1234)]
    cypher = "UNWIND $rows AS row MERGE (n:BatchNode {id: row.id}) SET n += row.props"
    assert graph_store.write_batch(cypher, rows, batch_size=500) == 1234
    assert graph_store.write_batch(cypher, rows, batch_size=500) == 1234
    assert _count(graph_store, "BatchNode") == 1234
    # body without UNWIND gets it prepended; relationships MERGEd between bound nodes
    links = [{"a": f"b{i}", "b": f"b{i + 1}"} for i in range(99)]
    body = "MATCH (a:BatchNode {id: row.a}), (b:BatchNode {id: row.b}) MERGE (a)-[:NEXT_B]->(b)"
    assert graph_store.write_batch(body, links, batch_size=40) == 99
    assert graph_store.write_batch(body, links, batch_size=40) == 99
    assert graph_store.read("MATCH (:BatchNode)-[r:NEXT_B]->(:BatchNode) RETURN count(r) AS c") == [{"c": 99}]
    assert graph_store.read("MATCH (n:BatchNode {id: 'b7'}) RETURN n.name AS name, n.no AS no") == [
        {"name": "名称7", "no": 7}]
    assert graph_store.write_batch(cypher, []) == 0


def test_unique_constraint_refuses_duplicates(graph_store: GraphStore) -> None:
    graph_store.ensure_schema([("Uniq", "id")], indexes=[("Uniq", "name")])
    graph_store.write("CREATE (:Uniq {id: 'u1', name: 'a'})")
    with pytest.raises(GraphQueryError, match="ConstraintValidationFailed"):
        graph_store.write("CREATE (:Uniq {id: 'u1', name: 'b'})")
    assert graph_store.read("MATCH (n:Uniq) RETURN n.name AS name") == [{"name": "a"}]


def test_counts_and_clear(graph_store: GraphStore) -> None:
    graph_store.clear()
    assert graph_store.counts() == {"labels": {}, "relationships": {}}
    graph_store.write(
        "CREATE (a:CountA {id: 1}), (b:CountA {id: 2}), (c:CountB {id: 3}), "
        "(a)-[:REL_X]->(c), (b)-[:REL_X]->(c), (a)-[:REL_Y]->(b)"
    )
    assert graph_store.counts() == {"labels": {"CountA": 2, "CountB": 1}, "relationships": {"REL_X": 2, "REL_Y": 1}}
    assert graph_store.clear() == 3
    assert graph_store.counts() == {"labels": {}, "relationships": {}}


def test_clear_deletes_in_chunks(graph_store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "CLEAR_CHUNK", 7)
    graph_store.write("UNWIND range(1, 20) AS i CREATE (:Chunk {i: i})")
    assert graph_store.clear() >= 20
    assert graph_store.counts()["labels"] == {}


def test_values_are_plain_python(graph_store: GraphStore) -> None:
    graph_store.write(
        "CREATE (a:Val {id: 'v1', tags: ['x', 'y'], n: 1, f: 1.5, ok: true, day: $day})"
        "-[:VAL_REL {w: 2}]->(b:Val {id: 'v2'})",
        {"day": date(2024, 5, 6)},
    )
    rows = graph_store.read("MATCH p = (a:Val {id: 'v1'})-[r:VAL_REL]->(b) RETURN a, r, b.id AS b, p")
    assert rows == [{
        "a": {"id": "v1", "tags": ["x", "y"], "n": 1, "f": 1.5, "ok": True, "day": "2024-05-06", "_labels": ["Val"]},
        "r": {"w": 2, "_type": "VAL_REL"},
        "b": "v2",
        "p": {"nodes": [{"id": "v1", "tags": ["x", "y"], "n": 1, "f": 1.5, "ok": True, "day": "2024-05-06",
                         "_labels": ["Val"]}, {"id": "v2", "_labels": ["Val"]}],
              "relationships": [{"w": 2, "_type": "VAL_REL"}]},
    }]
    params = {"m": {"a": [1, 2], "b": None}, "t": ("x", "y")}
    assert graph_store.read("RETURN $m AS m, $t AS t", params) == [{"m": {"a": [1, 2], "b": None}, "t": ["x", "y"]}]
    with pytest.raises(GraphQueryError, match="not supported"):
        graph_store.read("RETURN $x AS x", {"x": object()})


# ----------------------------------------------------------------------------- neo4j mode

def test_unreachable_neo4j_is_graph_unavailable(tmp_path: Path) -> None:
    port = free_port()
    uri = f"bolt://127.0.0.1:{port}"
    settings = load_settings("test", environ={
        "ONEMAP_HOME": str(tmp_path / "ws"), "ONEMAP__GRAPH__MODE": "neo4j", "ONEMAP__GRAPH__URI": uri,
        "ONEMAP__GRAPH__PASSWORD": "s3cret-pw",
    })
    t0 = time.monotonic()
    with pytest.raises(GraphUnavailable) as caught:
        GraphStore.from_settings(settings)
    assert time.monotonic() - t0 < 30
    assert uri in str(caught.value) and "s3cret-pw" not in str(caught.value)

    with pytest.raises(GraphUnavailable) as caught:
        GraphStore.connect(f"bolt://neo4j:s3cret-pw@127.0.0.1:{port}", "neo4j", "s3cret-pw")
    assert "s3cret-pw" not in str(caught.value)

    with pytest.raises(GraphUnavailable, match="graph.uri is empty"):
        GraphStore.connect("", "neo4j", "x")


def test_sigterm_to_the_starting_process_stops_its_server(tmp_path: Path) -> None:
    """``kill`` of a CLI or bench process must not leave its embedded server behind."""
    script = (
        "import sys, time\n"
        "from assistant.settings import load_settings\n"
        "from knowledge_graph.store import GraphStore\n"
        "s = load_settings('test', environ={'ONEMAP_HOME': sys.argv[1]})\n"
        "st = GraphStore.from_settings(s)\n"
        "print(st.server.info.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "ws")], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        server_pid = int(child.stdout.readline().strip())
        os.kill(child.pid, signal.SIGTERM)
        assert child.wait(timeout=60) == 128 + signal.SIGTERM
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(server_pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"server {server_pid} still running after its starter got SIGTERM")
    finally:
        if child.poll() is None:
            child.kill()
