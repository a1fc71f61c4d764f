"""One SQLite write transaction, shared by the workspace stores (``gpkg.py``: sites; ``layers.py``:
imported layers and shared files).

:func:`immediate` runs ``fn(con)`` between ``BEGIN IMMEDIATE`` (writers queue behind each other) and
``COMMIT``, with the store's ``before_commit`` hook (tests kill or fail a write there) just before the
commit, and rolls back on any error, so a failed change leaves the file as it was. Each store maps the
errors to its own messages; a full disk reads the same everywhere (:func:`disk_full_error`).
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from renewal.errors import StoreError

T = TypeVar("T")


def immediate(
    con: sqlite3.Connection,
    fn: Callable[[sqlite3.Connection], T],
    *,
    to_error: Callable[[BaseException], BaseException],
    mapped: tuple[type[BaseException], ...] = (sqlite3.Error,),
    before_commit: Callable[[], None] | None = None,
) -> T:
    """``fn(con)`` in one IMMEDIATE transaction on ``con`` (opened with ``isolation_level=None``); on any
    error roll back, and raise an error of a ``mapped`` type as ``to_error(exc)``."""
    try:
        con.execute("BEGIN IMMEDIATE")
        result = fn(con)
        if before_commit is not None:
            before_commit()
        con.execute("COMMIT")
        return result
    except BaseException as exc:
        if con.in_transaction:
            try:
                con.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the transaction is already gone; the original error matters
        if isinstance(exc, mapped):
            raise to_error(exc) from exc
        raise


def is_disk_full(exc: BaseException) -> bool:
    """SQLite's ``SQLITE_FULL`` ("database or disk is full") or an ``ENOSPC`` OSError."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    return code == getattr(sqlite3, "SQLITE_FULL", 13) or "database or disk is full" in str(exc)


def disk_full_error(path: Path, what_en: str, what_zh: str) -> StoreError:
    """The message of a write refused because the disk holding ``path`` is full."""
    return StoreError(
        f"The disk holding {what_en} {path} is full; nothing was changed. Free some space and try again.",
        f"{what_zh}所在磁盘已满，未做任何更改。请清理磁盘空间后重试（{path}）。",
    )
