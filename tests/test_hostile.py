"""Hostile input (issue 11): every case of the corpus is refused with a message (exit code 2 on the
command line, a Chinese message on the page), without a traceback, and changes nothing."""

from __future__ import annotations

import errno
import re
import traceback
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cli.main import main
from tests import hostile_corpus as corpus
from tests.sites_panels import open_panels

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "sites.py")
CJK = re.compile(r"[\u4e00-\u9fff]")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (an absent folder: empty)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run_cli(argv, capsys) -> tuple[int, str]:
    """``main(argv)`` in-process; an exception escaping it is a traceback the user would see."""
    try:
        rc = main(argv)
    except BaseException as exc:  # noqa: BLE001 - SystemExit of argparse included: the test fails on any
        pytest.fail(f"{argv}: {type(exc).__name__} escaped:\n{traceback.format_exc()}")
    captured = capsys.readouterr()
    return rc, captured.err + captured.out


@pytest.fixture
def seeded(tmp_path):
    """A workspace whose store exists (seeded from the bundled catalogue)."""
    from renewal.storage import open_store

    ws = tmp_path / "ws"
    open_store(ws)
    return ws


# ---- command line ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(corpus.SITE_FILES))
def test_cli_import_refuses_every_bad_site_file(case, tmp_path, seeded, capsys):
    path = corpus.write_site_files(tmp_path / "bad")[case]
    before = snapshot(seeded)
    rc, text = run_cli(["--workspace", str(seeded), "import", str(path), "--layer", "sites", "--yes"], capsys)
    assert rc == 2, text
    assert "Traceback" not in text and "error:" in text
    assert (
        "\x1b" not in text and "\x07" not in text and "\x00" not in text
    )  # nothing raw reaches the terminal
    assert snapshot(seeded) == before


def test_cli_corpus_of_other_commands(tmp_path, seeded, capsys):
    cases = corpus.cli_cases(tmp_path / "in", seeded)
    for name, argv in cases.items():
        before, inputs = snapshot(seeded), snapshot(tmp_path / "in")
        rc, text = run_cli(argv, capsys)
        assert rc == 2, (name, text)
        assert "Traceback" not in text and "error:" in text, (name, text)
        assert snapshot(seeded) == before, name
        assert snapshot(tmp_path / "in") == inputs, name  # no output, no partial file


def test_gbk_csv_is_read_with_its_chinese_text_intact(tmp_path):
    """A GBK-encoded CSV (Excel's default on Chinese Windows) is decoded, not refused or garbled."""
    from renewal.io.read import read_features

    path = tmp_path / "fac_gbk.csv"
    path.write_bytes("名称,category,lon,lat\n学校,小学,117.2277,39.11\n".encode("gbk"))
    gdf = read_features(path, what="facilities")
    assert gdf["名称"].tolist() == ["学校"] and gdf.geometry.iloc[0].x == 117.2277


def _full_disk(*_a, **_k):
    raise OSError(errno.ENOSPC, "No space left on device", "/full/disk")


@pytest.mark.parametrize(
    "argv",
    [["sites", "export", "--out", "x.xlsx"], ["export-map", "--out", "map.html"]],
    ids=["sites-export", "export-map"],
)
def test_full_disk_is_a_message_not_a_traceback(argv, tmp_path, monkeypatch, capsys):
    import renewal.io.atomic as atomic

    monkeypatch.setattr(atomic.os, "replace", _full_disk)
    argv = [*argv[:-1], str(tmp_path / argv[-1])]
    rc, text = run_cli(["--workspace", str(tmp_path / "ws"), *argv], capsys)
    assert rc == 2 and "No space left on device" in text
    assert not (tmp_path / Path(argv[-1]).name).exists()


def test_sites_list_and_export_survive_bad_stored_text(seeded, tmp_path, capsys):
    from renewal.storage import store_path

    corpus.put_bad_text(store_path(seeded), "RS-001", "ctl\u0007\u001b[31mRED\u0000x")
    rc, text = run_cli(["--workspace", str(seeded), "sites", "list"], capsys)
    assert rc == 0 and "\x1b" not in text and "\x07" not in text and "ctl\ufffd\ufffd[31mRED" in text
    out = tmp_path / "x.xlsx"
    rc, text = run_cli(["--workspace", str(seeded), "sites", "export", "--out", str(out)], capsys)
    assert rc == 0, text
    names = pd.read_excel(out, dtype=str)["名称（name）"]
    assert "ctl\ufffd\ufffd[31mRED\ufffdx" in set(names)


def test_accessibility_csv_guards_formulas_from_the_origins(tmp_path, capsys):
    fac = tmp_path / "fac.geojson"
    fac.write_bytes(corpus.feature_collection({"category": "小学", "id": "P1"}))
    org = tmp_path / "org.geojson"
    org.write_bytes(
        corpus.feature_collection(
            {"home": '=HYPERLINK("http://evil.example","x")'}, {"home": "=cmd|' /C calc'!A0"}
        )
    )
    out = tmp_path / "acc.csv"
    rc, text = run_cli(
        ["accessibility", "--facilities", str(fac), "--origins", str(org), "--out", str(out)], capsys
    )
    assert rc == 0, text
    cells = pd.read_csv(out, dtype=str, keep_default_na=False)["home"].tolist()
    assert cells == ['\'=HYPERLINK("http://evil.example","x")', "'=cmd|' /C calc'!A0"]


