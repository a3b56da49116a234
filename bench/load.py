"""API load: concurrent ``/search`` and ``/ask`` clients against a real uvicorn server over the demo county.

Usage: python bench/load.py [--duration 60] [--search-clients 50] [--ask-clients 10] [--stream-share 0.3]
                            [--public-clients 0] [--workspace DIR] [--no-graph] [--json] [--out FILE]

- The workspace is built now in a temp folder (``demo.build.build_demo``, then the demo graph, as ``make demo``
  does) unless ``--workspace`` names one (built there if missing; unchanged files are skipped).
- The server is ``uvicorn.run(create_app(c))`` as ``onemap serve`` runs it, in a child process (its own GIL) on a
  free loopback port. Its model is scripted at the model boundary (``FakeModel`` of tests/support/api_world.py,
  behind ``FakeLLM`` of tests/api/conftest.py: the first sentence of the first passage, cited, streamed in pieces),
  so ``/ask`` measures everything but generation.
- The clients run here, on asyncio with one ``httpx.AsyncClient`` each, with an officer key. Each loops for the
  duration over a rotating set of questions; an ``/ask`` client streams a share of its requests (Server-Sent
  Events, read to the end). ``--public-clients`` adds key-less ``/public/*`` clients (the rate limit is raised).
- Every request is checked: a non-2xx status, a transport error, a body without its contract (``hits``,
  ``answer``) or a stream without its ``answer`` event is an error. After the run the audit trail must verify and
  hold one answer record per answered ``/ask``. Exits 1 when anything failed, printing the first errors.

Results: bench/results/load.json (``--out``); a table on stdout (``--json``: the JSON instead).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from _common import ROOT, commit, machine

from eval.metrics import percentile

PROFILE = "default"
KEY_HEADER = "X-API-Key"

# Topics of the demo documents (总体规划, 控规, 永久基本农田通知, 设施农业用地办法, 生态保护红线指引, 规划条件).
SEARCH_QUERIES = [
    "永久基本农田保护面积是多少",
    "城镇开发边界调整由谁审批",
    "容积率上限",
    "建设用地规划许可证核发的依据",
    "设施农业使用永久基本农田的规定",
    "生态保护红线内允许的有限人为活动",
    "SF-02-05地块规划条件",
    "管理单元建筑总量上限",
    "占用永久基本农田的重点建设项目",
    "规划期限和规划基期年",
    "绿地率和建筑密度控制指标",
    "城镇开发边界内的建设用地布局",
]
ASK_QUESTIONS = [
    "永久基本农田转为建设用地由谁批准？",
    "城镇开发边界调整由谁审批？",
    "控制性详细规划对容积率有什么要求？",
    "核发建设用地规划许可证的依据是什么？",
    "设施农业能不能使用永久基本农田？",
    "生态保护红线内允许哪些有限人为活动？",
    "SF-02-05地块的规划条件是什么？",
    "P-003项目是否符合规划？",
    "SF-03单元的建筑总量指标是否超出上限？",
    "示范县国土空间总体规划的规划期限是哪一年到哪一年？",
]


# ------------------------------------------------------------------ the server (child process)

def serve(workspace: Path, port: int, public_rate: int | None) -> None:
    """Run the API over ``workspace`` on 127.0.0.1:``port`` with the scripted model, as ``onemap serve`` runs it."""
    import uvicorn

    from api.app import create_app
    from assistant.container import Container
    from assistant.settings import load_settings
    from tests.api.conftest import FakeLLM
    from tests.support.api_world import FakeModel

    overrides = {"api": {"public_rate_per_minute": public_rate, "public_burst": public_rate}} if public_rate else None
    c = Container(load_settings(PROFILE, environ={**os.environ, "ONEMAP_HOME": str(workspace)}, overrides=overrides))
    c.__dict__["llm"] = FakeLLM(FakeModel())  # c.qa is then built as in production, around the scripted chat
    try:
        uvicorn.run(create_app(c), host="127.0.0.1", port=port, log_level="warning")
    finally:
        c.close()


# ------------------------------------------------------------------ the workspace

def build_workspace(workspace: Path, graph: bool) -> dict[str, float | str]:
    """The demo county in ``workspace`` (and its graph); an officer key. Returns timings and the key."""
    from assistant.access import Role
    from assistant.container import Container
    from assistant.settings import load_settings
    from demo.build import build_demo

    t0 = time.perf_counter()
    c = Container(load_settings(PROFILE, environ={**os.environ, "ONEMAP_HOME": str(workspace)}))
    try:
        summary = build_demo(c)
        t1 = time.perf_counter()
        if graph:
            c.graph.build(demo=True)
        t2 = time.perf_counter()
        _, secret = c.keys.add(f"load-officer-{os.getpid()}-{int(time.time())}", Role.OFFICER)
    finally:
        c.close()
    return {"summary": summary, "demo_s": round(t1 - t0, 1), "graph_s": round(t2 - t1, 1),
            "total_s": round(time.perf_counter() - t0, 1), "key": secret}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ the clients

@dataclass
class Route:
    name: str
    clients: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    first_event_ms: list[float] = field(default_factory=list)
    errors: int = 0
    cited: int = 0  # answers with at least one citation (ask routes)

    def summary(self, seconds: float) -> dict:
        n = len(self.latencies_ms) + self.errors
        lat = self.latencies_ms
        out = {"clients": self.clients, "requests": n, "ok": len(lat), "errors": self.errors,
               "throughput_rps": round(n / seconds, 1) if seconds else 0.0,
               "p50_ms": _round(percentile(lat, 50)), "p95_ms": _round(percentile(lat, 95)),
               "p99_ms": _round(percentile(lat, 99)), "max_ms": _round(max(lat)) if lat else None}
        if self.name.startswith(("POST /ask", "POST /public/ask")):
            out["answers_with_citations"] = self.cited
        if self.first_event_ms:
            out["first_event_p50_ms"] = _round(percentile(self.first_event_ms, 50))
            out["first_event_p95_ms"] = _round(percentile(self.first_event_ms, 95))
        return out


def _round(x: float | None) -> float | None:
    return None if x is None or x != x else round(x, 1)


class LoadError(Exception):
    """A response that broke the contract (status, body or stream)."""


class Load:
    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = base_url
        self.key = key
        self.routes: dict[str, Route] = {}
        self.errors: list[dict] = []

    def route(self, name: str) -> Route:
        return self.routes.setdefault(name, Route(name))

    async def call(self, http, route: str, path: str, body: dict, *, stream: bool = False) -> None:
        r = self.route(route)
        t0 = time.perf_counter()
        try:
            if stream:
                answer, first = await _stream(http, path, body, t0)
                r.first_event_ms.append(first)
            else:
                answer = await _post(http, path, body)
        except Exception as exc:  # every failure is counted; the first few are printed
            r.errors += 1
            if len(self.errors) < 50:
                self.errors.append({"route": route, "request": body, "at_s": round(time.time(), 3),
                                    "error": f"{type(exc).__name__}: {exc}"[:500]})
            return
        r.latencies_ms.append((time.perf_counter() - t0) * 1000)
        if answer is not None and answer.get("citations"):
            r.cited += 1

    async def search_client(self, i: int, deadline: float, public: bool = False) -> None:
        import httpx

        path = "/public/search" if public else "/search"
        async with httpx.AsyncClient(base_url=self.base_url, timeout=120, headers=self._headers(public)) as http:
            n = i
            while time.perf_counter() < deadline:
                query = SEARCH_QUERIES[n % len(SEARCH_QUERIES)]
                await self.call(http, f"POST {path}", path, {"query": query, "k": 5})
                n += 1

    async def ask_client(self, i: int, deadline: float, stream_share: float, public: bool = False) -> None:
        import httpx

        path = "/public/ask" if public else "/ask"
        async with httpx.AsyncClient(base_url=self.base_url, timeout=120, headers=self._headers(public)) as http:
            n = 0
            while time.perf_counter() < deadline:
                question = ASK_QUESTIONS[(i + n) % len(ASK_QUESTIONS)]
                # streams spread evenly: request n of client i streams when the share's running total ticks over
                stream = int((n + 1 + i) * stream_share) > int((n + i) * stream_share)
                route = f"POST {path}" + (" (stream)" if stream else "")
                await self.call(http, route, path, {"question": question, "stream": stream}, stream=stream)
                n += 1

    def _headers(self, public: bool) -> dict[str, str]:
        return {} if public else {KEY_HEADER: self.key}


async def _post(http, path: str, body: dict) -> dict | None:
    got = await http.post(path, json=body)
    if not 200 <= got.status_code < 300:
        raise LoadError(f"HTTP {got.status_code}: {got.text[:300]}")
    data = got.json()
    if "query" in body:
        if not isinstance(data.get("hits"), list):
            raise LoadError(f"no hits in the body: {got.text[:300]}")
        return None
    if not isinstance(data.get("answer"), str) or not data["answer"]:
        raise LoadError(f"no answer in the body: {got.text[:300]}")
    return data


async def _stream(http, path: str, body: dict, t0: float) -> tuple[dict, float]:
    """Read the whole event stream; the ``answer`` event's data, and the ms to the first event."""
    answer = None
    first = None
    event = None
    async with http.stream("POST", path, json=body) as got:
        if not 200 <= got.status_code < 300:
            await got.aread()
            raise LoadError(f"HTTP {got.status_code}: {got.text[:300]}")
        if not got.headers.get("content-type", "").startswith("text/event-stream"):
            raise LoadError(f"not an event stream: {got.headers.get('content-type')}")
        async for line in got.aiter_lines():
            if line.startswith("event: "):
                event = line[7:]
                if first is None:
                    first = (time.perf_counter() - t0) * 1000
            elif line.startswith("data: "):
                if event == "error":
                    raise LoadError(f"error event: {line[6:300]}")
                if event == "answer":
                    answer = json.loads(line[6:])
    if answer is None or not answer.get("answer"):
        raise LoadError("the stream ended without an answer event")
    return answer, first if first is not None else 0.0


