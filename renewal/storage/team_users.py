"""Users and roles on the team database, so a user added on one app server can sign in on every other.

The users document (the users file's JSON: names, roles, scrypt hashes, :mod:`renewal.auth`) is kept in
``team_users`` (one row), each change one transaction under the users' advisory lock with a
``team_users_history`` row (who, when, add/remove, whose account). Each server keeps the last document it
read as its local users file (:func:`cache_users`: written atomically, mode 0600), which the sign-in reads;
when the database does not answer, that last read is used and the page says so.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from renewal.auth import load_users, parse_users, users_text, write_users
from renewal.errors import InputError
from renewal.storage.access import Actor, require_editor
from renewal.storage.postgis import read, redact, transaction
from renewal.storage.records import now

LOCK = "renewal-users"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS team_users (id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1), doc text NOT NULL,
    at text, who text);
CREATE TABLE IF NOT EXISTS team_users_history (id bigserial PRIMARY KEY, at text, who text, action text,
    name text);
"""
_READY: set[str] = set()
_READY_LOCK = threading.Lock()


def _ensure(url: str) -> None:
    with _READY_LOCK:
        if url not in _READY:
            transaction(url, lambda con: con.execute(_SCHEMA), lock="renewal-migrate")
            _READY.add(url)


def team_users(url: str) -> dict[str, dict] | None:
    """The users of the team database by name, or None when it holds none (each server's own file then)."""
    _ensure(url)
    row = read(url, lambda con: con.execute("SELECT doc FROM team_users WHERE id = 1").fetchone())
    return parse_users(row["doc"], redact(url)) if row is not None else None


def change_users(
    url: str, change: Callable[[dict[str, dict]], dict[str, dict]], *, actor: Actor, action: str, name: str
) -> dict[str, dict]:
    """Apply ``change`` to the team's users in one transaction with a history row; the new users."""
    require_editor(actor)
    _ensure(url)

    def tx(con) -> dict[str, dict]:
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
