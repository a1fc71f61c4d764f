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

import io
import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd

from renewal.crs import STORAGE_EPSG
from renewal.errors import ConflictError, InputError, StoreError
from renewal.layer_style import LayerStyle
from renewal.settings import workspace_dir
from renewal.sites.schema import clean_text, control_characters
from renewal.storage import file_swap
from renewal.storage.access import Actor, require_editor
from renewal.storage.sqlite_tx import disk_full_error, immediate, is_disk_full

LAYERS_FILE = "layers.gpkg"
KINDS = ("zones", "population", "reference")
#: Shared workspace files recorded in the catalogue (not drawn as layers).
FILE_KINDS = ("facilities", "network", "study_area")
KIND_LABELS = {
    "zones": "分区",
    "population": "人口",
    "reference": "参考图层",
    "sites": "更新项目",
    "facilities": "设施清单",
    "network": "步行路网",
    "study_area": "研究范围",
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
_ADDED = {"layer_catalog": ("version", "INTEGER NOT NULL DEFAULT 1"), "layer_history": ("version", "INTEGER")}


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


def _exists_error(name: str, row) -> InputError:
    return InputError(
        f"A layer {name!r} exists already (imported {row['imported_at']} by {row['who']}); use --replace",
        f"图层“{name}”已存在（{row['who']}于{row['imported_at']}导入），如需替换请选择“替换”",
    )


def _stale(name: str, row, expected: int) -> ConflictError:
    return ConflictError(
        f"{name!r} was changed by {row['who']} at {row['imported_at']} (version {row['version']}, you saw "
        f"version {expected}); nothing was changed. Look at the new data and try again.",
        f"“{name}”在您查看之后已被 {row['who']} 修改（{row['imported_at']}，当前版本 {row['version']}，"
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


class LayerStore:
    """The imported layers of one workspace."""

    def __init__(self, path: Path | str, *, timeout: float = LOCK_TIMEOUT_S):
        self.path = Path(path)
        self.timeout = timeout
        #: Test hook: called inside each write transaction after the writes, before COMMIT.
        self.before_commit: Callable[[], None] | None = None

    # ---- reading -------------------------------------------------------------

    def _query(self, sql: str, args=()) -> list[sqlite3.Row]:
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

    def _entries(self) -> list[ImportedLayer]:
        rows = self._query("SELECT * FROM layer_catalog ORDER BY kind, name")
        fields = ImportedLayer.__dataclass_fields__
        return [ImportedLayer(**{k: r[k] for k in r.keys() if k in fields}) for r in rows]

    def list(self) -> list[ImportedLayer]:
        """The imported layers (zones, population, reference)."""
        return [e for e in self._entries() if e.kind in KINDS]

    def files(self) -> list[ImportedLayer]:
        """The recorded shared files (facility inventory, walking network): who saved them, when, version."""
        return [e for e in self._entries() if e.kind in FILE_KINDS]

    def get(self, name: str) -> ImportedLayer | None:
        return next((lyr for lyr in self._entries() if lyr.name == name), None)

    def history(self, name: str | None = None) -> list[dict]:
        sql = "SELECT * FROM layer_history"
        rows = self._query(
            sql + (" WHERE name = ?" if name else "") + " ORDER BY id DESC", (name,) if name else ()
        )
        keys = ("id", "at", "who", "action", "name", "kind", "source_file", "count", "version")
        return [{k: (r[k] if k in r.keys() else None) for k in keys} for r in rows]

    def read(self, name: str) -> gpd.GeoDataFrame:
        entry = self.get(name)
        if entry is None or entry.kind not in KINDS:
            raise InputError(f"No imported layer {name!r}", f"没有名为“{name}”的导入图层")
        rows = self._query("SELECT features FROM layer_data WHERE name = ?", (name,))
        if rows:
            return from_blob(rows[0]["features"])
        logging.getLogger("pyogrio").setLevel(logging.WARNING)
        return gpd.read_file(self.path, layer=f"lyr_{name}")  # written by an older version

    def style(self, name: str) -> LayerStyle | None:
        """The layer's saved style (None: none saved); :class:`InputError` if the stored one is not valid."""
        rows = self._query("SELECT style FROM layer_style WHERE name = ?", (name,))
        return LayerStyle.from_json(rows[0]["style"]) if rows else None

    # ---- writing -------------------------------------------------------------

    def _write(self, actor: Actor, fn: Callable[[sqlite3.Connection], object]):
        """Run ``fn(con)`` in one IMMEDIATE transaction for ``actor`` (an editor); roll back on any error."""
        require_editor(actor)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise _write_error(self.path, exc) from exc
        con.row_factory = sqlite3.Row

        def change(con: sqlite3.Connection):
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

    def _current(self, con, name: str, expected_version: int | None, *, replace: bool):
        """The catalogue row of ``name`` (or None), after the exists and version checks."""
        row = con.execute("SELECT * FROM layer_catalog WHERE name = ?", (name,)).fetchone()
        if row is not None and not replace:
            raise _exists_error(name, row)
        if expected_version is not None and (row["version"] if row is not None else 0) != expected_version:
            raise _stale(name, row, expected_version) if row is not None else _gone(name)
        return row

    def _previous(self, con, name: str) -> bytes | None:
        found = con.execute("SELECT features FROM layer_data WHERE name = ?", (name,)).fetchone()
        if found is not None:
            return found[0]
        if con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (f"lyr_{name}",)).fetchone():
            logging.getLogger("pyogrio").setLevel(logging.WARNING)
            return to_blob(gpd.read_file(self.path, layer=f"lyr_{name}"))
        return None

    def put(
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

        def tx(con) -> ImportedLayer:
            old = self._current(con, name, expected_version, replace=replace)
            previous = self._previous(con, name) if old is not None else None
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
            con.execute("INSERT OR REPLACE INTO layer_data (name, features) VALUES (?, ?)", (name, blob))
            _record(con, entry, "replace" if old is not None else "import", previous)
            return entry

        return self._write(actor, tx)

    def remove(self, name: str, *, actor: Actor, expected_version: int | None = None) -> None:
        """Remove the layer (its features stay in the history)."""

        def tx(con) -> None:
            old = con.execute("SELECT * FROM layer_catalog WHERE name = ?", (name,)).fetchone()
            if old is None or old["kind"] not in KINDS:
                raise InputError(f"No imported layer {name!r}", f"没有名为“{name}”的导入图层")
            if expected_version is not None and old["version"] != expected_version:
                raise _stale(name, old, expected_version)
            previous = self._previous(con, name)
            con.execute("DELETE FROM layer_catalog WHERE name = ?", (name,))
            con.execute("DELETE FROM layer_data WHERE name = ?", (name,))
            con.execute("DELETE FROM layer_style WHERE name = ?", (name,))
            con.execute(
                "INSERT INTO layer_history (at, who, action, name, kind, source_file, count, previous, version) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    _now(),
                    actor.label,
                    "remove",
                    name,
                    old["kind"],
                    old["source_file"],
                    old["count"],
                    previous,
                    None,
                ),
            )

        self._write(actor, tx)

    def save_style(self, name: str, style: LayerStyle | None, *, actor: Actor) -> None:
        """Keep ``style`` with the imported layer ``name`` (None: clear it), recorded as a ``style`` history row
        (the layer's version, the previous style as JSON)."""
        if style is not None and not isinstance(style, LayerStyle):
            raise TypeError("a layer style is a LayerStyle")
        require_editor(actor)

        def tx(con) -> None:
            row = con.execute("SELECT * FROM layer_catalog WHERE name = ?", (name,)).fetchone()
            if row is None or row["kind"] not in KINDS:
                raise InputError(f"No imported layer {name!r}", f"没有名为“{name}”的导入图层")
            old = con.execute("SELECT style FROM layer_style WHERE name = ?", (name,)).fetchone()
            at = _now()
            if style is None:
                con.execute("DELETE FROM layer_style WHERE name = ?", (name,))
            else:
                con.execute(
                    "INSERT OR REPLACE INTO layer_style (name, style, at, who) VALUES (?,?,?,?)",
                    (name, style.to_json(), at, actor.label),
                )
            con.execute(
                "INSERT INTO layer_history (at, who, action, name, kind, source_file, count, previous, version) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    at,
                    actor.label,
                    "style",
                    name,
                    row["kind"],
                    row["source_file"],
                    row["count"],
                    old[0].encode() if old is not None else None,
                    row["version"],
                ),
            )

        self._write(actor, tx)

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

        def tx(con) -> list[ImportedLayer]:
            file_swap.settle(
                folder, lambda: _file_versions(con), locked=True
            )  # a killed earlier replace first
            olds = {
                c.kind: self._current(con, c.kind, (expected or {}).get(c.kind), replace=True)
                for c in changes
            }
            out = []
            for c in changes:
                entry = ImportedLayer(
                    c.kind,
                    c.kind,
                    KIND_LABELS[c.kind],
                    Path(c.source_file).name,
                    _now(),
                    "EPSG:4326",
                    int(c.count),
                    actor.label,
                    _next_version(con, c.kind),
                )
                _record(con, entry, "replace" if olds[c.kind] is not None else "import", c.previous())
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


