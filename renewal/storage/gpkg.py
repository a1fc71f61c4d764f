"""The workspace store: planners' edits of renewal sites, with history and undo.

One GeoPackage file (``sites.gpkg`` in the workspace folder) holds the sites
table (a GeoPackage feature table readable by QGIS/GDAL) and a history table.
It is seeded from the bundled catalogue on first use; the bundled geodata is
never written.

Safety rules:

* Every change is one SQLite transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``)
  that writes the site row *and* its history row; a failure or a crash in the
  middle rolls back to the previous state. The first seeding writes a
  temporary file and hard-links it into place (which fails if another session
  published first; :meth:`GpkgStore.open` then uses that one), so there is never a
  half-written store and never two seedings replacing each other.
* Optimistic concurrency: each site has a ``version``. A save carries the
  version it started from; if the stored one differs, someone else saved in
  between and :class:`~renewal.errors.ConflictError` is raised.
* A read-only file (no write permission bits) or a locked database raises
  :class:`~renewal.errors.StoreError`.
"""

from __future__ import annotations

import os
import sqlite3
import struct
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from renewal.errors import StoreError
from renewal.sites.schema import NUMBER_FIELDS, SITE_FIELDS, TEXT_FIELDS
from renewal.storage import records as rec
from renewal.storage.base import Change
from renewal.storage.sqlite_tx import disk_full_error, immediate, is_disk_full

STORE_FILE = "sites.gpkg"
TABLE = rec.TABLE
HISTORY = rec.HISTORY
META = "renewal_meta"
SRS_ID = 4326
LOCK_TIMEOUT_S = 10.0  # a save waits out a large import (its insert takes seconds), then gives up

_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
    'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],'
    'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]'
)


# --------------------------------------------------------------------------
# GeoPackage geometry blobs (GPB header + WKB)
# --------------------------------------------------------------------------


def to_gpb(geom: BaseGeometry, srs_id: int = SRS_ID) -> bytes:
    """Encode a geometry as a GeoPackage binary blob (little endian, xy envelope)."""
    minx, miny, maxx, maxy = geom.bounds
    header = b"GP" + bytes([0, 0b00000011]) + struct.pack("<i", srs_id)
    wkb: bytes = shapely.to_wkb(geom, byte_order=1)
    return header + struct.pack("<4d", minx, maxx, miny, maxy) + wkb


def from_gpb(blob: bytes | None) -> BaseGeometry | None:
    if blob is None:
        return None
    if blob[:2] != b"GP":
        raise StoreError("Corrupt geometry in the workspace store.", "工作区数据中的几何图形已损坏。")
    flags = blob[3]
    env = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 0b111]
    return shapely.from_wkb(blob[8 + env :])


_COLS = rec.SITE_COLUMNS


T = TypeVar("T")


