"""Basemaps the maps offer. Pure data: which tiles, their attribution and CRS.

A basemap whose tiles are in GCJ-02 (Amap) needs every layer converted for
display (``display_crs == "gcj02"``); the stored data stays WGS84.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from renewal.settings import local_setting


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

    def key_value(self, key: str | None = None) -> str:
        """The tile key: ``key`` if given, else the environment variable, else the one the planner saved on
        this machine (数据管理/sidebar; in the workspace, never in the repository)."""
        if self.needs_key_env is None:
            return ""
        return (
            (key or "").strip()
            or os.environ.get(self.needs_key_env, "").strip()
            or local_setting(self.needs_key_env)
        )

    def available(self, key: str | None = None) -> bool:
        return self.needs_key_env is None or bool(self.key_value(key))

    def tile_urls(self, key: str | None = None) -> tuple[str, ...]:
        value = self.key_value(key)
        return tuple(t.replace("{tk}", value) for t in self.tiles)


TIANDITU_KEY_ENV = "TIANDITU_KEY"


def _tianditu(layer: str) -> str:
    """A 天地图 WMTS tile URL (Web Mercator tile matrix ``w``) for one of its layers (vec/cva, img/cia)."""
    return (
        f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
        "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}"
    )


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
            "天地图矢量（CGCS2000，需密钥）",
            (_tianditu("vec"), _tianditu("cva")),
            "&copy; 天地图（国家地理信息公共服务平台）",
            subdomains="01234567",
            max_zoom=18,
            needs_key_env=TIANDITU_KEY_ENV,
            note_zh="需要互联网和天地图密钥（环境变量 TIANDITU_KEY，或在左侧“天地图密钥”中保存在本机）。"
            "天地图为CGCS2000坐标，与WGS84相差不到1米，图层无需转换。",
        ),
        Basemap(
            "tianditu_img",
            "天地图影像（CGCS2000，需密钥）",
            (_tianditu("img"), _tianditu("cia")),
            "&copy; 天地图（国家地理信息公共服务平台）",
            subdomains="01234567",
            max_zoom=18,
            needs_key_env=TIANDITU_KEY_ENV,
            note_zh="卫星影像加注记。需要互联网和天地图密钥（环境变量 TIANDITU_KEY，或在左侧“天地图密钥”中保存在本机）。",
        ),
    )
}

DEFAULT_BASEMAP = "none"
