"""Writing files so that a failure never leaves a half-written file.

Every writer writes to a temporary file in the target's folder and renames it
over the target only when the write has finished (``os.replace`` is atomic on
one filesystem). If anything fails, the target is unchanged and the temporary
file is removed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Mode of written files: rw-r--r-- (a temp file from mkstemp would stay 0o600).
FILE_MODE = 0o644


def _temp_beside(path: Path) -> Path:
    """A fresh, not yet existing path in ``path``'s folder, keeping its suffix (drivers infer formats from it)."""
    return path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp{path.suffix}")


@contextmanager
def atomic_output(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path to write; on success move it over ``path``, on failure remove it."""
    path = Path(path)
    tmp = _temp_beside(path)
    try:
        yield tmp
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


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
