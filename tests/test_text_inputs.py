"""Typed and stored text (issue 23): site types from the schema's list only, layer titles of a bounded
length without control characters, no terminal escapes from stored text in ``layers list``/``history``,
and a user name shown literally in the sidebar (never Markdown)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest

from cli.main import main
from renewal import auth
from renewal.errors import InputError
from renewal.sites.schema import SITE_TYPES
from renewal.sites.validate import validate_site
from renewal.storage import open_store
from renewal.storage.access import Actor
from renewal.storage.layers import LayerStore, layers_path
from tests import hostile_corpus as corpus

ROOT = Path(__file__).resolve().parent.parent
INSIDE = Point(*corpus.INSIDE)
#: The longest layer title (characters) the issue asks for.
MAX_TITLE_LENGTH = 100
BAD_TYPES = ["{{ 7*7 }}类型", "<img src=x onerror=alert(1)>", "工业", "片区"]


def _run(argv, capsys) -> tuple[int, str]:
    rc = main(argv)
    out = capsys.readouterr()
    return rc, out.out + out.err


# ---- site types ------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", BAD_TYPES)
def test_a_site_type_outside_the_schema_list_is_refused(bad):
    with pytest.raises(InputError) as err:
        validate_site({"name": "甲", "status": "planned", "site_type": bad}, INSIDE)
    assert "未知项目类型" in err.value.message_zh and "unknown site type" in err.value.message_en
    assert all(t in err.value.message_zh for t in SITE_TYPES)  # the message lists the choices


def test_listed_and_missing_types_pass():
    for t in (*SITE_TYPES, "", None, " 微更新 "):
        clean, _, _ = validate_site({"name": "甲", "status": "planned", "site_type": t}, INSIDE)
        assert clean["site_type"] in (*SITE_TYPES, "")


def test_import_and_edit_refuse_an_unknown_type_and_change_nothing(tmp_path, capsys):
    ws = tmp_path / "ws"
    store = open_store(ws)
    before = store.sites()
    path = tmp_path / "types.geojson"
    path.write_bytes(corpus.feature_collection({"name": "新地块", "site_type": "{{ 7*7 }}类型"}))
    rc, text = _run(["--workspace", str(ws), "import", str(path), "--layer", "sites", "--yes"], capsys)
    assert rc == 2 and "unknown site type" in text and "Traceback" not in text
    props, geom, version = store.site("RS-001")
    with pytest.raises(InputError, match="unknown site type"):
        store.save_site("RS-001", {**props, "site_type": "{{ 7*7 }}类型"}, geom, expected_version=version)
    after = open_store(ws).sites()
    assert len(after) == len(before) and after.set_index("site_id")["site_type"].equals(
        before.set_index("site_id")["site_type"]
    )


# ---- layer titles ----------------------------------------------------------------------------


def _reference_file(tmp_path) -> Path:
    path = tmp_path / "ref.geojson"
    path.write_bytes(corpus.feature_collection({"名称": "绿地"}))
    return path


def test_layer_title_length_is_bounded_with_a_clear_message(tmp_path, capsys):
    ws, path = tmp_path / "ws", _reference_file(tmp_path)
    long = "长" * (MAX_TITLE_LENGTH + 1)
    argv = ["--workspace", str(ws), "import", str(path), "--layer", "reference", "--name", "ref_a", "--yes"]
    rc, text = _run([*argv, "--title", long], capsys)
    assert rc == 2 and f"longer than {MAX_TITLE_LENGTH} characters ({MAX_TITLE_LENGTH + 1})" in text
    assert not layers_path(ws).exists() or LayerStore(layers_path(ws)).get("ref_a") is None
    rc, text = _run([*argv, "--title", "长" * MAX_TITLE_LENGTH], capsys)
    assert rc == 0, text
    assert LayerStore(layers_path(ws)).get("ref_a").title == "长" * MAX_TITLE_LENGTH
    gdf = gpd.GeoDataFrame({"名称": ["绿地"]}, geometry=[INSIDE], crs=4326)
    with pytest.raises(InputError) as err:  # the store refuses it too (the page goes through it)
        LayerStore(layers_path(ws)).put(
            "ref_b", "reference", gdf, source_file="x.geojson", crs="", actor=Actor("甲"), title=long
        )
    assert f"图层标题超过{MAX_TITLE_LENGTH}个字" in err.value.message_zh
    with pytest.raises(InputError, match="control characters"):
        LayerStore(layers_path(ws)).put(
            "ref_b",
            "reference",
            gdf,
            source_file="x.geojson",
            crs="",
            actor=Actor("甲"),
            title="红\x1b[31m色",
        )


def test_layers_list_and_history_never_print_terminal_escapes(tmp_path, capsys):
    """Stored text with escape sequences (a file name, or a title from before titles were checked)
    is printed with the control characters replaced."""
    ws = tmp_path / "ws"
    store = LayerStore(layers_path(ws))
    gdf = gpd.GeoDataFrame({"名称": ["绿地"]}, geometry=[INSIDE], crs=4326)
    store.put(
        "ref_a",
        "reference",
        gdf,
        source_file="\x1b]0;pwn\x07文件.geojson",
        crs="",
        actor=Actor("乙\x1b[2J"),
        title="绿地",
    )
    with sqlite3.connect(store.path) as con:
        con.execute("UPDATE layer_catalog SET title = ? WHERE name = 'ref_a'", ("\x1b[31m红色\x1b[0m\x07",))
    for action in (["layers", "list"], ["layers", "history"], ["layers", "history", "ref_a"]):
        rc, text = _run(["--workspace", str(ws), *action], capsys)
        assert rc == 0, text
        assert not any(c in text for c in "\x1b\x07\x9b"), (action, text)
        assert "文件.geojson" in text
    rc, text = _run(["--workspace", str(ws), "layers", "list"], capsys)
    assert "红色" in text


# ---- user names ------------------------------------------------------------------------------


def test_markdown_in_a_user_name_shows_literally_in_the_sidebar(tmp_path, monkeypatch):
    name = "**粗**[链](javascript:x)_斜_"
    users = tmp_path / "users.json"
    auth.set_user(users, name, auth.EDITOR, "password-1234")
    monkeypatch.setenv("RENEWAL_USERS_FILE", str(users))
    monkeypatch.setenv("RENEWAL_WORKSPACE", str(tmp_path / "ws"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    at.text_input(key="signin_name").set_value(name)
    at.text_input(key="signin_password").set_value("password-1234")
    next(b for b in at.button if b.label == "登录").click().run()
    assert not at.exception, at.exception
    captions = [c.value for c in at.sidebar.caption if "当前用户" in c.value]
    assert len(captions) == 1
    # every Markdown mark escaped: Streamlit shows the name exactly as typed
    # (the scheme's colon too: the renderer's autolinks would otherwise start there)
    assert "\\*\\*粗\\*\\*\\[链\\]\\(javascript\\:x\\)\\_斜\\_" in captions[0], captions
