"""The audit trail: hash chain, tamper detection, concurrent appends; records from the commands; ``onemap audit``."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.audit import GENESIS_HASH, AuditError, AuditLog, record_hash
from assistant.audit_records import answer_evidence_ids, audit_answer
from assistant.qa.service import Answer, Citation
from assistant.qa.tools import ToolResult

DEMO = Path(__file__).resolve().parents[2] / "demo"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "audit.sqlite"


@pytest.fixture
def log(path: Path):
    log = AuditLog(path, settings_hash="s1")
    yield log
    log.close()


def fill(log: AuditLog, n: int) -> None:
    for i in range(n):
        log.record("search", role="public", actor="public", request={"query": f"问题{i}"},
                   evidence_ids=[f"doc:d{i}#第{i}条"], result={"hits": i})


def tamper(path: Path, sql: str, *args) -> None:
    """Change the file behind the log's back, as someone with the file would (dropping the guards first)."""
    db = sqlite3.connect(path)
    db.execute("DROP TRIGGER IF EXISTS records_no_update")
    db.execute("DROP TRIGGER IF EXISTS records_no_delete")
    db.execute(sql, args)
    db.commit()
    db.close()


def test_records_are_chained_and_listed_newest_first(log: AuditLog) -> None:
    fill(log, 3)
    rec = log.record("check", role="officer", actor="审查科", request={"project": "P-003"},
                     result={"overall": "fail"}, tool_calls=[{"name": "spatial_check", "result": {"x": 1.5}}],
                     model="qwen")
    records = log.list(limit=10)
    assert [r.seq for r in records] == [4, 3, 2, 1] and records[0] == rec
    assert records[-1].prev_hash == GENESIS_HASH
    assert all(newer.prev_hash == older.hash for newer, older in zip(records, records[1:], strict=False))
    assert all(r.hash == record_hash(r.model_dump()) for r in records)
    assert rec.settings_hash == "s1" and rec.at.endswith("+00:00") and rec.model == "qwen"
    assert [r.seq for r in log.list(kind="check")] == [4] and [r.seq for r in log.list(limit=2)] == [4, 3]
    assert log.verify().model_dump() == {"ok": True, "records": 4, "first_bad_seq": None, "reason": ""}


def test_an_empty_trail_verifies(log: AuditLog) -> None:
    assert log.verify().ok and log.verify().records == 0


def test_bad_kind_and_limit_are_refused(log: AuditLog) -> None:
    with pytest.raises(ValueError, match="unknown audit kind"):
        log.record("delete", role="admin", actor="cli", request={})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="limit"):
        log.list(limit=0)


