"""renewal.zh: times in 北京时间, codes as Chinese labels."""

from datetime import UTC, date, datetime

from renewal.zh import beijing_time, date_label, field_label, value_label


def test_stored_utc_times_read_as_beijing_time_in_a_chinese_format():
    assert beijing_time("2026-12-03T16:20:05+00:00") == "2026年12月4日 00:20"
    assert beijing_time("2026-12-03T08:20:05Z", seconds=True) == "2026年12月3日 16:20:05"
    assert beijing_time("2026-01-31 20:00:00 UTC") == "2026年2月1日 04:00"
    assert beijing_time(datetime(2026, 6, 1, 1, 2, tzinfo=UTC)) == "2026年6月1日 09:02"
    assert beijing_time("2026-06-01T01:02:00") == "2026年6月1日 09:02"  # no zone: stored times are UTC
    assert beijing_time("不是时间") == "不是时间" and beijing_time(None) == ""


def test_codes_read_as_their_chinese_labels():
    assert value_label("status", "planned") == "规划"
    assert value_label("precision", "approximate") == "位置示意"
    assert value_label("location_confidence", "low") == "低"
    assert value_label("action", "update") == "修改"
    assert value_label("geom_type", "MultiPolygon") == "多面"
    assert value_label("status", "规划") == "规划" and value_label("name", "x") == "x"
    assert value_label("status", float("nan")) == "" and value_label("status", None) == ""
    assert field_label("site_type") == "类型" and field_label("其他") == "其他"


def test_dates_read_in_chinese_and_english_date_notes_keep_only_the_date():
    assert date_label("2021-12 (Amap fetch), converted 2026-11-25") == "2021年12月"
    assert date_label("2026-11-25") == "2026年11月25日" and date_label(date(2026, 1, 5)) == "2026年1月5日"
    assert date_label("2016") == "2016年" and date_label("未知") == "未知"
