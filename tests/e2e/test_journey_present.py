"""Journey: a planner presents the layout story in 汇报模式 (issue 22) at 1366×768 and 1920×1080.

The presentation switches slides in the browser: after a click on the map PageDown (a clicker), the arrow
keys and space change the slide; 全屏 shows only the presentation, filling the screen with 下一页 fully
visible and the title on one line. The same story is downloaded as the offline HTML (opened from disk with
the network blocked: every view's title by key presses), the PPTX and the PDF (the same view titles in the
same order, one title per slide, table text of at least 18 pt)."""

from __future__ import annotations

import pytest

from layers.scene import load_layer
from layers.views import VIEWS
from tests.e2e import harness

PRESENTATION = harness.PRESENTATION_IFRAME
TITLES = [
    v.title for v in VIEWS.values()
]  # a fresh workspace: every view can be drawn (bundled sites, plan facilities)


def _deck(p: harness.Planner):
    frame = p.page.frame_locator(PRESENTATION)
    frame.locator(".rp-slide:not([hidden]) iframe").wait_for(state="visible")
    return frame


def _title(frame) -> str:
    return frame.locator(".rp-slide:not([hidden]) .rp-title").inner_text()


def _map_frame(outer, index: int):
    """Slide ``index``'s map frame: its element and its Playwright Frame, once its map is drawn."""
    handle = outer.locator(f'.rp-slide[data-index="{index}"] iframe').element_handle()
    inner = handle.content_frame()
    inner.locator(".leaflet-container .leaflet-overlay-pane path").first.wait_for(state="attached")
    return handle, inner


def _click_on(p: harness.Planner, handle, inner, layer: str) -> None:
    """A real click on the map, on a feature of ``layer`` (inside the district, as a planner clicks)."""
    c = load_layer(layer).geometry.iloc[0].representative_point()
    xy = inner.evaluate(
        """([lat, lon]) => {
            const map = Object.values(window).find(v => v instanceof L.Map);
            const pt = map.latLngToContainerPoint([lat, lon]);
            return [pt.x, pt.y];
        }""",
        [c.y, c.x],
    )
    box = handle.bounding_box()
    p.page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])


def _assert_framed(inner, layer: str) -> None:
    """The slide's map shows all of ``layer`` and is not much larger than it (it frames its subject)."""
    w, s, e, n = inner.evaluate(
        """() => {
            const map = Object.values(window).find(v => v instanceof L.Map);
            const b = map.getBounds();
            return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
        }"""
    )
    bw, bs, be, bn = load_layer(layer).total_bounds
    assert w <= bw and s <= bs and e >= be and n >= bn, (layer, [w, s, e, n])
    assert (e - w) < 2.5 * (be - bw) or (n - s) < 2.5 * (bn - bs), (layer, [w, s, e, n])


def _expect_title(frame, title: str) -> None:
    frame.locator(".rp-slide:not([hidden]) .rp-title", has_text=title).wait_for(timeout=5_000)
    assert _title(frame) == title


def _one_line(locator) -> bool:
    return locator.evaluate(
        "el => el.scrollWidth <= el.clientWidth + 1 && el.getBoundingClientRect().height"
        " < 1.6 * parseFloat(getComputedStyle(el).fontSize)"
    )


def _inside(box: dict, viewport: dict) -> bool:
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= viewport["width"] + 0.5
        and box["y"] + box["height"] <= viewport["height"] + 0.5
    )


