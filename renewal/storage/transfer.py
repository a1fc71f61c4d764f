"""Moving a workspace between the GeoPackage folder and the team database, losslessly.

:func:`push` copies a GeoPackage workspace (every site with its version and who changed it
last, the whole history with its ids and undo links, the id counter, and the workspace's
other files such as an imported walking network) into a PostGIS database, and the imported
layers (with styles and history), the facility inventory, the walking network and the planner views of
汇报模式 (``presentation/``) into the team database's own tables (:mod:`renewal.storage.postgis_layers`),
so every server reads them from there; :func:`pull`
copies it back. The target's content is replaced in one transaction; a target that
already holds changes (or, on pull, a local file that differs) is refused unless
``replace=True``, so nobody's edits are overwritten by accident; a pull with ``replace``
keeps a backup, and never writes credentials.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from renewal.analysis.facilities import workspace_facilities_path
from renewal.analysis.network_files import workspace_network_path
from renewal.auth import USERS_FILE
from renewal.errors import InputError
from renewal.io.atomic import backup_folder, keep_backup, write_bytes_atomic
from renewal.settings import workspace_dir
from renewal.sites.query import bundled_sites
from renewal.storage import presentation_views
from renewal.storage.access import local_actor
from renewal.storage.gpkg import STORE_FILE, GpkgStore
from renewal.storage.layers import LAYERS_FILE, LayerStore, layers_path, open_layers
from renewal.storage.postgis import PostgisStore
from renewal.storage.postgis_layers import TeamLayerStore
from renewal.storage.records import StoreDump


@dataclass(frozen=True)
class Copied:
    """What a push or pull copied."""

    sites: int
    changes: int
    files: int
    target: str
    #: Stored files a pull did not write (credentials, hidden files).
    skipped: tuple[str, ...] = ()
    #: Where a ``--replace`` pull kept the workspace's previous store and files.
    backup: Path | None = None


def _folder(workspace: Path | None) -> Path:
    return Path(workspace if workspace is not None else workspace_dir())


def workspace_files(workspace: Path) -> dict[str, bytes]:
    """The workspace's files other than the site store (relative POSIX path -> bytes); hidden files skipped."""
    out = {}
    for path in sorted(workspace.rglob("*")):
        rel = path.relative_to(workspace)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if rel.parts[0].startswith(STORE_FILE):  # sites.gpkg and its -journal / -wal files
            continue
        if rel.as_posix() == USERS_FILE:  # sign-in credentials stay on their machine
            continue
        out[rel.as_posix()] = path.read_bytes()
    return out


def _refuse_if_edited(dump: StoreDump, where: str) -> None:
    if dump.history:
        raise InputError(
            f"{where} already holds {len(dump.history)} change(s); nothing was copied. "
            "Use --replace to overwrite it (its sites and history are then lost).",
            f"目标（{where}）已有 {len(dump.history)} 条修改记录，未复制任何数据；确需覆盖请使用 --replace。",
        )


def push(workspace: Path | None, url: str, *, replace: bool = False) -> Copied:
    """Copy the GeoPackage workspace into the database at ``url`` (tables created on first use)."""
    folder = _folder(workspace)
    path = folder / STORE_FILE
    if not path.exists():
        raise InputError(f"No workspace store to push: {path}", f"没有可上传的工作区数据文件：{path}")
    dump = GpkgStore(path).dump()
    local = open_layers(folder)
    shared = {
        kind: _shared_target(folder, kind).read_bytes()
        for kind in ("facilities", "network")
        if local.get(kind) is not None and _shared_target(folder, kind).exists()
    }
    in_tables = _team_table_files(folder, shared)  # these go into the team tables below, not as file copies
    deck = presentation_views.workspace_change(folder)
    dump.files = {
        name: data
        for name, data in workspace_files(folder).items()
        if name not in in_tables and not (deck is not None and _in_presentation(name))
    }
    target = PostgisStore.open(url, bundled_sites, session="workspace-push")
    team_layers = TeamLayerStore(url).ensure()
    if not replace:
        _refuse_if_edited(target.dump(), target.location)
        if team_layers.history():
            _refuse_if_edited(StoreDump([], team_layers.history(), {}, {}), team_layers.location)
    target.restore(dump)
    team_layers.restore(local.dump_rows(), shared, replace=True)
    if deck is not None:  # recorded as a save of the shared folder (a version, a history row)
        team_layers.replace_files([deck], actor=local_actor())
    return Copied(len(dump.sites), len(dump.history), len(dump.files), target.location)


