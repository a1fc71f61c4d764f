"""Sign-in by the office's reverse proxy (renewal.proxy_identity): the header is trusted only from the proxy,
names only from the users file, and anything missing refuses (never the open mode)."""

from __future__ import annotations

import pytest

from renewal import auth, proxy_identity
from renewal.errors import InputError

USERS = {
    "张三": {"name": "张三", "role": auth.EDITOR},
    "li.si": {"name": "li.si", "role": auth.VIEWER},
}


def _user(headers, peer="127.0.0.1", users=USERS, proxies=proxy_identity.DEFAULT_PROXIES):
    return proxy_identity.user_from_proxy(headers, peer, users, header="Remote-User", proxies=proxies)


def test_the_proxy_names_a_person_of_the_users_file_with_their_role():
    assert _user({"remote-user": "li.si"}) == auth.User("li.si", auth.VIEWER)
    # IPv4-mapped loopback, as Streamlit reports a local connection
    assert _user({"Remote-User": "li.si"}, peer="::ffff:127.0.0.1").role == auth.VIEWER


@pytest.mark.parametrize(
    "raw",
    ["张三".encode().decode("latin-1"), "%E5%BC%A0%E4%B8%89", " 张三 "],
    ids=["utf8-bytes-as-latin1", "percent-encoded", "padded"],
)
def test_non_ascii_names_as_proxies_send_them(raw):
    assert _user({"Remote-User": raw}) == auth.User("张三", auth.EDITOR)


def test_a_bad_percent_sequence_is_taken_literally_not_crashing():
    assert proxy_identity.decode_name("a%FFb") == "a%FFb"


@pytest.mark.parametrize(
    ("headers", "peer", "users", "words"),
    [
        ({"Remote-User": "li.si"}, "192.168.1.20", USERS, "反向代理"),  # the browser reached the app directly
        ({"Remote-User": "li.si"}, None, USERS, "反向代理"),
        ({"Remote-User": "li.si"}, "not-an-address", USERS, "反向代理"),
        ({}, "127.0.0.1", USERS, "未收到统一登录的用户名"),
        ({"Remote-User": "  "}, "127.0.0.1", USERS, "未收到统一登录的用户名"),
        ({"Remote-User": "王五"}, "127.0.0.1", USERS, "尚未在本平台登记"),
        ({"Remote-User": "li.si"}, "127.0.0.1", None, "没有用户文件"),
    ],
)
def test_anything_missing_or_untrusted_refuses(headers, peer, users, words):
    with pytest.raises(InputError) as caught:
        _user(headers, peer=peer, users=users)
    assert words in caught.value.message_zh


def test_trusted_proxies_from_the_environment_addresses_and_networks(monkeypatch):
    monkeypatch.setenv(proxy_identity.PROXIES_ENV, "10.0.0.5, 192.168.8.0/24, bogus")
    proxies = proxy_identity.trusted_proxies()
    assert proxy_identity.is_trusted("10.0.0.5", proxies)
    assert proxy_identity.is_trusted("192.168.8.77", proxies)
    assert not proxy_identity.is_trusted("192.168.9.1", proxies)
    assert not proxy_identity.is_trusted("127.0.0.1", proxies)  # the default is replaced, not extended
    monkeypatch.delenv(proxy_identity.PROXIES_ENV)
    assert proxy_identity.trusted_proxies() == proxy_identity.DEFAULT_PROXIES


def test_off_unless_the_header_is_configured(monkeypatch):
    monkeypatch.delenv(proxy_identity.HEADER_ENV, raising=False)
    assert proxy_identity.header_name() is None
    monkeypatch.setenv(proxy_identity.HEADER_ENV, " X-Forwarded-User ")
    assert proxy_identity.header_name() == "X-Forwarded-User"
