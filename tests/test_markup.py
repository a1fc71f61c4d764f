"""Text never becomes code on a map (issue 23): the payload corpus through every element that shows text.

Layer titles, file names, field names and values, who imported, site names and types, legend rows,
labels, tooltips, popups and bookmarks are rendered with folium as the pages and ``export-map`` render
them; the HTML/JS must hold each payload as literal text: never evaluated as a template (no ``49``,
no file created on the server, no error from a payload that raises), never raw markup in a string that
the browser inserts as HTML. The browser journey is ``tests/e2e/test_journey_payloads.py``.
"""

from __future__ import annotations

import json
import re
import sqlite3
from html import unescape

import geopandas as gpd
import pytest
from branca.element import MacroElement
from shapely.geometry import Point

import geodata
from layers import markup
from layers.assets import standalone_html
from layers.feature_layers import add_layer
from layers.feature_text import tooltip_html
from layers.imported import imported_scene_layers
from layers.legend import legend_html
from layers.maps import jinmao_map, layout_map
from layers.registry import REGISTRY
from layers.render import new_map, view_bookmarks
from layers.scene import LegendEntry
from renewal.storage.access import Actor
from renewal.storage.layers import LayerStore
from tests import hostile_corpus as corpus
from tests.map_payloads import popup_as_sent

PAYLOADS = sorted(corpus.TEXT_PAYLOADS.items())


