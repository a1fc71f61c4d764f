"""Users and roles on the team database, so a user added on one app server can sign in on every other.

The users document (the users file's JSON: names, roles, scrypt hashes, :mod:`renewal.auth`) is kept in
``team_users`` (one row), each change one transaction under the users' advisory lock with a
``team_users_history`` row (who, when, add/remove, whose account). Each server keeps the last document it
read as its local users file (:func:`cache_users`: written atomically, mode 0600), which the sign-in reads;
when the database does not answer, that last read is used and the page says so.

The sign-in state is shared too: the cookie secret and each person's sign-out-everywhere time
(``team_signin``; :func:`cache_signin_state` keeps this server's ``.session_secret`` and ``.signouts.json``
equal to the database's, :func:`record_signout` adds one), and the wrong-password counts
(``team_signin_fails``, :class:`TeamTally`), so a lock counts the tries made on every server.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from psycopg.rows import DictRow

from renewal.auth import load_users, parse_users, users_text, write_users
from renewal.errors import InputError, StoreError
from renewal.io.atomic import write_text_atomic
from renewal.signin import SECRET_FILE, SIGNOUTS_FILE, _MemoryTally
from renewal.storage.access import Actor, require_editor
from renewal.storage.postgis import PgCon, one_row, read, redact, transaction
from renewal.storage.records import now

LOCK = "renewal-users"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS team_users (id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1), doc text NOT NULL,
    at text, who text);
CREATE TABLE IF NOT EXISTS team_users_history (id bigserial PRIMARY KEY, at text, who text, action text,
    name text);
CREATE TABLE IF NOT EXISTS team_signin (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS team_signin_fails (key text NOT NULL, at double precision NOT NULL);
CREATE INDEX IF NOT EXISTS team_signin_fails_key ON team_signin_fails (key, at);
"""
_READY: set[str] = set()
_READY_LOCK = threading.Lock()


def _schema_done(con: PgCon) -> bool:
    row = con.execute(
        "SELECT to_regclass(quote_ident(current_schema()) || '.team_signin_fails') IS NOT NULL AS done"
    ).fetchone()
    return bool(one_row(row)["done"])


def _ensure(url: str) -> None:
    with _READY_LOCK:
        if url not in _READY:
            if not read(url, _schema_done):  # DDL only when missing, under the users' lock
                transaction(url, lambda con: None if _schema_done(con) else con.execute(_SCHEMA), lock=LOCK)
            _READY.add(url)


def team_users(url: str) -> dict[str, dict[str, Any]] | None:
    """The users of the team database by name, or None when it holds none (each server's own file then)."""
    _ensure(url)
    row = read(url, lambda con: con.execute("SELECT doc FROM team_users WHERE id = 1").fetchone())
    return parse_users(row["doc"], redact(url)) if row is not None else None


def change_users(
    url: str,
    change: Callable[[dict[str, dict[str, Any]]], dict[str, dict[str, Any]]],
    *,
    actor: Actor,
    action: str,
    name: str,
) -> dict[str, dict[str, Any]]:
    """Apply ``change`` to the team's users in one transaction with a history row; the new users."""
    require_editor(actor)
    _ensure(url)

    def tx(con: PgCon) -> dict[str, dict[str, Any]]:
        row = con.execute("SELECT doc FROM team_users WHERE id = 1 FOR UPDATE").fetchone()
        users = change(parse_users(row["doc"], redact(url)) if row is not None else {})
        at = now()
        con.execute(
            "INSERT INTO team_users (id, doc, at, who) VALUES (1, %s, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc, at = EXCLUDED.at, who = EXCLUDED.who",
            (users_text(users), at, actor.label),
        )
        con.execute(
            "INSERT INTO team_users_history (at, who, action, name) VALUES (%s, %s, %s, %s)",
            (at, actor.label, action, name),
        )
        return users

    return transaction(url, tx, lock=LOCK)


def cache_users(url: str, path: Path) -> bool:
    """Write the team's users to this server's users file ``path`` where it differs (atomically, 0600);
    whether the team database holds users. A database that does not answer raises
    :class:`~renewal.errors.StoreUnavailable` and leaves the last read file as it was."""
    users = team_users(url)
    if users is None:
        return False
    try:
        same = load_users(path) == users
    except InputError:  # an unreadable local copy is simply replaced
        same = False
    if not same:
        write_users(path, users)
    return True


