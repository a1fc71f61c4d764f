"""The workspace's imported layers (zones, population, reference layers) and the record of its
shared files (facility inventory, walking network): ``<workspace>/layers.gpkg``.

``layer_catalog`` lists the layers (kind, title, source file, date, the CRS the file was read
as, feature count, who, version); ``layer_data`` holds each layer's features (GeoParquet bytes:
every column type kept); ``layer_history`` keeps every import, replacement and removal with
who did it, the version it made and the previous features, so a replaced or removed layer is
never lost. ``layer_style`` keeps an imported layer's saved style (:class:`renewal.layer_style.LayerStyle`
as JSON, who saved it and when); saving or clearing one is a ``style`` row of the history.

Every change is one SQLite transaction (``BEGIN IMMEDIATE``: writers queue behind each other
and nobody's import is lost), taken only for someone who may edit
(:func:`renewal.storage.access.require_editor`). The name check, the version check (a stale
replace is refused) and the write happen inside it. The facility inventory and the walking
network stay files (readers everywhere use them), written atomically inside the same
transaction that records them, so a file never changes without its history row.

Layers of files written by older versions (one GeoPackage table ``lyr_<name>`` each) are still read.
"""

from __future__ import annotations

import builtins
import io
import json
import logging
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd

from renewal.crs import STORAGE_EPSG
from renewal.errors import ConflictError, InputError, StoreError
from renewal.layer_style import LayerStyle
from renewal.settings import workspace_dir
from renewal.sites.schema import clean_text, control_characters
from renewal.storage import file_swap
from renewal.storage.access import Actor, require_editor
from renewal.storage.records import Connection, Row
from renewal.storage.sqlite_tx import disk_full_error, immediate, is_disk_full
from renewal.zh import beijing_time

T = TypeVar("T")
LAYERS_FILE = "layers.gpkg"
KINDS = ("zones", "population", "reference")
#: Shared workspace files recorded in the catalogue (not drawn as layers).
FILE_KINDS = ("facilities", "network", "study_area", "osm_review", "landuse_colors", "presentation")
#: Shared files that are a folder of files (kept in a team database only; without one each workspace keeps
#: its own folder): the planner views of 汇报模式 (:mod:`renewal.storage.presentation_views`).
FOLDER_KINDS = ("presentation",)
KIND_LABELS = {
    "zones": "分区",
    "population": "人口",
    "reference": "参考图层",
    "sites": "更新项目",
    "facilities": "设施清单",
    "network": "步行路网",
    "study_area": "研究范围",
    "osm_review": "OSM审核意见",
    "landuse_colors": "用地分类配色表",
    "presentation": "汇报视图",
}
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: How long a writer waits for another planner's change to finish (seconds).
LOCK_TIMEOUT_S = 30.0
#: Longest accepted layer title (characters): it names the layer in every map's layer control.
MAX_TITLE_LENGTH = 100
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS layer_catalog (name TEXT PRIMARY KEY, kind TEXT, title TEXT, source_file TEXT, "
    "imported_at TEXT, crs TEXT, count INTEGER, who TEXT)",
    "CREATE TABLE IF NOT EXISTS layer_history (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT, who TEXT, "
    "action TEXT, name TEXT, kind TEXT, source_file TEXT, count INTEGER, previous TEXT)",
    "CREATE TABLE IF NOT EXISTS layer_data (name TEXT PRIMARY KEY, features BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS layer_style (name TEXT PRIMARY KEY, style TEXT NOT NULL, at TEXT, who TEXT)",
)
#: Columns added after the first version of the file (added on the first write).
_ADDED = (
    ("layer_catalog", "version", "INTEGER NOT NULL DEFAULT 1"),
    ("layer_history", "version", "INTEGER"),
    ("layer_history", "undone_by", "INTEGER"),
    ("layer_history", "before_entry", "TEXT"),
)
_TABLES = ("layer_catalog", "layer_data", "layer_style", "layer_history")
#: The changes :meth:`LayerCore.undo_last` can take back.
UNDOABLE = ("import", "replace", "remove", "style")
CATALOG_COLS = ("name", "kind", "title", "source_file", "imported_at", "crs", "count", "who", "version")
HISTORY_COLS = (
    "at",
    "who",
    "action",
    "name",
    "kind",
    "source_file",
    "count",
    "previous",
    "version",
    "before_entry",
)


