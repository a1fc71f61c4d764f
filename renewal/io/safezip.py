"""Opening zip files from strangers (zipped Shapefiles, KMZ) without being hurt by them.

:func:`safe_extract` checks every member *before* extracting anything and refuses
(:class:`~renewal.errors.FileContentError`, bilingual) a zip with path traversal (``..``,
absolute paths, drive letters), symbolic links, too many members, more
uncompressed bytes than :data:`MAX_UNZIPPED_BYTES` or a member compressed more
than :data:`MAX_RATIO` times (a decompression bomb). While extracting it counts
the bytes actually written, so a member that lies about its size is stopped too.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from renewal.errors import FileContentError

#: Largest file the reader opens at all (bytes).
MAX_FILE_BYTES = 200 * 1024 * 1024
#: Largest total of uncompressed bytes a zip may hold.
MAX_UNZIPPED_BYTES = 500 * 1024 * 1024
#: Most members a zip may hold.
MAX_MEMBERS = 2000
#: Highest compression ratio of a member larger than 1 MiB (zeros compress ~1000x: a bomb).
MAX_RATIO = 100
_CHUNK = 1024 * 1024


def _fail(name: str, en: str, zh: str) -> FileContentError:
    return FileContentError(f"{name}: {en}", f"压缩文件“{name}”{zh}")


def _unsafe_name(member: str) -> bool:
    p = PurePosixPath(member.replace("\\", "/"))
    return p.is_absolute() or ".." in p.parts or (len(member) > 1 and member[1] == ":")


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def check_members(zf: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    """The zip's file members, or an FileContentError if any member is unsafe (nothing extracted yet)."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _fail(
            name, f"too many members ({len(infos)} > {MAX_MEMBERS})", f"包含的文件过多（{len(infos)}个）"
        )
    total = 0
    for info in infos:
        if _unsafe_name(info.filename):
            raise _fail(
                name,
                f"member {info.filename!r} points outside the folder (path traversal); refused",
                f"中的文件“{info.filename}”指向文件夹之外（路径穿越），已拒绝",
            )
        if _is_symlink(info):
            raise _fail(
                name,
                f"member {info.filename!r} is a symbolic link; refused",
                f"中的“{info.filename}”是符号链接，已拒绝",
            )
        total += info.file_size
        if total > MAX_UNZIPPED_BYTES:
            break
        if info.file_size > _CHUNK and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _fail(
                name,
                f"member {info.filename!r} expands {info.file_size // max(info.compress_size, 1)}x "
                "(a decompression bomb); refused",
                f"中的“{info.filename}”解压后膨胀过大（疑似压缩炸弹），已拒绝",
            )
    if total > MAX_UNZIPPED_BYTES:
        raise _fail(
            name,
            f"uncompressed size {total / 1e6:.0f} MB is over the limit of {MAX_UNZIPPED_BYTES / 1e6:.0f} MB",
            f"解压后大小{total / 1e6:.0f} MB，超过上限{MAX_UNZIPPED_BYTES / 1e6:.0f} MB",
        )
    return [i for i in infos if not i.is_dir()]


def safe_extract(path: Path, dest: Path) -> list[Path]:
    """Extract the zip at ``path`` into ``dest`` after :func:`check_members`; the extracted files."""
    name = path.name
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _fail(name, f"not a valid zip file: {exc}", "不是有效的zip文件（格式错误或不完整）") from exc
    out: list[Path] = []
    written = 0
    with zf:
        for info in check_members(zf, name):
            target = dest / PurePosixPath(info.filename.replace("\\", "/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, open(target, "wb") as fh:
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        if written > MAX_UNZIPPED_BYTES:
                            raise _fail(
                                name, "expands beyond the size limit; refused", "解压后超过大小上限，已拒绝"
                            )
                        fh.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                raise _fail(name, f"member {info.filename!r} is damaged: {exc}", "中的文件已损坏") from exc
            out.append(target)
    return out