def test_records_cannot_be_updated_or_deleted_through_sqlite(log: AuditLog, path: Path) -> None:
    fill(log, 2)
    db = sqlite3.connect(path)
    for sql in ("UPDATE records SET result = '{}' WHERE seq = 1", "DELETE FROM records WHERE seq = 2"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute(sql)
    db.close()
    assert log.verify().ok


def test_an_edited_record_is_named(log: AuditLog, path: Path) -> None:
    fill(log, 5)
    tamper(path, "UPDATE records SET result = ? WHERE seq = 3", json.dumps({"hits": 99}))
    result = log.verify()
    assert not result.ok and result.first_bad_seq == 3 and "altered" in result.reason and result.records == 5


def test_an_edited_and_rehashed_record_breaks_the_next_link(log: AuditLog, path: Path) -> None:
    fill(log, 5)
    rec = log.list(limit=5)[2]  # seq 3
    forged = rec.model_copy(update={"role": "admin"})
    tamper(path, "UPDATE records SET role = 'admin', hash = ? WHERE seq = 3", record_hash(forged.model_dump()))
    result = log.verify()
    assert not result.ok and result.first_bad_seq == 4 and "prev_hash" in result.reason


def test_a_deleted_middle_record_is_named(log: AuditLog, path: Path) -> None:
    fill(log, 5)
    tamper(path, "DELETE FROM records WHERE seq = 3")
    result = log.verify()
    assert not result.ok and result.first_bad_seq == 3 and "missing" in result.reason and result.records == 4


def test_a_cut_tail_is_found_by_the_head(log: AuditLog, path: Path) -> None:
    fill(log, 5)
    tamper(path, "DELETE FROM records WHERE seq >= 4")
    result = log.verify()
    assert not result.ok and result.first_bad_seq == 4 and "tail" in result.reason


def test_a_rewritten_last_record_is_found_by_the_head(log: AuditLog, path: Path) -> None:
    fill(log, 3)
    last = log.list(limit=1)[0]
    forged = last.model_copy(update={"actor": "someone else"})
    tamper(path, "UPDATE records SET actor = 'someone else', hash = ? WHERE seq = 3",
           record_hash(forged.model_dump()))
    result = log.verify()
    assert not result.ok and result.first_bad_seq == 3 and "head" in result.reason


def test_concurrent_records_from_8_threads_keep_the_chain(log: AuditLog, path: Path) -> None:
    other = AuditLog(path, settings_hash="s1")  # a second connection, as a second process would have
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for j in range(25):
                (other if i % 2 else log).record("answer", role="officer", actor=f"t{i}",
                                                 request={"question": f"{i}-{j}"})
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert errors == []
    records = log.list(limit=1000)
    assert sorted(r.seq for r in records) == list(range(1, 201))
    assert {r.request["question"] for r in records} == {f"{i}-{j}" for i in range(8) for j in range(25)}
    assert log.verify().model_dump() == {"ok": True, "records": 200, "first_bad_seq": None, "reason": ""}


def test_an_unwritable_trail_raises_audit_error(tmp_path: Path) -> None:
    (tmp_path / "audit.sqlite").mkdir()
    with pytest.raises(AuditError, match="cannot open the audit trail"):
        AuditLog(tmp_path / "audit.sqlite", settings_hash="s1")


def test_values_are_stored_as_json_and_hash_the_same_after_reading(log: AuditLog) -> None:
    rec = log.record("extract", role="local", actor="cli", request={"path": Path("/tmp/a.md"), "t": (1, 2)},
                     result={"far": 2.5, "ratio": 1 / 3, "名称": "二类城镇住宅用地"})
    read = log.list(limit=1)[0]
    assert read == rec and read.request == {"path": "/tmp/a.md", "t": [1, 2]}
    assert log.verify().ok


def test_audit_answer_records_citations_as_evidence_and_tool_results(log: AuditLog) -> None:
    hits = [{"doc_id": "d-tdglf", "doc_title": "中华人民共和国土地管理法", "version": "2019", "locator": "第四十四条",
             "text": "……"}]
    answer = Answer(answer="由国务院批准[1]。", grounded=True, model="qwen2.5-3b", citations=[
        Citation(n=1, doc_title="中华人民共和国土地管理法", version="2019", locator="第四十四条", text="……"),
        Citation(n=2, doc_title="关于在国土空间规划中统筹划定落实三条控制线的指导意见", locator="（四）", text="……")],
        tool_calls=[ToolResult(name="search", arguments={"query": "永久基本农田"}, result={"hits": hits})])
    assert answer_evidence_ids(answer) == ["doc:d-tdglf#第四十四条",
                                           "clause:《关于在国土空间规划中统筹划定落实三条控制线的指导意见》（四）"]
    rec = audit_answer(log, "永久基本农田转为建设用地由谁批准？", answer, role="public", actor="public")
    assert rec.kind == "answer" and rec.model == "qwen2.5-3b" and rec.request == {"question": "永久基本农田转为建设用地由谁批准？"}
    assert rec.tool_calls[0]["result"]["hits"][0]["doc_id"] == "d-tdglf" and rec.result["answer"] == "由国务院批准[1]。"


def test_the_container_opens_the_trail_with_the_settings_fingerprint(container) -> None:
    rec = container.audit.record("search", role="public", actor="cli", request={"query": "红线"})
    assert rec.settings_hash == container.settings.fingerprint()
    assert (container.settings.workspace / "audit.sqlite").is_file()


# --------------------------------------------------------------------------- the commands


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return tmp_path / "ws"


@pytest.fixture
def run(workspace: Path, monkeypatch: pytest.MonkeyPatch):
    from assistant.cli import app

    monkeypatch.setenv("ONEMAP_HOME", str(workspace))
    monkeypatch.setenv("ONEMAP_PROFILE", "test")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_check_is_recorded_and_the_trail_verifies(run, workspace: Path) -> None:
    assert run("audit", "verify").stdout.strip() == "审计记录 0 条，哈希链完整"
    for _ in range(3):
        result = run("check", DEMO / "projects" / "P-003.json", "--json")
        assert result.exit_code == 0, result.output
    verdict = json.loads(result.stdout)
    records = json.loads(run("audit", "list", "--json", "--kind", "check").stdout)
    assert [r["seq"] for r in records] == [3, 2, 1]
    rec = records[0]
    assert (rec["kind"], rec["role"], rec["actor"]) == ("check", "officer", "cli")
    assert rec["request"]["project"]["id"] == "P-003" and rec["request"]["source"].endswith("P-003.json")
    assert rec["result"]["overall"] == verdict["overall"]
    assert rec["result"]["checks"] == {c["check"]: c["status"] for c in verdict["checks"]}
    assert {f"rule:{c['rule']['id']}" for c in verdict["checks"]} <= set(rec["evidence_ids"])
    ok = run("audit", "verify")
    assert ok.exit_code == 0 and ok.stdout.strip() == "审计记录 3 条，哈希链完整"
    assert "P-003 → " in run("audit", "list").stdout

    tamper(workspace / "audit.sqlite", "UPDATE records SET role = 'admin' WHERE seq = 2")
    bad = run("audit", "verify")
    assert bad.exit_code == 1 and "第 2 条" in bad.output and "altered" in bad.output
    assert bad.output.count("\n") == 1


def test_a_deleted_record_fails_verify(run, workspace: Path) -> None:
    for _ in range(3):
        assert run("check", DEMO / "projects" / "P-003.json", "--json").exit_code == 0
    tamper(workspace / "audit.sqlite", "DELETE FROM records WHERE seq = 2")
    bad = run("audit", "verify", "--json")
    assert bad.exit_code == 1
    assert json.loads(bad.stdout)["first_bad_seq"] == 2


def test_ask_records_the_answer_its_evidence_and_tool_calls(run, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.container import Container

    answer = Answer(answer="由国务院批准[1]。", grounded=True, model="fake-model", citations=[
        Citation(n=1, doc_title="土地管理法", version="2019", locator="第四十四条", text="……")],
        tool_calls=[ToolResult(name="search", arguments={"query": "q"}, result={"hits": [
            {"doc_id": "d-1", "doc_title": "土地管理法", "version": "2019", "locator": "第四十四条"}]})])
    asked = []

    class FakeQA:  # the model boundary: no index, no model
        def ask(self, question, *, role, on_token=None):
            asked.append((question, role))
            return answer

    monkeypatch.setattr(Container, "qa", property(lambda self: FakeQA()))
    monkeypatch.setenv("ONEMAP__LLM__MODE", "server")  # nothing embedded to assemble or start
    monkeypatch.setenv("ONEMAP__LLM__BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("ONEMAP__LLM__MODEL", "fake-model")
    result = run("ask", "永久基本农田转为建设用地由谁批准？", "--role", "officer", "--json")
    assert result.exit_code == 0, result.output
    assert asked == [("永久基本农田转为建设用地由谁批准？", "officer")]
    rec = json.loads(run("audit", "list", "--json").stdout)[0]
    assert (rec["kind"], rec["role"], rec["actor"], rec["model"]) == ("answer", "officer", "cli", "fake-model")
    assert rec["evidence_ids"] == ["doc:d-1#第四十四条"] and rec["tool_calls"][0]["name"] == "search"
    assert rec["result"]["answer"] == "由国务院批准[1]。"


def test_extract_is_recorded_with_the_document_hash(run, tmp_path: Path) -> None:
    from assistant.audit_records import sha256_file
    from tests.unit.test_extraction import TABLE_AND_TEXT

    doc = tmp_path / "plan.md"
    doc.write_text(TABLE_AND_TEXT, encoding="utf-8")
    assert run("extract", doc, "--json", "--no-model").exit_code == 0
    rec = json.loads(run("audit", "list", "--json").stdout)[0]
    assert rec["kind"] == "extract" and rec["request"]["sha256"] == sha256_file(doc) and rec["model"] is None
    assert rec["result"]["parcels"] and all(e.startswith("source:") for e in rec["evidence_ids"])


def test_a_command_fails_when_its_record_cannot_be_written(run, workspace: Path) -> None:
    (workspace / "audit.sqlite").mkdir(parents=True)
    result = run("check", DEMO / "projects" / "P-003.json", "--json")
    assert result.exit_code == 1
    assert result.output.startswith("error: cannot open the audit trail") and result.stdout == ""


def test_audit_list_rejects_an_unknown_kind(run) -> None:
    result = run("audit", "list", "--kind", "delete")
    assert result.exit_code == 2 and result.output.startswith("error: --kind") and result.output.count("\n") == 1


@pytest.mark.parametrize("command", [["audit"], ["audit", "list"], ["audit", "verify"], ["keys"], ["keys", "add"],
                                     ["keys", "list"], ["keys", "revoke"]])
def test_the_commands_have_help(run, command) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0 and "Usage" in result.output