def _decoded(raw: str) -> str:
    """The page with JSON/JS \\uXXXX escapes decoded: what the browser's strings hold."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), raw)


def assert_inert(raw: str) -> None:
    """Nothing in the rendered page was evaluated or is markup the browser would run."""
    text = _decoded(raw)
    for evaluated in corpus.EVALUATED:
        assert evaluated not in text, evaluated
    assert "<img src=x" not in text  # only &lt;img … as text
    assert f"<script>{corpus.PWNED}" not in text
    assert 'href="javascript' not in text.lower()
    assert "uid=" not in text  # the output of `id` from a command payload


def _imported(tmp_path, payload: str) -> LayerStore:
    """A workspace layer whose title, file name, field name and values and importer are all ``payload``."""
    store = LayerStore(tmp_path / "layers.gpkg")
    gdf = gpd.GeoDataFrame(
        {payload: [payload], "名称": [payload]}, geometry=[Point(*corpus.INSIDE)], crs=4326
    )
    store.put(
        "ref_payload",
        "reference",
        gdf,
        source_file=corpus.file_name_safe(payload) + ".geojson",
        crs="EPSG:4326",
        actor=Actor(payload),
        title=payload,
    )
    return store


def _sites(payload: str) -> gpd.GeoDataFrame:
    """Two bundled sites, one named ``payload`` and typed ``payload`` (as a store written before
    ``site_type`` was checked may hold)."""
    sites = geodata.load("renewal_sites").head(2).copy()
    sites.loc[sites.index[0], ["name", "site_type", "plan_note"]] = [payload, payload, payload]
    return sites


@pytest.mark.parametrize(("case", "payload"), PAYLOADS, ids=[c for c, _ in PAYLOADS])
def test_payload_is_literal_text_on_every_map(case, payload, tmp_path):
    store = _imported(tmp_path, payload)
    layers = imported_scene_layers(store, visible=True)
    shown = markup.html_text(payload)
    for m in (
        layout_map(sites=_sites(payload), extra=layers),
        jinmao_map(extra=layers),
    ):
        raw = m.get_root().render()  # what st_folium renders on a page
        assert_inert(raw)
        text = _decoded(raw)
        # the layer control and the legend name the layer: title and file name, as text
        assert markup.html_text(layers[0].spec.title_zh) in text
        assert text.count(shown) >= 3  # control, legend, popup source (and values)
        assert_inert(standalone_html(m))  # what export-map and the download write
    layout = _decoded(layout_map(sites=_sites(payload)).get_root().render())
    assert f"</span>{shown}</div>" in layout  # the site type's legend row, literally


def test_command_payload_never_runs_on_the_server(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.setenv(corpus.PWNED_ENV, str(marker))
    payload = corpus.COMMAND_PAYLOAD
    store = _imported(tmp_path, payload)
    m = layout_map(sites=_sites(payload), extra=imported_scene_layers(store, visible=True))
    raw = m.get_root().render()
    standalone_html(m)
    assert not marker.exists()
    assert_inert(raw)
    assert markup.html_text(payload) in _decoded(raw)


def test_export_map_of_stored_sites_with_payload_types(tmp_path, monkeypatch, capsys):
    """``export-map --view sites`` on a workspace whose store holds a payload as a site's type and name
    (written before types were checked): the file shows them literally, nothing ran."""
    from cli.main import main
    from renewal.storage import open_store

    ws = tmp_path / "ws"
    store = open_store(ws)
    marker = tmp_path / "pwned"
    monkeypatch.setenv(corpus.PWNED_ENV, str(marker))
    site_type = "类型" + corpus.TEXT_PAYLOADS["jinja_expression"] + corpus.COMMAND_PAYLOAD
    with sqlite3.connect(store.path) as con:
        con.execute(
            "UPDATE sites SET site_type = ?, name = ? WHERE site_id = 'RS-001'", (site_type, site_type)
        )
    out = tmp_path / "sites.html"
    assert main(["--workspace", str(ws), "export-map", "--view", "sites", "--out", str(out)]) == 0
    raw = out.read_text(encoding="utf-8")
    assert_inert(raw)
    assert not marker.exists()
    assert markup.html_text(site_type) in _decoded(raw)


@pytest.mark.parametrize(("case", "payload"), PAYLOADS, ids=[c for c, _ in PAYLOADS])
def test_each_element_escapes_its_text(case, payload):
    """Tooltip, popup, legend, labels, layer-control name, bookmarks: each alone, the payload as text."""
    spec = REGISTRY["renewal_sites"]
    row = {"name": payload, "site_type": payload, "status": payload, "precision": "approximate"}
    shown = markup.html_text(payload)
    assert "<" not in shown.replace("&lt;", "") and "{" not in shown and unescape(shown) == payload
    assert shown in tooltip_html(row, spec) and shown in popup_as_sent(row, spec)
    entry = LegendEntry(payload, "point", "#000", "#fff", 1.0, 0.5, 4.0, None, False, key=payload)
    legend = legend_html([entry], footnote=payload)
    assert legend.count(shown) == 3 and (shown == payload or payload not in legend)  # key, label, foot
    m = new_map()
    gdf = gpd.GeoDataFrame(
        {"name": [payload], "site_type": [payload], "site_id": [payload]},
        geometry=[Point(*corpus.INSIDE)],
        crs=4326,
    )
    group = add_layer(m, spec, gdf, labels=True)
    assert group.layer_name == markup.html_text(spec.title_zh)
    raw = m.get_root().render()
    assert_inert(raw)
    assert re.search(r"\[[0-9.]+,[0-9.]+," + re.escape(markup.safe_json(shown)), raw)  # the label
    # a bookmark's label is set as textContent: JSON of the text itself, never markup or a template
    b = new_map()
    view_bookmarks({payload: (117.2, 39.1, 117.3, 39.2)}).add_to(b)
    raw = b.get_root().render()
    assert f'"label": {markup.safe_json(payload)}' in raw and "a.textContent = v.label" in raw
    assert not any(e in _decoded(raw) for e in corpus.EVALUATED)


def test_a_raising_payload_does_not_break_the_map():
    m = new_map()
    gdf = gpd.GeoDataFrame({"name": ["{{ 1/0 }}{{ x.y.z }}"]}, geometry=[Point(*corpus.INSIDE)], crs=4326)
    add_layer(m, REGISTRY["renewal_sites"], gdf, labels=True)
    view_bookmarks({"{% for %}": (117.2, 39.1, 117.3, 39.2)}).add_to(m)
    assert "L.map(" in m.get_root().render()


def _ids_in_order(raw: str) -> str:
    """Element ids (random hex) replaced by their order of appearance."""
    seen: dict[str, str] = {}
    return re.sub(r"[0-9a-f]{32}", lambda m: seen.setdefault(m.group(), f"#{len(seen)}"), raw)


def test_render_once_is_brancas_render_without_the_second_template_pass():
    """The replacement of ``MacroElement.render`` gives the same page as branca's own for text without
    template markers (so an upgrade of branca that changes its render is noticed here)."""
    assert MacroElement.render is markup._render_once
    ours = layout_map().get_root().render()
    MacroElement.render = markup.BRANCA_RENDER
    try:
        theirs = layout_map().get_root().render()
    finally:
        MacroElement.render = markup._render_once
    assert _ids_in_order(ours) == _ids_in_order(theirs)


def test_print_sheet_text_is_never_mathtext():
    """The print back-end (PDF/PNG/SVG sheets, the PPTX deck's pictures): ``$…$`` in a site name or type
    is drawn as typed, not as a formula."""
    from matplotlib.text import Text

    from layers.render_print import draw_sheet
    from layers.views import view_scene

    sites = geodata.load("renewal_sites")
    sites.loc[sites.index[0], ["name", "site_type"]] = ["名称$x^2$", "类型$\\frac{1}{2}$"]
    fig = draw_sheet(view_scene("sites", sites))
    texts = [t for t in fig.findobj(Text) if "$" in t.get_text()]
    assert texts and not any(t.get_parse_math() for t in texts)


@pytest.mark.parametrize(("case", "payload"), PAYLOADS, ids=[c for c, _ in PAYLOADS])
def test_presentation_text_is_never_markup(case, payload):
    """汇报模式's presentation (layers/presentation.py): a view title, caption and clause and a layer on the
    slide's map carrying the payload are text in the presentation's HTML, and its map JSON holds no raw
    script end or markup."""
    import dataclasses

    from layers.presentation import Slide, presentation_html
    from layers.views import view_scene

    spec = REGISTRY["renewal_sites"]
    gdf = gpd.GeoDataFrame(
        {"name": [payload], "site_type": [payload]}, geometry=[Point(*corpus.INSIDE)], crs=4326
    )
    scene = view_scene("park")
    from layers.scene import SceneLayer, with_layers

    scene = with_layers(dataclasses.replace(scene, title=payload), [SceneLayer(spec, gdf)])
    raw = presentation_html([Slide(payload, payload, payload, payload, scene)])
    shown = markup.html_text(payload)
    assert f'<h1 class="rp-title">{shown}</h1>' in raw
    assert f"<q>{shown}</q>" in raw and shown in raw.split("<cite>", 1)[1].split("</cite>", 1)[0]
    assert f'data-key="{shown}"' in raw
    data = raw.split('<script type="application/json" id="rp-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data  # the maps' documents are JSON strings with every < escaped
    assert_inert(raw.replace(data, ""))
    for slide in json.loads(data):  # each map document as the browser gets it from the JSON
        assert_inert(slide["map"])
