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
    at = AppTest.from_file(PAGE, default_timeout=90)
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

    at = AppTest.from_file(PAGE, default_timeout=90)
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
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.session_state[STATE_KEY] = SitesPageState(selected="RS-021")
    at.run()
    assert not at.exception, at.exception
    from renewal.sites.exchange import FORMATS

    assert [b.label for b in at.get("download_button")] == [label for _, _, label in FORMATS.values()]
    assert not any(b.proto.disabled for b in at.get("download_button"))
