"""Signing in to the app, beyond the users file (:mod:`renewal.auth`): never open by accident, sessions that
last, and guessing made slow.

* **Configured once, never open again.** The first time the app (or ``users add``) sees a users file it
  leaves a marker ``<workspace>/signin.json``. From then on a missing, unreadable or loosely permitted users
  file refuses everything with a Chinese message (:func:`users_for_app`); it never falls back to the open,
  no-sign-in mode. Deleting the marker is how an administrator turns sign-in off on purpose.
* **Session tokens.** A signed-in browser gets a token ``name.issued.expires.signature`` (HMAC-SHA256 with
  a secret: ``$RENEWAL_SESSION_SECRET``, else ``<workspace>/.session_secret``, made on first use, mode 0600)
  kept in a cookie, so a reload or a typed URL does not ask again for :data:`TOKEN_HOURS` hours. Signing
  out ends every token of that person issued before (``<workspace>/.signouts.json``), on every browser.
* **Throttling.** After :data:`FREE_TRIES` wrong passwords for a name or from an address, each further try
  waits longer (:meth:`Throttle.failed`), and after :data:`LOCK_AFTER` the name or address is locked for
  :data:`LOCK_SECONDS`. An unknown name is counted like a known one, so the answers do not tell them apart.
  The counts live in ``<workspace>/.signin_attempts.sqlite``, shared by every app process on the workspace
  and kept across restarts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from renewal.auth import User, load_users
from renewal.errors import InputError
from renewal.io.atomic import write_text_atomic
from renewal.storage.sqlite_tx import immediate

MARKER_FILE = "signin.json"
SECRET_FILE = ".session_secret"  # hidden: never copied by workspace push
SIGNOUTS_FILE = ".signouts.json"
SECRET_ENV = "RENEWAL_SESSION_SECRET"
COOKIE = "renewal_session"
TOKEN_HOURS = 12
FREE_TRIES = 3
LOCK_AFTER = 8
LOCK_SECONDS = 15 * 60
MAX_DELAY_S = 4.0
#: The one message for an unknown name and a wrong password.
WRONG_ZH = "用户名或密码不正确。"


# ---- configured once ----------------------------------------------------------------------


def signin_configured(workspace: Path) -> bool:
    return (Path(workspace) / MARKER_FILE).exists()


def mark_signin_configured(workspace: Path, users_file: Path) -> None:
    """Leave the marker that sign-in is on for this workspace (idempotent)."""
    path = Path(workspace) / MARKER_FILE
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps({"users_file": str(users_file), "since": int(time.time())}) + "\n")


def _refuse(path: Path, why_en: str, why_zh: str) -> InputError:
    return InputError(
        f"Sign-in is configured for this workspace but {why_en} ({path}); the app refuses every request until "
        "an administrator fixes it.",
        f"本工作区已启用登录，但{why_zh}（{path}）。为保护数据，应用暂停服务，不会以免登录方式开放；"
        "请联系管理员恢复用户文件或检查 RENEWAL_USERS_FILE 设置。",
    )


#: Whether file modes say who may read a file (not on Windows).
POSIX_MODES = os.name != "nt"


def check_users_file_mode(path: Path) -> None:
    """The users file must be readable and writable by its owner only (it holds password hashes).

    POSIX modes only: on Windows a file's st_mode always looks open to all (access is by ACL there)."""
    if not POSIX_MODES:
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise _refuse(
            path,
            f"the users file may be read or changed by others (mode {mode:o}; run chmod 600)",
            f"用户文件的权限过宽（{mode:o}，其他用户可读或可改；请执行 chmod 600）",
        )


