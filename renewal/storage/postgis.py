"""The team store: the same sites store on PostgreSQL/PostGIS (psycopg 3 with a connection pool).

Chosen by a ``postgresql://`` URL (``$RENEWAL_DATABASE_URL`` or the CLI's ``--database``);
behaves exactly as :class:`~renewal.storage.gpkg.GpkgStore` (the one contract suite in
``tests/test_store.py`` runs against both):

* tables ``sites`` (geometry column SRID 4326 with a GiST index), ``site_history`` and
  ``renewal_meta`` (schema version, id counter), plus ``workspace_files`` (other workspace
  files copied by ``workspace push``), in the connection's current schema (the first
  one of its ``search_path``). They are created, seeded from the bundled catalogue and
  migrated by the app on first use, under an advisory lock (two first uses at once
  create them once).
* Every write is one transaction that first takes a transaction-scoped advisory lock:
  writers queue one behind the other exactly like SQLite's ``BEGIN IMMEDIATE``, readers
  never wait. A writer that cannot get the lock within ``timeout`` seconds gets
  :class:`~renewal.errors.StoreError` (nothing written); a writer killed mid-transaction
  leaves nothing behind (the server rolls its transaction back).
* Passwords never appear in messages: :attr:`PostgisStore.location` is the URL without it.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import geopandas as gpd
import pandas as pd
import psycopg
import shapely
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool, PoolTimeout
from shapely.geometry.base import BaseGeometry

from renewal.errors import StoreError, StoreUnavailable
from renewal.sites.schema import NUMBER_FIELDS, SITE_FIELDS, TEXT_FIELDS
from renewal.storage import records as rec
from renewal.storage.base import Change

TABLE = rec.TABLE
HISTORY = rec.HISTORY
META = "renewal_meta"
FILES = "workspace_files"
SRID = 4326
LOCK_TIMEOUT_S = 10.0
CONNECT_TIMEOUT_S = 5
SCHEMA_VERSION = 1

_COLS = rec.SITE_COLUMNS
_HIST_COLS = rec.HISTORY_COLUMNS

#: Schema migrations, in order; ``renewal_meta.schema_version`` says how many ran.
MIGRATIONS: tuple[str, ...] = (
    f"""
    CREATE TABLE {TABLE} (
        fid bigserial PRIMARY KEY,
        site_id text NOT NULL UNIQUE,
        {", ".join(f"{f} text NOT NULL DEFAULT ''" for f in TEXT_FIELDS if f != "site_id")},
        {", ".join(f"{f} double precision" for f in NUMBER_FIELDS)},
        version integer NOT NULL DEFAULT 1,
        updated_at text,
        updated_by text,
        geom geometry(Geometry, {SRID}) NOT NULL
    );
    CREATE INDEX {TABLE}_geom_gix ON {TABLE} USING gist (geom);
    CREATE TABLE {HISTORY} (
        id bigserial PRIMARY KEY,
        at text NOT NULL,
        session text NOT NULL,
        action text NOT NULL,
        site_id text NOT NULL,
        before text,
        after text,
        note text NOT NULL DEFAULT '',
        undone_by bigint
    );
    CREATE INDEX {HISTORY}_site_idx ON {HISTORY} (site_id, id);
    CREATE INDEX {HISTORY}_session_idx ON {HISTORY} (session, id);
    CREATE TABLE {FILES} (name text PRIMARY KEY, content bytea NOT NULL);
    """,
)


# --------------------------------------------------------------------------
# Connections
# --------------------------------------------------------------------------

_POOLS: dict[str, ConnectionPool[PgCon]] = {}
_POOLS_LOCK = threading.Lock()


#: A connection of the pool: rows come as dicts (``dict_row``).
PgCon = psycopg.Connection[DictRow]
T = TypeVar("T")


def redact(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    try:
        d = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://…"
    host = d.get("host") or "localhost"
    port = f":{d['port']}" if d.get("port") else ""
    user = f"{d['user']}@" if d.get("user") else ""
    return f"postgresql://{user}{host}{port}/{d.get('dbname') or ''}"


def _pool(url: str) -> ConnectionPool[PgCon]:
    with _POOLS_LOCK:
        pool = _POOLS.get(url)
        if pool is None:
            try:  # a connect_timeout in the URL also bounds the wait for a pooled connection
                wait = float(conninfo_to_dict(url).get("connect_timeout") or CONNECT_TIMEOUT_S)
            except (psycopg.ProgrammingError, ValueError):
                wait = CONNECT_TIMEOUT_S
            # the rows are dicts (row_factory=dict_row below), which the pool's type cannot see from kwargs
            pool = cast(
                "ConnectionPool[PgCon]",
                ConnectionPool(
                    url,
                    min_size=1,
                    max_size=4,
                    kwargs={"row_factory": dict_row, "connect_timeout": CONNECT_TIMEOUT_S},
                    check=ConnectionPool.check_connection,
                    timeout=wait,
                    open=True,
                    name=f"renewal-{len(_POOLS)}",
                ),
            )
            _POOLS[url] = pool
        return pool


def close_pool(url: str) -> None:
    """Close this URL's connection pool (tests; a new one opens on next use)."""
    with _POOLS_LOCK:
        pool = _POOLS.pop(url, None)
    if pool is not None:
        pool.close()