def test_coverage_refuses_population_outside_and_absurd_distance(tmp_path, seeded, capsys):
    cases = corpus.cli_cases(tmp_path / "in", seeded)
    rc, text = run_cli(cases["coverage_population_outside"], capsys)
    assert rc == 2 and "None of the population" in text
    rc, text = run_cli(cases["coverage_distance_1e308"], capsys)
    assert rc == 2 and "--distance" in text


def test_huge_population_raster_is_refused_before_reading(tmp_path):
    import geodata
    from renewal.analysis.grid import make_grid, population_to_cells
    from renewal.crs import METRIC_EPSG
    from renewal.errors import InputError

    raster = corpus.huge_raster(tmp_path / "huge.tif")
    district = geodata.load("district").to_crs(METRIC_EPSG)
    grid = make_grid(district.geometry.union_all(), 100.0)
    with pytest.raises(InputError) as err:
        population_to_cells(grid, str(raster), cell=100.0)
    assert "重采样" in err.value.message_zh and "pixels" in err.value.message_en


# ---- the 更新项目 page ------------------------------------------------------------------------


def _page(ws, monkeypatch) -> AppTest:
    monkeypatch.setenv("RENEWAL_WORKSPACE", str(ws))
    at = open_panels(AppTest.from_file(PAGE, default_timeout=90))
    at.run()
    assert not at.exception, at.exception
    return at


def unescaped_markup(text: str) -> list[str]:
    """Link or image Markdown that Streamlit would render in ``text`` (escaped characters removed first)."""
    plain = re.sub(r"\\.", "_", text)
    return re.findall(r"!?\[[^\]]*\]\([^)]*\)", plain) + re.findall(r"<(?:a|img)\b", plain, flags=re.I)


def shown_texts(at: AppTest) -> list[str]:
    """Every text the page showed through Markdown-rendering elements (messages, captions, labels...)."""
    out = []
    for kind in ("error", "warning", "info", "success", "toast", "caption", "markdown", "subheader", "title"):
        out += [e.value for e in at.get(kind)]
    for kind in ("button", "text_input", "selectbox", "checkbox", "expander", "file_uploader", "text_area"):
        out += [getattr(e, "label", "") or "" for e in at.get(kind)]
    return out


@pytest.mark.parametrize("case", sorted(corpus.SITE_FILES))
def test_page_upload_of_every_bad_site_file_is_refused_in_chinese(case, seeded, monkeypatch):
    name, content, expected = corpus.SITE_FILES[case]
    from renewal.storage import store_path

    before = store_path(seeded).read_bytes()
    at = _page(seeded, monkeypatch)
    at.file_uploader[0].set_value((name, content, "application/octet-stream")).run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert errors and all(CJK.search(e) for e in errors), errors
    assert any(expected in t for t in [*errors, *(t.value for t in at.text)]), (errors, expected)
    assert not [b for b in at.button if b.label.startswith("确认导入")]  # nothing can be imported
    for text in shown_texts(at):
        assert not unescaped_markup(text), text
        assert "Traceback" not in text
    assert store_path(seeded).read_bytes() == before


@pytest.mark.parametrize("bad", [corpus.LINK_NAME, corpus.IMAGE_NAME])
def test_markdown_in_a_site_name_is_never_a_link_or_image(bad, seeded, monkeypatch):
    from renewal.storage import open_store

    s = open_store(seeded)
    p, g, v = s.site("RS-021")
    s.save_site("RS-021", {**p, "name": bad}, g, expected_version=v)
    monkeypatch.setenv("RENEWAL_WORKSPACE", str(seeded))
    from pages.views.sites_state import STATE_KEY, SitesPageState

    at = open_panels(AppTest.from_file(PAGE, default_timeout=90))
    at.session_state[STATE_KEY] = SitesPageState(selected="RS-021")
    at.run()
    assert not at.exception, at.exception
    assert any("钓鱼链接" in h.value or "127" in h.value for h in at.subheader)  # the name is shown ...
    for text in shown_texts(at):
        assert not unescaped_markup(text), text  # ... but never as a link or an image
    # an empty name typed over it: the refusal quotes nothing that could render
    next(t for t in at.text_input if t.label == "名称").set_value(bad + "\u0007")
    next(b for b in at.button if b.label == "保存修改").click().run()
    assert any("控制字符" in e.value for e in at.error)
    for text in shown_texts(at):
        assert not unescaped_markup(text), text