@dataclass(frozen=True)
class ImportedLayer:
    name: str
    kind: str
    title: str
    source_file: str
    imported_at: str
    crs: str
    count: int
    who: str
    version: int = 1


def layers_path(workspace: Path | None = None) -> Path:
    return Path(workspace if workspace is not None else workspace_dir()) / LAYERS_FILE


def check_name(name: str) -> str:
    if not NAME_RE.match(name or ""):
        raise InputError(
            f"Layer name {name!r} must be lower-case letters, digits and _ (starting with a letter, at most 40)",
            f"图层名“{name}”只能包含小写字母、数字和下划线（以字母开头，最多40个字符）",
        )
    return name


def _exists_error(name: str, row: Row) -> InputError:
    return InputError(
        f"A layer {name!r} exists already (imported {row['imported_at']} by {row['who']}); use --replace",
        f"图层“{name}”已存在（{row['who']}于{beijing_time(row['imported_at'])}（北京时间）导入），如需替换请选择“替换”",
    )


def _stale(name: str, row: Row, expected: int) -> ConflictError:
    return ConflictError(
        f"{name!r} was changed by {row['who']} at {row['imported_at']} (version {row['version']}, you saw "
        f"version {expected}); nothing was changed. Look at the new data and try again.",
        f"“{name}”在您查看之后已被 {row['who']} 修改（{beijing_time(row['imported_at'])}（北京时间），当前版本 {row['version']}，"
        f"您看到的是版本 {expected}）。为避免覆盖他人的修改，本次操作未执行；请查看最新数据后重试。",
    )


def to_blob(gdf: gpd.GeoDataFrame) -> bytes:
    """Features as GeoParquet bytes (WGS84)."""
    data = gdf.to_crs(STORAGE_EPSG) if gdf.crs is not None else gdf.set_crs(STORAGE_EPSG)
    buf = io.BytesIO()
    data.to_parquet(buf)
    return buf.getvalue()


def from_blob(blob: bytes) -> gpd.GeoDataFrame:
    return gpd.read_parquet(io.BytesIO(blob))


def check_title(title: str) -> str:
    """A layer title: one line of at most :data:`MAX_TITLE_LENGTH` characters without control characters."""
    text = clean_text(title)
    bad = control_characters(text, single_line=True)
    if bad:
        raise InputError(
            f"The layer title contains control characters ({', '.join(bad)})",
            f"图层标题含有控制字符（{'、'.join(bad)}），请删除",
        )
    if len(text) > MAX_TITLE_LENGTH:
        raise InputError(
            f"The layer title is longer than {MAX_TITLE_LENGTH} characters ({len(text)})",
            f"图层标题超过{MAX_TITLE_LENGTH}个字（{len(text)}个），请缩短",
        )
    return text


