"""``python -m renewal supply-demand``: school places (学位) or care beds (床位) against the demand within
reach, per facility, per demand point or cell, and per zone (街道 / 社区), as XLSX (and GeoPackage)."""

from __future__ import annotations


def register(subparsers):
    from cli.commands._coverage_common import add_common

    p = subparsers.add_parser(
        "supply-demand",
        help="places or beds against the demand within reach (2SFCA, balance, assignment)",
        description="Writes sheets 设施 (per facility), 需求点 (per population feature), 分区 (per zone, with "
        "--zones) and 说明 (method, distance, demand source, gap definition); Chinese headers, the English "
        "column codes in the first row. Facilities need a capacity column (学位, or 班数 and 每班人数, for "
        "schools and kindergartens; 床位 for elderly care); blanks count as missing capacity.",
    )
    p.add_argument("--category", required=True, help="standards category, e.g. 小学, 初中, 幼儿园, 养老院")
    p.add_argument("--method", choices=("2sfca", "balance", "assign"), default="2sfca")
    p.add_argument(
        "--facilities",
        default="workspace",
        help="facility inventory (Excel/CSV with 经度/纬度, GeoJSON, GPKG ...); default: the workspace's",
    )
    add_common(p, facilities=False)
    p.add_argument(
        "--population", default=None, help="population points or polygons with an age or population column"
    )
    p.add_argument("--age-field", default=None, help="column with the category's age group (e.g. 6-11岁)")
    p.add_argument(
        "--pop-field", default=None, help="total population column (with --share, or the census for 60+/80+)"
    )
    p.add_argument("--share", type=float, default=None, help="the age group's share of --pop-field (0-1)")
    p.add_argument(
        "--beds-per-1000",
        dest="beds_per_1000",
        default=None,
        help="care beds: beds per 1,000 older people (0 < rate <= 1000); the bed demand is then older people x "
        "rate / 1000 (default: the standards file's capacity_ratios entry, else one bed per person, an upper bound)",
    )
    p.add_argument("--zones", default=None, help="zone polygons (街道 / 社区) for the per-zone table")
    p.add_argument(
        "--cutoff", type=float, default=None, help="standard distance (m); default: the standards file"
    )
    p.add_argument("--decay", choices=("none", "gaussian"), default="none", help="2SFCA distance decay")
    p.add_argument(
        "--sigma", type=float, default=None, help="Gaussian decay width (m); default: half the distance"
    )
    p.add_argument("--assign", dest="assign_method", choices=("greedy", "flow"), default="greedy")
    p.add_argument("--out", required=True, help="output .xlsx")
    p.add_argument("--gpkg", default=None, help="also write the three layers to this GeoPackage")
    p.add_argument(
        "--ledger",
        default=None,
        help="also write the 城市体检 ledger (.xlsx): indicators with definition, unit, target, clause, "
        "verification, source and 北京时间, and the zones' gaps",
    )
    p.add_argument(
        "--save-scenario",
        dest="save_scenario",
        default=None,
        metavar="NAME",
        help="also save the run's figures as a named scenario in the store (the workspace's GeoPackage or "
        "--database); a taken name is refused",
    )
    p.set_defaults(func=run)


def _check_outputs(args) -> None:
    """Refuse bad output paths and a bad scenario name before anything is read or written."""
    from renewal.analysis.supply_scenarios import check_name
    from renewal.errors import InputError
    from renewal.io.write import check_out_folder

    if not str(args.out).lower().endswith(".xlsx"):
        raise InputError("--out must end in .xlsx", "输出文件须为 .xlsx")
    check_out_folder(args.out)
    if args.gpkg:
        if not str(args.gpkg).lower().endswith(".gpkg"):
            raise InputError("--gpkg must end in .gpkg", "GeoPackage 输出须为 .gpkg")
        check_out_folder(args.gpkg)
    if args.ledger:
        if not str(args.ledger).lower().endswith(".xlsx"):
            raise InputError("--ledger must end in .xlsx", "台账输出须为 .xlsx")
        check_out_folder(args.ledger)
    if args.save_scenario is not None:
        check_name(args.save_scenario)


