"""Every page runs without an exception (Streamlit AppTest), and shows its key content."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def _run(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=60)
    at.run()
    return at


def test_home_page_runs_and_shows_indicators():
    at = _run("home.py")
    assert not at.exception, at.exception
    assert "一站一带一园多点" in at.title[0].value
    frames = [df.value for df in at.dataframe]
    indicator = next(f for f in frames if "指标" in f.columns)
    assert len(set(indicator["序号"])) == 18
    labels = [m.label for m in at.metric]
    assert "规划面积" in labels


def test_jinmao_page_runs_and_lists_four_zones():
    at = _run("jinmao.py")
    assert not at.exception, at.exception
    zones = next(df.value for df in at.dataframe if "片区" in df.value.columns)
    assert list(zones["片区"]) == ["东南", "东北", "西南", "西北"]
    assert (zones["示意面积（㎡）"] > 0).all()


@pytest.mark.parametrize("basemap", ["none", "amap", "carto"])
def test_home_page_switches_basemap_without_error(basemap):
    at = _run("home.py")
    at.sidebar.selectbox[0].set_value(basemap).run()
    assert not at.exception, at.exception


def test_app_navigation_lists_the_pages():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception


def test_chosen_basemap_and_labels_are_kept_across_pages():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.sidebar.selectbox[0].set_value("carto").run()
    at.sidebar.toggle[0].set_value(False).run()
    at.switch_page("pages/jinmao.py").run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox[0].value == "carto"
    assert at.sidebar.toggle[0].value is False
    at.switch_page("pages/home.py").run()
    assert at.sidebar.selectbox[0].value == "carto"


def test_present_page_steps_through_every_view_and_back():
    from layers.views import VIEWS

    at = _run("present.py")
    assert not at.exception, at.exception
    titles = [at.title[0].value]
    quotes = [at.markdown[0].value]
    nxt = next(b for b in at.button if b.label.startswith("下一页"))
    while not nxt.disabled:
        nxt.click().run()
        assert not at.exception, at.exception
        titles.append(at.title[0].value)
        quotes.append(at.markdown[0].value)
        nxt = next(b for b in at.button if b.label.startswith("下一页"))
    # every view with data, in order (coverage has no data yet), each with its plan quote
    shown = [v for v in VIEWS.values() if v.key != "coverage"]
    assert titles == [v.title for v in shown]
    assert all(q.startswith(">") for q in quotes)
    prev = next(b for b in at.button if b.label.endswith("上一页"))
    prev.click().run()
    assert at.title[0].value == shown[-2].title
    assert any(b.label.startswith("下载汇报幻灯片") for b in at.get("download_button"))
