"""API keys: hashed storage, unique active names, revocation, lookups; and ``onemap keys``."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.access import Role
from assistant.keys import ApiKey, DuplicateKeyNameError, KeyStore, KeyStoreError, UnknownKeyError, hash_secret


@pytest.fixture
def store(tmp_path: Path):
    s = KeyStore(tmp_path / "keys.sqlite")
    yield s
    s.close()


def test_add_returns_the_record_and_a_secret_shown_once(store: KeyStore) -> None:
    key, secret = store.add("审查科", Role.OFFICER)
    assert isinstance(key, ApiKey) and key.role is Role.OFFICER and key.revoked_at is None
    assert secret.startswith("om_") and len(secret) >= 3 + 43 and key.prefix == secret[:8]
    other, other_secret = store.add("web-portal", "public")
    assert other.key_id != key.key_id and other_secret != secret
    assert [k.name for k in store.list()] == ["审查科", "web-portal"]


def test_lookup_finds_only_the_exact_active_secret(store: KeyStore) -> None:
    key, secret = store.add("审查科", Role.REVIEWER)
    assert store.lookup(secret) == key
    assert store.lookup(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert store.lookup(secret + "x") is None
    assert store.lookup("") is None and store.lookup("not-a-key") is None and store.lookup(secret[:8]) is None


def test_secrets_are_stored_hashed(tmp_path: Path) -> None:
    path = tmp_path / "keys.sqlite"
    store = KeyStore(path)
    _, secret = store.add("admin", Role.ADMIN)
    store.close()
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("keys.sqlite"))
    assert secret.encode() not in data and secret[8:].encode() not in data
    assert hash_secret(secret).encode() in data
    reopened = KeyStore(path)  # and the hash is enough to authenticate after a restart
    assert reopened.lookup(secret).name == "admin"
    reopened.close()


def test_revoked_keys_are_not_found_and_listed_only_with_all(store: KeyStore) -> None:
    a, secret_a = store.add("a", Role.OFFICER)
    b, secret_b = store.add("b", Role.PUBLIC)
    revoked = store.revoke("a")
    assert revoked.key_id == a.key_id and revoked.revoked_at is not None
    assert store.lookup(secret_a) is None and store.lookup(secret_b) == b
    assert store.revoke(b.key_id).name == "b"  # by id too
    assert store.list() == []
    assert {k.name: k.revoked_at is not None for k in store.list(include_revoked=True)} == {"a": True, "b": True}


def test_names_are_unique_among_active_keys_only(store: KeyStore) -> None:
    _, old_secret = store.add("审查科", Role.OFFICER)
    with pytest.raises(DuplicateKeyNameError, match="already named"):
        store.add("审查科", Role.ADMIN)
    store.revoke("审查科")
    new, new_secret = store.add("审查科", Role.ADMIN)  # the name is free again
    assert store.lookup(new_secret) == new and store.lookup(old_secret) is None
    assert [k.role for k in store.list()] == [Role.ADMIN]


def test_bad_input_raises_one_clear_error(store: KeyStore) -> None:
    with pytest.raises(KeyStoreError, match="unknown role 'boss'"):
        store.add("x", "boss")
    with pytest.raises(KeyStoreError, match="empty"):
        store.add("  ", Role.PUBLIC)
    with pytest.raises(KeyStoreError, match="one line"):
        store.add("a\nb", Role.PUBLIC)
    with pytest.raises(UnknownKeyError) as info:
        store.revoke("nobody")
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)
    assert str(info.value).startswith("no active key named or with id 'nobody'")
    store.add("once", Role.PUBLIC)
    store.revoke("once")
    with pytest.raises(UnknownKeyError, match="already revoked"):
        store.revoke("once")


def test_the_container_opens_and_closes_the_store(container) -> None:
    key, secret = container.keys.add("svc", Role.OFFICER)
    assert container.keys.lookup(secret) == key
    assert (container.settings.workspace / "keys.sqlite").is_file()
    container.close()
    with pytest.raises(sqlite3.ProgrammingError):
        container.keys.list()


# --------------------------------------------------------------------------- the command


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from assistant.cli import app

    monkeypatch.setenv("ONEMAP_HOME", str(tmp_path / "ws"))
    monkeypatch.setenv("ONEMAP_PROFILE", "test")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


def test_cli_add_prints_the_secret_once_and_list_never(run, tmp_path: Path) -> None:
    added = run("keys", "add", "审查科", "--role", "officer")
    assert added.exit_code == 0, added.output
    secret = added.stdout.strip().splitlines()[-1]
    assert secret.startswith("om_") and "cannot be recovered" in added.stderr
    as_json = json.loads(run("keys", "add", "portal", "--role", "public", "--json").stdout)
    assert as_json["secret"].startswith("om_") and as_json["role"] == "public"
    listed = run("keys", "list")
    listed_json = run("keys", "list", "--all", "--json")
    assert listed.exit_code == 0 and "审查科" in listed.stdout and secret[:8] in listed.stdout
    for output in (listed.output, listed_json.output):
        assert secret not in output and as_json["secret"] not in output and secret[8:16] not in output
    assert {k["name"]: k["role"] for k in json.loads(listed_json.stdout)} == {"审查科": "officer", "portal": "public"}
    store = KeyStore(tmp_path / "ws" / "keys.sqlite")
    assert store.lookup(secret).name == "审查科"
    store.close()


def test_cli_revoke(run, tmp_path: Path) -> None:
    secret = json.loads(run("keys", "add", "审查科", "--role", "reviewer", "--json").stdout)["secret"]
    result = run("keys", "revoke", "审查科")
    assert result.exit_code == 0 and "revoked" in result.stdout
    assert json.loads(run("keys", "list", "--json").stdout) == []
    assert json.loads(run("keys", "list", "--all", "--json").stdout)[0]["revoked_at"]
    store = KeyStore(tmp_path / "ws" / "keys.sqlite")
    assert store.lookup(secret) is None
    store.close()


@pytest.mark.parametrize("args, message", [
    (("keys", "add", "x", "--role", "boss"), "unknown role 'boss'"),
    (("keys", "revoke", "nobody"), "no active key"),
    (("keys", "add", "dup", "--role", "officer"), "already named 'dup'"),
])
def test_cli_bad_input_exits_2_with_one_line(run, args, message) -> None:
    assert run("keys", "add", "dup", "--role", "admin").exit_code == 0
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: ") and result.output.count("\n") == 1 and message in result.output
