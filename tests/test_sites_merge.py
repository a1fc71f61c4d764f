"""Field by field after a refused save: what each side changed, who and when, what a save writes."""

from shapely.geometry import Point, box

from renewal.sites import merge
from renewal.storage.base import Change

BASE = {"name": "管乐器厂", "status": "planned", "position_source": "占位", "precision": "schematic"}
A, B = Point(117.245, 39.12), box(117.24, 39.11, 117.25, 39.12)


def change(session, at, before, after, g0=A, g1=A):
    feat = lambda p, g: {"type": "Feature", "properties": p, "geometry": g.__geo_interface__}  # noqa: E731
    return Change(1, at, session, "update", "RS-021", feat(before, g0), feat(after, g1), None)


def test_changed_fields_compares_text_and_shape():
    mine = {**BASE, "name": " 管乐器厂 ", "status": "existing"}
    assert merge.changed_fields(BASE, mine) == ["status"]  # surrounding spaces are no change
    assert merge.changed_fields(BASE, BASE, A, Point(117.245, 39.12000001)) == []  # within 1 cm
    assert merge.changed_fields(BASE, BASE, A, B) == ["geometry"]
    assert merge.changed_fields(BASE, BASE, A, None) == []  # no new shape: not changed


def test_diff_names_the_newest_editor_of_each_field_and_what_a_save_writes():
    theirs = {**BASE, "status": "existing", "position_source": "现场核实"}
    history = [  # newest first: 王五 changed the source after 张三 changed status and source
        change(
            "王五",
            "2026-12-03T08:05:00+00:00",
            {**BASE, "status": "existing", "position_source": "x"},
            theirs,
        ),
        change(
            "张三", "2026-12-03T08:00:00+00:00", BASE, {**BASE, "status": "existing", "position_source": "x"}
        ),
    ]
    mine = {**BASE, "name": "管乐器厂（李四）"}
    diffs = {d.field: d for d in merge.field_diffs(BASE, theirs, mine, history, base_geom=A, theirs_geom=A)}
    assert set(diffs) == {"name", "status", "position_source"}  # untouched fields and shape are left out
    assert (diffs["status"].by, diffs["position_source"].by) == ("张三", "王五")
    assert diffs["name"].mine_changed and not diffs["name"].theirs_changed and diffs["name"].by is None
    assert (
        diffs["status"].kept(merge.KEEP_THEIRS) == "theirs"
        and diffs["status"].kept(merge.MINE_OVER) == "mine"
    )
    mine_changed = merge.changed_fields(BASE, mine)
    assert merge.fields_to_save(diffs.values(), mine_changed, merge.KEEP_THEIRS) == ["name"]
    assert set(merge.fields_to_save(diffs.values(), mine_changed, merge.MINE_OVER)) == {
        "name",
        "status",
        "position_source",
    }


def test_a_shape_changed_by_a_colleague_is_kept_even_when_overwriting_attributes():
    history = [change("张三", "2026-12-03T08:00:00+00:00", BASE, BASE, A, B)]
    (d,) = merge.field_diffs(BASE, BASE, BASE, history, base_geom=A, theirs_geom=B)
    assert d.field == "geometry" and d.by == "张三" and d.theirs_changed and not d.mine_changed
    assert d.kept(merge.MINE_OVER) == "theirs"
    assert merge.fields_to_save([d], [], merge.MINE_OVER) == []