def run(args) -> int:
    from datetime import UTC, datetime
    from pathlib import Path

    from cli.commands._coverage_common import load_network
    from renewal.analysis.demand import check_bed_rate
    from renewal.analysis.facilities import import_facilities, load_workspace_facilities
    from renewal.analysis.supply_ledger import ledger_sheets
    from renewal.analysis.supply_report import CAPACITY, report_sheets, supply_demand_run
    from renewal.analysis.supply_scenarios import scenario_record
    from renewal.errors import InputError
    from renewal.io.read import read_features
    from renewal.io.write import write_gpkg, write_xlsx
    from renewal.zh import beijing_time

    if args.beds_per_1000 is not None:
        args.beds_per_1000 = check_bed_rate(args.beds_per_1000)  # before anything is read or written
    _check_outputs(args)
    if not args.population:
        raise InputError(
            "No population: pass --population FILE (points or polygons with an age column such as 6-11岁, "
            "or a population column with --share).",
            "没有人口数据：请用 --population 指定文件。",
        )
    if args.facilities == "workspace":
        fac = load_workspace_facilities(args.workspace)
        if fac is None:
            raise InputError(
                "No facilities in the workspace: pass --facilities FILE (an inventory with 学位 or 床位).",
                "工作区没有设施：请用 --facilities 指定设施清单。",
            )
    else:
        cat_col = args.category_field if args.category_field != "category" else None
        fac = import_facilities(Path(args.facilities), coords=args.coords, category_col=cat_col).facilities
    pop = read_features(args.population, what="population", coords=args.coords)
    zones = read_features(args.zones, what="zones") if args.zones else None
    net = load_network(args)
    decay = None if args.decay == "none" else args.decay
    sigma = args.sigma
    res = supply_demand_run(
        fac,
        pop,
        args.category,
        method=args.method,
        net=net,
        zones=zones,
        cutoff=args.cutoff,
        decay=decay,
        sigma=sigma,
        assign_method=args.assign_method,
        age_field=args.age_field,
        pop_field=args.pop_field,
        share=args.share,
        max_snap=args.max_snap,
        bed_rate=args.beds_per_1000,
    )
    for en, _zh in res.notes:
        print(f"note: {en}")
    print(f"demand: {res.demand.source_en}")
    if res.demand.rate is not None:
        print(
            f"bed demand: {res.demand.people_total:,.0f} people x {res.demand.rate.value:g} / 1000 = "
            f"{res.demand.values.sum():,.0f} beds ({res.demand.rate.source_en})"
        )
    elif CAPACITY[res.category][0] == "beds":
        print(
            "bed demand: one bed per person (no --beds-per-1000 and none in the standards file): the gap is "
            "an upper bound, not a planning gap"
        )
    if args.save_scenario is not None:
        from renewal.storage.access import local_actor
        from renewal.storage.scenarios import open_scenarios

        actor = local_actor()  # saved before any file is written: a taken name leaves nothing behind
        store = open_scenarios(args.workspace, database=args.database, actor=actor)
        store.save(scenario_record(res, args.save_scenario, who=actor.label), actor=actor)
        print(f"saved scenario {args.save_scenario!r} in {store.location}")
    sheets = report_sheets(res)
    write_xlsx(args.out, sheets)
    if args.gpkg:
        write_gpkg(args.gpkg, {"facilities": res.facilities, "cells": res.cells, "zones": res.zones})
    if args.ledger:
        write_xlsx(args.ledger, ledger_sheets([res], stamp=beijing_time(datetime.now(UTC))))
    print(
        f"wrote {len(res.facilities)} facilities, {len(res.cells)} demand features"
        + (f", {len(res.zones)} zones" if res.zones is not None else " (no --zones: no per-zone table)")
        + f" ({res.method}, {res.cutoff:.0f} m, {res.mode}) to {args.out}"
        + (f" and {args.gpkg}" if args.gpkg else "")
        + (f"; ledger to {args.ledger}" if args.ledger else "")
    )
    return 0
