"""The deployment files agree: docker-compose.yml, .env.example, the Dockerfile and the production profile.

Docker is not on the development VMs (and vLLM needs a GPU), so the stack is never started here. These
tests read the files, interpolate the compose variables the way compose does, load the production settings
with the environment the API container would get, and check that they point at the compose services with
the same credentials the servers are given. ``docker compose config`` validates the file where the compose
plugin is installed.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from psycopg.conninfo import conninfo_to_dict

from assistant.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
PROFILE = ROOT / "assistant" / "profiles" / "production.yaml"
SERVICES = {"api", "qdrant", "neo4j", "vllm", "postgis"}

# ${VAR} or ${VAR:default} in a settings profile (assistant/settings.py).
_PROFILE_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:[^}]*)?\}")
# ${VAR}, ${VAR:-default} or ${VAR-default} in a compose file; $$ is a literal $.
_COMPOSE_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}")


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _env_example() -> dict[str, str]:
    """KEY=VALUE lines of .env.example (comments and blank lines skipped)."""
    env = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f".env.example: not KEY=VALUE: {line!r}"
        env[key.strip()] = value.strip()
    return env


def _interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """Compose's variable interpolation of one value (strings only; ``$$`` stays a literal ``$``)."""
    if not isinstance(value, str):
        return value

    def sub(m: re.Match[str]) -> str:
        var, op, default = m.group(1), m.group(2), m.group(3)
        if op == ":-":
            return env.get(var) or default
        if op == "-":
            return env.get(var, default)
        return env.get(var, "")

    parts = value.split("$$")
    out = [_COMPOSE_VAR.sub(sub, part) for part in parts]
    for part in out:
        assert "${" not in part, f"interpolation this test does not model: {value!r}"
    return "$".join(out)


def _service_env(service: str, env: Mapping[str, str]) -> dict[str, str]:
    raw = _compose()["services"][service].get("environment", {})
    assert isinstance(raw, dict), f"{service}: write environment as a mapping"
    return {k: str(_interpolate(v, env)) for k, v in raw.items()}


