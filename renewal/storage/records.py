"""What every store backend shares: record shapes, the id counter rule, validation of a batch, messages.

Backends (:mod:`renewal.storage.gpkg`, :mod:`renewal.storage.postgis`) differ only in
how they read and write; the rules that make them behave the same live here:

* a history row's before/after is a GeoJSON feature (:func:`feature`);
* a new ``RS-NNN`` id comes from a counter that only grows (:func:`allocate_ids`), so an
  id is never given twice, not even after the site it named was undone or deleted; the counter
  ignores ids it did not issue (it skips them instead), so a file's ``RS-999…`` cannot poison it;
* a batch (an import) is validated and its ids checked *before* any write lock is taken
  (:func:`prepare_batch`); the transaction itself only allocates ids and inserts.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from renewal.auth import EDITOR as EDITOR  # re-exported: the backends' default role
from renewal.errors import ConflictError, InputError
from renewal.sites.schema import MAX_SITE_NUMBER, NUMBER_FIELDS, NUMBERED_ID, SITE_FIELDS
from renewal.sites.validate import validate_site
from renewal.storage.access import viewer_refused
from renewal.storage.base import Change

#: Key of the id counter in a store's metadata: the highest ``RS-NNN`` number ever used.
COUNTER_KEY = "last_site_number"
#: The site and history tables, the same in every backend.
TABLE = "sites"
HISTORY = "site_history"
ID_PREFIX = "RS-"


def now() -> str:
    """The time stamp of a change (UTC, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def feature(props: Mapping[str, Any], geom: BaseGeometry | None) -> dict[str, Any]:
    """A history snapshot: GeoJSON feature with NaN as null."""
    clean = {}
    for k, v in props.items():
        if isinstance(v, float) and math.isnan(v):
            v = None
        clean[k] = v
    return {"type": "Feature", "properties": clean, "geometry": mapping(geom) if geom is not None else None}


def dump(feat: dict[str, Any] | None) -> str | None:
    return json.dumps(feat, ensure_ascii=False) if feat else None


def load(text: str | None) -> dict[str, Any] | None:
    return json.loads(text) if text else None


def db_value(v: Any, field: str) -> float | str | None:
    """A site field as stored: numbers as float or NULL, text as str ("" for missing)."""
    if field in NUMBER_FIELDS:
        return None if v is None or (isinstance(v, float) and math.isnan(v)) or v == "" else float(v)
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def row_props(row: Row) -> dict[str, Any]:
    """A stored row's site fields (missing numbers as NaN, missing text as "")."""
    out = {}
    for f in SITE_FIELDS:
        v = row[f]
        out[f] = (math.nan if v is None else float(v)) if f in NUMBER_FIELDS else (v or "")
    return out


def site_number(site_id: str) -> int | None:
    """The number of an ``RS-NNN`` id within the numbered range (at most ``MAX_SITE_NUMBER``), else None."""
    m = NUMBERED_ID.fullmatch(site_id) if isinstance(site_id, str) else None
    n = int(m.group(1)) if m else None
    return n if n is not None and n <= MAX_SITE_NUMBER else None


def highest_number(ids: Iterable[str]) -> int:
    """The highest number among ``RS-NNN`` ids (used once, to start the counter of a store made without one)."""
    return max((n for n in map(site_number, ids) if n is not None), default=0)


def counter_value(stored: int, used: Callable[[], Iterable[str]]) -> int:
    """The counter as read from a store: one pushed past the numbered range (by a file's ``RS-999…``
    before ids were bounded) starts again from the highest number in range that is ``used``."""
    return stored if stored <= MAX_SITE_NUMBER else highest_number(used())


def allocate_ids(wanted: list[str], last_number: int, used: Iterable[str] = ()) -> tuple[list[str], int]:
    """Ids for a batch: given ids kept, empty ones numbered after ``last_number``; returns (ids, new last).

    The counter only counts the ids it issued: a given ``RS-NNN`` id (from a file) never moves it, so a
    file cannot push every later id out of range. A number some site or history row already uses
    (``used``, or a given id of the batch) is skipped, so an id still never names two sites.
    """
    taken = {n for n in map(site_number, [*used, *wanted]) if n is not None}
    last = last_number
    out = []
    for sid in wanted:
        if not sid:
            last += 1
            while last in taken:
                last += 1
            sid = f"{ID_PREFIX}{last:03d}"
        out.append(sid)
    return out, last


@dataclass
class Batch:
    """Validated records ready to insert: clean properties (``site_id`` "" = to be numbered) and geometries."""

    props: list[dict[str, Any]]
    geoms: list[BaseGeometry]
    notes: list[str]
    #: The history rows' ``after`` as JSON, made before the lock; a new site's id is filled in by :meth:`afters`.
    after_json: list[str]

    @property
    def wanted_ids(self) -> list[str]:
        return [p["site_id"] for p in self.props]

    def afters(self, ids: list[str]) -> list[str]:
        """The ``after`` JSON of each record with its final id (a cheap text substitution inside the lock)."""
        return [
            text
            if wanted
            else text.replace(_EMPTY_ID, f'"site_id": {json.dumps(sid, ensure_ascii=False)}', 1)
            for text, wanted, sid in zip(self.after_json, self.wanted_ids, ids, strict=True)
        ]


#: How an empty id appears in a dumped feature (``site_id`` is the first property of a clean record).
_EMPTY_ID = '"site_id": ""'


def prepare_batch(records: Iterable[tuple[Mapping[str, Any], BaseGeometry]]) -> Batch:
    """Validate every record (all problems of the first bad one raised as InputError); nothing is written.

    Ids given in the records must be unique within the batch; a clash with the store is
    checked inside the transaction with :func:`check_new_ids`.
    """
    props: list[dict[str, Any]] = []
    geoms: list[BaseGeometry] = []
    notes: list[str] = []
    seen: set[str] = set()
    for p, g in records:
        sid = str(p.get("site_id") or "").strip()
        if sid and sid in seen:
            raise duplicate_id(sid)
        if sid:
            seen.add(sid)
        clean, geom, n = validate_site({**p, "site_id": sid}, g)
        props.append(clean)
        geoms.append(geom)
        notes.extend(n)
    afters = [json.dumps(feature(p, g), ensure_ascii=False) for p, g in zip(props, geoms, strict=True)]
    return Batch(props, geoms, notes, afters)


def check_new_ids(ids: Iterable[str], existing: set[str]) -> None:
    for sid in ids:
        if sid in existing:
            raise duplicate_id(sid)


@dataclass
class StoreDump:
    """Everything a store holds, as plain values: what ``workspace push``/``pull`` copy.

    ``sites``: one dict per site with every stored column (site fields, ``version``,
    ``updated_at``, ``updated_by``) and ``wkb`` (the geometry, little-endian WKB), ordered by
    id; ``history``: every change row with its id, ordered by id; ``meta``: the store's
    metadata (the id counter); ``files``: other workspace files (relative POSIX path -> bytes).
    """

    sites: list[dict[str, Any]]
    history: list[dict[str, Any]]
    meta: dict[str, str]
    files: dict[str, bytes]


#: Stored columns of a site besides its geometry, and of a history row.
SITE_COLUMNS = (*SITE_FIELDS, "version", "updated_at", "updated_by")
HISTORY_COLUMNS = ("id", "at", "session", "action", "site_id", "before", "after", "note", "undone_by")


# ---- messages (the same words from every backend) ---------------------------------------


#: The name that stands for a site's shape among the fields of a field-level save.
GEOMETRY_FIELD = "geometry"


def merge_fields(fields: Iterable[str]) -> frozenset[str]:
    """The fields of a field-level save, checked: site fields (not the id) and :data:`GEOMETRY_FIELD`."""
    only = frozenset(fields)
    unknown = sorted(only - (set(SITE_FIELDS) - {"site_id"}) - {GEOMETRY_FIELD})
    if unknown:
        raise InputError(
            f"Unknown fields to save: {', '.join(unknown)}", f"无法保存未知的字段：{'、'.join(unknown)}"
        )
    return only


def unknown_site(site_id: str) -> InputError:
    return InputError(f"Unknown site: {site_id}", f"没有编号为 {site_id} 的项目")


def duplicate_id(site_id: str) -> InputError:
    return InputError(f"Site id already exists: {site_id}", f"项目编号已存在：{site_id}")


def stale_save(site_id: str, by: str | None, at: str | None, current: int, expected: int) -> ConflictError:
    who = by or "another session"
    return ConflictError(
        f"Site {site_id} was changed by {who} at {at} (version {current}, you edited version {expected}). "
        "Your save was refused; reload the site and apply your change again.",
        f"项目 {site_id} 已被其他会话（{by or '他人'}）修改（{at}，当前版本 {current}，您编辑的是版本 "
        f"{expected}）。为避免覆盖他人的修改，本次保存未执行；请重新载入后再修改。",
    )


def stale_delete(site_id: str) -> ConflictError:
    return ConflictError(
        f"Site {site_id} was changed by another session; delete refused.",
        f"项目 {site_id} 已被其他会话修改，删除未执行；请重新载入。",
    )


def undo_blocked(site_id: str) -> ConflictError:
    return ConflictError(
        f"Site {site_id} was changed again after this edit; undo the newer change first.",
        f"项目 {site_id} 在此之后又被修改过，请先撤销较新的修改。",
    )


T = TypeVar("T")


class Row(Protocol):
    """A stored row read by column name: a ``sqlite3.Row`` (GeoPackage) or a psycopg dict row (PostGIS)."""

    def __getitem__(self, key: str, /) -> Any: ...

    def keys(self) -> Iterable[str]: ...


class Cursor(Protocol):
    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What :class:`StoreCore` asks of a backend's connection (sqlite3's, psycopg's)."""

    def execute(self, query: str, params: Sequence[Any] = (), /) -> Cursor: ...


Con = TypeVar("Con", bound=Connection)


class StoreCore(Generic[Con]):
    """What every backend does the same way: who is editing, the test hook, the notes of the last
    write, and the writes whose logic does not depend on the database (a save with its version check,
    adding sites, deleting one, undo, the copy for push/pull). A backend is the dialect: ``PARAM`` (its
    driver's parameter marker), ``_write(fn)`` (one transaction), ``_read(fn)``, ``_find_row(con, site_id)``
    (a site's row or None), ``_row_geometry(row)``, ``_put``, ``_log``, ``_insert(batch, action)`` and
    ``_dump_rows()``.
    """

    #: The SQL parameter marker of the backend's driver (sqlite3 ``?``, psycopg ``%s``).
    PARAM = "?"

    def __init__(self, *, session: str | None, timeout: float, role: str = EDITOR):
        self.session = session or f"s-{uuid.uuid4().hex[:8]}"
        #: The person's role: a 查看 store refuses every write (:meth:`_may_write`, called by each backend's
        #: ``_write`` before it touches the database).
        self.role = role
        self.timeout = timeout
        #: Test hook: called inside each write transaction after the writes, before COMMIT.
        self.before_commit: Callable[[], None] | None = None
        #: Notes of the last save or add (e.g. a self-intersecting polygon that was repaired).
        self.last_notes: list[str] = []

    @property
    def read_only(self) -> bool:
        """Whether this store refuses writes (the person may only view)."""
        return self.role != EDITOR

    def _may_write(self) -> None:
        if self.read_only:
            raise viewer_refused(self.session)

    def _sql(self, text: str) -> str:
        """SQL written with ``?`` markers, in the backend's marker."""
        return text.replace("?", self.PARAM)

    # ---- the dialect: each backend defines these ----

    def _write(self, fn: Callable[[Con], T]) -> T:
        """``fn(con)`` in one write transaction."""
        raise NotImplementedError

    def _find_row(self, con: Con, site_id: str) -> Row | None:
        raise NotImplementedError

    def _row_geometry(self, row: Row) -> BaseGeometry | None:
        raise NotImplementedError

    def _put(
        self, con: Con, props: Mapping[str, Any], geom: BaseGeometry, version: int, *, update: bool
    ) -> None:
        raise NotImplementedError

    def _log(
        self,
        con: Con,
        action: str,
        site_id: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        note: str = "",
    ) -> int:
        raise NotImplementedError

    def _insert(self, batch: Batch, action: str) -> list[str]:
        raise NotImplementedError

    def _dump_rows(
        self,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, str], dict[str, bytes]]:
        raise NotImplementedError

    def _row(self, con: Con, site_id: str) -> Row:
        """A site's row, or :func:`unknown_site`."""
        row = self._find_row(con, site_id)
        if row is None:
            raise unknown_site(site_id)
        return row

    def delete_site(self, site_id: str, *, expected_version: int) -> None:
        """Delete a site (undoable)."""

        def tx(con: Con) -> None:
            row = self._row(con, site_id)
            if int(row["version"]) != expected_version:
                raise stale_delete(site_id)
            con.execute(self._sql(f"DELETE FROM {TABLE} WHERE site_id = ?"), (site_id,))
            self._log(con, "delete", site_id, feature(row_props(row), self._row_geometry(row)), None)

        self._write(tx)

    def undo(self, *, session: str | None = None) -> Change | None:
        """Undo the newest change not yet undone (of ``session`` if given); return it, or None.

        Refused with :class:`ConflictError` if the site changed again since (undo the newer change first).
        """

        def tx(con: Con) -> Change | None:
            sql = f"SELECT * FROM {HISTORY} WHERE undone_by IS NULL AND action <> 'undo'"
            args: tuple[str, ...] = ()
            if session:
                sql += " AND session = ?"
                args = (session,)
            h = con.execute(self._sql(sql + " ORDER BY id DESC LIMIT 1"), args).fetchone()
            if h is None:
                return None
            sid = h["site_id"]
            before = load(h["before"])
            row = self._find_row(con, sid)
            newer = con.execute(
                self._sql(
                    f"SELECT 1 FROM {HISTORY} WHERE site_id = ? AND id > ? AND undone_by IS NULL AND action <> 'undo'"
                ),
                (sid, h["id"]),
            ).fetchone()
            if newer is not None:
                raise undo_blocked(sid)
            current = feature(row_props(row), self._row_geometry(row)) if row is not None else None
            if (
                before is None
            ):  # undo a create/import: delete (its id stays used: the counter never goes back)
                con.execute(self._sql(f"DELETE FROM {TABLE} WHERE site_id = ?"), (sid,))
            else:
                version = int(row["version"]) + 1 if row is not None else 1
                self._put(
                    con, before["properties"], shape(before["geometry"]), version, update=row is not None
                )
            uid = self._log(con, "undo", sid, current, before, note=f"undo #{h['id']}")
            con.execute(self._sql(f"UPDATE {HISTORY} SET undone_by = ? WHERE id = ?"), (uid, h["id"]))
            return change_from_row(h, undone_by=uid)

        return self._write(tx)

    def dump(self) -> StoreDump:
        """Every site (attributes and WKB), change, counter and stored workspace file, as stored. A store from
        before the id counter gets one that skips every number used so far."""
        sites, history, meta, files = self._dump_rows()
        if COUNTER_KEY not in meta:
            used = [r["site_id"] for r in sites] + [r["site_id"] for r in history]
            meta = {**meta, COUNTER_KEY: str(highest_number(used))}
        return StoreDump(sites, history, meta, files)

    def save_site(
        self,
        site_id: str,
        props: Mapping[str, Any],
        geom: BaseGeometry,
        *,
        expected_version: int,
        fields: Iterable[str] | None = None,
    ) -> int:
        """Replace a site's attributes and geometry; return the new version.

        ``expected_version`` is the version the editor started from; a newer stored version raises
        :class:`ConflictError` and nothing is written. ``fields`` (site field names, and
        :data:`GEOMETRY_FIELD` for the shape) saves only those onto the stored site, inside the
        transaction: every other field keeps its stored value (a field-level merge, e.g. after a
        refused save, so a colleague's change to another field is never overwritten).
        """
        only = None if fields is None else merge_fields(fields)
        checked = None if only is not None else validate_site({**props, "site_id": site_id}, geom)

        def tx(con: Con) -> tuple[int, list[str]]:
            row = self._row(con, site_id)
            current = int(row["version"])
            if current != expected_version:
                raise stale_save(site_id, row["updated_by"], row["updated_at"], current, expected_version)
            stored, stored_geom = row_props(row), self._row_geometry(row)
            if checked is not None:
                clean, shape, notes = checked
            else:  # the stored site with only the chosen fields replaced
                assert only is not None  # checked is None only when fields were given
                merged = {**stored, **{f: props.get(f) for f in only if f != GEOMETRY_FIELD}}
                new_geom = geom if GEOMETRY_FIELD in only else stored_geom
                clean, shape, notes = validate_site({**merged, "site_id": site_id}, new_geom)
            version = current + 1
            self._put(con, clean, shape, version, update=True)
            self._log(con, "update", site_id, feature(stored, stored_geom), feature(clean, shape))
            return version, notes

        version, self.last_notes = self._write(tx)
        return version

    def add_site(self, props: Mapping[str, Any], geom: BaseGeometry) -> str:
        """Add a new site (a new ``RS-NNN`` id unless one is given); return its id."""
        (sid,) = self._insert(prepare_batch([(props, geom)]), "create")
        return sid

    def add_sites(
        self, records: Iterable[tuple[Mapping[str, Any], BaseGeometry]], *, action: str = "import"
    ) -> list[str]:
        """Add many sites in one transaction (all or nothing); return their ids.

        Every record is validated before the write lock is taken; the transaction only checks ids
        against the store, numbers the new ones and inserts.
        """
        return self._insert(prepare_batch(records), action)


def change_from_row(r: Mapping[str, Any], undone_by: int | None = None) -> Change:
    """A history row as a :class:`~renewal.storage.base.Change` (``undone_by`` overrides the row's)."""
    return Change(
        int(r["id"]),
        r["at"],
        r["session"],
        r["action"],
        r["site_id"],
        load(r["before"]),
        load(r["after"]),
        undone_by if undone_by is not None else r["undone_by"],
    )