async def run_load(load: Load, args) -> float:
    deadline = time.perf_counter() + args.duration
    jobs = [load.search_client(i, deadline) for i in range(args.search_clients)]
    jobs += [load.ask_client(i, deadline, args.stream_share) for i in range(args.ask_clients)]
    for i in range(args.public_clients):
        jobs.append(load.search_client(i, deadline, public=True) if i % 2 == 0
                    else load.ask_client(i, deadline, 0.0, public=True))
    load.route("POST /search").clients = args.search_clients
    if args.ask_clients:
        load.route("POST /ask").clients = args.ask_clients
        if args.stream_share > 0:
            load.route("POST /ask (stream)").clients = args.ask_clients
    if args.public_clients:
        load.route("POST /public/search").clients = (args.public_clients + 1) // 2
        if args.public_clients > 1:
            load.route("POST /public/ask").clients = args.public_clients // 2
    t0 = time.perf_counter()
    await asyncio.gather(*jobs)
    return time.perf_counter() - t0


async def warm_up(load: Load, public: bool) -> None:
    """Each query and question once, in turn (first use starts the graph server, loads jieba and the indexes)."""
    import httpx

    async with httpx.AsyncClient(base_url=load.base_url, timeout=300, headers={KEY_HEADER: load.key}) as http:
        for q in SEARCH_QUERIES:
            await load.call(http, "warm-up", "/search", {"query": q, "k": 5})
        for q in ASK_QUESTIONS:
            await load.call(http, "warm-up", "/ask", {"question": q})
        await load.call(http, "warm-up", "/ask", {"question": ASK_QUESTIONS[0], "stream": True}, stream=True)
        if public:
            await load.call(http, "warm-up", "/public/search", {"query": SEARCH_QUERIES[0]})