class LayerCore:
    """The logic of the imported-layer store, whatever holds it (the workspace's ``layers.gpkg``:
    :class:`LayerStore`; the team database: ``renewal.storage.postgis_layers.TeamLayerStore``).

    A backend gives ``_query(sql, args)`` (rows with named columns) and ``_write(actor, fn)`` (``fn(con)``
    in one transaction, writers queued, for an editor only), both taking SQL with ``?`` placeholders,
    and ``_legacy_features`` (features of a layer stored the old way, or None)."""

    timeout: float = LOCK_TIMEOUT_S
    #: Test hook: called inside each write transaction after the writes, before COMMIT.
    before_commit: Callable[[], None] | None = None

    def _query(self, sql: str, args: Sequence[Any] = ()) -> Sequence[Row]:
        raise NotImplementedError

    def _write(self, actor: Actor, fn: Callable[[Connection], T]) -> T:
        raise NotImplementedError

    def _legacy_features(self, con: Connection, name: str) -> bytes | None:
        return None

    def replace_files(
        self, changes: list[FileChange], *, actor: Actor, expected: dict[str, int] | None = None
    ) -> list[ImportedLayer]:
        raise NotImplementedError

    def dump_rows(self) -> dict[str, list[dict[str, Any]]]:
        """Every catalogue, features, style and history row (features of layers stored the old way
        converted), for ``workspace push``."""
        tables = {t: [dict(r) for r in self._query(f"SELECT * FROM {t}")] for t in _TABLES}
        have = {r["name"] for r in tables["layer_data"]}
        for entry in self.list():
            if entry.name not in have:
                tables["layer_data"].append({"name": entry.name, "features": to_blob(self.read(entry.name))})
        return tables

    def sync(self, workspace: Path | None = None) -> list[str]:
        """Bring a server's local copies of the shared files up to the store's (the team database's
        store fetches them; the workspace's own files are the record itself): the kinds fetched."""
        return []

    @property
    def location(self) -> str:
        raise NotImplementedError

    # ---- reading -------------------------------------------------------------

    def _entries(self) -> list[ImportedLayer]:
        rows = self._query("SELECT * FROM layer_catalog ORDER BY kind, name")
        fields = ImportedLayer.__dataclass_fields__
        return [ImportedLayer(**{k: r[k] for k in r.keys() if k in fields}) for r in rows]

    def list(self) -> list[ImportedLayer]:
        """The imported layers (zones, population, reference)."""
        return [e for e in self._entries() if e.kind in KINDS]

    def files(self) -> builtins.list[ImportedLayer]:
        """The recorded shared files (facility inventory, walking network): who saved them, when, version."""
        return [e for e in self._entries() if e.kind in FILE_KINDS]

    def get(self, name: str) -> ImportedLayer | None:
        return next((lyr for lyr in self._entries() if lyr.name == name), None)

    def history(self, name: str | None = None) -> builtins.list[dict[str, Any]]:
        sql = "SELECT * FROM layer_history"
        rows = self._query(
            sql + (" WHERE name = ?" if name else "") + " ORDER BY id DESC", (name,) if name else ()
        )
        keys = ("id", "at", "who", "action", "name", "kind", "source_file", "count", "version", "undone_by")
        return [{k: (r[k] if k in r.keys() else None) for k in keys} for r in rows]

    def stamp(self) -> tuple[int, int]:
        """What changes with every change of the store: the newest history row's id and the catalogue's
        size (a file of an older version without history still counts); ``(0, 0)``: empty."""
        rows = self._query(
            "SELECT (SELECT MAX(id) FROM layer_history) AS newest, (SELECT COUNT(*) FROM layer_catalog) AS n"
        )
        return (int(rows[0]["newest"] or 0), int(rows[0]["n"] or 0)) if rows else (0, 0)

    def read(self, name: str) -> gpd.GeoDataFrame:
        entry = self.get(name)
        if entry is None or entry.kind not in KINDS:
            raise InputError(f"No imported layer {name!r}", f"没有名为“{name}”的导入图层")
        rows = self._query("SELECT features FROM layer_data WHERE name = ?", (name,))
        if rows:
            return from_blob(bytes(rows[0]["features"]))
        return self._read_legacy(name)

    def _read_legacy(self, name: str) -> gpd.GeoDataFrame:
        raise InputError(f"No features stored for layer {name!r}", f"图层“{name}”没有保存要素")

    def style(self, name: str) -> LayerStyle | None:
        """The layer's saved style (None: none saved); :class:`InputError` if the stored one is not valid."""
        rows = self._query("SELECT style FROM layer_style WHERE name = ?", (name,))
        return LayerStyle.from_json(rows[0]["style"]) if rows else None

    # ---- writing -------------------------------------------------------------

    def _current(
        self, con: Connection, name: str, expected_version: int | None, *, replace: bool
    ) -> Row | None:
        """The catalogue row of ``name`` (or None), after the exists and version checks."""
        row: Row | None = con.execute("SELECT * FROM layer_catalog WHERE name = ?", (name,)).fetchone()
        if row is not None and not replace:
            raise _exists_error(name, row)
        if expected_version is not None and (row["version"] if row is not None else 0) != expected_version:
            raise _stale(name, row, expected_version) if row is not None else _gone(name)
        return row

    def _previous(self, con: Connection, name: str) -> bytes | None:
        found = con.execute("SELECT features FROM layer_data WHERE name = ?", (name,)).fetchone()
        if found is not None:
            return bytes(found["features"])
        return self._legacy_features(con, name)

    def put(  # noqa: PLR0913
        self,
        name: str,
        kind: str,
        gdf: gpd.GeoDataFrame,
        *,
        source_file: str,
        crs: str,
        actor: Actor,
        title: str = "",
        replace: bool = False,
        expected_version: int | None = None,
    ) -> ImportedLayer:
        """Write (or with ``replace`` overwrite) the layer ``name``, its catalogue entry and a history row.

        ``expected_version`` is the version the planner saw (0: none); a newer one refuses the replace.
        """
        check_name(name)
        title = check_title(title)
        if kind not in KINDS:
            raise InputError(f"Unknown layer kind {kind!r}", f"未知的图层类别“{kind}”")
        require_editor(actor)
        blob = to_blob(gdf)  # the work outside the lock

        def tx(con: Connection) -> ImportedLayer:
            old = self._current(con, name, expected_version, replace=replace)
            previous = self._previous(con, name) if old is not None else None
            before = _before(con, name, old)
            entry = ImportedLayer(
                name,
                kind,
                title or name,
                Path(source_file).name,
                _now(),
                crs,
                int(len(gdf)),
                actor.label,
                _next_version(con, name),
            )
            _upsert(con, "layer_data", {"name": name, "features": blob})
            _record(con, entry, "replace" if old is not None else "import", previous, before)
            return entry

        return self._write(actor, tx)

    def remove(self, name: str, *, actor: Actor, expected_version: int | None = None) -> None:
        """Remove the layer (its features stay in the history)."""

        def tx(con: Connection) -> None:
            old = con.execute("SELECT * FROM layer_catalog WHERE name = ?", (name,)).fetchone()
            if old is None or old["kind"] not in KINDS:
                raise InputError(f"No imported layer {name!r}", f"没有名为“{name}”的导入图层")
            if expected_version is not None and old["version"] != expected_version:
                raise _stale(name, old, expected_version)
            previous = self._previous(con, name)
            before = _before(con, name, old)
            _drop(con, name)
            _history(con, _now(), actor.label, "remove", old, previous, None, before)

        self._write(actor, tx)

    def save_style(self, name: str, style: LayerStyle | None, *, actor: Actor) -> None:
        """Keep ``style`` with the imported layer ``name`` (None: clear it), recorded as a ``style`` history row
        (the layer's version, the previous style as JSON)."""
        if style is not None and not isinstance(style, LayerStyle):
            raise TypeError("a layer style is a LayerStyle")
        require_editor(actor)

        def tx(con: Connection) -> None:
            row = con.execute("SELECT * FROM layer_catalog WHERE name = ?", (name,)).fetchone()
            if row is None or row["kind"] not in KINDS:
                raise InputError(f"No imported layer {name!r}", f"没有名为“{name}”的导入图层")
            before = _before(con, name, row)
            old = json.loads(before)["style"]
            at = _now()
            _put_style(con, name, style.to_json() if style is not None else None, at, actor.label)
            _history(
                con,
                at,
                actor.label,
                "style",
                row,
                old.encode() if old is not None else None,
                row["version"],
                before,
            )

        self._write(actor, tx)

    def undo_last(self, *, actor: Actor) -> dict[str, Any] | None:
        """Take back ``actor``'s own newest change of an imported layer (import, replace, remove or style)
        in one transaction with an ``undo`` history row; the change undone, or None when there is none.

        Refused (:class:`ConflictError`, nothing changed) when someone else changed that layer since, and
        for a change recorded by an older version of the app (which kept too little to restore it)."""
        require_editor(actor)
        kinds = ", ".join(f"'{k}'" for k in KINDS)
        actions = ", ".join(f"'{a}'" for a in UNDOABLE)

        def tx(con: Connection) -> dict[str, Any] | None:
            h = con.execute(
                f"SELECT * FROM layer_history WHERE who = ? AND undone_by IS NULL AND action IN ({actions}) "
                f"AND kind IN ({kinds}) ORDER BY id DESC LIMIT 1",
                (actor.label,),
            ).fetchone()
            if h is None:
                return None
            name = h["name"]
            other = con.execute(
                "SELECT who, at FROM layer_history WHERE name = ? AND id > ? AND who <> ? ORDER BY id DESC",
                (name, h["id"], actor.label),
            ).fetchone()
            if other is not None:
                raise _undo_blocked(name, other)
            if h["before_entry"] is None:
                raise ConflictError(
                    f"The change #{h['id']} of {name!r} was recorded by an older version and cannot be undone.",
                    f"对“{name}”的这次修改由旧版本程序记录，无法自动撤销。",
                )
            current = con.execute("SELECT * FROM layer_catalog WHERE name = ?", (name,)).fetchone()
            now_before = _before(con, name, current)
            now_features = self._previous(con, name) if current is not None else None
            target = json.loads(h["before_entry"])
            at = _now()
            if h["action"] == "style":
                style = json.loads(now_before)["style"]
                _put_style(con, name, target["style"], at, actor.label)
                previous, version, shown = (style.encode() if style else None), h["version"], current
            else:
                _drop(con, name)
                version = None
                shown = current
                if target["entry"] is not None:
                    entry = ImportedLayer(**{**target["entry"], "version": _next_version(con, name)})
                    _upsert(con, "layer_data", {"name": name, "features": h["previous"]})
                    _upsert(con, "layer_catalog", {c: getattr(entry, c) for c in CATALOG_COLS})
                    _put_style(con, name, target["style"], at, actor.label)
                    version, shown = entry.version, target["entry"]
                previous = now_features
            uid = _history(con, at, actor.label, "undo", shown or h, previous, version, now_before)
            con.execute("UPDATE layer_history SET undone_by = ? WHERE id = ?", (uid, h["id"]))
            return {"id": int(h["id"]), "action": h["action"], "name": name, "undo_id": uid}

        return self._write(actor, tx)


