"""Demand by age group: who needs a school place or a care bed, per point or cell.

Each category serves one age group (:data:`AGE_GROUPS`). The demand comes, in this order, from an age
column of the planner's data (a named column, or a recognised one such as ``6-11岁``), from a share of
a population column given by the planner, or, only where the bundled 2020 census has the band, from
Hedong's census age structure (:func:`census_share`).

What the census has: Hedong's age shares in bands 0, 1–4, 5–9, …, 80–84, 85+ (rounded to 4 decimals,
``geodata/census2020/PROVENANCE.md``). So 60+ and 80+ are census shares; the school cohorts 3–5, 6–11
and 12–14 cut across the bands and are *not* derived (no ratio is invented): those categories need an
age column or a planner-given share.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

import geodata
from renewal.analysis.arrays import FloatArray
from renewal.errors import InputError

HEDONG_CODE = 120102


@dataclass(frozen=True)
class AgeGroup:
    code: str  # stable English code, e.g. age_6_11
    name_zh: str
    census_bands: tuple[str, ...]  # columns of tianjin_ages.csv that add up to exactly this group; () = none
    columns: tuple[str, ...]  # column names recognised in the planner's data


def _names(lo: int, hi: int | None = None) -> tuple[str, ...]:
    if hi is None:
        return (f"age_{lo}p", f"{lo}岁以上", f"{lo}岁及以上", f"{lo}+", f"{lo}+岁")
    return (f"age_{lo}_{hi}", f"{lo}-{hi}岁", f"{lo}～{hi}岁", f"{lo}~{hi}岁", f"{lo}-{hi}", f"{lo}_{hi}")


AGES_60P = ("AGES_60-64", "AGES_65-69", "AGES_70-74", "AGES_75-79", "AGES_80-84", "AGES_85P")

GROUPS = {
    "age_3_5": AgeGroup("age_3_5", "3-5岁（幼儿园适龄）", (), _names(3, 5) + ("幼儿园适龄",)),
    "age_6_11": AgeGroup("age_6_11", "6-11岁（小学适龄）", (), _names(6, 11) + ("小学适龄",)),
    "age_12_14": AgeGroup("age_12_14", "12-14岁（初中适龄）", (), _names(12, 14) + ("初中适龄",)),
    "age_60p": AgeGroup("age_60p", "60岁及以上", AGES_60P, _names(60) + ("老年人口",)),
    "age_80p": AgeGroup("age_80p", "80岁及以上", ("AGES_80-84", "AGES_85P"), _names(80) + ("高龄老人",)),
}

#: The age group each standards category serves (the issue's convention; elderly day care for all
#: people 60+, the care home (老年养护院, for the frail) for 80+).
AGE_GROUPS = {
    "kindergarten": "age_3_5",
    "primary_school": "age_6_11",
    "middle_school": "age_12_14",
    "elderly_day_care": "age_60p",
    "nursing_home": "age_60p",
    "elderly_care_home": "age_80p",
}


def age_group(category: str) -> AgeGroup:
    if category not in AGE_GROUPS:
        raise InputError(
            f"Category {category!r} has no age group: supply and demand is computed for {sorted(AGE_GROUPS)}",
            f"类别 {category!r} 没有对应的年龄组，供需计算适用于学校、幼儿园和养老设施。",
        )
    return GROUPS[AGE_GROUPS[category]]


def census_share(group: AgeGroup, code: int = HEDONG_CODE) -> float | None:
    """The group's share of the population in the 2020 census (Hedong by default), or None when the
    census bands do not add up to exactly this group."""
    if not group.census_bands:
        return None
    t = geodata.load_table("census2020_tianjin_ages")
    t.columns = [str(c).lstrip("\ufeff") for c in t.columns]
    row = t[t["CODE"].astype(int) == code]
    if row.empty:
        return None
    return float(row[list(group.census_bands)].astype(float).sum(axis=1).iloc[0])


@dataclass
class Demand:
    values: np.ndarray
    source_en: str
    source_zh: str
    #: The total population the demand was taken from (a population column), None for an age column:
    #: the base of per-1,000-residents ratios such as 千人学位数.
    population_total: float | None = None
    #: For care beds under a beds-per-1,000 standard: the older people the beds are for (``values`` are
    #: then beds needed, people × rate ÷ 1000) and the rate used; None: one bed per person (upper bound).
    people: np.ndarray | None = None
    rate: BedRate | None = None

    @property
    def people_total(self) -> float:
        """The people of the age group (the base of per-1,000 ratios), whatever the demand's unit."""
        return float((self.values if self.people is None else self.people).sum())