def cache_signin_state(url: str, workspace: Path) -> None:
    """This server's cookie secret and sign-out times made the team's: the secret the database holds (made
    once by the first server), every sign-out time recorded there (the later of the two kept)."""
    _ensure(url)

    def tx(con: PgCon) -> list[DictRow]:
        con.execute(
            "INSERT INTO team_signin VALUES ('session_secret', %s) ON CONFLICT (key) DO NOTHING",
            (secrets.token_hex(32),),
        )
        return con.execute("SELECT key, value FROM team_signin").fetchall()

    rows = {r["key"]: r["value"] for r in transaction(url, tx, lock=None)}
    folder = Path(workspace)
    folder.mkdir(parents=True, exist_ok=True)
    secret = folder / SECRET_FILE
    if not secret.exists() or secret.read_text(encoding="ascii").strip() != rows["session_secret"]:
        _write_private(secret, rows["session_secret"])
    path = folder / SIGNOUTS_FILE
    try:
        local = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        local = {}
    merged = dict(local) if isinstance(local, dict) else {}
    for key, value in rows.items():
        if key.startswith("signout:"):
            name = key[len("signout:") :]
            merged[name] = max(float(value), float(merged.get(name, 0)))
    if merged != local:
        write_text_atomic(path, json.dumps(merged, ensure_ascii=False) + "\n")


def record_signout(url: str, name: str, at: float) -> None:
    """Record ``name``'s sign-out everywhere at ``at`` in the team database (every server then refuses
    their older tokens)."""
    _ensure(url)
    transaction(
        url,
        lambda con: con.execute(
            "INSERT INTO team_signin VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = "
            "GREATEST(team_signin.value::double precision, EXCLUDED.value::double precision)::text",
            (f"signout:{name}", repr(float(at))),
        ),
        lock=None,
    )


def _write_private(path: Path, text: str) -> None:
    """``text`` into ``path`` atomically, readable by the owner only from the first byte."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(text)
    os.replace(tmp, path)


class TeamTally:
    """Wrong-try times per key in the team database (the interface of ``renewal.signin``'s tallies): the
    tries made on every app server count towards one delay and one lock."""

    def __init__(self, url: str):
        self.url = url
        #: While the database does not answer, this process counts alone (never an open door).
        self.fallback = _MemoryTally()
        _ensure(url)

    def add(self, keys: tuple[str, ...], now: float, since: float) -> list[int]:
        try:
            return self._add(keys, now, since)
        except StoreError:
            return self.fallback.add(keys, now, since)

    def nth_latest(self, key: str, n: int, since: float) -> float | None:
        try:
            return self._nth_latest(key, n, since)
        except StoreError:
            return self.fallback.nth_latest(key, n, since)

    def clear(self, key: str) -> None:
        self.fallback.clear(key)
        try:
            self._clear(key)
        except StoreError:
            pass

    def _add(self, keys: tuple[str, ...], now: float, since: float) -> list[int]:
        def tx(con: PgCon) -> list[int]:
            con.execute("DELETE FROM team_signin_fails WHERE at <= %s", (since,))
            for key in keys:
                con.execute("INSERT INTO team_signin_fails VALUES (%s, %s)", (key, now))
            return [
                one_row(
                    con.execute(
                        "SELECT count(*) AS n FROM team_signin_fails WHERE key = %s", (key,)
                    ).fetchone()
                )["n"]
                for key in keys
            ]

        return transaction(self.url, tx, lock="renewal-signin")

    def _nth_latest(self, key: str, n: int, since: float) -> float | None:
        row = read(
            self.url,
            lambda con: con.execute(
                "SELECT at FROM team_signin_fails WHERE key = %s AND at > %s ORDER BY at DESC LIMIT 1 OFFSET %s",
                (key, since, n - 1),
            ).fetchone(),
        )
        return None if row is None else float(row["at"])

    def _clear(self, key: str) -> None:
        transaction(
            self.url,
            lambda con: con.execute("DELETE FROM team_signin_fails WHERE key = %s", (key,)),
            lock=None,
        )