class GpkgStore(rec.StoreCore[sqlite3.Connection]):
    """The sites store in one GeoPackage file. Cheap to create; opens a connection per operation."""

    def __init__(
        self,
        path: Path | str,
        *,
        session: str | None = None,
        timeout: float = LOCK_TIMEOUT_S,
        role: str = rec.EDITOR,
    ):
        super().__init__(session=session, timeout=timeout, role=role)
        self.path = Path(path)

    @property
    def location(self) -> str:
        """Where the store is (for messages)."""
        return str(self.path)

    # ---- creation ----------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path,
        initial: Callable[[], gpd.GeoDataFrame],
        *,
        session: str | None = None,
        role: str = rec.EDITOR,
    ) -> GpkgStore:
        """The store at ``path``, seeded from ``initial()`` (the bundled catalogue) if it does not exist yet."""
        if not path.exists():
            try:
                seed(path, initial())
            except StoreError:
                if not path.exists():
                    raise
                # another session seeded it at the same moment: use theirs
        return cls(path, session=session, role=role)

    # ---- connections -------------------------------------------------------

    def _connect(self, *, reading: bool = False) -> sqlite3.Connection:
        if not self.path.exists():
            raise StoreError(f"Workspace store not found: {self.path}", f"找不到工作区数据文件：{self.path}")
        try:
            con = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._open_error(exc, reading=reading) from exc
        con.row_factory = sqlite3.Row
        return con

    def _open_error(self, exc: BaseException, *, reading: bool = False) -> StoreError:
        """The store file cannot be opened at all (a folder in its place, no permission, vanished)."""
        if reading:
            return StoreError(
                f"Cannot open the workspace store {self.path} for reading: {exc}",
                f"无法读取工作区数据文件（可能不是有效文件或没有访问权限）：{self.path}",
            )
        return StoreError(
            f"Cannot open the workspace store {self.path}: {exc}. Nothing was saved.",
            f"无法打开工作区数据文件（可能不是有效文件或没有访问权限），未保存任何修改：{self.path}",
        )

    def _check_writable(self) -> None:
        try:
            mode = self.path.stat().st_mode
        except OSError as exc:
            raise self._open_error(exc) from exc
        if not self.path.is_file():
            raise self._open_error(IsADirectoryError(str(self.path)))
        if (
            not (mode & 0o222)
            or not os.access(self.path, os.W_OK)
            or not os.access(self.path.parent, os.W_OK)
        ):
            raise StoreError(
                f"The workspace store is read-only: {self.path}. Nothing was saved.",
                f"工作区数据文件为只读，未保存任何修改：{self.path}",
            )

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in one IMMEDIATE transaction; roll back on any error (a viewer's write is refused)."""
        self._may_write()
        self._check_writable()
        con = self._connect()
        try:
            return immediate(con, fn, to_error=self._store_error, before_commit=self.before_commit)
        finally:
            con.close()

    def _store_error(self, exc: BaseException) -> StoreError:
        if is_disk_full(exc):
            return disk_full_error(self.path, "the workspace store", "工作区数据文件")
        text = str(exc)
        if "locked" in text or "busy" in text:
            return StoreError(
                "The workspace store is locked by another program or session; nothing was saved. Try again.",
                "工作区数据文件被其他程序或会话锁定，未保存任何修改，请稍后重试。",
            )
        if "readonly" in text or "read-only" in text:
            return StoreError(
                f"The workspace store is read-only: {self.path}", f"工作区数据文件为只读：{self.path}"
            )
        return StoreError(f"Cannot write the workspace store: {text}", f"无法写入工作区数据文件：{text}")

    # ---- reading -----------------------------------------------------------

    def sites(self) -> gpd.GeoDataFrame:
        """All sites (WGS84) with their ``version``."""
        rows = self._read(
            lambda con: con.execute(
                f"SELECT geom, {', '.join(_COLS)} FROM {TABLE} ORDER BY site_id"
            ).fetchall()
        )
        data = {c: [r[c] for r in rows] for c in _COLS}
        df = pd.DataFrame(data, columns=list(_COLS))
        for f in TEXT_FIELDS:
            df[f] = df[f].fillna("").astype(str)
        for f in NUMBER_FIELDS:
            df[f] = pd.to_numeric(df[f], errors="coerce").astype(float)
        df["version"] = df["version"].astype(int)
        return gpd.GeoDataFrame(df, geometry=[from_gpb(r["geom"]) for r in rows], crs=SRS_ID)

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run a read-only query function; database errors become StoreError."""
        try:
            con = self._connect(reading=True)
        except OSError as exc:
            raise self._open_error(exc, reading=True) from exc
        try:
            return fn(con)
        except sqlite3.Error as exc:
            if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
                raise StoreError(  # a read changes nothing: do not speak of unsaved changes
                    "The workspace store is locked by another program or session and cannot be read just now. "
                    "Try again.",
                    "暂时无法读取工作区数据文件（被其他程序或会话锁定），请稍后重试。",
                ) from exc
            raise StoreError(
                f"Cannot read the workspace store: {exc}", f"无法读取工作区数据文件：{exc}"
            ) from exc
        finally:
            con.close()

    def site(self, site_id: str) -> tuple[dict[str, Any], BaseGeometry, int]:
        """(properties, geometry, version) of one site; InputError if unknown."""
        row = self._read(lambda con: self._row(con, site_id))
        return rec.row_props(row), self._row_geometry(row), int(row["version"])

    def history(self, site_id: str | None = None, limit: int = 200) -> list[Change]:
        """Changes, newest first (optionally of one site)."""
        sql = f"SELECT * FROM {HISTORY}"
        args: tuple[str, ...] = ()
        if site_id:
            sql += " WHERE site_id = ?"
            args = (site_id,)
        rows = self._read(
            lambda con: con.execute(sql + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        )
        return [rec.change_from_row(r) for r in rows]

    @staticmethod
    def _row_geometry(row: rec.Row) -> BaseGeometry | None:
        return from_gpb(row["geom"])

    @staticmethod
    def _find_row(con: sqlite3.Connection, site_id: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = con.execute(
            f"SELECT * FROM {TABLE} WHERE site_id = ?", (site_id,)
        ).fetchone()
        return row

    # ---- writing -----------------------------------------------------------

    def _insert(self, batch: rec.Batch, action: str) -> list[str]:
        self.last_notes = list(batch.notes)
        blobs = [to_gpb(g) for g in batch.geoms]
        rows = [[rec.db_value(p.get(f), f) for f in SITE_FIELDS] for p in batch.props]
        i_id = SITE_FIELDS.index("site_id")

        def tx(con: sqlite3.Connection) -> list[str]:
            existing = {r[0] for r in con.execute(f"SELECT site_id FROM {TABLE}")}
            rec.check_new_ids(filter(None, batch.wanted_ids), existing)
            ids, last = rec.allocate_ids(batch.wanted_ids, _last_number(con), _used_ids(con))
            at = rec.now()
            site_rows, log_rows = [], []
            for sid, blob, values, after in zip(ids, blobs, rows, batch.afters(ids), strict=True):
                values[i_id] = sid
                site_rows.append((blob, *values, 1, at, self.session))
                log_rows.append((at, self.session, action, sid, None, after, ""))
            con.executemany(
                f"INSERT INTO {TABLE} (geom, {', '.join(_COLS)}) VALUES (?{', ?' * len(_COLS)})", site_rows
            )
            con.executemany(
                f"INSERT INTO {HISTORY} (at, session, action, site_id, before, after, note) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                log_rows,
            )
            _set_last_number(con, last)
            _update_extent(con)
            return ids

        return self._write(tx)

    # ---- copying (workspace push / pull) ----------------------------------

    def _dump_rows(
        self,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, str], dict[str, bytes]]:
        """Sites (WKB), changes and counters (``files`` is left empty: they are the workspace's)."""

        def read(con: sqlite3.Connection) -> tuple[list[sqlite3.Row], list[sqlite3.Row], dict[str, str]]:
            sites = con.execute(f"SELECT geom, {', '.join(_COLS)} FROM {TABLE} ORDER BY site_id").fetchall()
            hist = con.execute(
                f"SELECT {', '.join(rec.HISTORY_COLUMNS)} FROM {HISTORY} ORDER BY id"
            ).fetchall()
            has_meta = con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (META,)).fetchone()
            meta = dict(con.execute(f"SELECT key, value FROM {META}").fetchall()) if has_meta else {}
            return sites, hist, meta

        sites, hist, meta = self._read(read)
        return (
            [{**{c: r[c] for c in _COLS}, "wkb": shapely.to_wkb(from_gpb(r["geom"]))} for r in sites],
            [dict(r) for r in hist],
            meta,
            {},
        )

    def restore(self, dump: rec.StoreDump) -> None:
        """Replace every site, change and counter by ``dump``'s, in one transaction."""

        def tx(con: sqlite3.Connection) -> None:
            con.execute(f"DELETE FROM {TABLE}")
            con.execute(f"DELETE FROM {HISTORY}")
            con.executemany(
                f"INSERT INTO {TABLE} (geom, {', '.join(_COLS)}) VALUES (?{', ?' * len(_COLS)})",
                [(to_gpb(shapely.from_wkb(r["wkb"])), *[r[c] for c in _COLS]) for r in dump.sites],
            )
            con.executemany(
                f"INSERT INTO {HISTORY} ({', '.join(rec.HISTORY_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(rec.HISTORY_COLUMNS))})",
                [tuple(r[c] for c in rec.HISTORY_COLUMNS) for r in dump.history],
            )
            _ensure_meta(con)
            con.execute(f"DELETE FROM {META}")
            con.executemany(f"INSERT INTO {META} VALUES (?, ?)", sorted(dump.meta.items()))
            _update_extent(con)

        self._write(tx)

    # ---- internals ---------------------------------------------------------

    def _put(
        self,
        con: sqlite3.Connection,
        props: Mapping[str, Any],
        geom: BaseGeometry,
        version: int,
        *,
        update: bool,
    ) -> None:
        values = {f: rec.db_value(props.get(f), f) for f in SITE_FIELDS}
        values.update(version=version, updated_at=rec.now(), updated_by=self.session)
        cols = list(values)
        if update:
            sets = ", ".join(f"{c} = ?" for c in cols if c != "site_id")
            con.execute(
                f"UPDATE {TABLE} SET geom = ?, {sets} WHERE site_id = ?",
                (to_gpb(geom), *[values[c] for c in cols if c != "site_id"], values["site_id"]),
            )
        else:
            con.execute(
                f"INSERT INTO {TABLE} (geom, {', '.join(cols)}) VALUES (?{', ?' * len(cols)})",
                (to_gpb(geom), *[values[c] for c in cols]),
            )
        _update_extent(con)

    def _log(
        self,
        con: sqlite3.Connection,
        action: str,
        site_id: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        note: str = "",
    ) -> int:
        cur = con.execute(
            f"INSERT INTO {HISTORY} (at, session, action, site_id, before, after, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (rec.now(), self.session, action, site_id, rec.dump(before), rec.dump(after), note),
        )
        if cur.lastrowid is None:  # never after an INSERT into a rowid table
            raise sqlite3.DatabaseError("the history row got no id")
        return cur.lastrowid


def _ensure_meta(con: sqlite3.Connection) -> None:
    """Stores made before the id counter get it now: every number used so far (sites and history)."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {META} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    if con.execute(f"SELECT 1 FROM {META} WHERE key = ?", (rec.COUNTER_KEY,)).fetchone() is None:
        used = [r[0] for r in con.execute(f"SELECT site_id FROM {TABLE} UNION SELECT site_id FROM {HISTORY}")]
        con.execute(f"INSERT INTO {META} VALUES (?, ?)", (rec.COUNTER_KEY, str(rec.highest_number(used))))


def _used_ids(con: sqlite3.Connection) -> list[str]:
    """Every ``RS-…`` id a site or a history row uses (the numbers a new site must skip)."""
    sql = f"SELECT site_id FROM {TABLE} WHERE site_id LIKE 'RS-%' UNION SELECT site_id FROM {HISTORY} WHERE site_id LIKE 'RS-%'"
    return [r[0] for r in con.execute(sql)]


def _last_number(con: sqlite3.Connection) -> int:
    _ensure_meta(con)
    value = int(con.execute(f"SELECT value FROM {META} WHERE key = ?", (rec.COUNTER_KEY,)).fetchone()[0])
    return rec.counter_value(value, lambda: _used_ids(con))


def _set_last_number(con: sqlite3.Connection, last: int) -> None:
    con.execute(f"UPDATE {META} SET value = ? WHERE key = ?", (str(last), rec.COUNTER_KEY))


def _update_extent(con: sqlite3.Connection) -> None:
    con.execute(
        "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?",
        (TABLE,),
    )


# --------------------------------------------------------------------------
# Seeding
# --------------------------------------------------------------------------


def _schema(con: sqlite3.Connection) -> None:
    con.execute("PRAGMA application_id = 1196444487")  # 'GPKG'
    con.execute("PRAGMA user_version = 10300")
    con.executescript(
        """
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
            organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
            description TEXT);
        CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
            identifier TEXT UNIQUE, description TEXT DEFAULT '',
            last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
            min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
            CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
        CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
            geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
            CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name));
        """
    )
    con.executemany(
        "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                "Undefined cartesian SRS",
                -1,
                "NONE",
                -1,
                "undefined",
                "undefined cartesian coordinate reference system",
            ),
            (
                "Undefined geographic SRS",
                0,
                "NONE",
                0,
                "undefined",
                "undefined geographic coordinate reference system",
            ),
            (
                "WGS 84 geodetic",
                4326,
                "EPSG",
                4326,
                _WGS84_WKT,
                "longitude/latitude coordinates in decimal degrees",
            ),
        ],
    )
    text_cols = ", ".join(f"{f} TEXT NOT NULL DEFAULT ''" for f in TEXT_FIELDS if f != "site_id")
    num_cols = ", ".join(f"{f} REAL" for f in NUMBER_FIELDS)
    con.execute(
        f"CREATE TABLE {TABLE} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom GEOMETRY, site_id TEXT NOT NULL UNIQUE, "
        f"{text_cols}, {num_cols}, version INTEGER NOT NULL DEFAULT 1, updated_at TEXT, updated_by TEXT)"
    )
    con.execute(
        f"CREATE TABLE {HISTORY} (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, session TEXT NOT NULL, "
        "action TEXT NOT NULL, site_id TEXT NOT NULL, before TEXT, after TEXT, note TEXT DEFAULT '', "
        "undone_by INTEGER)"
    )
    con.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, "
        "max_y, srs_id) VALUES (?, 'features', ?, ?, 117.19, 39.07, 117.31, 39.17, 4326)",
        (TABLE, "renewal_sites", "城市更新项目（工作区）"),
    )
    con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'GEOMETRY', 4326, 0, 0)", (TABLE,))
    con.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
        "VALUES (?, 'attributes', ?, ?)",
        (HISTORY, "site_history", "修改历史"),
    )
    con.execute(f"CREATE TABLE {META} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    con.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
        "VALUES (?, 'attributes', ?, ?)",
        (META, "renewal_meta", "工作区元数据（编号计数器）"),
    )


def seed(path: Path, gdf: gpd.GeoDataFrame, *, session: str = "seed") -> Path:
    """Create a store at ``path`` holding ``gdf`` (written to a temp file, then linked into place).

    Raises :class:`StoreError` if ``path`` exists (also when another process published it meanwhile).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        con = sqlite3.connect(tmp, isolation_level=None)
        try:
            _schema(con)  # a temp file: atomicity comes from the rename below
            con.execute("BEGIN")
            now = rec.now()
            for _, row in gdf.iterrows():
                values = {f: rec.db_value(row.get(f), f) for f in SITE_FIELDS}
                values.update(version=1, updated_at=now, updated_by=session)
                cols = list(values)
                con.execute(
                    f"INSERT INTO {TABLE} (geom, {', '.join(cols)}) VALUES (?{', ?' * len(cols)})",
                    (to_gpb(row.geometry), *[values[c] for c in cols]),
                )
            con.execute(
                f"INSERT INTO {META} VALUES (?, ?)",
                (rec.COUNTER_KEY, str(rec.highest_number(gdf["site_id"]) if len(gdf) else 0)),
            )
            con.execute("COMMIT")
        finally:
            con.close()
        from renewal.io.atomic import FILE_MODE

        os.chmod(tmp, FILE_MODE)
        try:
            os.link(tmp, path)  # publish only if nobody else did: link fails if ``path`` exists (no race)
        except FileExistsError as exc:
            raise StoreError(f"Store already exists: {path}", f"工作区数据文件已存在：{path}") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path