class LayerStore(LayerCore):
    """The imported layers of one workspace (``layers.gpkg``, SQLite)."""

    def __init__(self, path: Path | str, *, timeout: float = LOCK_TIMEOUT_S):
        self.path = Path(path)
        self.timeout = timeout
        self.before_commit = None

    @property
    def location(self) -> str:
        return str(self.path)

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        if not self.path.exists():
            return []
        try:
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=self.timeout)
            con.row_factory = sqlite3.Row
            try:
                tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                if "layer_catalog" not in tables:
                    return []
                if "layer_data" not in tables:  # a file from before layer_data: no layer has a row there
                    sql = sql.replace("layer_data", "(SELECT '' AS name, x'' AS features WHERE 0)")
                if "layer_style" not in tables:  # a file from before saved styles
                    sql = sql.replace("layer_style", "(SELECT '' AS name, '' AS style WHERE 0)")
                return list(con.execute(sql, args))
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise StoreError(
                f"Cannot read the workspace layers {self.path}: {exc}", f"无法读取工作区图层文件：{self.path}"
            ) from exc

    def _read_legacy(self, name: str) -> gpd.GeoDataFrame:
        logging.getLogger("pyogrio").setLevel(logging.WARNING)
        return gpd.read_file(self.path, layer=f"lyr_{name}")  # written by an older version

    def _legacy_features(self, con: Connection, name: str) -> bytes | None:
        if con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (f"lyr_{name}",)).fetchone():
            return to_blob(self._read_legacy(name))
        return None

    def _write(self, actor: Actor, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(con)`` in one IMMEDIATE transaction for ``actor`` (an editor); roll back on any error."""
        require_editor(actor)
        return self._transaction(fn)

    def restore(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        """Replace every layer, style and history row by ``tables``' (``workspace pull`` from the team
        database; :meth:`LayerCore.dump_rows`), in one transaction."""
        self._transaction(lambda con: copy_rows(con, tables))

    def _transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise _write_error(self.path, exc) from exc
        con.row_factory = sqlite3.Row

        def change(con: sqlite3.Connection) -> T:
            _schema(con)
            return fn(con)

        try:
            return immediate(
                con,
                change,
                to_error=lambda exc: _write_error(self.path, exc),
                mapped=(OSError, sqlite3.Error),
                before_commit=self.before_commit,
            )
        finally:
            con.close()

    def replace_files(
        self, changes: list[FileChange], *, actor: Actor, expected: dict[str, int] | None = None
    ) -> list[ImportedLayer]:
        """Replace shared workspace files (facility inventory, network) and record each, in one transaction.

        The files change as one unit with their records (``renewal/storage/file_swap.py``): each new file is
        written beside its target, then all are swapped in inside the transaction, so a failure or a kill
        at any point leaves the old files and records or the new ones, never a mix. ``expected`` maps a
        kind to the version the planner saw; a newer one refuses the whole change.
        """
        for c in changes:
            if c.kind not in FILE_KINDS:
                raise InputError(f"Unknown workspace file {c.kind!r}", f"未知的工作区文件“{c.kind}”")
        folder = self.path.parent
        targets = [Path(c.target) for c in changes]
        token = file_swap.new_token()

        def tx(con: Connection) -> list[ImportedLayer]:
            file_swap.settle(
                folder, lambda: _file_versions(con), locked=True
            )  # a killed earlier replace first
            olds = {
                c.kind: self._current(con, c.kind, (expected or {}).get(c.kind), replace=True)
                for c in changes
            }
            out: list[ImportedLayer] = []
            for c in changes:
                entry = record_file(con, c, actor, olds[c.kind], c.previous())
                file_swap.stage(Path(c.target), c.write_to, token)
                out.append(entry)
            file_swap.swap_in(folder, targets, {e.kind: e.version for e in out}, token)
            return out

        try:
            out = self._write(actor, tx)
        except BaseException:
            file_swap.discard(targets, token)
            file_swap.settle(folder, self._recorded_file_versions, token=token)
            raise
        file_swap.settle(folder, self._recorded_file_versions, token=token)
        return out

    def _recorded_file_versions(self) -> dict[str, int] | None:
        try:
            rows = self._query("SELECT name, version FROM layer_catalog", ())
        except (OSError, sqlite3.Error, StoreError):
            return None
        return {r["name"]: r["version"] for r in rows}

    def settle_files(self) -> LayerStore:
        """Finish or undo a shared-files replace a killed writer left (see ``file_swap``); the store."""
        if (self.path.parent / file_swap.NOTE).exists():
            file_swap.settle(self.path.parent, self._recorded_file_versions)
        return self


def record_file(
    con: Connection, change: FileChange, actor: Actor, old: Row | None, previous: bytes | None
) -> ImportedLayer:
    """The catalogue entry and history row of a shared file's new version (inside a write transaction)."""
    entry = ImportedLayer(
        change.kind,
        change.kind,
        KIND_LABELS[change.kind],
        Path(change.source_file).name,
        _now(),
        "EPSG:4326",
        int(change.count),
        actor.label,
        _next_version(con, change.kind),
    )
    _record(con, entry, "replace" if old is not None else "import", previous)
    return entry


