"""Users and roles on the team database (issue 17): added with ``python -m renewal users`` against the
database, read by every server (each keeping the last read as its users file), changes recorded."""

from __future__ import annotations

import io
import os
import stat

import pytest

from cli.main import main
from renewal import auth
from renewal.errors import StoreUnavailable
from renewal.storage.team_users import cache_users, team_users
from tests.store_backends import postgis_schema


@pytest.fixture
def url():
    with postgis_schema() as u:
        yield u


def _add(monkeypatch, url, workspace, name, role, password):
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return main(
        [
            "--database",
            url,
            "--workspace",
            str(workspace),
            "users",
            "add",
            name,
            "--role",
            role,
            "--password-stdin",
        ]
    )


def test_a_user_added_against_the_database_signs_in_on_every_server(url, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(auth.USERS_ENV, raising=False)
    a, b = tmp_path / "a", tmp_path / "b"
    assert team_users(url) is None  # no users kept in the database yet
    assert _add(monkeypatch, url, a, "张三", auth.EDITOR, "zhang-san-pw") == 0
    assert "team database" in capsys.readouterr().out
    assert _add(monkeypatch, url, a, "王五", auth.VIEWER, "short") == 2  # refused: nothing changed
    assert set(team_users(url)) == {"张三"}
    assert cache_users(url, auth.users_path(b)) is True  # server b reads them
    assert auth.authenticate(auth.users_path(b), "张三", "zhang-san-pw").role == auth.EDITOR
    assert stat.S_IMODE(os.stat(auth.users_path(b)).st_mode) == 0o600
    assert main(["--database", url, "users", "list"]) == 0
    assert "张三\t编辑" in capsys.readouterr().out
    assert main(["--database", url, "--workspace", str(a), "users", "remove", "张三"]) == 0
    assert team_users(url) == {}
    cache_users(url, auth.users_path(b))
    assert auth.authenticate(auth.users_path(b), "张三", "zhang-san-pw") is None
    import psycopg

    with psycopg.connect(url) as con:
        rows = con.execute("SELECT action, name, who FROM team_users_history ORDER BY id").fetchall()
    assert [(r[0], r[1]) for r in rows] == [("add", "张三"), ("remove", "张三")] and rows[0][2].startswith(
        "本机用户"
    )


def test_when_the_database_is_down_the_last_users_read_stay(url, tmp_path, monkeypatch):
    monkeypatch.delenv(auth.USERS_ENV, raising=False)
    assert _add(monkeypatch, url, tmp_path / "a", "张三", auth.EDITOR, "zhang-san-pw") == 0
    path = auth.users_path(tmp_path / "b")
    cache_users(url, path)
    before = path.read_bytes()
    with pytest.raises(StoreUnavailable):
        cache_users("postgresql://postgres@127.0.0.1:1/nothing?connect_timeout=1", path)
    assert path.read_bytes() == before
    assert auth.authenticate(path, "张三", "zhang-san-pw") is not None


def test_wrong_passwords_on_two_servers_count_towards_one_lock(url, tmp_path):
    """Each server its own workspace folder, one team database: the tries add up (renewal.signin's limits)."""
    from renewal import signin
    from renewal.storage.team_users import TeamTally

    clock = [1000.0]
    a = signin.Throttle(tmp_path / "a", clock=lambda: clock[0], tally=TeamTally(url))
    b = signin.Throttle(tmp_path / "b", clock=lambda: clock[0], tally=TeamTally(url))
    for i in range(signin.LOCK_AFTER):
        (a if i % 2 else b).failed("张三", f"10.0.0.{i}")
        clock[0] += 1
    assert a.locked_for("张三", "10.9.9.9") > 0 and b.locked_for("张三", "10.9.9.9") > 0
    assert a.locked_for("李四", "10.9.9.9") == 0  # another name from another address is not locked
    b.succeeded("张三")
    assert a.locked_for("张三", "10.9.9.9") == 0


def test_the_cookie_secret_and_sign_out_everywhere_are_the_teams(url, tmp_path):
    """A token issued on server a is good on server b; signing out on a ends it on b."""
    from renewal import signin
    from renewal.storage.team_users import cache_signin_state, record_signout

    a, b = tmp_path / "a", tmp_path / "b"
    users = {"张三": {"name": "张三", "role": auth.EDITOR, "password": "x"}}
    cache_signin_state(url, a)
    cache_signin_state(url, b)
    token = signin.issue_token(a, "张三", now=100.0)
    assert signin.user_from_token(b, token, users, now=200.0).name == "张三"
    assert stat.S_IMODE(os.stat(b / signin.SECRET_FILE).st_mode) == 0o600
    record_signout(url, "张三", 150.0)
    cache_signin_state(url, b)
    assert signin.user_from_token(b, token, users, now=200.0) is None


def test_the_app_signs_in_from_the_database_and_from_the_last_read_when_it_is_down(
    url, tmp_path, monkeypatch
):
    """No users file given: the page reads the users from the team database (a user added there signs in);
    with the database gone, the last users read still sign in, and the sidebar says so."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from renewal.storage.access import Actor
    from renewal.storage.team_users import change_users

    page = str(Path(__file__).resolve().parent.parent / "pages" / "sites.py")  # the page that asks first
    monkeypatch.delenv(auth.USERS_ENV, raising=False)
    monkeypatch.setenv("RENEWAL_WORKSPACE", str(tmp_path))
    change_users(
        url,
        lambda users: auth.with_user(users, "张三", auth.EDITOR, "zhang-san-pw"),
        actor=Actor("管理员"),
        action="add",
        name="张三",
    )

    def sign_in() -> AppTest:
        at = AppTest.from_file(page, default_timeout=90)
        at.run()
        assert not at.exception, at.exception
        at.text_input(key="signin_name").set_value("张三")
        at.text_input(key="signin_password").set_value("zhang-san-pw")
        next(b for b in at.button if b.label == "登录").click().run()
        assert not at.exception, at.exception
        return at

    def signed_in(at: AppTest) -> bool:  # the form gone, the page drawn
        return not [b for b in at.button if b.label == "登录"] and not [
            h for h in at.subheader if h.value == "请登录"
        ]

    monkeypatch.setenv("RENEWAL_DATABASE_URL", url)
    at = sign_in()
    assert signed_in(at) and not at.sidebar.warning
    monkeypatch.setenv("RENEWAL_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/renewal?connect_timeout=1")
    at = sign_in()
    assert any("上次读取的用户名单" in w.value for w in at.sidebar.warning)
    assert signed_in(at)