@pytest.mark.parametrize("viewport", [harness.LAPTOP, harness.WIDE], ids=["1366x768", "1920x1080"])
def test_present_with_a_clicker_after_touching_the_map_and_full_screen(chromium, app, viewport):
    size = f"{viewport['width']}x{viewport['height']}"
    with harness.planner(chromium, app, f"present-{size}", viewport) as p:
        p.open("present")
        deck = _deck(p)
        _expect_title(deck, TITLES[0])
        nxt = deck.get_by_role("button", name="下一页")
        assert _inside(nxt.bounding_box(), viewport), "下一页 above the fold on the page"
        outer = p.page.locator(PRESENTATION).element_handle().content_frame()
        handle, inner = _map_frame(outer, 0)
        assert handle.bounding_box()["height"] > viewport["height"] * 0.45  # the map fills most of the screen
        for index, subject in ((1, "station_area"), (2, "belt"), (3, "jinmao_park")):  # 一站, 一带, 一园
            _assert_framed(_map_frame(outer, index)[1], subject)
        p.screenshot(f"present-page-{size}")
        _click_on(p, handle, inner, "district")
        assert inner.evaluate("document.hasFocus()"), "the click put the focus on the map"
        p.page.keyboard.press("PageDown")  # a clicker
        _expect_title(deck, TITLES[1])
        p.page.keyboard.press("ArrowRight")
        _expect_title(deck, TITLES[2])
        assert deck.locator("#rp-count").inner_text() == f"第 3 / {len(TITLES)} 页"
        handle, inner = _map_frame(outer, 2)
        _click_on(p, handle, inner, "belt")
        p.page.keyboard.press(" ")
        _expect_title(deck, TITLES[3])
        p.page.keyboard.press("PageUp")
        _expect_title(deck, TITLES[2])
        p.check_page()

        deck.get_by_role("button", name="全屏").click()
        p.page.wait_for_function("() => document.fullscreenElement !== null")
        p.page.wait_for_timeout(300)
        box = p.page.locator(PRESENTATION).bounding_box()
        assert abs(box["width"] - viewport["width"]) <= 1 and abs(box["height"] - viewport["height"]) <= 1, (
            box
        )
        assert _inside(nxt.bounding_box(), viewport)
        assert nxt.inner_text().strip() == "下一页 ▶"  # not cut
        assert deck.locator("#rp-full").inner_text() == "退出全屏"
        p.page.keyboard.press("PageDown")
        _expect_title(deck, TITLES[3])
        p.page.keyboard.press("PageDown")
        _expect_title(deck, TITLES[4])
        title = deck.locator(".rp-slide:not([hidden]) .rp-title")
        for _ in range(len(TITLES)):
            assert _one_line(title), _title(deck)
            assert _inside(title.bounding_box(), viewport)
            p.page.keyboard.press("PageUp")
        _expect_title(deck, TITLES[0])
        p.screenshot(f"present-fullscreen-{size}")
        deck.get_by_role("button", name="退出全屏").click()
        p.page.wait_for_function("() => document.fullscreenElement === null")


def _pdf_titles(path) -> list[list[str]]:
    """Each page's text runs in its largest font: the page's title(s)."""
    from pypdf import PdfReader

    def largest(page) -> list[str]:
        runs: list[tuple[float, str]] = []

        def visit(text, cm, tm, font, size):
            if text.strip():
                runs.append((round(size * tm[0], 1), text))

        page.extract_text(visitor_text=visit)
        big = max(s for s, _ in runs)
        return [t for s, t in runs if s == big]

    return [largest(page) for page in PdfReader(str(path)).pages]


def test_present_downloads_hold_the_same_views_and_the_html_runs_offline(chromium, app, tmp_path):
    from pptx import Presentation
    from pptx.util import Pt

    with harness.planner(chromium, app, "present-files", harness.LAPTOP) as p:
        p.open("present")
        _expect_title(_deck(p), TITLES[0])
        html = p.download("下载离线演示（HTML，无网络可放映）", tmp_path)
        pptx = p.download("下载汇报幻灯片（PPTX）", tmp_path)
        pdf = p.download("下载汇报文档（PDF，每页一图）", tmp_path)
        p.check_page()

    with harness.planner(
        chromium, None, "present-offline", harness.LAPTOP, allow=harness.is_local_file_url
    ) as f:
        f.page.goto(html.as_uri())
        f.page.locator(".rp-slide:not([hidden]) iframe").wait_for(state="visible")
        seen = [f.page.locator(".rp-slide:not([hidden]) .rp-title").inner_text()]
        for _ in TITLES[1:]:
            f.page.keyboard.press("PageDown")
            f.page.wait_for_timeout(100)
            seen.append(f.page.locator(".rp-slide:not([hidden]) .rp-title").inner_text())
        assert seen == TITLES
        frame = f.page.locator(".rp-slide:not([hidden]) iframe").element_handle().content_frame()
        frame.locator(".leaflet-overlay-pane path").first.wait_for(state="attached")  # the map drawn offline
        assert frame.locator(".leaflet-tile-loaded").count() == 0  # no basemap offline (无底图)
        assert not f.blocked, f.blocked  # nothing asked of the network: every asset inline
        assert not f.errors, f.errors
        f.screenshot("present-offline-1366x768")

    deck = Presentation(str(pptx))
    slide_titles = []
    for slide in list(deck.slides)[1:]:
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text.strip()]
        slide_titles.append(texts[0])
        assert sum(t == texts[0] for t in texts) == 1  # one title per slide
        for shape in slide.shapes:
            if shape.has_table:
                sizes = [
                    r.font.size
                    for row in shape.table.rows
                    for c in row.cells
                    for para in c.text_frame.paragraphs
                    for r in para.runs
                ]
                assert sizes and min(sizes) >= Pt(18), min(sizes)
    map_titles = [t for t in slide_titles if t in TITLES]
    assert map_titles == TITLES, slide_titles

    assert _pdf_titles(pdf) == [[t] for t in TITLES]  # one title per page, the views in the same order