@atexit.register
def _close_all() -> None:
    for url in list(_POOLS):
        close_pool(url)


def reachable(url: str, timeout: int = 3) -> bool:
    """Whether a server answers at ``url`` (a plain connection, no pool)."""
    try:
        psycopg.connect(url, connect_timeout=timeout).close()
        return True
    except psycopg.Error:
        return False


#: How long one answer of :func:`_check_up` is reused (seconds): at most one probe per second and URL.
PROBE_EVERY_S = 1.0
_PROBES: dict[str, tuple[float, bool]] = {}


def _check_up(url: str, *, fresh: bool = False) -> None:
    """Fail fast when the server is down: a direct connection (refused at once when nothing listens),
    at most once per :data:`PROBE_EVERY_S` for reads while it answers, on every call while it does not
    (so it works again as soon as it is back), and before every write (``fresh``: a planner's
    click, rare); otherwise a pooled call would wait for the pool's timeout. When the server is back
    after being down, the pool (holding dead connections) is replaced."""
    now = time.monotonic()
    with _POOLS_LOCK:
        last = _PROBES.get(url)
    up: bool
    if last is not None and last[1] and now - last[0] < PROBE_EVERY_S and not fresh:
        up = last[1]
    else:
        up = reachable(url, timeout=CONNECT_TIMEOUT_S)
        with _POOLS_LOCK:
            _PROBES[url] = (now, up)
        if up and last is not None and not last[1]:
            close_pool(url)
    if not up:
        raise psycopg.OperationalError("the database server does not answer")


def _connect_error(url: str, exc: BaseException, *, reading: bool) -> StoreError:
    with _POOLS_LOCK:  # the next call probes first instead of waiting for the pool again
        _PROBES[url] = (time.monotonic(), False)
    where = redact(url)
    if reading:
        return StoreUnavailable(
            f"Cannot read the team database {where}: {type(exc).__name__}",
            f"暂时无法读取团队数据库（{where}），请检查数据库服务后重试。",
        )
    return StoreUnavailable(
        f"Cannot reach the team database {where}: {type(exc).__name__}. Nothing was saved.",
        f"无法连接团队数据库（{where}），未保存任何修改；您填写的内容仍保留，数据库恢复后可再次保存。",
    )


