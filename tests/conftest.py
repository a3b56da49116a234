"""Shared fixtures: a fresh workspace and container per test, real embedded components."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import Settings, load_settings

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings("test", environ={"ONEMAP_HOME": str(tmp_path / "workspace")})


@pytest.fixture
def container(settings: Settings):
    from assistant.container import Container

    c = Container(settings)
    yield c
    c.close()


@pytest.fixture
def shared_corpus() -> Path:
    corpus = SHARED / "corpus"
    if not corpus.is_dir():
        pytest.skip(f"../shared/corpus is not present at {corpus}")
    return corpus


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path