def _file_versions(con: Connection) -> dict[str, int]:
    return {r[0]: r[1] for r in con.execute("SELECT name, version FROM layer_catalog").fetchall()}


@dataclass(frozen=True)
class FileChange:
    """One shared workspace file to replace: its kind, its path, a writer of its new content to a given
    path, what it came from, its size."""

    kind: str
    target: Path
    write_to: Callable[[Path], object]
    source_file: str
    count: int
    #: The old content as GeoParquet bytes for the history (None: not kept, e.g. a large network).
    previous: Callable[[], bytes | None] = lambda: None
    #: Contents the file names by SHA-256 (a folder's files, e.g. the presentation's), stored with it in
    #: the team database's ``shared_blobs`` in the same transaction.
    blobs: tuple[bytes, ...] = ()


def _gone(name: str) -> ConflictError:
    return ConflictError(
        f"{name!r} was removed meanwhile; nothing was changed.",
        f"“{name}”在您查看之后已被删除，本次操作未执行；请刷新后重试。",
    )


def _schema(con: sqlite3.Connection) -> None:
    for sql in _SCHEMA:
        con.execute(sql)
    for table, column, decl in _ADDED:
        if column not in {r[1] for r in con.execute(f"PRAGMA table_info({table})")}:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")


def _next_version(con: Connection, name: str) -> int:
    """One more than any version ``name`` ever had (a removed and re-imported layer never repeats one)."""
    last = con.execute(
        "SELECT MAX(COALESCE(version, 0)) AS v FROM layer_history WHERE name = ?", (name,)
    ).fetchone()["v"]
    cat = con.execute("SELECT MAX(version) AS v FROM layer_catalog WHERE name = ?", (name,)).fetchone()["v"]
    return max(last or 0, cat or 0) + 1