def users_for_app(path: Path, workspace: Path) -> dict[str, dict[str, Any]] | None:
    """The users for the app: None only when sign-in was never configured here; else the users, or refusal."""
    try:
        users = load_users(path)
    except InputError as err:
        raise _refuse(path, "the users file cannot be read", "用户文件无法读取或格式错误") from err
    if users is None:
        if signin_configured(workspace):
            raise _refuse(path, "the users file is missing", "找不到用户文件")
        return None
    try:
        check_users_file_mode(path)
    except OSError as exc:
        raise _refuse(path, "the users file cannot be read", "用户文件无法读取") from exc
    try:
        mark_signin_configured(workspace, path)
    except OSError:  # a read-only workspace: sign-in still works, the marker waits for `users add`
        pass
    return users


# ---- session tokens -----------------------------------------------------------------------


def _secret(workspace: Path) -> bytes:
    env = os.environ.get(SECRET_ENV)
    if env:
        return env.encode()
    path = Path(workspace) / SECRET_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another server process made it meanwhile
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def _sign(workspace: Path, payload: str) -> str:
    return hmac.new(_secret(workspace), payload.encode(), hashlib.sha256).hexdigest()


def issue_token(workspace: Path, name: str, *, now: float | None = None) -> str:
    now = time.time() if now is None else now
    enc = base64.urlsafe_b64encode(name.encode()).decode().rstrip("=")
    payload = f"{enc}.{now:.3f}.{int(now + TOKEN_HOURS * 3600)}"
    return f"{payload}.{_sign(workspace, payload)}"


