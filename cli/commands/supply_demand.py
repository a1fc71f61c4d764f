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
        "--landuse",
        default=None,
        help="land-use polygons: radius coverage is also reported as the share of 居住用地 area within the "
        "service radius (城市体检 口径), with its definition, in the ledger",
    )
    p.add_argument(
        "--landuse-field",
        dest="landuse_field",
        default=None,
        help="the land-use field of --landuse: codes R, R1…, 07, 0701… or names with 居住/住宅 are residential",
    )
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
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--site-k",
        dest="site_k",
        type=int,
        default=None,
        metavar="K",
        help="siting with capacity: choose K renewal sites for new facilities (--new-capacity each) that "
        "leave the fewest without a place within reach; adds sheet 按容量选址 to --out",
    )
    g.add_argument(
        "--target-share",
        dest="target_share",
        type=float,
        default=None,
        metavar="S",
        help="siting with capacity: the fewest new facilities until share S (e.g. 0.85) of the demand has a "
        "place within reach",
    )
    p.add_argument(
        "--new-capacity",
        dest="new_capacity",
        type=float,
        default=None,
        help="places or beds per new facility",
    )
    p.add_argument(
        "--sites",
        default=None,
        help="candidate sites (points or polygons with site_id/name); default: the store's renewal sites",
    )
    p.add_argument(
        "--include-placeholders",
        action="store_true",
        help="also site at renewal sites whose position is a placeholder (the result is then unreliable)",
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
    _check_options(args)


def _check_options(args) -> None:
    """Refuse siting and land-use options that do not go together, before anything is read."""
    from renewal.errors import InputError

    siting = args.site_k is not None or args.target_share is not None
    if siting:
        from renewal.analysis.supply_siting import check_siting_options

        check_siting_options(args.site_k, args.target_share, args.new_capacity)
    if args.landuse_field and not args.landuse:
        raise InputError(
            "--landuse-field goes with --landuse FILE.", "--landuse-field 须与 --landuse 一起使用。"
        )
    if args.landuse and not args.landuse_field:
        raise InputError(
            "--landuse needs --landuse-field (the field with the land-use code or name, e.g. 用地代码).",
            "--landuse 须同时给出 --landuse-field（用地代码或名称字段）。",
        )
    if not siting and (args.new_capacity is not None or args.sites or args.include_placeholders):
        raise InputError(
            "--new-capacity, --sites and --include-placeholders go with --site-k or --target-share.",
            "--new-capacity 等选项须与 --site-k 或 --target-share 一起使用。",
        )


def run(args) -> int:
    from datetime import UTC, datetime
    from pathlib import Path

    from cli.commands._coverage_common import load_network
    from renewal.analysis.demand import check_bed_rate
    from renewal.analysis.facilities import import_facilities, load_workspace_facilities
    from renewal.analysis.supply_ledger import ledger_sheets
    from renewal.analysis.supply_report import CAPACITY, report_sheets, supply_demand_run
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
        from renewal.storage.layer_stores import sync_shared_files

        sync_shared_files(args.workspace, database=args.database)  # the team database's, when one is set
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
    landuse = read_features(args.landuse, what="land use") if args.landuse else None
    net = load_network(args)
    decay = None if args.decay == "none" else args.decay
    opts = dict(
        net=net,
        zones=zones,
        cutoff=args.cutoff,
        age_field=args.age_field,
        pop_field=args.pop_field,
        share=args.share,
        max_snap=args.max_snap,
        bed_rate=args.beds_per_1000,
        landuse=landuse,
        landuse_field=args.landuse_field,
        landuse_source=Path(args.landuse).name if args.landuse else "",
    )
    res = supply_demand_run(
        fac,
        pop,
        args.category,
        method=args.method,
        decay=decay,
        sigma=args.sigma,
        assign_method=args.assign_method,
        **opts,
    )
    for en, _zh in res.notes:
        print(f"note: {en}")
    print(f"demand: {res.demand.source_en}")
    if res.landuse is not None:
        land = res.landuse
        print(
            f"residential-land coverage: {land.share:.1%} ({land.covered_m2 / 1e4:,.1f} of "
            f"{land.residential_m2 / 1e4:,.1f} ha of 居住用地 in field {land.field!r} within {land.radius:.0f} m)"
        )
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
    sited = (
        _siting(args, fac, pop, opts) if args.site_k is not None or args.target_share is not None else None
    )
    if args.save_scenario is not None:
        from renewal.storage.access import local_actor
        from renewal.storage.scenarios import open_scenarios

        actor = local_actor()  # saved before any file is written: a taken name leaves nothing behind
        store = open_scenarios(args.workspace, database=args.database, actor=actor)
        store.save(_record(args, res, sited, fac, pop, opts, actor), actor=actor)
        print(f"saved scenario {args.save_scenario!r} in {store.location}")
    sheets = report_sheets(res)
    if sited is not None:
        from renewal.analysis.supply_siting import siting_sheet

        sheets["按容量选址"] = siting_sheet(sited)
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


def _siting(args, fac, pop, opts):
    """Siting with capacity over the candidate sites (the store's renewal sites by default)."""
    from renewal.analysis.inputs import placeholder_sites
    from renewal.analysis.supply_siting import capacity_siting, outcome_text
    from renewal.io.read import read_features
    from renewal.storage import current_sites

    if args.sites:
        sites = read_features(args.sites, what="sites")
    else:
        sites = current_sites(args.workspace, database=args.database)
    held = placeholder_sites(sites)
    if not args.include_placeholders:
        sites = sites[~held]
    elif held.any():
        print(f"note: {int(held.sum())} candidate sites are placeholders: the result is unreliable")
    sited = capacity_siting(
        fac,
        pop,
        args.category,
        sites,
        new_capacity=args.new_capacity,
        k=args.site_k,
        target_share=args.target_share,
        **opts,
    )
    sited.include_placeholders = bool(args.include_placeholders)
    print("siting: " + outcome_text(sited)[0])
    for r in sited.steps.itertuples():
        print(f"  {r.rank}. {r.site_id} {r.name}: +{r.gain:,.1f} placed, share {r.share:.1%}")
    return sited


def _record(args, res, sited, fac, pop, opts, actor):
    """The scenario to save: the run itself, or with siting the run on the inventory with the new sites."""
    from renewal.analysis.supply_report import supply_demand_run
    from renewal.analysis.supply_scenarios import scenario_record
    from renewal.analysis.supply_siting import scenario_extras, with_new_sites

    if sited is None:
        return scenario_record(res, args.save_scenario, who=actor.label)
    after = supply_demand_run(
        with_new_sites(fac, sited),
        pop,
        args.category,
        method=args.method,
        decay=res.decay,
        sigma=res.sigma,
        assign_method=args.assign_method,
        **opts,
    )
    record = scenario_record(after, args.save_scenario, who=actor.label)
    record.update(scenario_extras(sited))
    return record