#: The columns ``workspace push``/``pull`` copy, per table (both backends).
TABLE_COLUMNS = {
    "layer_catalog": CATALOG_COLS,
    "layer_data": ("name", "features"),
    "layer_style": ("name", "style", "at", "who"),
    "layer_history": ("id", *HISTORY_COLS, "undone_by"),
}


def copy_rows(con: Connection, tables: dict[str, list[dict[str, Any]]]) -> None:
    """Replace every layer table's rows by ``tables``' (inside a write transaction; either backend)."""
    for table, cols in TABLE_COLUMNS.items():
        con.execute(f"DELETE FROM {table}")
        for r in tables.get(table, []):
            con.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                tuple(r.get(c) for c in cols),
            )


def _upsert(con: Connection, table: str, values: dict[str, Any]) -> None:
    """Insert or overwrite the row of ``values['name']`` (SQLite and PostgreSQL alike)."""
    cols = list(values)
    sets = ", ".join(f"{c} = excluded.{c}" for c in cols if c != "name")
    con.execute(
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
        f"ON CONFLICT (name) DO UPDATE SET {sets}",
        tuple(values.values()),
    )


def _put_style(con: Connection, name: str, style: str | None, at: str, who: str) -> None:
    if style is None:
        con.execute("DELETE FROM layer_style WHERE name = ?", (name,))
    else:
        _upsert(con, "layer_style", {"name": name, "style": style, "at": at, "who": who})


