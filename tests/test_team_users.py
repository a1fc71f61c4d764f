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
