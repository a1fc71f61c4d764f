"""Moving a workspace between the GeoPackage folder and the team database, losslessly.

:func:`push` copies a GeoPackage workspace (every site with its version and who changed it
last, the whole history with its ids and undo links, the id counter, and the workspace's
other files such as an imported walking network) into a PostGIS database; :func:`pull`
copies it back. The target's content is replaced in one transaction; a target that
already holds changes is refused unless ``replace=True``, so nobody's edits are
overwritten by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from renewal.auth import USERS_FILE
from renewal.errors import InputError
from renewal.io.atomic import write_bytes_atomic
from renewal.settings import workspace_dir
from renewal.sites.query import bundled_sites
from renewal.storage.gpkg import STORE_FILE, GpkgStore
from renewal.storage.postgis import PostgisStore
from renewal.storage.records import StoreDump


@dataclass(frozen=True)
class Copied:
    """What a push or pull copied."""

    sites: int
    changes: int
    files: int
    target: str


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
    dump.files = workspace_files(folder)
    target = PostgisStore.open(url, bundled_sites, session="workspace-push")
    if not replace:
        _refuse_if_edited(target.dump(), target.location)
    target.restore(dump)
    return Copied(len(dump.sites), len(dump.history), len(dump.files), target.location)


def pull(url: str, workspace: Path | None, *, replace: bool = False) -> Copied:
    """Copy the database at ``url`` into the GeoPackage workspace (created if needed)."""
    source = PostgisStore(url)
    if not source.exists():
        raise InputError(
            f"The database {source.location} holds no workspace yet; nothing was copied.",
            f"数据库（{source.location}）中还没有工作区数据，未复制任何数据。",
        )
    dump = source.dump()
    folder = _folder(workspace)
    target = GpkgStore.open(folder / STORE_FILE, bundled_sites, session="workspace-pull")
    if not replace:
        _refuse_if_edited(target.dump(), str(target.path))
    for name, data in dump.files.items():
        dest = (folder / name).resolve()
        if folder.resolve() not in dest.parents:  # a stored name never writes outside the workspace
            raise InputError(f"Unsafe file name in the database: {name!r}", f"数据库中的文件名不安全：{name}")
        dest.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(dest, data)
    target.restore(dump)
    return Copied(len(dump.sites), len(dump.history), len(dump.files), str(target.path))
