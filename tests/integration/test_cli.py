"""The onemap CLI: help on every command, JSON contract, bad input → exit 2 with one line per file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from tests.conftest import write

LAW = """# 示例城乡规划法

## 第三章 规划的实施

第三十八条 在城市、镇规划区内以出让方式提供国有土地使用权的，在国有土地使用权出让前，城市、县人民政府城乡规划主管部门应当依据控制性详细规划，提出出让地块的位置、使用性质、开发强度等规划条件，作为国有土地使用权出让合同的组成部分。
"""


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ONEMAP_HOME", str(tmp_path / "ws"))
    monkeypatch.setenv("ONEMAP_PROFILE", "test")
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


@pytest.mark.parametrize("command", [[], ["ingest"], ["search"], ["documents"], ["documents", "list"],
                                     ["documents", "remove"], ["settings", "show"], ["demo"]])
def test_every_command_has_help(run, command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_search_json_contract(run, tmp_path: Path) -> None:
    assert run("ingest", str(write(tmp_path / "docs" / "示例城乡规划法(2019-04-23).md", LAW))).exit_code == 0
    result = run("search", "出让土地前要先给规划条件吗", "-k", "1", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["query"] == "出让土地前要先给规划条件吗"
    hit = data["hits"][0]
    assert set(hit) == {"rank", "score", "doc_id", "doc_title", "version", "locator", "heading_path", "text",
                        "access", "doc_type"}
    assert (hit["rank"], hit["doc_title"], hit["version"], hit["locator"]) == (1, "示例城乡规划法", "2019-04-23", "第三十八条")
    assert hit["heading_path"] == ["第三章 规划的实施"]


def test_bad_files_fail_one_line_each_and_the_rest_is_ingested(run, tmp_path: Path) -> None:
    from ingest.render import encrypt_pdf, render_pdf

    docs = tmp_path / "docs"
    write(docs / "good.md", LAW)
    write(docs / "gbk.txt", "第一条 城镇开发边界内的建设，实行详细规划加规划许可的管理方式。", encoding="gbk")
    write(docs / "empty.txt", "")
    (docs / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<>> garbage")
    render_pdf("# 标题\n\n第一条 测试文本。", docs / "plain.pdf")
    encrypt_pdf(docs / "plain.pdf", docs / "locked.pdf", "secret")
    (docs / "plain.pdf").unlink()
    (docs / "table.xyz").write_text("x")
    result = run("ingest", str(docs), str(docs / "table.xyz"), str(tmp_path / "missing.md"))
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    failed = {Path(line.split(":")[0]).name for line in errors}
    assert failed == {"empty.txt", "corrupt.pdf", "locked.pdf", "table.xyz", "missing.md"}, errors
    assert len(errors) == 5
    listed = json.loads(run("documents", "list", "--json").stdout)
    assert {d["title"] for d in listed} == {"good", "gbk"}
    hit = json.loads(run("search", "城镇开发边界 详细规划", "--json").stdout)["hits"][0]
    assert "城镇开发边界内的建设" in hit["text"]  # GBK text read correctly


def test_search_rejects_bad_options(run) -> None:
    assert run("search", "   ").exit_code == 2
    assert run("search", "x", "--mode", "magic").exit_code == 2
    bad = run("search", "x", "--role", "root")
    assert bad.exit_code == 2


def test_invalid_settings_exit_2(run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEMAP__RETRIEVAL__TOP_K", "zero")
    result = run("search", "x")
    assert result.exit_code == 2
    assert "retrieval.top_k" in result.stderr


def test_a_busy_workspace_gives_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys

    from assistant.container import Container
    from assistant.settings import load_settings

    monkeypatch.setenv("ONEMAP_HOME", str(tmp_path / "ws"))
    holder = Container(load_settings("test"))
    assert holder.vectors.count() == 0  # opening the embedded store takes its lock
    try:
        done = subprocess.run([sys.executable, "-c", "from assistant.cli import main; main()", "search", "耕地"],
                              capture_output=True, text=True, timeout=120)
    finally:
        holder.close()
    assert done.returncode == 1
    assert "in use by another onemap process" in done.stderr
    assert "Traceback" not in done.stderr