def _file_versions(con) -> dict[str, int]:
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


def _gone(name: str) -> ConflictError:
    return ConflictError(
        f"{name!r} was removed meanwhile; nothing was changed.",
        f"“{name}”在您查看之后已被删除，本次操作未执行；请刷新后重试。",
    )


def _schema(con: sqlite3.Connection) -> None:
    for sql in _SCHEMA:
        con.execute(sql)
    for table, (column, decl) in _ADDED.items():
        if column not in {r[1] for r in con.execute(f"PRAGMA table_info({table})")}:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")


def _next_version(con, name: str) -> int:
    """One more than any version ``name`` ever had (a removed and re-imported layer never repeats one)."""
    (last,) = con.execute(
        "SELECT MAX(COALESCE(version, 0)) FROM layer_history WHERE name = ?", (name,)
    ).fetchone()
    (cat,) = con.execute("SELECT MAX(version) FROM layer_catalog WHERE name = ?", (name,)).fetchone()
    return max(last or 0, cat or 0) + 1


def _record(con, entry: ImportedLayer, action: str, previous: bytes | None) -> None:
    con.execute(
        "INSERT OR REPLACE INTO layer_catalog (name, kind, title, source_file, imported_at, crs, count, who, "
        "version) VALUES (?,?,?,?,?,?,?,?,?)",
        (
            entry.name,
            entry.kind,
            entry.title,
            entry.source_file,
            entry.imported_at,
            entry.crs,
            entry.count,
            entry.who,
            entry.version,
        ),
    )
    con.execute(
        "INSERT INTO layer_history (at, who, action, name, kind, source_file, count, previous, version) "
        "VALUES (?,?,?,?,?,?,?,?,?)",
        (
            entry.imported_at,
            entry.who,
            action,
            entry.name,
            entry.kind,
            entry.source_file,
            entry.count,
            previous,
            entry.version,
        ),
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
    """The workspace's layer store (a shared-files replace a killed writer left is settled first)."""
    return LayerStore(layers_path(workspace)).settle_files()