def _compose_variables(node: Any = None) -> set[str]:
    """The variables interpolated anywhere in the compose file (keys stay literal in compose)."""
    node = _compose() if node is None else node
    if isinstance(node, dict):
        return set().union(*(_compose_variables(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_compose_variables(v) for v in node))
    if isinstance(node, str):
        return {m.group(1) for m in _COMPOSE_VAR.finditer(node.replace("$$", ""))}
    return set()


def _profile_variables() -> dict[str, bool]:
    """Each ``${VAR}`` of the production profile -> whether it has a default."""
    found: dict[str, bool] = {}
    for m in _PROFILE_VAR.finditer(PROFILE.read_text(encoding="utf-8")):
        found[m.group(1)] = found.get(m.group(1), False) or m.group(2) is not None
    return found


def _production(environ: Mapping[str, str], tmp_path: Path) -> Settings:
    return load_settings("production", environ={**environ, "ONEMAP_HOME": str(tmp_path / "workspace")})


# ---------------------------------------------------------------------------------------------- the file


def test_compose_has_the_five_services() -> None:
    assert set(_compose()["services"]) == SERVICES


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_images_are_pinned(service: str) -> None:
    image = _compose()["services"][service]["image"]
    name, _, tag = image.rpartition(":")
    assert name and "/" not in tag, f"{service}: {image!r} has no tag"
    assert tag != "latest" and re.search(r"\d", tag), f"{service}: {image!r} is not pinned to a version"


def test_api_is_built_here_from_a_pinned_python() -> None:
    api = _compose()["services"]["api"]
    assert api["build"] in (".", {"context": "."})
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", DOCKERFILE.read_text(encoding="utf-8"), re.M)
    assert base and base.group(1).startswith("python:3.11") and "latest" not in base.group(1)


def test_dockerfile_installs_the_project_without_the_model_extras() -> None:
    lines = [line for line in DOCKERFILE.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")]
    code = "\n".join(lines)
    assert "pip install -c constraints.txt ." in code
    assert not re.search(r"pip install[^\n]*\[", code), "no extras: the model is an endpoint"
    for heavy in ("torch", "sentence-transformers", "llama"):
        assert heavy not in code, heavy


def test_servers_have_healthchecks_and_the_api_waits_for_them() -> None:
    services = _compose()["services"]
    for name in SERVICES:
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    depends = services["api"]["depends_on"]
    for name in ("qdrant", "neo4j", "postgis"):
        assert depends[name] == {"condition": "service_healthy"}
    assert "vllm" not in depends  # the API works without the model while it loads


@pytest.mark.parametrize("service, target", [("api", "/data/workspace"), ("qdrant", "/qdrant/storage"),
                                             ("neo4j", "/data"), ("postgis", "/var/lib/postgresql/data"),
                                             ("vllm", "/root/.cache/huggingface")])
def test_state_is_in_named_volumes(service: str, target: str) -> None:
    compose = _compose()
    mounts = dict(v.split(":")[:2][::-1] for v in compose["services"][service]["volumes"])
    assert target in mounts, f"{service}: nothing mounted at {target}"
    assert mounts[target] in compose["volumes"]


def test_vllm_serves_with_tool_calling_on_a_gpu() -> None:
    vllm = _compose()["services"]["vllm"]
    args = vllm["command"]
    assert "--enable-auto-tool-choice" in args
    assert args[args.index("--tool-call-parser") + 1] == "hermes"
    devices = vllm["deploy"]["resources"]["reservations"]["devices"]
    assert any(d["driver"] == "nvidia" and "gpu" in d["capabilities"] for d in devices)


def test_the_api_command_is_accepted_by_onemap_serve() -> None:
    """The compose command and the image's CMD use only options `onemap serve` declares."""
    import typer.main

    from assistant.cli import app

    serve = typer.main.get_command(app).commands["serve"]
    declared = {opt for p in serve.params for opt in (*p.opts, *p.secondary_opts)}
    cmd = re.search(r"^CMD (\[.*\])$", DOCKERFILE.read_text(encoding="utf-8"), re.M)
    assert cmd, "the Dockerfile has no exec-form CMD"
    for argv in (_compose()["services"]["api"]["command"], yaml.safe_load(cmd.group(1))):
        assert argv[:2] == ["onemap", "serve"], shlex.join(argv)
        used = {a for a in argv if a.startswith("--")}
        assert used <= declared, f"{shlex.join(argv)}: not options of onemap serve: {sorted(used - declared)}"
        assert argv[argv.index("--host") + 1] == "0.0.0.0"


def test_secrets_stay_out_of_the_image_and_the_repository() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()}
    assert {".venv", "workspace", "bench/results", ".git", "models", ".env"} <= ignored
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


# --------------------------------------------------------------------------------------- the variables


def test_profile_variables_are_defaulted_or_given_to_the_api() -> None:
    """Each ${VAR} of production.yaml has a default or comes from .env.example through the API's environment;
    every secret reaches the API container (a profile default of "" would only fail at the first connection)."""
    env_example = _env_example()
    api_env = _compose()["services"]["api"]["environment"]
    for var, defaulted in _profile_variables().items():
        if not defaulted:
            assert var in env_example and var in api_env, f"{var}: no default, not in .env.example and the api"
        if re.search(r"PASSWORD|API_KEY|DSN", var):
            assert var in api_env, f"{var} is a secret the api service does not pass"


def test_every_compose_variable_is_documented_in_env_example() -> None:
    missing = _compose_variables() - set(_env_example())
    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_env_example_has_no_unused_variables() -> None:
    unused = set(_env_example()) - _compose_variables()
    assert not unused, f".env.example lists variables docker-compose.yml does not read: {sorted(unused)}"


def test_production_profile_loads_with_env_example(tmp_path: Path) -> None:
    env = _env_example()
    s = _production(env, tmp_path)
    assert (s.vector_store.mode, s.vector_store.url, s.vector_store.api_key) == \
        ("server", env["QDRANT_URL"], env["QDRANT_API_KEY"])
    assert (s.graph.mode, s.graph.uri, s.graph.password) == ("neo4j", env["NEO4J_URI"], env["NEO4J_PASSWORD"])
    assert (s.llm.mode, s.llm.base_url, s.llm.model) == ("server", env["LLM_BASE_URL"], env["LLM_MODEL"])
    assert s.llm.tool_calling == "model"
    assert s.spatial.backend == "postgis"


def test_production_profile_loads_without_environment(tmp_path: Path) -> None:
    """Unset variables fall back to the compose service names; secrets are then empty."""
    s = _production({}, tmp_path)
    assert urlsplit(s.vector_store.url).hostname == "qdrant"
    assert urlsplit(s.graph.uri).hostname == "neo4j"
    assert urlsplit(s.llm.base_url).hostname == "vllm"
    assert conninfo_to_dict(s.spatial.postgis_dsn)["host"] == "postgis"
    assert s.graph.password == "" and s.vector_store.api_key == ""
    assert s.llm.tool_calling == "model"


@pytest.mark.parametrize("source", [".env.example", "compose defaults"])
def test_the_api_container_reaches_each_server_with_its_credentials(source: str, tmp_path: Path) -> None:
    """The settings the API container loads name the compose services, their container ports and the
    credentials the servers are started with, whether .env is copied from .env.example or absent."""
    env = _env_example() if source == ".env.example" else {}
    compose = _compose()
    s = _production(_service_env("api", env), tmp_path)

    qdrant = urlsplit(s.vector_store.url)
    assert (qdrant.hostname, qdrant.port) == ("qdrant", 6333)
    assert s.vector_store.api_key == _service_env("qdrant", env)["QDRANT__SERVICE__API_KEY"] != ""

    bolt = urlsplit(s.graph.uri)
    assert (bolt.scheme, bolt.hostname, bolt.port) == ("bolt", "neo4j", 7687)
    user, _, password = _service_env("neo4j", env)["NEO4J_AUTH"].partition("/")
    assert (s.graph.user, s.graph.password) == (user, password)
    assert len(password) >= 8  # Neo4j 5 refuses shorter initial passwords

    pg = conninfo_to_dict(s.spatial.postgis_dsn)
    server = _service_env("postgis", env)
    assert (pg["host"], int(pg.get("port", 5432))) == ("postgis", 5432)
    assert (pg["user"], pg["password"], pg["dbname"]) == \
        (server["POSTGRES_USER"], server["POSTGRES_PASSWORD"], server["POSTGRES_DB"])

    llm = urlsplit(s.llm.base_url)
    assert (llm.hostname, llm.port, llm.path) == ("vllm", 8000, "/v1")
    vllm_args = [_interpolate(a, env) for a in compose["services"]["vllm"]["command"]]
    assert s.llm.model == vllm_args[vllm_args.index("--model") + 1]
    assert s.llm.api_key == _service_env("vllm", env)["VLLM_API_KEY"]
    assert s.llm.tool_calling == "model"


# ------------------------------------------------------------------------------------ docker compose


def _compose_plugin() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(not _compose_plugin(), reason="`docker compose` is not available (no docker client or no "
                    "compose plugin); the file is checked by the other tests of this module")
@pytest.mark.parametrize("env_file", [".env.example", None])
def test_docker_compose_config_validates(env_file: str | None) -> None:
    args = ["docker", "compose", "--project-directory", str(ROOT), "-f", str(COMPOSE)]
    if env_file:
        args += ["--env-file", str(ROOT / env_file)]
    done = subprocess.run([*args, "config", "--quiet"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