@dataclass(frozen=True)
class BedRate:
    """A beds-per-1,000-older-people standard (每千名老年人床位数) and where it came from."""

    value: float
    source_zh: str  # 规划人员填写 / 标准文件（clause）
    source_en: str


MAX_BED_RATE = 1000.0


def check_bed_rate(value: object) -> float:
    """The rate as a float in (0, 1000], else :class:`InputError` (English and Chinese)."""
    try:
        rate = float(str(value).strip()) if isinstance(value, str) else float(value)  # type: ignore[arg-type]  # any other object: TypeError, refused below
    except (TypeError, ValueError):
        rate = float("nan")
    if isinstance(value, bool) or not np.isfinite(rate) or not 0 < rate <= MAX_BED_RATE:
        raise InputError(
            f"Beds per 1,000 older people must be a number above 0 and at most {MAX_BED_RATE:g}; got {value!r}.",
            f"每千名老年人床位数须为大于0、不超过{MAX_BED_RATE:g}的数字。",
        )
    return rate


def beds_needed(demand: Demand, rate: BedRate) -> Demand:
    """Bed demand under ``rate``: the age group's people × rate ÷ 1000, the people kept for ratios."""
    value = check_bed_rate(rate.value)
    return Demand(
        demand.values * value / 1000.0,
        f"{demand.source_en}; beds = people x {value:g} / 1000 ({rate.source_en})",
        f"{demand.source_zh}；床位需求 = 人数 × {value:g} ÷ 1000（{rate.source_zh}）",
        demand.population_total,
        demand.values,
        rate,
    )


def _find_column(table: pd.DataFrame, names: Iterable[str]) -> str | None:
    low = {str(c).strip().lower(): c for c in table.columns}
    return next((low[n.lower()] for n in names if n.lower() in low), None)


def _numeric(table: pd.DataFrame, col: str) -> FloatArray:
    v = pd.to_numeric(table[col], errors="coerce")
    if v.isna().any() or (v < 0).any():
        raise InputError(
            f"Column {col!r} has missing, non-numeric or negative values.",
            f"列 {col!r} 有缺失、非数字或负值。",
        )
    values: FloatArray = v.to_numpy(float)
    return values


def demand_for(
    table: pd.DataFrame,
    category: str,
    *,
    age_field: str | None = None,
    pop_field: str | None = None,
    share: float | None = None,
    use_census: bool = True,
) -> Demand:
    """Demand per row of ``table`` for ``category``; see the module docstring for the order tried."""
    g = age_group(category)
    col = age_field or _find_column(table, g.columns)
    if age_field and age_field not in table.columns:
        raise InputError(f"Age column {age_field!r} not found.", f"找不到年龄列 {age_field!r}。")
    if col is not None:
        return Demand(_numeric(table, col), f"column {col}", f"数据列“{col}”")
    if pop_field is None:
        pop_field = _find_column(table, ("population", "pop", "人口", "常住人口", "总人口"))
    if pop_field is None or pop_field not in table.columns:
        raise InputError(
            f"The population data has no {g.code} column ({', '.join(g.columns[:3])} ...) and no population "
            f"column (population / 人口); pass --age-field or --pop-field.",
            f"人口数据既没有{g.name_zh}列，也没有人口列（人口 / population）。",
        )
    pop = _numeric(table, pop_field)
    if share is not None:
        if not 0 <= share <= 1:
            raise InputError("The age share must be between 0 and 1.", "年龄占比须在0到1之间。")
        return Demand(
            pop * share,
            f"{pop_field} x {share:g} (planner-given share of {g.code})",
            f"{pop_field} × {share:g}（规划人员给定的{g.name_zh}占比）",
            float(pop.sum()),
        )
    cs = census_share(g) if use_census else None
    if cs is None:
        raise InputError(
            f"No {g.code} column and no --share: the bundled 2020 census has Hedong's ages only in bands "
            f"0, 1-4, 5-9, 10-14, ... so it gives no {g.code} share; add an age column or give the share.",
            f"数据中没有{g.name_zh}列：内置的2020年普查只有0、1-4、5-9、10-14岁等分组，无法得出该年龄组占比；"
            f"请提供年龄列或给定占比。",
        )
    return Demand(
        pop * cs,
        f"{pop_field} x {cs:.4f} (Hedong 2020 census share of {g.code})",
        f"{pop_field} × {cs:.4f}（2020年第七次人口普查河东区{g.name_zh}占比）",
        float(pop.sum()),
    )