def pull(url: str, workspace: Path | None, *, replace: bool = False) -> Copied:
    """Copy the database at ``url`` into the GeoPackage workspace (created if needed).

    Without ``replace`` nothing local is overwritten: a workspace with its own changes, or a local
    file (layers, facility inventory, network …) that differs from the stored one, is refused before
    anything is written. With ``replace`` the store and every file about to change are first copied
    to ``<workspace>/.backups/pull-<time>/``. Credentials (``users.json``) and hidden files stored in
    the database are never written.
    """
    source = PostgisStore(url)
    if not source.exists():
        raise InputError(
            f"The database {source.location} holds no workspace yet; nothing was copied.",
            f"数据库（{source.location}）中还没有工作区数据，未复制任何数据。",
        )
    dump = source.dump()
    folder = _folder(workspace)
    files, skipped = _files_to_write(dump.files, folder)
    team = TeamLayerStore(url)
    tables: dict[str, list[dict[str, Any]]] | None = team.dump_rows()
    layers_file = layers_path(folder)
    if tables is not None and (tables["layer_catalog"] or tables["layer_history"]):
        files.pop(layers_file.resolve(), None)  # an older push's copy: the team tables are what counts
    else:
        tables = None
    for kind, content in team.shared_contents().items():  # the facility inventory and network, whole
        files[_shared_target(folder, kind).resolve()] = content
    deck, _ = _files_to_write(team.folder_contents(presentation_views.KIND), folder)
    if deck:  # the team tables' presentation, not an older push's file copies
        files = {dest: data for dest, data in files.items() if not _in_presentation(dest, folder)}
        files.update(deck)
    target = GpkgStore.open(folder / STORE_FILE, bundled_sites, session="workspace-pull")
    local = target.dump()
    changed = [dest for dest, data in files.items() if dest.exists() and dest.read_bytes() != data]
    if tables is not None and layers_file.exists():  # the workspace's own layers would be replaced
        changed.append(layers_file.resolve())
    backup = None
    if not replace:
        _refuse_if_edited(local, str(target.path))
        _refuse_if_files_differ(changed, folder)
    elif local.history or changed:
        backup = backup_folder(folder, "pull")
        _copy_store(target.path, backup / STORE_FILE)
        for dest in changed:
            keep_backup(dest, backup, dest.relative_to(folder.resolve()).as_posix())
    for dest, data in files.items():
        dest.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(dest, data)
    if tables is not None:
        layers_file.unlink(missing_ok=True)  # kept in the backup when it held anything
        LayerStore(layers_file).restore(tables)
    target.restore(dump)
    count = len(files) + (tables is not None)
    return Copied(len(dump.sites), len(dump.history), count, str(target.path), tuple(skipped), backup)


def _shared_target(folder: Path, kind: str) -> Path:
    return workspace_facilities_path(folder) if kind == "facilities" else workspace_network_path(folder)


def _in_presentation(name: str | Path, folder: Path | None = None) -> bool:
    """Whether a workspace file (relative name, or a path under ``folder``) is in the presentation folder."""
    rel = Path(name).relative_to(folder.resolve()) if folder is not None else Path(name)
    return rel.parts[0] == presentation_views.FOLDER


def _team_table_files(folder: Path, kinds: Iterable[str]) -> set[str]:
    """The workspace files ``push`` puts into the team tables (the layer store with its SQLite side files,
    and the recorded facility inventory and walking network of ``kinds``), as relative names."""
    names = {LAYERS_FILE + suffix for suffix in ("", "-journal", "-wal", "-shm")}
    return names | {_shared_target(folder, k).relative_to(folder).as_posix() for k in kinds}


def _files_to_write(stored: dict[str, bytes], folder: Path) -> tuple[dict[Path, bytes], list[str]]:
    """Where each stored file goes, and the names skipped: credentials, hidden files and the store itself
    (a row planted in the database never replaces the local users file)."""
    root = folder.resolve()
    out: dict[Path, bytes] = {}
    skipped: list[str] = []
    for name, data in stored.items():
        dest = (folder / name).resolve()
        if root not in dest.parents:  # a stored name never writes outside the workspace
            raise InputError(f"Unsafe file name in the database: {name!r}", f"数据库中的文件名不安全：{name}")
        rel = dest.relative_to(root)
        if (
            rel.as_posix().casefold() == USERS_FILE.casefold()
            or any(part.startswith(".") for part in rel.parts)
            or rel.parts[0].startswith(STORE_FILE)
        ):
            skipped.append(name)
            continue
        out[dest] = data
    return out, skipped


def _refuse_if_files_differ(changed: list[Path], folder: Path) -> None:
    if not changed:
        return
    names = "、".join(p.relative_to(folder.resolve()).as_posix() for p in changed[:5])
    more = "…" if len(changed) > 5 else ""
    raise InputError(
        f"The workspace's own file(s) differ from the database's: {names.replace('、', ', ')}{more}; "
        "nothing was copied. Use --replace to overwrite them (a backup is kept in .backups/).",
        f"工作区中的文件与数据库中的不同（{names}{more}），未复制任何数据；确需覆盖请使用 --replace（原文件会备份到 .backups/）。",
    )


def _copy_store(path: Path, dest: Path) -> None:
    """A consistent copy of a GeoPackage store (SQLite's online backup, journal included)."""
    src, out = sqlite3.connect(path), sqlite3.connect(dest)
    try:
        src.backup(out)
    finally:
        src.close()
        out.close()