def test_markdown_file_name_of_an_upload_is_literal(seeded, monkeypatch):
    at = _page(seeded, monkeypatch)
    at.file_uploader[0].set_value(
        (corpus.IMAGE_NAME.replace("/", "") + ".geojson", b"", "application/json")
    ).run()
    assert at.error and all(not unescaped_markup(e.value) for e in at.error)
    assert any("为空" in e.value for e in at.error)


def test_page_survives_control_characters_in_stored_data(seeded, monkeypatch):
    from renewal.storage import store_path

    corpus.put_bad_text(store_path(seeded), "RS-021", "ctl\u0007\u001b[31mRED")
    from pages.views.sites_state import STATE_KEY, SitesPageState

    monkeypatch.setenv("RENEWAL_WORKSPACE", str(seeded))
    at = open_panels(AppTest.from_file(PAGE, default_timeout=90))
    at.session_state[STATE_KEY] = SitesPageState(selected="RS-021")
    at.run()
    assert not at.exception, at.exception
    from renewal.sites.exchange import FORMATS

    data = [b for b in at.get("download_button") if not b.label.startswith("下载图纸")]  # not the map sheet
    assert [b.label for b in data] == [label for _, _, label in FORMATS.values()]
    assert not any(b.proto.disabled for b in at.get("download_button"))


# ---- the one gate every edit passes ---------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "zh"),
    [
        ({"name": ["甲"]}, "名称须为文字"),
        ({"name": {"a": 1}}, "名称须为文字"),
        ({"name": 7}, "名称须为文字"),
        ({"name": "a\x00b"}, "控制字符（U+0000）"),
        ({"name": "地块", "site_id": "x" * 41}, "编号须为"),
        ({"name": "地块", "site_id": "RS 1"}, "编号须为"),
        ({"name": "地块", "plan_text": "原文\x1b[0m"}, "规划原文含有控制字符"),
        ({"name": "地" * 201}, "名称超过200个字"),
    ],
)
def test_store_refuses_text_that_is_not_clean_text(props, zh, seeded):
    from shapely.geometry import Point

    from renewal.errors import InputError
    from renewal.storage import open_store, store_path

    before = store_path(seeded).read_bytes()
    with pytest.raises(InputError) as err:
        open_store(seeded).add_site({"status": "planned", **props}, Point(*corpus.INSIDE))
    assert zh in err.value.message_zh
    assert store_path(seeded).read_bytes() == before


def test_clean_text_with_tabs_and_line_breaks_in_long_fields_is_accepted(seeded):
    from shapely.geometry import Point

    from renewal.storage import open_store

    s = open_store(seeded)
    sid = s.add_site(
        {"name": "地块", "status": "planned", "plan_text": "第一行\n第二行\t续"}, Point(*corpus.INSIDE)
    )
    assert s.site(sid)[0]["plan_text"] == "第一行\n第二行\t续"


def test_import_reports_progress_while_validating():
    from renewal.sites.importing import PROGRESS_EVERY, read_sites_bytes

    n = PROGRESS_EVERY * 2 + 3
    seen = []
    res = read_sites_bytes(
        corpus.feature_collection(*({"name": f"地块{i}"} for i in range(n))),
        "many.geojson",
        progress=lambda done, total: seen.append((done, total)),
    )
    assert res.ok and len(res.records) == n
    assert seen == [(PROGRESS_EVERY, n), (2 * PROGRESS_EVERY, n), (n, n)]


def test_web_map_coordinates_are_warned_about_when_the_file_does_not_say():
    import json

    from renewal.sites.importing import read_sites_bytes

    plain = corpus.feature_collection({"name": "地块"})
    res = read_sites_bytes(plain, "amap.geojson")
    assert res.ok and any("GCJ-02" in zh and "0.5公里" in zh for _, zh in res.notes)
    assert "--coords gcj02" in res.summary_en()
    assert not any("GCJ-02" in zh for _, zh in read_sites_bytes(plain, "amap.geojson", coords="gcj02").notes)
    declared = json.loads(plain)
    declared["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    res = read_sites_bytes(json.dumps(declared).encode(), "qgis.geojson")
    assert res.ok and not any("GCJ-02" in zh for _, zh in res.notes)


@pytest.mark.parametrize(
    ("code", "zh"),
    [(errno.ENOSPC, "磁盘空间不足"), (errno.EACCES, "没有读写权限")],
    ids=["full-disk", "no-permission"],
)
def test_page_when_the_workspace_cannot_be_seeded(code, zh, tmp_path, monkeypatch):
    from pages import _ui

    def refuse(*_a, **_k):
        raise OSError(code, "refused", str(tmp_path / "ws"))

    monkeypatch.setattr(_ui, "open_store", refuse)
    at = _page(tmp_path / "ws", monkeypatch)
    notices = [w.value for w in at.warning]
    assert any("无法打开工作区数据文件" in w and zh in w for w in notices), notices
    assert len(next(d.value for d in at.dataframe if "编号" in d.value.columns)) == 36  # still browsable
    assert not [b for b in at.button if b.label == "保存修改"] and not (tmp_path / "ws").exists()
