"""Journey: a print layout a planner chooses, of the current view (issue #20, "A print layout a planner
chooses").

On 金贸产业园 and on 总体布局 the planner zooms the map to level 14 with the zoom buttons and drags it a
little, opens 打印图纸 under the map, chooses A3 纵向 at 1:10000, types the office's name, downloads the PDF
and opens it: an A3 portrait page (842 x 1191 pt) with the office's name and a 图幅范围 line whose extent is
centred on what the map showed and lies inside it (at 1:10000 an A3 portrait frame is about 2.1 x 3.3 km;
the map at level 14 shows more). The PNG is A3 portrait at 300 dpi. The panel is photographed at both
viewports.
"""

from __future__ import annotations

import re
import shutil

import pytest
from PIL import Image
from pypdf import PdfReader

from layers.render_print import PAPERS, PNG_DPI
from tests.e2e import harness
from tests.e2e.test_journey_coverage import choose

ORG = "天津市河东区规划设计院"
ZOOM = 14
NUMBER = r"(-?\d+\.\d+)"
EXTENT_RE = re.compile(rf"图幅范围（WGS84）：\s*{NUMBER}\s*,\s*{NUMBER}\s*–\s*{NUMBER}\s*,\s*{NUMBER}")
CHOSEN_RE = re.compile(rf"所选范围（WGS84）：\s*{NUMBER}\s*,\s*{NUMBER}\s*–\s*{NUMBER}\s*,\s*{NUMBER}")
MAP_JS = (
    "() => { const el = document.querySelector('.leaflet-container');"
    "const map = Object.values(window).find(v => v && v._container === el && v.latLngToContainerPoint);"
    "const b = map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth(), map.getZoom()]; }"
)


def _view(p: harness.Planner) -> list[float]:
    """What the map shows: [W, S, E, N, zoom]."""
    return p.map_frame().evaluate(MAP_JS)


def _zoom_and_pan(p: harness.Planner) -> list[float]:
    """Zoom with the map's buttons to :data:`ZOOM`, then drag the map 120 px left and 60 px up; the view."""
    frame = p.map()
    for _ in range(6):
        zoom = _view(p)[4]
        if zoom == ZOOM:
            break
        frame.locator(".leaflet-control-zoom-out" if zoom > ZOOM else ".leaflet-control-zoom-in").click()
        p.page.wait_for_timeout(600)
    assert _view(p)[4] == ZOOM
    box = p.page.locator(harness.MAP_IFRAME).first.bounding_box()
    x, y = box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.55
    p.page.mouse.move(x, y)
    p.page.mouse.down()
    p.page.mouse.move(x - 60, y - 30, steps=5)
    p.page.mouse.move(x - 120, y - 60, steps=5)
    p.page.mouse.up()
    p.page.wait_for_timeout(800)
    p.idle(1500)  # the new bounds rerun the page
    return _view(p)


def _chosen_extent(p: harness.Planner, view) -> tuple[float, ...]:
    """The extent the panel says it frames, once it is ``view`` (the map reports its bounds after a move
    settles, and the page reruns), or what it says after 15 s."""
    chosen = ()
    for _ in range(60):
        found = CHOSEN_RE.search(p.main_text().replace("\n", ""))
        chosen = tuple(float(v) for v in found.groups()) if found else ()
        if chosen and max(abs(a - b) for a, b in zip(chosen, view, strict=True)) < 2e-6:
            break
        p.page.wait_for_timeout(250)
    p.idle()
    return chosen


def _numbers(regex: re.Pattern, text: str) -> tuple[float, ...]:
    found = regex.search(text.replace("\n", ""))
    assert found, text[:2000]
    return tuple(float(v) for v in found.groups())


@pytest.mark.parametrize(
    ("path", "viewport"),
    [("jinmao", harness.WIDE), ("", harness.LAPTOP)],
    ids=["jinmao-wide", "layout-laptop"],
)
def test_a3_portrait_sheet_of_the_current_view(chromium, app, tmp_path, path, viewport):
    name = f"print-{path or 'layout'}-{viewport['width']}"
    with harness.planner(chromium, app, name, viewport) as p:
        p.open(path)
        p.map()
        p.idle(1500)  # the first bounds report reruns the map and its panel (a fragment)
        p.page.locator('[data-testid="stExpander"] summary', has_text="打印图纸").click()
        p.idle()
        w, s, e, n, _ = _zoom_and_pan(p)
        # the panel says which extent the sheet frames: what the map shows now (once the map has reported it)
        chosen = _chosen_extent(p, (w, s, e, n))
        assert chosen == pytest.approx((w, s, e, n), abs=2e-6), (chosen, (w, s, e, n))
        choose(p, "纸张", "A3")
        choose(p, "方向", "纵向")
        choose(p, "比例尺", "1:10000")
        org = p.page.get_by_label("编制单位")
        org.fill(ORG)
        org.press("Enter")
        p.idle()
        p.page.get_by_role("button", name="下载图纸（PDF，A3纵向）").scroll_into_view_if_needed()
        p.screenshot(name)
        p.check_page(allowed_english=())

        pdf = p.download("下载图纸（PDF，A3纵向）", tmp_path)
        assert pdf.suffix == ".pdf" and "A3纵向" in pdf.name, pdf.name
        page = PdfReader(pdf).pages[0]
        assert abs(float(page.mediabox.width) - 842) < 1 and abs(float(page.mediabox.height) - 1191) < 1
        text = page.extract_text()
        assert f"编制单位：{ORG}" in text and "比例尺：1:10,000" in text, text[:1500]
        pw, ps, pe, pn = _numbers(EXTENT_RE, text)
        # centred on the map's view, and inside it
        assert (pw + pe) / 2 == pytest.approx((w + e) / 2, abs=(e - w) * 0.01)
        assert (ps + pn) / 2 == pytest.approx((s + n) / 2, abs=(n - s) * 0.01)
        assert w < pw < pe < e and s < ps < pn < n, ((pw, ps, pe, pn), (w, s, e, n))

        png = p.download("下载图纸（PNG 300dpi，A3纵向）", tmp_path)
        shutil.copy(png, harness.ARTIFACTS / f"{name}-sheet.png")  # for the reviewer to look at
        width_in, height_in = PAPERS["A3"]
        assert Image.open(png).size == (round(height_in * PNG_DPI), round(width_in * PNG_DPI))
        p.check_page()