def read(url: str, fn: Callable[[PgCon], T]) -> T:
    """``fn(con)`` on a pooled connection of ``url``; a server that does not answer is a
    :class:`StoreUnavailable`, any other database error a :class:`StoreError`."""
    try:
        _check_up(url)
        with _pool(url).connection() as con:
            return fn(con)
    except StoreError:
        raise
    except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as exc:
        raise _connect_error(url, exc, reading=True) from exc
    except psycopg.Error as exc:
        raise StoreError(
            f"Cannot read the team database: {exc}", f"无法读取团队数据库：{type(exc).__name__}"
        ) from exc


def transaction(
    url: str,
    fn: Callable[[PgCon], T],
    *,
    timeout: float = LOCK_TIMEOUT_S,
    lock: str | None = None,
    before_commit: Callable[[], None] | None = None,
) -> T:
    """``fn(con)`` in one transaction on ``url``, first taking the transaction-scoped advisory lock
    named ``lock`` (in the current schema): writers of one lock queue one behind the other like
    SQLite's ``BEGIN IMMEDIATE``. ``before_commit`` (a test hook) runs just before COMMIT; any error
    rolls everything back."""
    try:
        _check_up(url, fresh=lock is not None)
        with _pool(url).connection() as con:
            with con.transaction():
                con.execute(f"SET LOCAL lock_timeout = {int(timeout * 1000)}")
                if lock is not None:
                    con.execute(
                        "SELECT pg_advisory_xact_lock(hashtext(%s || ':' || current_schema()))", (lock,)
                    )
                result = fn(con)
                if before_commit is not None:
                    before_commit()
            return result
    except StoreError:
        raise
    except pg_errors.LockNotAvailable as exc:
        raise StoreError(
            "The team database is busy (another planner is writing); nothing was saved. Try again.",
            "团队数据库正忙（其他人正在写入），未保存任何修改，请稍后重试。",
        ) from exc
    except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as exc:
        raise _connect_error(url, exc, reading=False) from exc
    except psycopg.Error as exc:
        raise StoreError(
            f"Cannot write the team database: {exc}. Nothing was saved.",
            f"无法写入团队数据库（{type(exc).__name__}），未保存任何修改。",
        ) from exc


# --------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------