def _drop(con: Connection, name: str) -> None:
    for table in ("layer_catalog", "layer_data", "layer_style"):
        con.execute(f"DELETE FROM {table} WHERE name = ?", (name,))


def _before(con: Connection, name: str, row: Row | None) -> str:
    """What a change is about to overwrite, as JSON for its history row (what an undo restores): the
    catalogue entry (or null) and the saved style (or null)."""
    style = con.execute("SELECT style FROM layer_style WHERE name = ?", (name,)).fetchone()
    entry = {c: row[c] for c in CATALOG_COLS} if row is not None else None
    return json.dumps(
        {"entry": entry, "style": style["style"] if style is not None else None}, ensure_ascii=False
    )


def _history(
    con: Connection,
    at: str,
    who: str,
    action: str,
    row: Row,
    previous: bytes | None,
    version: int | None,
    before: str | None,
) -> int:
    """One history row about the layer described by ``row`` (a catalogue row or entry); its id."""
    values = (
        at,
        who,
        action,
        row["name"],
        row["kind"],
        row["source_file"],
        row["count"],
        previous,
        version,
        before,
    )
    found = con.execute(
        f"INSERT INTO layer_history ({', '.join(HISTORY_COLS)}) VALUES ({', '.join('?' * len(HISTORY_COLS))}) "
        "RETURNING id",
        values,
    ).fetchone()
    return int(found["id"])


def _record(
    con: Connection, entry: ImportedLayer, action: str, previous: bytes | None, before: str | None = None
) -> None:
    values = {c: getattr(entry, c) for c in CATALOG_COLS}
    _upsert(con, "layer_catalog", values)
    _history(con, entry.imported_at, entry.who, action, values, previous, entry.version, before)


def _undo_blocked(name: str, other: Row) -> ConflictError:
    return ConflictError(
        f"{name!r} was changed by {other['who']} at {other['at']} after your change; nothing was undone.",
        f"您修改“{name}”之后，{other['who']} 又修改了它（{beijing_time(other['at'])}，北京时间），"
        "为避免覆盖他人的修改，未撤销。",
    )


def _write_error(path: Path, exc: BaseException) -> StoreError:
    if is_disk_full(exc):
        return disk_full_error(path, "the workspace layers", "工作区图层文件")
    text = str(exc)
    if "locked" in text or "busy" in text:
        return StoreError(
            f"The workspace layers {path} are locked by another program; nothing was changed. Try again.",
            "工作区图层文件被其他程序或会话锁定，未做任何更改，请稍后重试。",
        )
    return StoreError(
        f"Cannot write the workspace layers {path}: {exc}; nothing was changed",
        f"无法写入工作区图层文件（{path}），未做任何更改",
    )


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def open_layers(workspace: Path | None = None) -> LayerStore:
    """The workspace's own layer file (a shared-files replace a killed writer left is settled first):
    the record of the facility inventory and the walking network, and the imported layers when no
    team database is used."""
    return LayerStore(layers_path(workspace)).settle_files()
