"""People: hashed passwords, roles 查看/编辑, names in the history, undo across reloads, stale-site notice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cli.main import main
from pages.views.sites_state import STATE_KEY, SitesPageState
from renewal import auth
from renewal.errors import InputError
from renewal.storage import open_store
from renewal.storage.access import Actor
from renewal.storage.base import changed_by_others
from tests.page_tables import tables
from tests.sites_panels import open_panels
from tests.store_backends import postgis_schema

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "sites.py")
PASSWORDS = {"张三": "zhang-san-pw", "李四": "li-si-password", "王五": "wang-wu-view"}


@pytest.fixture
def users(tmp_path, monkeypatch):
    path = tmp_path / "users.json"
    auth.set_user(path, "张三", auth.EDITOR, PASSWORDS["张三"])
    auth.set_user(path, "李四", auth.EDITOR, PASSWORDS["李四"])
    auth.set_user(path, "王五", auth.VIEWER, PASSWORDS["王五"])
    monkeypatch.setenv("RENEWAL_USERS_FILE", str(path))
    monkeypatch.setenv("RENEWAL_WORKSPACE", str(tmp_path / "ws"))
    return path


def test_passwords_are_stored_only_as_scrypt_hashes(users):
    text = users.read_text(encoding="utf-8")
    for pw in PASSWORDS.values():
        assert pw not in text
    entries = json.loads(text)["users"]
    assert [e["role"] for e in entries] == ["编辑", "编辑", "查看"]
    assert all(e["password"].startswith("scrypt$16384$8$1$") for e in entries)
    assert len({e["password"] for e in entries}) == 3  # salted
    assert users.stat().st_mode & 0o077 == 0  # readable by the app's user only


def test_authenticate(users):
    assert auth.authenticate(users, "张三", PASSWORDS["张三"]) == auth.User("张三", "编辑")
    assert auth.authenticate(users, " 王五 ", PASSWORDS["王五"]).can_edit is False
    assert auth.authenticate(users, "张三", PASSWORDS["李四"]) is None
    assert auth.authenticate(users, "赵六", "whatever-pw") is None
    assert auth.verify_password("x", "scrypt$garbage") is False
    assert auth.verify_password("x", "md5$1$2$3$4$5") is False


def test_bad_users_file_and_bad_entries_are_refused(tmp_path, users):
    bad = tmp_path / "bad.json"
    bad.write_text('{"users": [{"name": "甲", "role": "管理员", "password": "x"}]}', encoding="utf-8")
    with pytest.raises(InputError) as ei:
        auth.load_users(bad)
    assert "用户文件无效" in ei.value.message_zh
    assert auth.load_users(tmp_path / "none.json") is None  # no file: sign-in is off
    before = users.read_bytes()
    for name, role, pw in (
        ("", "编辑", "long-enough"),
        ("甲", "管理员", "long-enough"),
        ("甲", "编辑", "short"),
    ):
        with pytest.raises(InputError):
            auth.set_user(users, name, role, pw)
    assert users.read_bytes() == before


def test_users_cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a-good-password\n"))
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "users", "add", "赵六", "--role", "查看", "--password-stdin"]) == 0
    assert auth.authenticate(ws / "users.json", "赵六", "a-good-password") == auth.User("赵六", "查看")
    assert main(["--workspace", str(ws), "users", "list"]) == 0
    assert "赵六\t查看" in capsys.readouterr().out
    assert main(["--workspace", str(ws), "users", "remove", "赵六"]) == 0
    assert main(["--workspace", str(ws), "users", "remove", "赵六"]) == 2


def test_a_viewer_store_refuses_every_write(tmp_path):
    inner = open_store(tmp_path, session="王五")
    ro = open_store(tmp_path, actor=Actor("王五", auth.VIEWER))
    assert ro.read_only and not inner.read_only and ro.session == "王五"
    p, g, v = ro.site("RS-005")
    for write in (
        lambda: ro.save_site("RS-005", {**p, "name": "x"}, g, expected_version=v),
        lambda: ro.add_site({"name": "x", "status": "planned"}, g),
        lambda: ro.add_sites([({"name": "x", "status": "planned"}, g)]),
        lambda: ro.delete_site("RS-005", expected_version=v),
        lambda: ro.undo(),
    ):
        with pytest.raises(InputError) as ei:
            write()
        assert "查看" in ei.value.message_zh
    assert inner.history() == [] and len(ro.sites()) == 36


def test_changed_by_others_names_the_other_person(tmp_path):
    me, other = open_store(tmp_path, session="张三"), open_store(tmp_path, session="李四")
    p, g, v = me.site("RS-005")
    assert changed_by_others(me, "RS-005", v, v) is None
    v2 = me.save_site("RS-005", {**p, "name": "我改的"}, g, expected_version=v)
    assert changed_by_others(me, "RS-005", v, v2) is None  # my own change is no news
    v3 = other.save_site("RS-005", {**p, "name": "他改的"}, g, expected_version=v2)
    change = changed_by_others(me, "RS-005", v, v3)
    assert change.session == "李四" and change.after["properties"]["name"] == "他改的"


# ---- the page, signed in ---------------------------------------------------------------------


def signed_in(name: str, **state) -> AppTest:
    at = open_panels(AppTest.from_file(PAGE, default_timeout=90))
    if state:
        at.session_state[STATE_KEY] = SitesPageState(**state)
    at.run()
    assert [b.label for b in at.button if b.label == "登录"] and not [d for d in at.dataframe]
    at.text_input(key="signin_name").set_value(name)
    at.text_input(key="signin_password").set_value(PASSWORDS[name])
    next(b for b in at.button if b.label == "登录").click().run()
    assert not at.exception, at.exception
    return at


def form_name(at):
    return next(t for t in at.text_input if t.label == "名称" and t.key != "new_name")


def save(at):
    next(b for b in at.button if b.label == "保存修改").click().run()
    assert not at.exception, at.exception


def test_wrong_password_shows_no_data(users):
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.run()
    at.text_input(key="signin_name").set_value("张三")
    at.text_input(key="signin_password").set_value("wrong-password")
    next(b for b in at.button if b.label == "登录").click().run()
    assert any("用户名或密码不正确" in e.value for e in at.error)
    assert not at.dataframe and "signed_in_user" not in at.session_state


def test_viewer_sees_the_catalogue_but_no_editing(users):
    at = signed_in("王五", selected="RS-021")
    assert any("查看" in i.value for i in at.info)
    assert next(d.value for d in at.dataframe if "编号" in d.value.columns).shape[0] == 36
    assert not any(b.label in ("保存修改", "新增") for b in at.button)
    assert not any("修改此项目" in e.label for e in at.expander)


@pytest.mark.parametrize("backend", ["gpkg", "postgis"])
def test_two_planners_names_in_history_stale_save_refused_notice_and_undo_across_reloads(
    users, monkeypatch, backend
):
    import contextlib

    ctx = postgis_schema() if backend == "postgis" else contextlib.nullcontext(None)
    with ctx as url:
        if url:
            monkeypatch.setenv("RENEWAL_DATABASE_URL", url)
        zhang = signed_in("张三", selected="RS-021")
        li = signed_in("李四", selected="RS-021")  # a second browser, same site open
        form_name(zhang).set_value("管乐器厂（张三）")
        save(zhang)
        li.run()  # 李四's page reruns (any click): the site changed under them
        assert any("张三" in w.value and "修改" in w.value for w in li.warning)
        form_name(li).set_value("管乐器厂（李四）")
        save(li)
        assert any("其他会话" in e.value for e in li.error)  # refused: 张三's change stays
        store = open_store(session="check")
        assert store.site("RS-021")[0]["name"] == "管乐器厂（张三）"
        assert [c.session for c in store.history("RS-021")] == ["张三"]
        # 张三 reloads (a new browser session) and undoes their own last change
        again = signed_in("张三")
        again.button(key="undo").click().run()
        assert not again.exception, again.exception
        assert store.site("RS-021")[0]["name"] == "管乐器厂"
        assert [(c.session, c.action) for c in store.history("RS-021")] == [
            ("张三", "undo"),
            ("张三", "update"),
        ]


def test_the_app_asks_for_sign_in_before_any_page(users):
    at = AppTest.from_file(str(Path(PAGE).parent.parent / "app.py"), default_timeout=90)
    at.run()
    assert not at.exception, at.exception
    assert [s.value for s in at.subheader] == ["请登录"] and not at.title and not tables(at)
    at.text_input(key="signin_name").set_value("张三")
    at.text_input(key="signin_password").set_value(PASSWORDS["张三"])
    next(b for b in at.button if b.label == "登录").click().run()
    assert not at.exception, at.exception
    assert "当前用户：张三（编辑）" in [c.value for c in at.sidebar.caption]
    assert at.title and "请登录" not in [s.value for s in at.subheader] and tables(at)
    at.button(key="sign_out").click().run()
    assert [s.value for s in at.subheader] == ["请登录"] and not tables(at)