class PostgisStore(rec.StoreCore[PgCon]):
    """The sites store in a PostGIS database. Cheap to create; connections come from a per-URL pool."""

    PARAM = "%s"

    def __init__(
        self, url: str, *, session: str | None = None, timeout: float = LOCK_TIMEOUT_S, role: str = rec.EDITOR
    ):
        super().__init__(session=session, timeout=timeout, role=role)
        self.url = url

    @property
    def location(self) -> str:
        return redact(self.url)

    @staticmethod
    def _find_row(con: PgCon, site_id: str) -> DictRow | None:
        return con.execute(
            f"SELECT *, ST_AsBinary(geom) AS wkb FROM {TABLE} WHERE site_id = %s", (site_id,)
        ).fetchone()

    @staticmethod
    def _row_geometry(row: rec.Row) -> BaseGeometry:
        return shapely.from_wkb(bytes(row["wkb"]))

    # ---- creation ----------------------------------------------------------

    @classmethod
    def open(
        cls,
        url: str,
        initial: Callable[[], gpd.GeoDataFrame],
        *,
        session: str | None = None,
        role: str = rec.EDITOR,
    ) -> PostgisStore:
        """The store at ``url``: tables created, migrated and seeded from ``initial()`` on first use
        (setting the store up is not a planner's change, so it happens for a viewer too)."""
        store = cls(url, session=session)
        found = store._schema_version() if store.exists() else 0
        if found > SCHEMA_VERSION:
            raise StoreError(
                f"The team database {store.location} was set up by a newer version of the app "
                f"(schema {found}, this app knows {SCHEMA_VERSION}); update the app. Nothing was changed.",
                f"团队数据库由更新版本的程序建立（结构版本 {found}，本程序为 {SCHEMA_VERSION}），请先升级程序。未作任何修改。",
            )
        if found < SCHEMA_VERSION:
            store._migrate(initial)
        store.role = role
        return store

    def exists(self) -> bool:
        """Whether the database has the store's tables (reading never creates them)."""
        row = self._read(  # in the current schema only: tables of another schema on the search_path do not count
            lambda con: con.execute(
                "SELECT to_regclass(quote_ident(current_schema()) || '.' || %s) AS t", (META,)
            ).fetchone()
        )
        return bool(one_row(row)["t"])

    def _schema_version(self) -> int:
        row = self._read(
            lambda con: con.execute(f"SELECT value FROM {META} WHERE key = 'schema_version'").fetchone()
        )
        return int(row["value"]) if row else 0

    def _migrate(self, initial: Callable[[], gpd.GeoDataFrame]) -> None:
        seed_gdf = initial()

        def tx(con: PgCon) -> None:
            con.execute("SELECT pg_advisory_xact_lock(hashtext('renewal-migrate:' || current_schema()))")
            if con.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone() is None:
                try:
                    con.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                except pg_errors.InsufficientPrivilege as exc:
                    raise StoreError(
                        "The PostGIS extension is missing and this user may not create it: "
                        "ask the database administrator to run CREATE EXTENSION postgis.",
                        "数据库缺少 PostGIS 扩展，且当前用户无权创建：请数据库管理员执行 CREATE EXTENSION postgis。",
                    ) from exc
            con.execute(f"CREATE TABLE IF NOT EXISTS {META} (key text PRIMARY KEY, value text NOT NULL)")
            row = con.execute(f"SELECT value FROM {META} WHERE key = 'schema_version'").fetchone()
            done = int(row["value"]) if row else 0
            for sql in MIGRATIONS[done:]:
                con.execute(sql)
            if done == 0:
                self._seed(con, seed_gdf)
            con.execute(
                f"INSERT INTO {META} VALUES ('schema_version', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                (str(len(MIGRATIONS)),),
            )

        self._write(tx, lock=False)

    def _seed(self, con: PgCon, gdf: gpd.GeoDataFrame) -> None:
        at = rec.now()
        rows = [
            (shapely.to_wkb(r.geometry), *[rec.db_value(r.get(f), f) for f in SITE_FIELDS], 1, at, "seed")
            for _, r in gdf.iterrows()
        ]
        with con.cursor() as cur:
            cur.executemany(_insert_sites_sql(), rows)
        number = rec.highest_number(gdf["site_id"]) if len(gdf) else 0
        con.execute(f"INSERT INTO {META} VALUES (%s, %s)", (rec.COUNTER_KEY, str(number)))

    # ---- connections -------------------------------------------------------

    def _read(self, fn: Callable[[PgCon], T]) -> T:
        return read(self.url, fn)

    def _write(self, fn: Callable[[PgCon], T], *, lock: bool = True) -> T:
        """Run ``fn`` in one transaction holding the store's write lock; roll back on any error.

        Every planner's change takes the lock, so a viewer's is refused here; only setting up the
        schema (``lock=False``) runs for anyone."""
        if lock:
            self._may_write()
        return transaction(
            self.url,
            fn,
            timeout=self.timeout,
            lock="renewal-write" if lock else None,
            before_commit=self.before_commit,
        )

    # ---- reading -----------------------------------------------------------

    def sites(self) -> gpd.GeoDataFrame:
        """All sites (WGS84) with their ``version``."""
        rows = self._read(
            lambda con: con.execute(
                f'SELECT ST_AsBinary(geom) AS wkb, {", ".join(_COLS)} FROM {TABLE} ORDER BY site_id COLLATE "C"'
            ).fetchall()
        )
        df = pd.DataFrame({c: [r[c] for r in rows] for c in _COLS}, columns=list(_COLS))
        for f in TEXT_FIELDS:
            df[f] = df[f].fillna("").astype(str)
        for f in NUMBER_FIELDS:
            df[f] = pd.to_numeric(df[f], errors="coerce").astype(float)
        df["version"] = df["version"].astype(int)
        geoms = shapely.from_wkb([bytes(r["wkb"]) for r in rows]) if rows else []
        return gpd.GeoDataFrame(df, geometry=list(geoms), crs=SRID)

    def site(self, site_id: str) -> tuple[dict[str, Any], BaseGeometry, int]:
        """(properties, geometry, version) of one site; InputError if unknown."""
        row = self._read(lambda con: self._row(con, site_id))
        return rec.row_props(row), self._row_geometry(row), int(row["version"])

    def history(self, site_id: str | None = None, limit: int = 200) -> list[Change]:
        """Changes, newest first (optionally of one site)."""
        sql = f"SELECT * FROM {HISTORY}"
        args: tuple[str, ...] = ()
        if site_id:
            sql += " WHERE site_id = %s"
            args = (site_id,)
        rows = self._read(
            lambda con: con.execute(sql + " ORDER BY id DESC LIMIT %s", (*args, limit)).fetchall()
        )
        return [rec.change_from_row(r) for r in rows]

    # ---- writing -----------------------------------------------------------

    def _insert(self, batch: rec.Batch, action: str) -> list[str]:
        self.last_notes = list(batch.notes)
        # everything but the ids is made before the transaction: geometries as hex EWKB for COPY
        ewkbs = shapely.to_wkb(shapely.set_srid(list(batch.geoms), SRID), hex=True, include_srid=True)
        rows = [[rec.db_value(p.get(f), f) for f in SITE_FIELDS] for p in batch.props]
        i_id = SITE_FIELDS.index("site_id")

        def tx(con: PgCon) -> list[str]:
            given = [s for s in batch.wanted_ids if s]
            if given:
                taken = con.execute(
                    f"SELECT site_id FROM {TABLE} WHERE site_id = ANY(%s)", (given,)
                ).fetchall()
                rec.check_new_ids(given, {r["site_id"] for r in taken})
            ids, last = rec.allocate_ids(batch.wanted_ids, _last_number(con), _used_ids(con))
            at = rec.now()
            with con.cursor() as cur:
                with cur.copy(f"COPY {TABLE} (geom, {', '.join(_COLS)}) FROM STDIN") as copy:
                    for sid, ewkb, values in zip(ids, ewkbs, rows, strict=True):
                        values[i_id] = sid
                        copy.write_row((ewkb, *values, 1, at, self.session))
                with cur.copy(
                    f"COPY {HISTORY} (at, session, action, site_id, before, after, note) FROM STDIN"
                ) as copy:
                    for sid, after in zip(ids, batch.afters(ids), strict=True):
                        copy.write_row((at, self.session, action, sid, None, after, ""))
            con.execute(f"UPDATE {META} SET value = %s WHERE key = %s", (str(last), rec.COUNTER_KEY))
            return ids

        return self._write(tx)

    # ---- copying (workspace push / pull) ----------------------------------

    def _dump_rows(
        self,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, str], dict[str, bytes]]:
        """Sites (WKB), changes, counters and stored workspace files, from one snapshot."""

        def read(con: PgCon) -> tuple[list[DictRow], list[DictRow], list[DictRow], list[DictRow]]:
            with con.transaction():  # one snapshot for all four reads
                con.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                sites = con.execute(
                    f'SELECT ST_AsBinary(geom) AS wkb, {", ".join(_COLS)} FROM {TABLE} ORDER BY site_id COLLATE "C"'
                ).fetchall()
                hist = con.execute(f"SELECT {', '.join(_HIST_COLS)} FROM {HISTORY} ORDER BY id").fetchall()
                meta = con.execute(f"SELECT key, value FROM {META} WHERE key <> 'schema_version'").fetchall()
                files = con.execute(f"SELECT name, content FROM {FILES} ORDER BY name").fetchall()
            return sites, hist, meta, files

        sites, hist, meta, files = self._read(read)
        return (
            [{**{c: r[c] for c in _COLS}, "wkb": bytes(r["wkb"])} for r in sites],
            [{**r, "id": int(r["id"])} for r in hist],
            {r["key"]: r["value"] for r in meta},
            {r["name"]: bytes(r["content"]) for r in files},
        )

    def restore(self, dump: rec.StoreDump) -> None:
        """Replace every site, change, counter and stored file by ``dump``'s, in one transaction."""

        def tx(con: PgCon) -> None:
            con.execute(f"DELETE FROM {TABLE}")
            con.execute(f"DELETE FROM {HISTORY}")
            con.execute(f"DELETE FROM {FILES}")
            con.execute(f"DELETE FROM {META} WHERE key <> 'schema_version'")
            with con.cursor() as cur:
                cur.executemany(_insert_sites_sql(), [(r["wkb"], *[r[c] for c in _COLS]) for r in dump.sites])
                cur.executemany(
                    f"INSERT INTO {HISTORY} ({', '.join(_HIST_COLS)}) VALUES ({', '.join(['%s'] * len(_HIST_COLS))})",
                    [tuple(r[c] for c in _HIST_COLS) for r in dump.history],
                )
                cur.executemany(f"INSERT INTO {META} VALUES (%s, %s)", sorted(dump.meta.items()))
                cur.executemany(f"INSERT INTO {FILES} VALUES (%s, %s)", sorted(dump.files.items()))
            # new changes number on after the copied ones
            con.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {HISTORY}",
                (HISTORY,),
            )

        self._write(tx)

    # ---- internals ---------------------------------------------------------

    def _put(
        self, con: PgCon, props: Mapping[str, Any], geom: BaseGeometry, version: int, *, update: bool
    ) -> None:
        values = [rec.db_value(props.get(f), f) for f in SITE_FIELDS]
        meta = (version, rec.now(), self.session)
        wkb = shapely.to_wkb(geom)
        if update:
            cols = [*SITE_FIELDS[1:], "version", "updated_at", "updated_by"]
            sets = ", ".join(f"{c} = %s" for c in cols)
            con.execute(
                f"UPDATE {TABLE} SET geom = ST_GeomFromWKB(%s, {SRID}), {sets} WHERE site_id = %s",
                (wkb, *values[1:], *meta, values[0]),
            )
        else:
            con.execute(_insert_sites_sql(), (wkb, *values, *meta))

    def _log(
        self,
        con: PgCon,
        action: str,
        site_id: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        note: str = "",
    ) -> int:
        row = con.execute(
            f"INSERT INTO {HISTORY} (at, session, action, site_id, before, after, note) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (rec.now(), self.session, action, site_id, rec.dump(before), rec.dump(after), note),
        ).fetchone()
        return int(one_row(row)["id"])


def one_row(row: DictRow | None) -> DictRow:
    """The row of a query that always returns one (an INSERT … RETURNING, the id counter)."""
    if row is None:
        raise psycopg.DataError("the query returned no row")
    return row


def _insert_sites_sql() -> str:
    return (
        f"INSERT INTO {TABLE} (geom, {', '.join(_COLS)}) "
        f"VALUES (ST_GeomFromWKB(%s, {SRID}){', %s' * len(_COLS)})"
    )


def _used_ids(con: PgCon) -> list[str]:
    """Every ``RS-…`` id a site or a history row uses (the numbers a new site must skip)."""
    rows = con.execute(
        f"SELECT site_id FROM {TABLE} WHERE site_id LIKE 'RS-%%' "
        f"UNION SELECT site_id FROM {HISTORY} WHERE site_id LIKE 'RS-%%'"
    ).fetchall()
    return [r["site_id"] for r in rows]


def _last_number(con: PgCon) -> int:
    row = con.execute(f"SELECT value FROM {META} WHERE key = %s FOR UPDATE", (rec.COUNTER_KEY,)).fetchone()
    return rec.counter_value(int(one_row(row)["value"]), lambda: _used_ids(con))
