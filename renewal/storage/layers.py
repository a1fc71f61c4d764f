"""The workspace's imported layers (zones, population, reference layers): ``<workspace>/layers.gpkg``.

Each layer is a table ``lyr_<name>`` of WGS84 features; ``layer_catalog`` lists them
(kind, title, source file, date, the CRS the file was read as, feature count, who),
``layer_history`` keeps every import, replacement and removal with the previous
features as GeoJSON, so a replaced or removed layer is never lost.

Every change is one atomic write: the GeoPackage is copied beside itself, changed,
and renamed over the old one (:mod:`renewal.io.atomic`); a failure leaves the old
file as it was.
"""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd

from renewal.crs import STORAGE_EPSG
from renewal.errors import InputError, StoreError
from renewal.io.atomic import atomic_output
from renewal.settings import workspace_dir
from renewal.sites.schema import clean_text, control_characters

LAYERS_FILE = "layers.gpkg"
KINDS = ("zones", "population", "reference")
KIND_LABELS = {"zones": "分区", "population": "人口", "reference": "参考图层", "sites": "更新项目"}
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: Longest accepted layer title (characters): it names the layer in every map's layer control.
MAX_TITLE_LENGTH = 100
_CATALOG = (
    "CREATE TABLE IF NOT EXISTS layer_catalog (name TEXT PRIMARY KEY, kind TEXT, title TEXT, source_file TEXT, "
    "imported_at TEXT, crs TEXT, count INTEGER, who TEXT)"
)
_HISTORY = (
    "CREATE TABLE IF NOT EXISTS layer_history (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT, who TEXT, "
    "action TEXT, name TEXT, kind TEXT, source_file TEXT, count INTEGER, previous TEXT)"
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


def layers_path(workspace: Path | None = None) -> Path:
    return Path(workspace if workspace is not None else workspace_dir()) / LAYERS_FILE


def check_name(name: str) -> str:
    if not NAME_RE.match(name or ""):
        raise InputError(
            f"Layer name {name!r} must be lower-case letters, digits and _ (starting with a letter, at most 40)",
            f"图层名“{name}”只能包含小写字母、数字和下划线（以字母开头，最多40个字符）",
        )
    return name


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

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def _query(self, sql: str, args=()) -> list[sqlite3.Row]:
        if not self.path.exists():
            return []
        try:
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            con.row_factory = sqlite3.Row
            with con:
                tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                if "layer_catalog" not in tables:
                    return []
                return list(con.execute(sql, args))
        except sqlite3.Error as exc:
            raise StoreError(
                f"Cannot read the workspace layers {self.path}: {exc}", f"无法读取工作区图层文件：{self.path}"
            ) from exc

    def list(self) -> list[ImportedLayer]:
        rows = self._query("SELECT * FROM layer_catalog ORDER BY kind, name")
        return [ImportedLayer(**{k: r[k] for k in r.keys()}) for r in rows]

    def get(self, name: str) -> ImportedLayer | None:
        return next((lyr for lyr in self.list() if lyr.name == name), None)

    def history(self, name: str | None = None) -> list[dict]:
        sql = "SELECT id, at, who, action, name, kind, source_file, count FROM layer_history"
        rows = self._query(
            sql + (" WHERE name = ?" if name else "") + " ORDER BY id DESC", (name,) if name else ()
        )
        return [dict(r) for r in rows]

    def read(self, name: str) -> gpd.GeoDataFrame:
        if self.get(name) is None:
            raise InputError(f"No imported layer {name!r}", f"没有名为“{name}”的导入图层")
        logging.getLogger("pyogrio").setLevel(logging.WARNING)
        return gpd.read_file(self.path, layer=f"lyr_{name}")

    def _change(self, fn) -> None:
        """Run ``fn(tmp_path)`` on a copy of the file, then put the copy in place (one atomic write)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with atomic_output(self.path) as tmp:
                if self.path.exists():
                    shutil.copyfile(self.path, tmp)
                fn(tmp)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"Cannot write the workspace layers {self.path}: {exc}; nothing was changed",
                f"无法写入工作区图层文件（{self.path}），未做任何更改",
            ) from exc

    def _previous(self, name: str) -> str | None:
        if self.get(name) is None:
            return None
        return self.read(name).to_json(drop_id=True, ensure_ascii=False)

    def put(
        self,
        name: str,
        kind: str,
        gdf: gpd.GeoDataFrame,
        *,
        source_file: str,
        crs: str,
        who: str,
        title: str = "",
        replace: bool = False,
    ) -> ImportedLayer:
        """Write (or with ``replace`` overwrite) the layer ``name`` and its catalog entry, atomically."""
        check_name(name)
        title = check_title(title)
        if kind not in KINDS:
            raise InputError(f"Unknown layer kind {kind!r}", f"未知的图层类别“{kind}”")
        old = self.get(name)
        if old is not None and not replace:
            raise InputError(
                f"A layer {name!r} exists already (imported {old.imported_at} by {old.who}); use --replace",
                f"图层“{name}”已存在（{old.who}于{old.imported_at}导入），如需替换请选择“替换”",
            )
        previous = self._previous(name)
        entry = ImportedLayer(
            name, kind, title or name, Path(source_file).name, _now(), crs, int(len(gdf)), who or "unknown"
        )
        data = gdf.to_crs(STORAGE_EPSG) if gdf.crs is not None else gdf.set_crs(STORAGE_EPSG)

        def write(tmp: Path) -> None:
            logging.getLogger("pyogrio").setLevel(logging.WARNING)
            data.to_file(tmp, driver="GPKG", layer=f"lyr_{name}", mode="w")
            with sqlite3.connect(tmp) as con:
                con.execute(_CATALOG)
                con.execute(_HISTORY)
                con.execute("INSERT OR REPLACE INTO layer_catalog VALUES (?,?,?,?,?,?,?,?)", _values(entry))
                con.execute(
                    "INSERT INTO layer_history (at, who, action, name, kind, source_file, count, previous) "
                    "VALUES (?,?,?,?,?,?,?,?)",
                    (
                        entry.imported_at,
                        entry.who,
                        "replace" if old else "import",
                        name,
                        kind,
                        entry.source_file,
                        entry.count,
                        previous,
                    ),
                )

        self._change(write)
        return entry

    def remove(self, name: str, *, who: str) -> None:
        """Remove the layer (its features stay in the history)."""
        old = self.get(name)
        if old is None:
            raise InputError(f"No imported layer {name!r}", f"没有名为“{name}”的导入图层")
        previous = self._previous(name)

        def drop(tmp: Path) -> None:
            import pyogrio

            with sqlite3.connect(tmp) as con:
                con.execute("DELETE FROM layer_catalog WHERE name = ?", (name,))
                con.execute(
                    "INSERT INTO layer_history (at, who, action, name, kind, source_file, count, previous) "
                    "VALUES (?,?,?,?,?,?,?,?)",
                    (
                        _now(),
                        who or "unknown",
                        "remove",
                        name,
                        old.kind,
                        old.source_file,
                        old.count,
                        previous,
                    ),
                )
            # an empty layer remains in the GeoPackage (GDAL keeps its metadata consistent); the catalog decides
            pyogrio.write_dataframe(
                gpd.GeoDataFrame(geometry=[], crs=STORAGE_EPSG), tmp, layer=f"lyr_{name}", driver="GPKG"
            )

        self._change(drop)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _values(e: ImportedLayer) -> tuple:
    return (e.name, e.kind, e.title, e.source_file, e.imported_at, e.crs, e.count, e.who)


def open_layers(workspace: Path | None = None) -> LayerStore:
    return LayerStore(layers_path(workspace))
