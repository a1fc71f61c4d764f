"""The 定位 marker and the identify/measure scripts on a drawn map (layers.render / layers.map_controls)."""

from __future__ import annotations

import re

from layers import assets
from layers.maps import jinmao_map
from layers.render import add_goto_marker, for_export, named_layers
from renewal.crs import wgs84_to_gcj02

HOSTILE = "<img src=x onerror=alert(1)>{{ 7*7 }}</script>"


def _marker_latlng(html: str) -> tuple[float, float]:
    m = re.search(r"rpGotoMarker\(map_\w+, ([-\d.]+), ([-\d.]+), ", html)
    assert m, "no 定位 marker"
    return float(m.group(1)), float(m.group(2))


def test_marker_is_shifted_on_the_amap_basemap_and_its_label_stays_text():
    lon, lat = 117.2312, 39.1205
    plain, amap = jinmao_map(basemap="none"), jinmao_map(basemap="amap")
    for m in (plain, amap):
        add_goto_marker(m, lon, lat, HOSTILE)
    html_plain, html_amap = assets.standalone_html(plain), assets.standalone_html(amap)
    assert _marker_latlng(html_plain) == (lat, lon)
    glon, glat = wgs84_to_gcj02(lon, lat)
    got = _marker_latlng(html_amap)
    assert abs(got[0] - float(glat)) < 1e-9 and abs(got[1] - float(glon)) < 1e-9
    for html in (html_plain, html_amap):
        call = html[html.index("rpGotoMarker(map_") :].split(");")[0]  # the marker's call: JSON text only
        assert "<" not in call and "{{" not in call and "{%" not in call, call


def test_named_layers_are_the_maps_layers_and_export_adds_the_find_box():
    m = jinmao_map()
    names = {title for title, _ in named_layers(m)}
    assert "金贸产业园四个片区" in names
    exported = assets.standalone_html(for_export(m))
    assert "rpFindControl(" in exported and "rpIdentify" in exported and "L.Control.Measure(" in exported
    assert "rpFindControl(" not in assets.standalone_html(m)  # the page's own map is left as it was
