"""Query by location (空间查询): the features of layer A that intersect, lie within, or lie within N metres
of the features of layer B (or of a selection of them).

Both layers are compared in one metric CRS (:func:`renewal.crs.metric_epsg_for` at the centre of their
extent; EPSG:4548 in Hedong), whatever CRS each comes in, so a distance is in metres and two layers in
different systems are compared where they really are. A layer without a CRS, an empty B, a negative or
missing distance and geometries that are invalid are refused with a message in English and Chinese
(:class:`renewal.errors.InputError`); nothing is repaired silently. The result keeps A's rows (index and
columns) in A's order: a table, a layer and a download in one.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from renewal.crs import STORAGE_EPSG, metric_epsg_for
from renewal.errors import InputError

INTERSECTS, WITHIN, DWITHIN = "intersects", "within", "dwithin"
#: The relations a planner can ask for, in Chinese.
PREDICATE_LABELS = {
    INTERSECTS: "与之相交（含接触）",
    WITHIN: "完全位于其内",
    DWITHIN: "在其周边N米以内",
}
#: Rows named in a message about invalid geometries.
MAX_ROWS_NAMED = 5


def _metric_epsg(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> int:
    x0, y0, x1, y1 = (
        gpd.GeoSeries(list(a.geometry) + list(b.geometry.to_crs(a.crs)), crs=a.crs)
        .to_crs(STORAGE_EPSG)
        .total_bounds
    )
    return metric_epsg_for((x0 + x1) / 2, (y0 + y1) / 2)


def _check_layer(gdf: gpd.GeoDataFrame, role_en: str, role_zh: str) -> None:
    if gdf.crs is None:
        raise InputError(
            f"Layer {role_en} has no coordinate reference system; cannot compare positions.",
            f"图层{role_zh}没有坐标参考系，无法比较位置。",
        )
    geoms = gdf.geometry
    bad = np.flatnonzero(geoms.notna().to_numpy() & ~geoms.is_valid.to_numpy())
    if len(bad):
        rows = "、".join(str(int(i) + 1) for i in bad[:MAX_ROWS_NAMED])
        more = "等" if len(bad) > MAX_ROWS_NAMED else ""
        raise InputError(
            f"Layer {role_en} has {len(bad)} invalid geometries (rows {rows.replace('、', ', ')}{more and ' …'}); "
            "repair them (e.g. QGIS Fix geometries) and import the layer again.",
            f"图层{role_zh}有 {len(bad)} 个几何无效的要素（第 {rows} 行{more}，如自相交），"
            "请修复后重新导入（例如QGIS“修复几何”）。",
        )


def query_by_location(
    a: gpd.GeoDataFrame,
    b: gpd.GeoDataFrame,
    predicate: str = INTERSECTS,
    distance_m: float | None = None,
) -> gpd.GeoDataFrame:
    """The rows of ``a`` whose geometry stands in ``predicate`` to any geometry of ``b``.

    ``intersects``: shares at least a point (touching counts); ``within``: lies wholly inside one
    feature of ``b``; ``dwithin``: at most ``distance_m`` metres from one (measured in the metric CRS).
    Rows of ``a`` without a geometry never match.

    Parameters
    ----------
    a, b : GeoDataFrame
        Layers with a CRS (each may have its own).
    predicate : {"intersects", "within", "dwithin"}
    distance_m : float, optional
        Metres, 0 or more; needed for ``dwithin``.

    Returns
    -------
    GeoDataFrame
        ``a``'s matching rows (index and columns kept), in ``a``'s CRS and order.

    Raises
    ------
    InputError
        An unknown predicate, a missing or negative distance, a layer without a CRS, an empty ``b``,
        invalid geometries.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> homes = gpd.GeoDataFrame({"home": ["h1", "h2"]},
    ...                          geometry=[shapely.Point(520500, 4330800), shapely.Point(520900, 4330500)], crs=4548)
    >>> school = gpd.GeoDataFrame(geometry=[shapely.Point(520500, 4330500)], crs=4548)
    >>> query_by_location(homes, school, "dwithin", 350)["home"].tolist()
    ['h1']
    >>> query_by_location(homes, school.to_crs(4326), "dwithin", 450)["home"].tolist()
    ['h1', 'h2']
    """
    if predicate not in PREDICATE_LABELS:
        raise InputError(
            f"Unknown spatial relation {predicate!r}; choose from {', '.join(PREDICATE_LABELS)}",
            f"未知的空间关系：{predicate}",
        )
    if predicate == DWITHIN:
        if distance_m is None or not np.isfinite(distance_m) or distance_m < 0:
            raise InputError(
                f"The distance must be a number of metres, 0 or more, not {distance_m!r}",
                "距离须为不小于0的米数。",
            )
    _check_layer(a, "A", "A")
    _check_layer(b, "B", "B")
    b = b[b.geometry.notna() & ~b.geometry.is_empty]
    if b.empty:
        raise InputError(
            "Layer B has no features to compare with (nothing selected?).",
            "图层B没有可用于比较的要素（是否未选择任何要素？）。",
        )
    present = a.geometry.notna() & ~a.geometry.is_empty
    if not present.any():
        return a.iloc[0:0]
    epsg = _metric_epsg(a[present], b)
    am = a[present].geometry.to_crs(epsg)
    bm = b.geometry.to_crs(epsg)
    tree_geoms = gpd.GeoSeries(bm.values, crs=epsg)
    if predicate == DWITHIN:
        left, _ = tree_geoms.sindex.query(am.values, predicate="dwithin", distance=float(distance_m or 0.0))
    else:
        left, _ = tree_geoms.sindex.query(am.values, predicate=predicate)
    hit = np.zeros(len(am), dtype=bool)
    hit[left] = True
    keep = a.index[present][hit]
    return a[a.index.isin(keep)]
