"""The imported layers on the team database (PostGIS): :class:`TeamLayerStore`.

The same store as the workspace's ``layers.gpkg`` (:class:`renewal.storage.layers.LayerStore`): both
are a :class:`~renewal.storage.layers.LayerCore`, whose logic (name and version checks, history rows,
saved styles, undo of one's own last change) runs unchanged on either; here the tables
``layer_catalog``, ``layer_data`` (features as GeoParquet ``bytea``), ``layer_history`` and
``layer_style`` live in the connection's current schema, and every change is one transaction holding
the layers' advisory lock (writers queue, readers never wait; two app servers on one database lose
no import). The tables are created on first use.

The facility inventory and the walking network are shared the same way: each saved whole as a blob
keyed by its SHA-256 (``shared_blobs``; every version stays there, named by the history rows), with a
catalogue row (version, who, when, hash) and a history row, in one transaction. Each app server keeps
the files its pages and commands read as a local cache (``<workspace>/facilities/…``, ``network/…``),
fetched whole by hash, checked and swapped in atomically (:meth:`TeamLayerStore.sync`), so a server
never reads half of one.

A shared *folder* (:data:`~renewal.storage.layers.FOLDER_KINDS`: the planner views of 汇报模式) is recorded
the same way, its catalogue hash naming a manifest (:func:`manifest_bytes`: each file's path in the workspace
and SHA-256, the index last) whose files are blobs too; :meth:`TeamLayerStore.sync` writes the files that
differ, then the index, then removes the files the previous manifest named and the new one does not.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from psycopg.rows import DictRow

from renewal.analysis.facilities import workspace_facilities_path
from renewal.analysis.network_files import workspace_network_path
from renewal.analysis.osm_review import decisions_path
from renewal.analysis.study_area import workspace_area_path
from renewal.errors import InputError, StoreError
from renewal.io.atomic import write_bytes_atomic, write_text_atomic
from renewal.landuse_colors import workspace_table_path
from renewal.settings import workspace_dir
from renewal.storage.access import Actor, require_editor
from renewal.storage.layers import (
    FILE_KINDS,
    FOLDER_KINDS,
    KIND_LABELS,
    LOCK_TIMEOUT_S,
    FileChange,
    ImportedLayer,
    LayerCore,
    copy_rows,
    record_file,
)
from renewal.storage.postgis import PgCon, one_row, read, redact, transaction
from renewal.storage.records import Connection

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
CREATE TABLE IF NOT EXISTS shared_blobs (sha256 text PRIMARY KEY, content bytea NOT NULL);
ALTER TABLE layer_catalog ADD COLUMN IF NOT EXISTS sha256 text;
ALTER TABLE layer_history ADD COLUMN IF NOT EXISTS sha256 text;
"""
#: The local cache's note: which content (SHA-256) of each shared file this workspace folder holds.
CACHE_NOTE = ".team_files.json"
T = TypeVar("T")
_READY: set[str] = set()
_READY_LOCK = threading.Lock()


def _schema_done(con: PgCon) -> bool:
    """Whether the newest of the tables and columns exist (in the connection's current schema)."""
    row = con.execute(
        "SELECT to_regclass(quote_ident(current_schema()) || '.shared_blobs') IS NOT NULL AND EXISTS ("
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = 'layer_history' AND column_name = 'sha256') AS done"
    ).fetchone()
    return bool(one_row(row)["done"])


