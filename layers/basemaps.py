"""Basemaps the maps offer. Pure data: which tiles, their attribution and CRS.

A basemap whose tiles are in GCJ-02 (Amap) needs every layer converted for
display (``display_crs == "gcj02"``); the stored data stays WGS84.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Basemap:
    key: str
    title_zh: str
    tiles: tuple[str, ...]  # URL templates, drawn in order (e.g. vector + labels)
    attribution: str
    display_crs: str = "wgs84"  # "wgs84" or "gcj02"
    subdomains: str = "abc"
    max_zoom: int = 19
    needs_key_env: str | None = None
    note_zh: str = ""

    def available(self) -> bool:
        return self.needs_key_env is None or bool(os.environ.get(self.needs_key_env))

    def tile_urls(self) -> tuple[str, ...]:
        key = os.environ.get(self.needs_key_env, "") if self.needs_key_env else ""
        return tuple(t.replace("{tk}", key) for t in self.tiles)


BASEMAPS: dict[str, Basemap] = {
    b.key: b
    for b in (
        Basemap(
            "none",
            "无底图（离线可用）",
            (),
            "底图：无（离线）",
            note_zh="不加载任何在线瓦片，断网时地图照常显示。",
        ),
        Basemap(
            "carto",
            "浅色底图（CARTO）",
            ("https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",),
            "&copy; OpenStreetMap contributors &copy; CARTO",
            subdomains="abcd",
            note_zh="需要互联网。",
        ),
        Basemap(
            "osm",
            "OpenStreetMap",
            ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",),
            "&copy; OpenStreetMap contributors",
            note_zh="需要互联网。",
        ),
        Basemap(
            "amap",
            "高德地图（GCJ-02）",
            (
                "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
            ),
            "&copy; 高德地图",
            display_crs="gcj02",
            subdomains="1234",
            max_zoom=18,
            note_zh="高德瓦片为GCJ-02坐标，图层已临时转换为GCJ-02显示；导出的数据仍为WGS84。需要互联网。",
        ),
        Basemap(
            "tianditu",
            "天地图（需密钥）",
            (
                "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}",
                "https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=cva&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}",
            ),
            "&copy; 天地图",
            subdomains="01234567",
            max_zoom=18,
            needs_key_env="TIANDITU_KEY",
            note_zh="需要互联网和天地图密钥（环境变量 TIANDITU_KEY）。",
        ),
    )
}

DEFAULT_BASEMAP = "none"
