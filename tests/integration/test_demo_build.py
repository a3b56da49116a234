"""`onemap demo`: the demo county renders to PDF/DOCX, ingests at three access levels, and searches."""

from __future__ import annotations

import pytest

from assistant.access import Role
from demo.build import build_demo


@pytest.fixture(scope="module")
def demo_container(tmp_path_factory):
    from assistant.container import Container
    from assistant.settings import load_settings

    ws = tmp_path_factory.mktemp("demo") / "workspace"
    container = Container(load_settings("test", environ={"ONEMAP_HOME": str(ws)}))
    summary = build_demo(container)
    assert "documents indexed" in summary
    yield container
    container.close()


def test_all_demo_documents_are_indexed_with_their_access(demo_container) -> None:
    docs = demo_container.catalog.documents()
    levels = sorted(d.access.value for d in docs)
    assert levels.count("internal") >= 1 and levels.count("confidential") >= 1
    sources = {d.source_path.rsplit(".", 1)[-1] for d in docs}
    assert {"md", "pdf", "docx"} <= sources


def test_rendered_pdf_keeps_its_numbered_structure(demo_container) -> None:
    hits = demo_container.search.search("SF-02-05地块 用地面积 净用地面积", k=5).hits
    pdf_hits = [h for h in hits if "SF-02-05" in h.doc_title]
    assert pdf_hits and pdf_hits[0].locator == "（三）"
    assert pdf_hits[0].heading_path == ["一、地块基本情况"]


def test_confidential_demo_report_is_invisible_to_public_and_officers(demo_container) -> None:
    for role in (Role.PUBLIC, Role.OFFICER, Role.REVIEWER):
        hits = demo_container.search.search("青岚工程 选址 比选", k=10, role=role).hits
        assert all("青岚工程" not in h.text for h in hits), role
    admin = demo_container.search.search("青岚工程 选址 比选", k=3, role=Role.ADMIN).hits
    assert admin[0].access == "confidential"


def test_master_plan_indicator_table_is_found(demo_container) -> None:
    hits = demo_container.search.search("永久基本农田保护面积 约束性指标 2035年", k=5, role=Role.OFFICER).hits
    assert any(h.doc_title.startswith("示范县国土空间总体规划") and "|" in h.text for h in hits)


def test_building_the_demo_again_changes_nothing(demo_container) -> None:
    revision = demo_container.catalog.revision
    build_demo(demo_container)
    assert demo_container.catalog.revision == revision  # rendered PDF/DOCX are byte-identical
