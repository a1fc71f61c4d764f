"""Sign-in by the office's reverse proxy: the proxy authenticates the planner (the bureau's single sign-on,
LDAP, OIDC …) and passes the name in a request header; the app trusts that header only from the proxy.

Turned on by ``$RENEWAL_PROXY_USER_HEADER`` (e.g. ``Remote-User``). Then:

* the request must come from a trusted proxy address (``$RENEWAL_TRUSTED_PROXIES``, comma-separated,
  default the loopback addresses: the proxy on the same machine), else it is refused — a browser that
  reaches the app directly cannot claim a name by sending the header itself;
* the header must name a person of the users file (:mod:`renewal.auth`), whose role (编辑/查看) applies;
  the password is not asked (the proxy has checked who it is);
* a missing users file, a missing header or an unknown name refuse everything with a Chinese message —
  never the open mode.

A proxy sends non-ASCII names as raw UTF-8 bytes (the server decodes header bytes as Latin-1) or
percent-encoded; both are read back to the name.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from renewal.auth import User
from renewal.errors import InputError

HEADER_ENV = "RENEWAL_PROXY_USER_HEADER"
PROXIES_ENV = "RENEWAL_TRUSTED_PROXIES"
DEFAULT_PROXIES = ("127.0.0.1", "::1")


def header_name() -> str | None:
    """The header the proxy passes the name in, or None when sign-in by proxy is off."""
    name = os.environ.get(HEADER_ENV, "").strip()
    return name or None


def trusted_proxies() -> tuple[str, ...]:
    raw = os.environ.get(PROXIES_ENV, "")
    found = tuple(part.strip() for part in raw.split(",") if part.strip())
    return found or DEFAULT_PROXIES


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().split("%")[0])
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def is_trusted(peer: str | None, proxies: tuple[str, ...]) -> bool:
    """Whether ``peer`` (the connection's address) is one of ``proxies`` (addresses or networks)."""
    address = _address(peer or "")
    if address is None:
        return False
    for entry in proxies:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def decode_name(raw: str) -> str:
    """The name as the proxy meant it: raw UTF-8 bytes read as Latin-1, or percent-encoding, undone."""
    text = raw.strip()
    try:
        text = text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    if "%" in text:
        try:
            text = unquote(text, errors="strict")
        except UnicodeDecodeError:  # not percent-encoding after all: the name as it came
            pass
    return text.strip()


def _refused(en: str, zh: str) -> InputError:
    return InputError(en, zh)


def user_from_proxy(
    headers: Mapping[str, str],
    peer: str | None,
    users: dict[str, dict[str, Any]] | None,
    *,
    header: str,
    proxies: tuple[str, ...] = DEFAULT_PROXIES,
) -> User:
    """The person the proxy signed in, with their role from the users file; :class:`InputError` otherwise."""
    if users is None:
        raise _refused(
            "Sign-in by proxy is on but there is no users file to give roles",
            "本平台已设置由单位统一登录（反向代理）识别用户，但没有用户文件，无法确定权限。请联系管理员添加用户。",
        )
    if not is_trusted(peer, proxies):
        raise _refused(
            f"Request from {peer!r}, not from a trusted proxy",
            "本平台只接受经单位统一登录入口（反向代理）的访问，请从单位统一登录入口打开。",
        )
    raw = next((value for key, value in headers.items() if key.lower() == header.lower()), "")
    name = decode_name(raw or "")
    if not name:
        raise _refused(
            f"The proxy passed no user name in {header}",
            "未收到统一登录的用户名，请从单位统一登录入口重新打开。",
        )
    entry = users.get(name)
    if entry is None:
        raise _refused(
            f"{name!r} is not in the users file",
            f"账号“{name}”尚未在本平台登记，请联系管理员添加。",
        )
    return User(entry["name"], entry["role"])
