"""Replacing several workspace files as one unit (an OpenStreetMap import's walking network and
facility inventory): a kill at any moment leaves the old set or the new set, never a mix.

The commit point is the store's SQLite transaction that records the new versions
(:meth:`renewal.storage.layers.LayerStore.replace_files`). Inside it, each new file is first written
beside its target (``.<name>.staged``); a note (:data:`NOTE`, with the versions being recorded) is written;
then each target is moved to ``.<name>.previous`` and its staged file into its place. After the commit
the previous files and the note are removed. :func:`settle` finishes or undoes what a killed writer left,
deciding by the recorded versions: recorded → the new set stays (leftovers removed), not recorded → the
previous files go back. It runs before the next replace (inside its transaction) and whenever the store is
opened, except while the writer that left the note is still running.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from renewal.io.atomic import pid_alive, remove_stale, remove_stale_temps, write_text_atomic

#: The note of a replace in progress, in the workspace folder.
NOTE = ".shared-files-swap.json"


def new_token() -> str:
    """Names one replace's staged and previous files."""
    return f"{os.getpid()}-{secrets.token_hex(4)}"


def staged_path(target: Path, token: str) -> Path:
    return target.with_name(f".{target.stem}.staged-{token}{target.suffix}")


def previous_path(target: Path, token: str) -> Path:
    return target.with_name(f".{target.stem}.previous-{token}{target.suffix}")


def _staged_pid(name: str) -> int | None:
    token = name.split(".staged-", 1)[-1].split("-", 1)[0]  # .<stem>.staged-<pid>-<hex><suffix>
    return int(token) if token.isdigit() else None


def stage(target: Path, write_to: Callable[[Path], object], token: str) -> Path:
    """Write the new content of ``target`` beside it (not yet visible to readers)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target)  # what killed writers of the target itself left
    remove_stale(target.parent, f".{target.stem}.staged-*{target.suffix}", _staged_pid)
    staged = staged_path(target, token)
    write_to(staged)
    return staged


def _swap_one(target: Path, token: str) -> None:
    """The current file to ``.previous``, the staged one into its place."""
    if target.exists():
        os.replace(target, previous_path(target, token))
    os.replace(staged_path(target, token), target)


def swap_in(folder: Path, targets: list[Path], versions: dict[str, int], token: str) -> None:
    """Put the staged files in place (inside the transaction recording ``versions``), noted first."""
    note = {
        "pid": os.getpid(),
        "token": token,
        "versions": versions,
        "files": [[os.path.relpath(t, folder), t.exists()] for t in targets],
    }
    write_text_atomic(folder / NOTE, json.dumps(note))
    for target in targets:
        _swap_one(target, token)


def _finish(folder: Path, files: list[tuple[Path, bool]], token: str) -> None:
    for target, _ in files:
        previous_path(target, token).unlink(missing_ok=True)
        staged_path(target, token).unlink(missing_ok=True)
    (folder / NOTE).unlink(missing_ok=True)


def _undo(folder: Path, files: list[tuple[Path, bool]], token: str) -> None:
    for target, existed in reversed(files):
        previous = previous_path(target, token)
        if previous.exists():
            os.replace(previous, target)
        elif not existed and target.exists() and not staged_path(target, token).exists():
            target.unlink()  # it was new in this replace
        staged_path(target, token).unlink(missing_ok=True)
    (folder / NOTE).unlink(missing_ok=True)


def discard(targets: list[Path], token: str) -> None:
    """Remove the staged files of a replace that failed before its note was written."""
    for target in targets:
        staged_path(target, token).unlink(missing_ok=True)


def settle(
    folder: Path,
    recorded: Callable[[], dict[str, int] | None],
    *,
    token: str | None = None,
    locked: bool = False,
) -> None:
    """Finish or undo a replace that did not end (see the module text). ``recorded()``: the versions the
    store has (None: unknown, nothing is done). Who may settle a note: the writer holding the store's
    write lock (``locked``: any note is then a finished or a dead replace), the writer that made it
    (``token``), or anyone once the process that made it has ended."""
    note_path = folder / NOTE
    try:
        note = json.loads(note_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError):
        return  # unreadable: left for the next writer
    mine = token is not None and note.get("token") == token
    if token is not None and not mine:
        return  # another replace's note: its writer (or the next one) settles it
    pid = int(note.get("pid", 0))
    if not (locked or mine) and (pid == os.getpid() or pid_alive(pid)):
        return  # a replace in progress: the files are its business until it commits or fails
    have = recorded()
    if have is None:
        return
    files = [(folder / rel, bool(existed)) for rel, existed in note.get("files", [])]
    tok = str(note.get("token", ""))
    if all(have.get(kind) == version for kind, version in note.get("versions", {}).items()):
        _finish(folder, files, tok)
    else:
        _undo(folder, files, tok)
