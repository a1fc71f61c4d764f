"""People: a users file with hashed passwords and two roles, 查看 (view) and 编辑 (edit).

The file is ``users.json`` in the workspace folder, or ``$RENEWAL_USERS_FILE``. Without it
the app works as before on one machine (no sign-in; changes are recorded under a session
id). With it, a planner signs in, a 查看 user cannot change data, and every change in the
history carries the person's name.

Passwords are never stored: each entry holds ``scrypt$N$r$p$salt$hash`` (hashlib.scrypt,
random 16-byte salt, base64) and is checked in constant time. Manage the file with
``python -m renewal users add NAME --role 编辑`` (the password is read without echo).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from renewal.errors import InputError
from renewal.io.atomic import write_text_atomic
from renewal.settings import workspace_dir

USERS_ENV = "RENEWAL_USERS_FILE"
USERS_FILE = "users.json"
VIEWER, EDITOR = "查看", "编辑"
ROLES = (VIEWER, EDITOR)
MIN_PASSWORD = 8
MAX_NAME = 40
#: scrypt cost (N, r, p): about 16 MiB and a few tens of milliseconds per check.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


@dataclass(frozen=True)
class User:
    name: str
    role: str

    @property
    def can_edit(self) -> bool:
        return self.role == EDITOR


def users_path(workspace: Path | None = None) -> Path:
    """``$RENEWAL_USERS_FILE`` if set, else ``<workspace>/users.json``."""
    raw = os.environ.get(USERS_ENV)
    if raw:
        return Path(raw).expanduser()
    return Path(workspace if workspace is not None else workspace_dir()) / USERS_FILE


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (constant-time; False for anything malformed)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(digest, validate=True)
        got = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt, validate=True),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(want),
            maxmem=2**26,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


def _bad_file(path: Path | str, why: str) -> InputError:
    return InputError(f"The users file {path} is not valid: {why}", f"用户文件无效（{path}）：{why}")


def load_users(path: Path) -> dict[str, dict[str, Any]] | None:
    """The users file's entries by name, or None when there is no file (sign-in off)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad_file(path, type(exc).__name__) from exc
    return parse_users(text, path)


def parse_users(text: str, where: Path | str) -> dict[str, dict[str, Any]]:
    """The entries by name of a users document (the users file's JSON, also kept in a team database)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _bad_file(where, "not JSON") from exc
    users = data.get("users") if isinstance(data, dict) else None
    if not isinstance(users, list):
        raise _bad_file(where, "no 'users' list")
    out = {}
    for u in users:
        if not (isinstance(u, dict) and isinstance(u.get("name"), str) and u.get("role") in ROLES):
            raise _bad_file(where, "each user needs a name and a role 查看 or 编辑")
        if not isinstance(u.get("password"), str):
            raise _bad_file(where, f"user {u['name']} has no password hash")
        out[u["name"]] = u
    return out


def users_text(users: dict[str, dict[str, Any]]) -> str:
    """A users document (the users file's content) for ``users``."""
    return json.dumps({"users": list(users.values())}, ensure_ascii=False, indent=2) + "\n"


def with_user(
    users: dict[str, dict[str, Any]], name: str, role: str, password: str
) -> dict[str, dict[str, Any]]:
    """``users`` with ``name`` added or given a new role and password (checked; the password hashed)."""
    name = check_name(name)
    if role not in ROLES:
        raise InputError(f"Role must be one of {', '.join(ROLES)}.", f"角色须为：{'、'.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise InputError(
            f"The password needs at least {MIN_PASSWORD} characters.", f"密码至少需要 {MIN_PASSWORD} 个字符。"
        )
    return {**users, name: {"name": name, "role": role, "password": hash_password(password)}}


def write_users(path: Path, users: dict[str, dict[str, Any]]) -> None:
    """Write the users file atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, users_text(users))
    os.chmod(path, 0o600)


_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    """A hash of nothing, made once: an unknown name is checked against it (one scrypt, like a known name)."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hash_password(secrets.token_hex(16)))
    return _DUMMY_HASH[0]


def authenticate(path: Path, name: str, password: str) -> User | None:
    """The user if ``name`` and ``password`` match an entry of the file, else None.

    An unknown name costs the same single scrypt check as a wrong password (the old code hashed a new
    password *and* checked it for an unknown name: twice the time, which told the names apart).
    """
    users = load_users(path) or {}
    entry = users.get(name.strip())
    stored = entry["password"] if entry is not None else _dummy_hash()
    ok = verify_password(password, stored)
    return User(entry["name"], entry["role"]) if ok and entry is not None else None


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or any(unicodedata.category(c)[0] == "C" for c in name):
        raise InputError(
            f"A user name is 1-{MAX_NAME} printable characters.", f"用户名须为 1–{MAX_NAME} 个可见字符。"
        )
    return name


def set_user(path: Path, name: str, role: str, password: str) -> None:
    """Add a user or change their role and password (the file is written atomically)."""
    write_users(path, with_user(load_users(path) or {}, name, role, password))


def remove_user(path: Path, name: str) -> bool:
    users = load_users(path) or {}
    if users.pop(name.strip(), None) is None:
        return False
    write_users(path, users)
    return True
