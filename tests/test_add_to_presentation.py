"""添加到汇报 under a page map (pages/views/add_to_presentation.py, Streamlit AppTest on 金贸产业园): the view
kept is the map's reported view with the typed title; an empty title and a viewer are refused in Chinese and
nothing is saved. The whole journey (adding on two pages, reordering, the downloads) is
tests/e2e/test_journey_present_views.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pages import _ui
from pages.views import add_to_presentation, print_panel
from pages.views.panels import open_panel
from renewal.storage import presentation_views as pv
from renewal.storage.access import Actor

ROOT = Path(__file__).resolve().parent.parent
VIEW = (117.2612, 39.0791, 117.3013, 39.1042)


def _add(title: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "jinmao.py"), default_timeout=90)
    at.session_state[print_panel.view_key("jinmao_map")] = VIEW
    open_panel(at.session_state, add_to_presentation.panel_key("jinmao_map"))  # the planner opens it
    at.run()
    assert not at.exception, at.exception
    at.text_input(key="jinmao_map_deck_title").set_value(title)  # in the form: sent with its submit
    at.button(key="jinmao_map_deck_add").click().run()
    assert not at.exception, at.exception
    return at


def test_the_reported_view_is_kept_with_its_title_layers_and_basemap():
    at = _add("金贸近景")
    deck = pv.load_deck()
    assert [v.title for v in deck.views] == ["金贸近景"]
    view = deck.views[0]
    assert view.extent == pytest.approx(VIEW) and view.page == "金贸产业园"
    assert "jinmao_zones" in view.layers and view.basemap
    assert view.switches == ()  # no browser, no report of the switches: the slide keeps the defaults
    assert any("已添加到汇报：金贸近景" in s.value for s in at.success)


@pytest.mark.parametrize(("title", "words"), [("", "请填写视图标题"), ("长" * 31, "超过30个字")])
def test_a_bad_title_is_refused_and_nothing_is_saved(title, words):
    at = _add(title)
    assert any(words in e.value for e in at.error), [e.value for e in at.error]
    assert not (pv.folder() / pv.INDEX).exists()


def test_a_viewer_is_told_and_nothing_is_saved(monkeypatch):
    monkeypatch.setattr(_ui, "actor", lambda: Actor("李工", "查看"))
    at = _add("金贸近景")
    assert any("不能向汇报添加视图" in i.value for i in at.info), [i.value for i in at.info]
    assert not (pv.folder() / pv.INDEX).exists()


def test_an_unreachable_team_database_is_said_in_chinese_and_nothing_is_saved(monkeypatch):
    monkeypatch.setenv("RENEWAL_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/renewal_test")  # no server
    at = _add("金贸近景")
    errors = [e.value for e in at.error]
    assert any("团队数据库" in e and "请检查数据库服务" in e for e in errors) and not at.success, errors
    assert not pv.folder().exists()