async def wait_ready(base_url: str, proc: subprocess.Popen, timeout: float = 180) -> None:
    import httpx

    end = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base_url, timeout=5) as http:
        while time.monotonic() < end:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with {proc.returncode}")
            try:
                if (await http.get("/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the server did not answer /health within {timeout:.0f} s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # uvicorn shuts down gracefully, then the container is closed
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def check_audit(workspace: Path, expected_answers: int) -> dict:
    """The trail verifies, and holds one answer record per answered /ask (warm-up included)."""
    import sqlite3

    from assistant.audit import AuditLog

    log = AuditLog(workspace / "audit.sqlite", settings_hash="")
    try:
        verified = log.verify()
    finally:
        log.close()
    db = sqlite3.connect(workspace / "audit.sqlite")
    try:
        answers = db.execute("SELECT count(*) FROM records WHERE kind = 'answer'").fetchone()[0]
    finally:
        db.close()
    return {"verified": verified.ok, "reason": verified.reason, "records": verified.records,
            "answer_records": answers, "expected_answer_records": expected_answers}


# ------------------------------------------------------------------ main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60, help="Seconds of load (default 60).")
    parser.add_argument("--search-clients", type=int, default=50)
    parser.add_argument("--ask-clients", type=int, default=10)
    parser.add_argument("--stream-share", type=float, default=0.3, help="Share of /ask requests streamed (SSE).")
    parser.add_argument("--public-clients", type=int, default=0,
                        help="Key-less clients, half /public/search, half /public/ask (rate limit raised).")
    parser.add_argument("--workspace", help="Use (and build if needed) this workspace instead of a temp one.")
    parser.add_argument("--no-graph", dest="graph", action="store_false", help="Do not build the demo graph.")
    parser.add_argument("--json", action="store_true", help="Print the results as JSON.")
    parser.add_argument("--out", default=str(ROOT / "bench/results/load.json"))
    parser.add_argument("--serve", help=argparse.SUPPRESS)  # the child: serve this workspace
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--public-rate", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve), args.port, args.public_rate)
        return
    if not 0 <= args.stream_share <= 1:
        parser.error("--stream-share must be between 0 and 1")

    loadavg = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    temp = None
    if args.workspace:
        workspace = Path(args.workspace).resolve()
    else:
        temp = Path(tempfile.mkdtemp(prefix="onemap-load-"))
        workspace = temp / "workspace"
    log = (temp or workspace.parent) / "load-server.log"
    try:
        sys.exit(_run(args, workspace, log, loadavg))
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)


def _run(args, workspace: Path, log_path: Path, loadavg: list[str]) -> int:
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    say(f"building the demo workspace in {workspace} …")
    built = build_workspace(workspace, args.graph)
    say(f"{built['summary']}\nbuilt in {built['total_s']} s (demo {built['demo_s']} s, graph {built['graph_s']} s)")

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    public_rate = 1_000_000 if args.public_clients else None
    cmd = [sys.executable, str(Path(__file__).resolve()), "--serve", str(workspace), "--port", str(port)]
    if public_rate:
        cmd += ["--public-rate", str(public_rate)]
    load = Load(base_url, str(built["key"]))
    with log_path.open("w") as server_log:
        proc = subprocess.Popen(cmd, stdout=server_log, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            t0 = time.perf_counter()
            asyncio.run(wait_ready(base_url, proc))
            started_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            asyncio.run(warm_up(load, bool(args.public_clients)))
            warm_s = time.perf_counter() - t0
            warm = load.routes.pop("warm-up")
            say(f"server up in {started_s:.1f} s at {base_url}; warm-up {warm_s:.1f} s "
                f"({len(warm.latencies_ms)} requests, {warm.errors} errors)")
            say(f"load: {args.search_clients} /search + {args.ask_clients} /ask clients "
                f"({args.stream_share:.0%} streamed) + {args.public_clients} public, {args.duration:.0f} s …")
            server_cpu, client_cpu = cpu_seconds(proc.pid), time.process_time()
            seconds = asyncio.run(run_load(load, args))
            server_cpu, client_cpu = cpu_seconds(proc.pid) - server_cpu, time.process_time() - client_cpu
        except BaseException:
            stop(proc)
            print("server log, last lines:\n" + "\n".join(log_path.read_text(errors="replace").splitlines()[-40:]),
                  file=sys.stderr)
            raise
        stop(proc)
    answered = len(warm.latencies_ms) - len(SEARCH_QUERIES) - (1 if args.public_clients else 0) + sum(
        len(r.latencies_ms) for name, r in load.routes.items() if "/ask" in name)
    audit = check_audit(workspace, answered)
    routes = {name: r.summary(seconds) for name, r in load.routes.items() if r.clients or r.latencies_ms or r.errors}
    errors = list(load.errors)
    if warm.errors:
        errors.insert(0, {"route": "warm-up", "error": f"{warm.errors} warm-up requests failed"})
    if not audit["verified"] or audit["answer_records"] != audit["expected_answer_records"]:
        errors.append({"route": "audit", "error": f"audit trail: {audit}"})
    result = {
        "machine": machine(), "date": str(date.today()), "commit": commit(), "loadavg_before": loadavg,
        "settings": {"duration_s": args.duration, "search_clients": args.search_clients,
                     "ask_clients": args.ask_clients, "stream_share": args.stream_share,
                     "public_clients": args.public_clients, "public_rate_per_minute": public_rate,
                     "profile": PROFILE, "graph": args.graph, "model": "FakeModel (scripted, instant)",
                     "server": "uvicorn, 1 process, child of the bench"},
        "workspace": {k: v for k, v in built.items() if k != "key"},
        "server_start_s": round(started_s, 1), "warm_up_s": round(warm_s, 1), "wall_s": round(seconds, 1),
        "cpu_s": {"server": round(server_cpu, 1), "clients": round(client_cpu, 1),
                  "available": round(seconds * (os.cpu_count() or 1), 1)},
        "routes": routes, "audit": audit, "errors_total": sum(r.errors for r in load.routes.values()) + warm.errors,
        "errors": errors[:20],
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print_table(result)
    if errors:
        print(f"\n{result['errors_total']} errors; the first ones:", file=sys.stderr)
        for e in errors[:5]:
            print(f"  {e['route']}: {e['error']}" + (f"  (request {json.dumps(e['request'], ensure_ascii=False)})"
                                                     if "request" in e else ""), file=sys.stderr)
        tail = log_path.read_text(errors="replace").splitlines()[-40:] if log_path.exists() else []
        if tail:
            print(f"\nserver log ({log_path}), last lines:\n" + "\n".join(tail), file=sys.stderr)
        return 1
    return 0


def print_table(result: dict) -> None:
    s = result["settings"]
    print(f"\nAPI load · {result['machine']} · commit {result['commit']} · load average before "
          f"{' '.join(result['loadavg_before'])}")
    print(f"{s['search_clients']} /search + {s['ask_clients']} /ask clients ({s['stream_share']:.0%} streamed) + "
          f"{s['public_clients']} public, {s['duration_s']:.0f} s (wall {result['wall_s']} s)")
    head = f"{'route':22} {'clients':>7} {'requests':>9} {'errors':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} " \
           f"{'p99 ms':>8} {'max ms':>8}"
    print(head)
    print("-" * len(head))
    for name, r in result["routes"].items():
        print(f"{name:22} {r['clients']:>7} {r['requests']:>9} {r['errors']:>6} {r['throughput_rps']:>7} "
              f"{_fmt(r['p50_ms']):>8} {_fmt(r['p95_ms']):>8} {_fmt(r['p99_ms']):>8} {_fmt(r['max_ms']):>8}")
    cpu = result["cpu_s"]
    print(f"CPU during the load: server {cpu['server']} s, clients {cpu['clients']} s, of {cpu['available']} s "
          f"({os.cpu_count()} cores)")
    a = result["audit"]
    print(f"audit trail: {'verified' if a['verified'] else 'BROKEN: ' + a['reason']}, {a['answer_records']} answer "
          f"records (expected {a['expected_answer_records']})")


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}"


if __name__ == "__main__":
    main()
