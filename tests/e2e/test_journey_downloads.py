"""Journeys: what a planner takes away from 总体布局, 金贸产业园, 生活圈覆盖 and 汇报模式.

- Each page's HTML map download is opened from disk in Chromium with no network: it draws its layers
  (layer control entries, drawn paths), throws no script error, and is the file ``python -m renewal
  export-map`` writes for the same workspace (element ids aside).
- The PDF sheet (text, Chinese footer, embedded font) and the PPTX deck (slides with Chinese titles) of 总体布局
  and 汇报模式 are opened.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from cli.main import main
from tests.e2e import harness

HTML_LABEL = "下载地图（独立HTML文件"
#: page path, the file's CLI arguments, the fewest layers its control lists
#: (page, export-map's arguments, fewest layers, the tab holding the download or None)
HTML_PAGES = [
    ("", [], 6, None),
    ("jinmao", ["--map", "jinmao"], 3, None),
    ("coverage", ["--map", "coverage"], 3, "导出"),
]


def _ids_out(text: str) -> str:
    return re.sub(r"[0-9a-f]{32}", "ID", text)


def _open_offline(chromium, html: Path, name: str) -> tuple[int, int, list[str]]:
    """Open a downloaded map from disk, no network: (layer-control entries, drawn paths, script errors)."""
    with harness.planner(chromium, None, name, allow=harness.is_local_file_url) as viewer:
        viewer.page.goto(html.as_uri(), wait_until="load")
        viewer.page.locator(".leaflet-container").wait_for(state="visible")
        viewer.page.wait_for_timeout(500)
        entries = viewer.page.locator(".leaflet-control-layers label").count()
        paths = viewer.page.locator(".leaflet-overlay-pane path").count()
        return entries, paths, list(viewer.errors)


def test_html_map_downloads_draw_their_layers_and_are_the_command_s_file(chromium, app, tmp_path):
    with harness.planner(chromium, app, "html-downloads") as p:
        for path, cli_args, fewest, tab in HTML_PAGES:
            p.open(path)
            p.map()
            if tab:
                p.tab(tab)
            got = p.download(HTML_LABEL, tmp_path)
            entries, paths, errors = _open_offline(chromium, got, f"html-{path or 'home'}")
            assert not errors, (path, errors)  # the old file: "map_… is not defined"
            assert entries >= fewest, (path, entries)
            assert paths > 3, (path, paths)
            cli_file = tmp_path / f"cli-{path or 'home'}.html"
            assert (
                main(["--workspace", str(app.workspace), "export-map", "--out", str(cli_file), *cli_args])
                == 0
            )
            assert _ids_out(got.read_text(encoding="utf-8")) == _ids_out(
                cli_file.read_text(encoding="utf-8")
            ), path
            p.check_page()


def _pdf_text_and_embedded_fonts(pdf: Path) -> tuple[str, set[str]]:
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    text = "".join(page.extract_text() for page in reader.pages)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for d in font.get("/DescendantFonts") or [font]:
                desc = d.get_object().get("/FontDescriptor")
                if desc is not None and any(
                    k in desc.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
                ):
                    fonts.add(str(font["/BaseFont"]))
    return text, fonts


@pytest.mark.parametrize(
    "path, sheet_label",
    [("", "下载地图（PDF图纸）"), ("present", "下载汇报文档（PDF，每页一图）")],
    ids=["layout", "present"],
)
def test_map_sheet_and_deck_downloads_open_with_chinese_content(chromium, app, tmp_path, path, sheet_label):
    from pptx import Presentation

    with harness.planner(chromium, app, f"meeting-files-{path or 'home'}") as p:
        p.open(path)
        text, fonts = _pdf_text_and_embedded_fonts(p.download(sheet_label, tmp_path))
        assert "河东区" in text and ("一站一带一园多点" in text or path), text[:500]
        for english in ("fetch", "converted", "Amap"):  # the footer's data dates were English notes
            assert english not in text, text[-800:]
        assert re.search(r"制图日期：\d{4}年\d{1,2}月\d{1,2}日", text), text[-800:]
        assert fonts, "the PDF embeds its fonts (Chinese shows on any machine)"
        deck = Presentation(io.BytesIO(p.download("下载汇报幻灯片（PPTX）", tmp_path).read_bytes()))
        titles = [
            shape.text_frame.text
            for slide in deck.slides
            for shape in slide.shapes
            if shape.has_text_frame and shape.text_frame.text.strip()
        ]
        assert len(deck.slides) >= 4, len(deck.slides)
        assert any("金贸产业园" in t for t in titles) and any("更新项目" in t for t in titles), titles[:20]
        assert not harness.english_words_in("\n".join(titles)), harness.english_words_in("\n".join(titles))
        p.check_page()


def test_a_download_reruns_nothing_and_its_file_comes_every_time(chromium, app, tmp_path):
    """A download button outside a fragment started a whole-page rerun with its own click. Streamlit clears a
    session's unsent messages when such a rerun starts, so a file built quickly was answered into a queue
    about to be cleared: no file, a spinner for good (seen on 数据管理, about one journey in three). Each
    click here gives its file, checked inside, and sends the server no rerun."""
    import geopandas as gpd
    import pandas as pd

    from renewal.storage import current_sites

    n_sites = len(current_sites(app.workspace))
    with harness.planner(chromium, app, "downloads-no-rerun") as p:
        p.open("sites")
        p.page.get_by_role("button", name="下载筛选结果").click()  # the popover under the table
        for turn in range(4):
            label, read = [
                ("GeoJSON", gpd.read_file),
                ("CSV（几何为WKT）", lambda f: pd.read_csv(f, encoding="utf-8-sig")),
            ][turn % 2]
            before = len(p.sent)
            got = p.download(label, tmp_path, exact=True)
            assert len(read(got)) == n_sites, (label, got)
            p.idle()
            clicked = p.sent[before:]
            assert "backend_operation_request" in clicked, clicked  # the file was built on the click
            assert "rerun_script" not in clicked, clicked
        p.open("coverage")
        p.page.get_by_text("导入设施清单（现状学校、幼儿园、养老、卫生设施）").click()
        p.idle()
        before = len(p.sent)
        got = p.download("下载设施清单Excel模板", tmp_path)
        assert "设施清单" in pd.read_excel(got, sheet_name=None)
        p.idle()
        assert "rerun_script" not in p.sent[before:], p.sent[before:]
        p.check_page()