class _Con:
    """A psycopg connection taking the core's ``?`` placeholders."""

    def __init__(self, con: PgCon):
        self.con = con

    def execute(self, sql: str, args: Sequence[Any] = ()) -> psycopg.Cursor[DictRow]:
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

            def tx(con: PgCon) -> None:
                if not _schema_done(con):  # DDL only when missing: it would lock out the readers
                    con.execute(_SCHEMA)

            # under the writers' lock: the schema never changes under a layer write (no deadlock)
            if not read(self.url, _schema_done):
                transaction(self.url, tx, timeout=self.timeout, lock=LOCK)
            _READY.add(self.url)
        return self

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[DictRow]:
        self.ensure()
        return read(self.url, lambda con: _Con(con).execute(sql, args).fetchall())

    def _write(self, actor: Actor, fn: Callable[[Connection], T]) -> T:
        require_editor(actor)
        self.ensure()
        return transaction(
            self.url,
            lambda con: fn(_Con(con)),
            timeout=self.timeout,
            lock=LOCK,
            before_commit=self.before_commit,
        )

    def restore(
        self, tables: dict[str, list[dict[str, Any]]], files: dict[str, bytes], *, replace: bool = False
    ) -> int:
        """Replace the database's layers, styles, history and shared files by a workspace's (``workspace
        push``: ``tables`` from :meth:`LayerCore.dump_rows`, ``files`` kind -> the file's bytes), in one
        transaction; refused when the database's layers have a history already, unless ``replace``. The
        number of history rows copied."""
        self.ensure()

        def tx(pg: PgCon) -> int:
            con = _Con(pg)
            held = one_row(con.execute("SELECT COUNT(*) AS n FROM layer_history").fetchone())["n"]
            if held and not replace:
                raise InputError(
                    f"{self.location} already holds {held} layer change(s); nothing was copied. "
                    "Use --replace to overwrite them.",
                    f"团队数据库已有 {held} 条图层修改记录，未复制任何数据；确需覆盖请使用 --replace。",
                )
            copy_rows(con, tables)
            con.execute(
                "SELECT setval(pg_get_serial_sequence('layer_history', 'id'), COALESCE(MAX(id), 0) + 1, false) "
                "FROM layer_history"
            )
            for kind, content in files.items():
                digest = _put_blob(con, content)
                con.execute("UPDATE layer_catalog SET sha256 = ? WHERE name = ?", (digest, kind))
            return len(tables.get("layer_history", []))

        return transaction(self.url, tx, timeout=self.timeout, lock=LOCK)

    # ---- the shared files (facility inventory, walking network) -----------------

    def replace_files(
        self, changes: list[FileChange], *, actor: Actor, expected: dict[str, int] | None = None
    ) -> list[ImportedLayer]:
        """Save each changed file whole in the database with its catalogue and history rows, all in one
        transaction (``expected``: kind -> the version the planner saw; a newer one refuses everything).
        The local cache is brought up to date by :meth:`sync` (the caller's workspace)."""
        require_editor(actor)
        staged = []
        for c in changes:
            if c.kind not in FILE_KINDS:
                raise InputError(f"Unknown workspace file {c.kind!r}", f"未知的工作区文件“{c.kind}”")
            with tempfile.TemporaryDirectory() as folder:  # the file exactly as a server will cache it
                path = Path(folder) / Path(c.target).name
                c.write_to(path)
                content = path.read_bytes()
            staged.append((c, content, sha256(content)))

        def tx(con: Connection) -> list[ImportedLayer]:
            olds = {
                c.kind: self._current(con, c.kind, (expected or {}).get(c.kind), replace=True)
                for c, _, _ in staged
            }
            out: list[ImportedLayer] = []
            for c, content, digest in staged:
                for blob in (*c.blobs, content):
                    _put_blob(con, blob)
                entry = record_file(con, c, actor, olds[c.kind], None)  # old versions stay in shared_blobs
                con.execute("UPDATE layer_catalog SET sha256 = ? WHERE name = ?", (digest, c.kind))
                con.execute(
                    "UPDATE layer_history SET sha256 = ? WHERE id = (SELECT MAX(id) FROM layer_history WHERE name = ?)",
                    (digest, c.kind),
                )
                out.append(entry)
            return out

        return self._write(actor, tx)

    def shared_contents(self, kinds: Sequence[str] = ("facilities", "network")) -> dict[str, bytes]:
        """The shared files of ``kinds`` the database holds now (kind -> content, checked against its hash)."""
        rows = self._query(
            "SELECT c.name, c.sha256, b.content FROM layer_catalog c JOIN shared_blobs b ON b.sha256 = c.sha256 "
            f"WHERE c.name IN ({', '.join('?' * len(kinds))})",
            tuple(kinds),
        )
        return {r["name"]: _checked(bytes(r["content"]), r["sha256"], r["name"]) for r in rows}

    def shared_file(self, kind: str) -> tuple[int, bytes] | None:
        """The recorded version of the shared file ``kind`` and its content (checked), read together; None
        when none was saved (a version check against 0 then refuses a save made meanwhile)."""
        rows = self._query(
            "SELECT c.version, c.sha256, b.content FROM layer_catalog c JOIN shared_blobs b ON b.sha256 = c.sha256 "
            "WHERE c.name = ?",
            (kind,),
        )
        if not rows:
            return None
        return int(rows[0]["version"]), _checked(bytes(rows[0]["content"]), rows[0]["sha256"], kind)

    def blob(self, digest: str, kind: str) -> bytes:
        """The stored content whose SHA-256 is ``digest`` (part of the shared file ``kind``), checked."""
        found = self._query("SELECT content FROM shared_blobs WHERE sha256 = ?", (digest,))
        return _checked(bytes(found[0]["content"]) if found else b"", digest, kind)

    def folder_contents(self, kind: str) -> dict[str, bytes]:
        """A shared folder's files as the database holds them now (workspace path -> content, checked);
        empty when none was saved."""
        found = self.shared_file(kind)
        if found is None:
            return {}
        return {name: self.blob(digest, kind) for name, digest in read_manifest(found[1])}

    def sync(self, workspace: Path | None = None) -> list[str]:
        """Bring this server's cached shared files in ``workspace`` up to the database's versions: each one
        whose hash differs is fetched whole, checked against its hash and swapped in atomically (a shared
        folder file by file, its index last); the kinds fetched."""
        folder = Path(workspace if workspace is not None else workspace_dir())
        targets = {
            "facilities": workspace_facilities_path(folder),
            "network": workspace_network_path(folder),
            "study_area": workspace_area_path(folder),
            "osm_review": decisions_path(folder),
            "landuse_colors": workspace_table_path(folder),
            **{kind: manifest_path(folder, kind) for kind in FOLDER_KINDS},
        }
        rows = self._query(
            f"SELECT name, sha256 FROM layer_catalog WHERE name IN ({', '.join('?' * len(targets))}) "
            "AND sha256 IS NOT NULL",
            tuple(targets),
        )
        note = folder / CACHE_NOTE
        try:
            held = json.loads(note.read_text(encoding="utf-8")) if note.exists() else {}
        except (OSError, ValueError):
            held = {}
        fetched = []
        for r in rows:
            kind, digest = r["name"], r["sha256"]
            if held.get(kind) == digest and targets[kind].exists():
                continue
            content = self.blob(digest, kind)
            if kind in FOLDER_KINDS:
                self._sync_folder(folder, kind, content)
            targets[kind].parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(targets[kind], content)
            held[kind] = digest
            fetched.append(kind)
        if fetched:
            write_text_atomic(note, json.dumps(held))
        return fetched

    def _sync_folder(self, folder: Path, kind: str, manifest: bytes) -> None:
        """Write the files of a shared folder's new ``manifest`` that differ here (in its order: the index
        last), then remove those the manifest kept here before named and this one does not."""
        files = read_manifest(manifest)
        for name, digest in files:
            path = _inside(folder, name)
            if path.is_file() and sha256(path.read_bytes()) == digest:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(path, self.blob(digest, kind))
        kept = manifest_path(folder, kind)
        try:
            before = read_manifest(kept.read_bytes()) if kept.exists() else []
        except InputError:
            before = []
        for name in {n for n, _ in before} - {n for n, _ in files}:
            _inside(folder, name).unlink(missing_ok=True)