def _signouts(workspace: Path) -> dict[str, float]:
    try:
        data = json.loads((Path(workspace) / SIGNOUTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def user_from_token(
    workspace: Path, token: str | None, users: dict[str, dict[str, Any]], *, now: float | None = None
) -> User | None:
    """The person a valid, unexpired, not signed-out token names (their role as the users file says now)."""
    if not token or token.count(".") != 4:  # name.issued(2 parts).expires.signature
        return None
    payload, _, sig = token.rpartition(".")
    if not hmac.compare_digest(_sign(workspace, payload), sig):
        return None
    enc, issued_s, issued_ms, expires = payload.split(".")
    now = time.time() if now is None else now
    try:
        name = base64.urlsafe_b64decode(enc + "=" * (-len(enc) % 4)).decode()
        issued, expires_at = float(f"{issued_s}.{issued_ms}"), int(expires)
    except (ValueError, UnicodeDecodeError):
        return None
    if now >= expires_at or issued <= float(_signouts(workspace).get(name, 0)):
        return None
    entry = users.get(name)
    return User(entry["name"], entry["role"]) if entry is not None else None


def sign_out_everywhere(workspace: Path, name: str) -> None:
    """End every token of ``name`` issued until now (every browser signs in again)."""
    data = _signouts(workspace)
    data[name] = time.time()
    Path(workspace).mkdir(parents=True, exist_ok=True)
    write_text_atomic(Path(workspace) / SIGNOUTS_FILE, json.dumps(data, ensure_ascii=False) + "\n")


# ---- throttling ---------------------------------------------------------------------------


ATTEMPTS_FILE = ".signin_attempts.sqlite"  # hidden: never copied by workspace push


T = TypeVar("T")


class Tally(Protocol):
    """A keeper of wrong-try times per key (this process's, the workspace file's, the team database's)."""

    def add(self, keys: tuple[str, ...], now: float, since: float) -> list[int]: ...

    def nth_latest(self, key: str, n: int, since: float) -> float | None: ...

    def clear(self, key: str) -> None: ...


class _MemoryTally:
    """Wrong-try times per key, in this process only (when the workspace cannot hold the shared file)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fails: dict[str, list[float]] = {}

    def add(self, keys: tuple[str, ...], now: float, since: float) -> list[int]:
        """Record a wrong try at ``now`` under each key; each key's count of tries after ``since``."""
        with self._lock:
            counts = []
            for key in keys:
                kept = [t for t in self._fails.get(key, []) if t > since] + [now]
                self._fails[key] = kept
                counts.append(len(kept))
            return counts

    def nth_latest(self, key: str, n: int, since: float) -> float | None:
        with self._lock:
            kept = [t for t in self._fails.get(key, []) if t > since]
            return kept[-n] if len(kept) >= n else None

    def clear(self, key: str) -> None:
        with self._lock:
            self._fails.pop(key, None)


class _FileTally:
    """Wrong-try times per key in a SQLite file of the workspace, shared by every app process using it
    (several server processes, and a restart, see the same counts)."""

    def __init__(self, path: Path):
        self.path = path

        def schema(con: sqlite3.Connection) -> None:
            con.execute("CREATE TABLE IF NOT EXISTS fails (key TEXT NOT NULL, at REAL NOT NULL)")
            con.execute("CREATE INDEX IF NOT EXISTS fails_key ON fails (key, at)")

        self._tx(schema)
        try:
            os.chmod(path, 0o600)
        except OSError:
            pass

    def _tx(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``fn(con)`` in one IMMEDIATE transaction on the file (its errors raised as they are)."""
        con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            return immediate(con, fn, to_error=lambda exc: exc)
        finally:
            con.close()

    def add(self, keys: tuple[str, ...], now: float, since: float) -> list[int]:
        def tx(con: sqlite3.Connection) -> list[int]:
            con.execute("DELETE FROM fails WHERE at <= ?", (since,))
            con.executemany("INSERT INTO fails VALUES (?, ?)", [(key, now) for key in keys])
            return [
                con.execute("SELECT count(*) FROM fails WHERE key = ?", (key,)).fetchone()[0] for key in keys
            ]

        return self._tx(tx)

    def nth_latest(self, key: str, n: int, since: float) -> float | None:
        row: tuple[float] | None = self._tx(
            lambda con: con.execute(
                "SELECT at FROM fails WHERE key = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?",
                (key, since, n - 1),
            ).fetchone()
        )
        return None if row is None else row[0]

    def clear(self, key: str) -> None:
        self._tx(lambda con: con.execute("DELETE FROM fails WHERE key = ?", (key,)))


class Throttle:
    """Wrong-password counts per name and per address, with delays and locks.

    With ``workspace`` the counts live in ``<workspace>/.signin_attempts.sqlite`` and are shared by every
    app process using that workspace (and survive a restart); without one, or when the file cannot be
    made, they are kept in this process. ``tally`` gives another keeper of the counts (the team database's:
    ``renewal.storage.team_users.TeamTally``)."""

    def __init__(
        self,
        workspace: Path | None = None,
        clock: Callable[[], float] = time.time,
        tally: Tally | None = None,
    ):
        self._clock = clock
        self._tally: Tally = tally if tally is not None else _MemoryTally()
        if workspace is not None and tally is None:
            try:
                self._tally = _FileTally(Path(workspace) / ATTEMPTS_FILE)
            except (OSError, sqlite3.Error):  # a read-only or missing workspace: this process counts alone
                pass

    @staticmethod
    def _keys(name: str, address: str) -> tuple[str, str]:
        return (f"n:{name.strip()}", f"a:{address}")

    def locked_for(self, name: str, address: str) -> float:
        """Seconds until a try is allowed again for this name or address (0: allowed)."""
        now = self._clock()
        waits = []
        for key in self._keys(name, address):
            nth = self._tally.nth_latest(key, LOCK_AFTER, now - LOCK_SECONDS)
            if nth is not None:
                waits.append(LOCK_SECONDS - (now - nth))
        return max(waits, default=0.0)

    def failed(self, name: str, address: str) -> float:
        """Count a wrong try; the delay (seconds) to wait before answering it."""
        now = self._clock()
        counts = self._tally.add(self._keys(name, address), now, now - LOCK_SECONDS)
        over = max(counts) - FREE_TRIES
        return 0.0 if over <= 0 else min(MAX_DELAY_S, 0.5 * 2 ** (over - 1))

    def succeeded(self, name: str) -> None:
        self._tally.clear(f"n:{name.strip()}")


def locked_message(wait_s: float) -> str:
    minutes = max(1, int(wait_s // 60) + (1 if wait_s % 60 else 0))
    return f"尝试次数过多，登录已暂时锁定，请 {minutes} 分钟后再试。"
