"""Writing files so that a failure never leaves a half-written file.

Every writer writes to a temporary file in the target's folder and renames it
over the target only when the write has finished (``os.replace`` is atomic on
one filesystem). If anything fails, the target is unchanged and the temporary
file is removed.
"""

from __future__ import annotations

import errno
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

#: Mode of written files: rw-r--r-- (a temp file from mkstemp would stay 0o600).
FILE_MODE = 0o644


def _temp_beside(path: Path) -> Path:
    """A fresh, not yet existing path in ``path``'s folder, keeping its suffix (drivers infer formats from it)."""
    return path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp{path.suffix}")


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(folder: Path, pattern: str, pid_of: Callable[[str], int | None]) -> None:
    """Remove what killed processes left in ``folder``: entries matching ``pattern`` whose
    ``pid_of(name)`` (an int, or None to keep it) names a process that no longer runs."""
    for entry in Path(folder).glob(pattern):
        pid = pid_of(entry.name)
        if pid is None or pid == os.getpid() or pid_alive(pid):
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _temp_pid(name: str) -> int | None:
    parts = name.split(".")  # .<stem>.<pid>.<hex>.tmp<suffix>
    return int(parts[-4]) if len(parts) >= 5 and parts[-4].isdigit() else None


def remove_stale_temps(path: Path | str) -> None:
    """Remove the temporary files killed writers of ``path`` left beside it."""
    path = Path(path)
    if path.parent.is_dir():
        remove_stale(path.parent, f".{path.stem}.*.tmp{path.suffix}", _temp_pid)


@contextmanager
def atomic_output(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path to write; on success move it over ``path``, on failure remove it.

    Temporary files a killed writer left beside ``path`` are removed first."""
    path = Path(path)
    remove_stale_temps(path)
    tmp = _temp_beside(path)
    try:
        yield tmp
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except Exception as exc:
        # GDAL/SQLite report a full disk in their own words ("no such table: gpkg_contents" …): say it plainly
        if not isinstance(exc, OSError) and _disk_full(path.parent):
            raise OSError(errno.ENOSPC, f"No space left on the disk holding {path.parent}") from exc
        raise
    finally:
        if tmp.exists():
            tmp.unlink()


#: Free space under which a failed write is taken for a full disk.
FULL_DISK_BYTES = 1024 * 1024


def _disk_full(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free < FULL_DISK_BYTES
    except OSError:
        return False


def write_bytes_atomic(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (flushed to disk before the rename)."""
    path = Path(path)
    with atomic_output(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    return path


def write_text_atomic(path: Path | str, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return write_bytes_atomic(path, text.encode("utf-8"))


#: Folder (inside a workspace; hidden, so never pushed to the team database) keeping the files a
#: ``--replace`` overwrote.
BACKUP_DIR = ".backups"


def backup_folder(workspace: Path | str, what: str) -> Path:
    """A new folder ``<workspace>/.backups/<what>-<UTC time>`` for copies of files about to be replaced."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    folder = Path(workspace) / BACKUP_DIR / f"{what}-{stamp}-{uuid.uuid4().hex[:4]}"
    folder.mkdir(parents=True)
    return folder


def keep_backup(path: Path | str, folder: Path, name: str | None = None) -> Path:
    """Copy ``path`` into ``folder`` (as ``name``, a relative path, else its file name) before it is replaced."""
    path = Path(path)
    dest = folder / (name or path.name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, dest)
    return dest