def sha256(content: bytes) -> str:
    """The hex SHA-256 a shared file's content is stored and checked by."""
    return hashlib.sha256(content).hexdigest()


def _put_blob(con: Any, content: bytes) -> str:
    """Keep ``content`` in ``shared_blobs`` (once per hash) inside the caller's transaction; its SHA-256."""
    digest = sha256(content)
    con.execute(
        "INSERT INTO shared_blobs (sha256, content) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING",
        (digest, content),
    )
    return digest


def _checked(content: bytes, digest: str, kind: str) -> bytes:
    if sha256(content) != digest:
        raise StoreError(
            f"The team database's {kind} file does not match its recorded hash; the local copy was kept.",
            f"团队数据库中的{KIND_LABELS.get(kind, kind)}与记录不符，仍使用本机缓存。",
        )
    return content


def manifest_path(workspace: Path, kind: str) -> Path:
    """Where a server keeps the manifest of the shared folder ``kind`` it holds (hidden: never pushed)."""
    return Path(workspace) / f".team_{kind}.json"


def manifest_bytes(files: Sequence[tuple[str, str]]) -> bytes:
    """A shared folder's manifest: (workspace path, SHA-256) of each file, in writing order."""
    return json.dumps({"format": 1, "files": [list(f) for f in files]}, ensure_ascii=False).encode()


def read_manifest(content: bytes) -> list[tuple[str, str]]:
    """The (workspace path, SHA-256) pairs of a manifest written by :func:`manifest_bytes`."""
    try:
        return [(str(n), str(d)) for n, d in json.loads(content)["files"]]
    except (ValueError, KeyError, TypeError) as err:
        raise StoreError(
            f"A shared folder's manifest cannot be read: {err}", "团队数据库中的共享文件清单已损坏。"
        ) from err


def _inside(folder: Path, name: str) -> Path:
    """``name`` (a manifest's relative POSIX path) under ``folder``; one leading outside is refused."""
    path = (folder / name).resolve()
    if folder.resolve() not in path.parents or name.startswith("."):
        raise StoreError(
            f"Unsafe file name in the team database: {name!r}", f"团队数据库中的文件名不安全：{name}"
        )
    return path
