"""The osm_tags rules as a planner edits them: the bundled file's rules, an older file's form,
and a bad rule refused with a clear message."""

from __future__ import annotations

import dataclasses

import pytest

from renewal.analysis.osm_tags import load_tag_mapping
from renewal.errors import InputError
from renewal.standards import load_standards


def _with(osm_tags):
    return dataclasses.replace(load_standards(), osm_tags=osm_tags)


def test_tags_beat_names_and_every_rule_has_a_chinese_reason():
    m = load_tag_mapping(load_standards())
    assert all(r.reason_zh and not r.reason_zh.isascii() for r in m.rules)
    senior = m.classify({"amenity": "school", "isced:level": "3", "name": "第二中学"})
    assert senior.id == "school_isced_3" and senior.categories == ()
    both = m.classify({"amenity": "school", "name": "实验中小学"})
    assert both.categories == ("primary_school", "middle_school")
    assert m.classify({"amenity": "school", "name": "河东职业中学"}).categories == ()
    assert m.classify({"amenity": "hospital", "name": "社区卫生服务中心"}).categories == ()
    # a name word split between name:zh and name does not make a word
    assert m.classify({"amenity": "school", "name:zh": "甲中", "name": "学乙"}) is None
    # a building is only looked at when its name says elderly care
    assert m.candidate({"building": "yes", "name": "住宅楼"}) == ""
    assert m.candidate({"building": "yes", "name": "鲁山道托老所"}) == "building=yes"


def test_an_older_standards_file_still_loads():
    old = {
        "candidates": ["amenity"],
        "candidate_values": {"amenity": ["school"]},
        "rules": [
            {"categories": ["primary_school"], "tags": {"amenity": ["school"]}, "name_contains": ["小学"]}
        ],
    }
    m = load_tag_mapping(_with(old))
    assert m.candidate({"amenity": "school"}) == "amenity=school"
    assert m.candidate({"amenity": "cafe"}) == ""
    r = m.classify({"amenity": "school", "name": "中山路小学"})
    assert r.categories == ("primary_school",) and "小学" in r.reason_zh  # a reason made from the rule


@pytest.mark.parametrize(
    "rule",
    [
        {"id": "x", "categories": ["swimming_pool"], "tags": {"leisure": ["sports_centre"]}},
        {"id": "x", "tags": {"amenity": ["school"]}},
        {"id": "x", "categories": [], "tags": "amenity=school"},
    ],
)
def test_a_bad_rule_is_refused(rule):
    with pytest.raises(InputError):
        load_tag_mapping(_with({"candidates": [{"key": "amenity"}], "rules": [rule]}))
