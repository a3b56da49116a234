"""``onemap keys add|list|revoke``: the API keys of this workspace (each grants one role).

Imported by :mod:`assistant.cli` at its end, which registers the commands on its app.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from assistant.access import Role
from assistant.cli import app, container, err, fail, out

keys_app = typer.Typer(help="API keys: each names a caller and grants one role (admin, officer, reviewer, public).",
                       no_args_is_help=True)
app.add_typer(keys_app, name="keys")

_ROLES = ", ".join(r.value for r in Role)


def _keys_call(fn):
    """Run ``fn(key_store)``; a refused operation (unknown role, taken name, unknown key) is one line and exit 2."""
    from assistant.keys import KeyStoreError

    c = container()
    try:
        return fn(c.keys)
    except KeyStoreError as exc:
        raise fail(str(exc)) from None
    finally:
        c.close()


def _shown(key) -> dict:
    return {"key_id": key.key_id, "name": key.name, "role": key.role.value, "prefix": key.prefix,
            "created_at": key.created_at, "revoked_at": key.revoked_at}


@keys_app.command("add")
def keys_add(
    name: Annotated[str, typer.Argument(help="Who holds the key, e.g. 审查科 or web-portal; unique among active keys.",
                                        show_default=False)],
    role: Annotated[str, typer.Option(help=f"The role the key grants: {_ROLES}.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (with the secret).")] = False,
) -> None:
    """Add a key and print its secret, once: only its hash is stored, so it cannot be shown again.

    Callers send it as ``Authorization: Bearer om_…`` (or ``X-API-Key``). Example:

      onemap keys add 审查科 --role officer
    """
    key, secret = _keys_call(lambda store: store.add(name, role))
    if as_json:
        out.print_json(json.dumps({**_shown(key), "secret": secret}, ensure_ascii=False))
    else:
        out.print(f"added key {key.key_id} for {key.name} ({key.role.value})", markup=False, highlight=False)
        out.print(secret, markup=False, highlight=False, soft_wrap=True)
    err.print("This secret is shown only now and cannot be recovered: store it safely "
              "(lost? revoke the key and add a new one).", style="yellow")


@keys_app.command("list")
def keys_list(
    show_all: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the keys: id, name, role, the secret's first 8 characters, when added and revoked (never the secret)."""
    keys = _keys_call(lambda store: store.list(include_revoked=show_all))
    if as_json:
        out.print_json(json.dumps([_shown(k) for k in keys], ensure_ascii=False))
        return
    table = Table("key_id", "name", "role", "prefix", "created", "revoked")
    for k in keys:
        table.add_row(k.key_id, k.name, k.role.value, k.prefix + "…", k.created_at, k.revoked_at or "")
    out.print(table)
    out.print(f"{len(keys)} keys" + ("" if show_all else " (active; --all shows revoked ones too)"))


@keys_app.command("revoke")
def keys_revoke(
    name_or_id: Annotated[str, typer.Argument(help="The key's name or key_id (see onemap keys list).",
                                              show_default=False)],
) -> None:
    """Revoke a key: it stops authenticating at once and stays listed under --all."""
    key = _keys_call(lambda store: store.revoke(name_or_id))
    out.print(f"revoked key {key.key_id} ({key.name}, {key.role.value}) at {key.revoked_at}",
              markup=False, highlight=False)
