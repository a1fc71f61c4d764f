"""The imported layers on the team database (PostGIS): :class:`TeamLayerStore`.

The same store as the workspace's ``layers.gpkg`` (:class:`renewal.storage.layers.LayerStore`): both
are a :class:`~renewal.storage.layers.LayerCore`, whose logic (name and version checks, history rows,
saved styles, undo of one's own last change) runs unchanged on either; here the tables
``layer_catalog``, ``layer_data`` (features as GeoParquet ``bytea``), ``layer_history`` and
``layer_style`` live in the connection's current schema, and every change is one transaction holding
the layers' advisory lock (writers queue, readers never wait; two app servers on one database lose
no import). The tables are created on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from renewal.storage.access import Actor, require_editor
from renewal.storage.layers import LOCK_TIMEOUT_S, LayerCore
from renewal.storage.postgis import read, redact, transaction

#: The advisory lock of layer writes (apart from the sites' lock: an import does not hold up a site save).
LOCK = "renewal-layers"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS layer_catalog (name text PRIMARY KEY, kind text NOT NULL, title text, source_file text,
    imported_at text, crs text, count integer, who text, version integer NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS layer_history (id bigserial PRIMARY KEY, at text, who text, action text, name text,
    kind text, source_file text, count integer, previous bytea, version integer, undone_by bigint,
    before_entry text);
CREATE INDEX IF NOT EXISTS layer_history_name_idx ON layer_history (name, id);
CREATE TABLE IF NOT EXISTS layer_data (name text PRIMARY KEY, features bytea NOT NULL);
CREATE TABLE IF NOT EXISTS layer_style (name text PRIMARY KEY, style text NOT NULL, at text, who text);
"""
_READY: set[str] = set()
_READY_LOCK = threading.Lock()


class _Con:
    """A psycopg connection taking the core's ``?`` placeholders."""

    def __init__(self, con):
        self.con = con

    def execute(self, sql: str, args=()):
        return self.con.execute(sql.replace("?", "%s"), args)


class TeamLayerStore(LayerCore):
    """The imported layers in the team database at ``url``."""

    def __init__(self, url: str, *, timeout: float = LOCK_TIMEOUT_S):
        self.url = url
        self.timeout = timeout
        self.before_commit = None

    @property
    def location(self) -> str:
        return redact(self.url)

    def ensure(self) -> TeamLayerStore:
        """Create the tables on first use (once per process and database)."""
        with _READY_LOCK:
            if self.url in _READY:
                return self

            def tx(con):
                con.execute(_SCHEMA)

            transaction(self.url, tx, timeout=self.timeout, lock="renewal-migrate")
            _READY.add(self.url)
        return self

    def _query(self, sql: str, args=()) -> list[dict]:
        return read(self.url, lambda con: _Con(con).execute(sql, args).fetchall())

    def _write(self, actor: Actor, fn: Callable):
        require_editor(actor)
        return transaction(
            self.url,
            lambda con: fn(_Con(con)),
            timeout=self.timeout,
            lock=LOCK,
            before_commit=self.before_commit,
        )
