"""Supply-and-demand scenarios in the store (issue #19): the GeoPackage workspace or the team database.

A scenario is the record :func:`renewal.analysis.supply_scenarios.scenario_record` makes (name, category,
method, parameters incl. the beds-per-1,000 rate, facility changes, the figures per zone, who, when),
kept as JSON in the site store's own file or database (table ``supply_scenario``), one row per name and
indicator set with a ``version``. Every save is one transaction of the site store (its ``_write``: SQLite
``BEGIN IMMEDIATE`` or the PostGIS advisory write lock) with a row in ``supply_scenario_history`` (who,
when, what, the record); a viewer is refused (:func:`~renewal.storage.access.require_editor`), a new
scenario under a taken name is refused, and an overwrite must name the version it saw: a stale one is
refused (:class:`~renewal.errors.ConflictError`) so nobody's scenario is lost.

The scenarios older versions kept in ``<workspace>/supply/scenarios.json`` are moved in once, on the
first open, in one transaction with a ``migrate`` history row each; the file is then renamed
``scenarios.json.migrated``.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from renewal.analysis.supply_scenarios import check_name, load_scenarios, scenarios_path
from renewal.errors import ConflictError, InputError
from renewal.settings import workspace_dir
from renewal.storage import open_store
from renewal.storage.access import Actor, require_editor
from renewal.storage.gpkg import GpkgStore
from renewal.storage.records import Connection, Row, now

if TYPE_CHECKING:  # psycopg is loaded only when a database is used
    from renewal.storage.postgis import PostgisStore

TABLE = "supply_scenario"
HISTORY = "supply_scenario_history"
_SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (name TEXT NOT NULL, set_name TEXT NOT NULL, "
    "version INTEGER NOT NULL, record TEXT NOT NULL, who TEXT, saved_at TEXT, PRIMARY KEY (name, set_name))",
    f"CREATE TABLE IF NOT EXISTS {HISTORY} (id INTEGER PRIMARY KEY, at TEXT NOT NULL, who TEXT NOT NULL, "
    "action TEXT NOT NULL, name TEXT NOT NULL, set_name TEXT NOT NULL, version INTEGER, record TEXT)",
)
MIGRATED_SUFFIX = ".migrated"


def _exists(name: str, set_name: str) -> InputError:
    return InputError(
        f"A scenario named {name!r} for {set_name} exists already; choose another name or overwrite it.",
        f"已有名为“{name}”的{set_name}情景：请换一个名称，或选择覆盖。",
    )


def _stale(name: str, row: Row, expected: int) -> ConflictError:
    return ConflictError(
        f"Scenario {name!r} was saved by {row['who']} at {row['saved_at']} (version {row['version']}, you saw "
        f"version {expected}); nothing was changed. Look at it and save again.",
        f"情景“{name}”在您查看之后已被 {row['who']} 重新保存（当前版本 {row['version']}，您看到的是版本 "
        f"{expected}）。为避免覆盖他人的情景，本次未保存；请查看最新情景后重试。",
    )


def _gone(name: str) -> ConflictError:
    return ConflictError(
        f"Scenario {name!r} no longer exists; nothing was changed.",
        f"情景“{name}”已不存在（可能已被他人删除），本次未保存。",
    )


class ScenarioStore:
    """The scenarios kept beside a site store (``site_store``: a GpkgStore or PostgisStore)."""

    def __init__(self, site_store: GpkgStore | PostgisStore):
        self._store = site_store
        self._sqlite = isinstance(site_store, GpkgStore)

    @property
    def location(self) -> str:
        return self._store.location

    def _sql(self, sql: str) -> str:
        return sql if self._sqlite else sql.replace("?", "%s")

    def _has_table(self, con: Connection) -> bool:
        if self._sqlite:
            sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
            return con.execute(sql, (TABLE,)).fetchone() is not None
        sql = "SELECT to_regclass(quote_ident(current_schema()) || '.' || %s) AS t"
        row = con.execute(sql, (TABLE,)).fetchone()
        return row is not None and row["t"] is not None

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> builtins.list[Row]:
        def read(con: Connection) -> builtins.list[Row]:
            if not self._has_table(con):
                return []
            return con.execute(self._sql(sql), args).fetchall()

        return self._store._read(read)

    # ---- reading -----------------------------------------------------------

    def list(self, set_name: str | None = None) -> list[dict[str, Any]]:
        """Saved scenarios (their records with ``version``), oldest save first."""
        where, args = (" WHERE set_name = ?", (set_name,)) if set_name is not None else ("", ())
        rows = self._rows(f"SELECT record, version FROM {TABLE}{where} ORDER BY saved_at, name", args)
        return [{**json.loads(r["record"]), "version": int(r["version"])} for r in rows]

    def history(self, name: str | None = None) -> builtins.list[dict[str, Any]]:
        """Every save, overwrite and migration, newest first: at, who, action, name, set, version."""
        where, args = (" WHERE name = ?", (name,)) if name is not None else ("", ())
        rows = self._rows(
            f"SELECT id, at, who, action, name, set_name, version FROM {HISTORY}{where} ORDER BY id DESC",
            args,
        )
        return [{k: r[k] for k in ("id", "at", "who", "action", "name", "set_name", "version")} for r in rows]

    # ---- writing -----------------------------------------------------------

    def _schema(self, con: Connection) -> None:
        for sql in _SCHEMA:
            con.execute(sql)

    def _current(self, con: Connection, name: str, set_name: str) -> Row | None:
        sql = f"SELECT version, who, saved_at FROM {TABLE} WHERE name = ? AND set_name = ?"
        row: Row | None = con.execute(self._sql(sql), (name, set_name)).fetchone()
        return row

    def _log(self, con: Connection, who: str, action: str, record: dict[str, Any], version: int) -> None:
        row = con.execute(f"SELECT COALESCE(MAX(id), 0) + 1 AS n FROM {HISTORY}").fetchone()
        con.execute(
            self._sql(f"INSERT INTO {HISTORY} VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
            (
                int(row["n"]),
                now(),
                who,
                action,
                record["name"],
                record.get("set", ""),
                version,
                _dump(record),
            ),
        )

    def _put(self, con: Connection, record: dict[str, Any], version: int, *, update: bool) -> None:
        args = (version, _dump(record), record.get("who"), record.get("saved_at"))
        if update:
            sql = f"UPDATE {TABLE} SET version = ?, record = ?, who = ?, saved_at = ? WHERE name = ? AND set_name = ?"
            con.execute(self._sql(sql), (*args, record["name"], record.get("set", "")))
        else:
            sql = f"INSERT INTO {TABLE} (version, record, who, saved_at, name, set_name) VALUES (?, ?, ?, ?, ?, ?)"
            con.execute(self._sql(sql), (*args, record["name"], record.get("set", "")))

    def save(self, record: dict[str, Any], *, actor: Actor, expected_version: int | None = None) -> int:
        """Save ``record`` under its name and set; return its new version.

        ``expected_version=None`` saves a new scenario (refused if the name is taken); a number overwrites
        the scenario of that version (refused if someone saved it since, or it was removed)."""
        require_editor(actor)
        name, set_name = check_name(record.get("name")), str(record.get("set", ""))
        record = {k: v for k, v in record.items() if k != "version"} | {"name": name, "who": actor.label}

        def tx(con: Connection) -> int:
            self._schema(con)
            row = self._current(con, name, set_name)
            if expected_version is None:
                if row is not None:
                    raise _exists(name, set_name)
                version = 1
            else:
                if row is None:
                    raise _gone(name)
                if int(row["version"]) != int(expected_version):
                    raise _stale(name, row, int(expected_version))
                version = int(row["version"]) + 1
            self._put(con, record, version, update=row is not None)
            self._log(con, actor.label, "save" if row is None else "overwrite", record, version)
            return version

        return self._store._write(tx)

    def migrate_json(self, workspace: Path | None = None) -> int:
        """Move the workspace's old ``supply/scenarios.json`` in (once; names already stored are kept) and
        rename the file ``.migrated``; return how many scenarios were moved in."""
        path = scenarios_path(workspace)
        if not path.exists():
            return 0
        records = load_scenarios(workspace)

        def tx(con: Connection) -> int:
            self._schema(con)
            moved = 0
            for rec in records:
                if self._current(con, str(rec["name"]), str(rec.get("set", ""))) is None:
                    self._put(con, rec, 1, update=False)
                    self._log(con, str(rec.get("who") or ""), "migrate", rec, 1)
                    moved += 1
            return moved

        moved = self._store._write(tx) if records else 0
        try:
            path.rename(path.with_name(path.name + MIGRATED_SUFFIX))
        except FileNotFoundError:  # another session renamed it at the same moment
            pass
        return moved


def _dump(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False)


def open_scenarios(
    workspace: Path | None = None, *, database: str | None = None, actor: Actor
) -> ScenarioStore:
    """The scenarios of the workspace's store (or the team database), the old JSON moved in on first open.

    Moving the old file in is setting the store up, not a planner's change: it happens for a viewer too
    (each history row names who saved the scenario originally)."""
    ws = Path(workspace if workspace is not None else workspace_dir())
    store = ScenarioStore(open_store(ws, database=database, actor=actor))
    if scenarios_path(ws).exists():
        ScenarioStore(open_store(ws, database=database, session="迁移")).migrate_json(ws)
    return store
