"""Every bundled data file has a licence in the manifest, and the files that may not be redistributed
are the ones whose source is proprietary (Amap) or has no licence: listed here, in the manifest and in
the README, the same in all three."""

from __future__ import annotations

from pathlib import Path

import geodata

ROOT = Path(__file__).resolve().parent.parent
DATA_SUFFIXES = (".geojson", ".csv", ".txt", ".gpkg", ".tif", ".shp", ".zip")


def _proprietary(meta, by_name) -> bool:
    """What the licence text says, following "As <other layer>" to that layer."""
    text = meta.licence
    seen = set()
    while text.startswith("As ") and text[3:] not in seen:
        seen.add(text[3:])
        text = by_name[text[3:].strip()].licence
    low = text.lower()
    return "proprietary" in low or "no licence" in low


def test_every_bundled_data_file_is_in_the_manifest_with_a_licence():
    listed = {m.file for m in geodata.manifest().values()}
    on_disk = {
        p.relative_to(geodata.ROOT).as_posix()
        for p in geodata.ROOT.rglob("*")
        if p.suffix.lower() in DATA_SUFFIXES and "__pycache__" not in p.parts
    }
    assert on_disk <= listed, sorted(on_disk - listed)
    assert all(m.licence.strip() for m in geodata.manifest().values())


def test_the_files_that_may_not_be_redistributed_are_listed_and_named_in_the_readme():
    by_name = {m.name: m for m in geodata.manifest().values()}
    flagged = {m.file for m in geodata.not_redistributable()}
    from_text = {m.file for m in by_name.values() if _proprietary(m, by_name)}
    assert flagged == from_text
    assert flagged == {
        "base/hedong_boundary_wgs84.geojson",
        "base/neighbours_wgs84.geojson",
        "base/haihe_approx_from_district_boundaries_wgs84.geojson",
        "base/metro_stations_amap2016_wgs84.geojson",
        "base/metro_lines_schematic_amap2016_wgs84.geojson",
    }
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**May not be redistributed**") :][:900]
    for f in flagged:
        assert f"geodata/{f}" in section, f
