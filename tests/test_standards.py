"""The life-circle standards file: bundled content and validation."""

from __future__ import annotations

import pytest
import yaml

from renewal.errors import InputError
from renewal.standards import DEFAULT_PATH, load_standards


def test_bundled_life_circles_follow_gb50180():
    s = load_standards()
    assert "GB 50180-2018" in s.standard
    lc = s.life_circles
    assert lc["5min"]["walk_m"] == 300
    assert lc["10min"]["walk_m"] == 500
    assert lc["15min"]["range_m"] == [800, 1000]


@pytest.mark.parametrize(
    "name_zh, circle",
    [
        ("幼儿园", "5min"),
        ("小学", "10min"),
        ("初中", "15min"),
        ("社区卫生服务中心", "15min"),
        ("养老院", "15min"),
        ("老年养护院", "15min"),
        ("老年人日间照料中心", "5min"),
    ],
)
def test_issue_categories_are_in_their_life_circle(name_zh, circle):
    s = load_standards()
    key = s.resolve(name_zh)
    assert key is not None
    c = s.category(key)
    assert c.life_circle == circle
    # the walking distance never exceeds the life circle's upper bound
    assert c.walk_m <= s.life_circles[circle]["range_m"][1]


def test_every_category_cites_a_clause_and_says_if_verified():
    s = load_standards()
    for c in s.categories.values():
        assert "GB 50180-2018" in c.clause
        assert isinstance(c.verified, bool)
        if not c.verified:
            assert c.note, f"{c.key}: unverified values need a note"


def test_resolve_by_key_name_and_alias():
    s = load_standards()
    assert s.resolve("primary_school") == "primary_school"
    assert s.resolve(" 小学 ") == "primary_school"
    assert s.resolve("Kindergarten") == "kindergarten"
    assert s.resolve("日间照料中心") == "elderly_day_care"
    assert s.resolve("网吧") is None
    assert s.distance("primary_school", "radius") == 500


def _write(tmp_path, data):
    p = tmp_path / "std.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def _base():
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def test_planner_edit_is_used(tmp_path):
    d = _base()
    d["categories"]["primary_school"]["walk_m"] = 450
    s = load_standards(_write(tmp_path, d))
    assert s.distance("primary_school", "network") == 450


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda d: d["categories"]["kindergarten"].update(radius_m=-5), "positive"),
        (lambda d: d["categories"]["kindergarten"].update(walk_m="300m"), "positive"),
        (lambda d: d["categories"]["kindergarten"].update(life_circle="7min"), "unknown life circle"),
        (lambda d: d["categories"]["kindergarten"].pop("name_zh"), "lacks"),
        (lambda d: d["categories"]["nursing_home"].update(aliases=["小学"]), "used by both"),
        (lambda d: d.update(categories={}), "categories"),
    ],
)
def test_invalid_files_are_refused(tmp_path, edit, match):
    d = _base()
    edit(d)
    with pytest.raises(InputError, match=match):
        load_standards(_write(tmp_path, d))


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_standards(tmp_path / "none.yaml")
    p = tmp_path / "bad.yaml"
    p.write_text("categories: [unclosed", encoding="utf-8")
    with pytest.raises(InputError, match="YAML"):
        load_standards(p)


def test_every_note_has_chinese_for_planners_and_the_tables_show_it():
    """The standards' notes are English for maintainers; planners read note_zh (XLSX 说明 columns)."""
    import re

    from renewal.analysis.coverage_report import circles_zh, standards_zh

    std = load_standards()
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    entries = [*raw["life_circles"].values(), *raw["categories"].values(), *raw["city_check_indicators"]]
    for entry in entries:
        assert re.search(r"[\u4e00-\u9fff]", entry.get("note_zh", "")), entry
    for table in (standards_zh(std), circles_zh(std)):
        notes = list(table["说明"])
        assert notes and all(re.search(r"[\u4e00-\u9fff]", n) for n in notes), notes
        assert not any(re.search(r"\b(the|not|from|checked)\b", n) for n in notes), notes
