"""The ``staffing`` command: demo, validate, plan.

Exit codes: 0 success; 1 the input data are invalid (every problem printed); 2 bad
command-line usage, a bad policy file or an output that cannot be written (checked
before solving); 3 the solver found no plan (status infeasible or error); 70 an
unexpected internal error (one line; ``STAFFING_DEBUG=1`` shows the traceback).
``batch`` adds 4 (some counties failed), 5 (all failed) and 130 (interrupted); see
docs/batch.md. Every failure ends in one line on stderr, never a traceback; a Python
warning is printed as `warning: <message>`, without the file and source line.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pandas as pd

__all__ = ["main"]

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_NO_PLAN = 0, 1, 2, 3
EXIT_INTERNAL = 70  # EX_SOFTWARE of sysexits.h


class OutputError(Exception):
    """An output path the command cannot write; found before any work is done."""

DEMO_WORKBOOK = Path(__file__).resolve().parent.parent / "examples" / "data" / "demo_county.xlsx"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="staffing",
        description="Teacher staffing plans for county education bureaus (编制, 周转池, 县管校聘).",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="plan the bundled demo county and print the summary")
    demo.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the tables")

    val = sub.add_parser("validate", help="check a county workbook or folder; list every problem")
    val.add_argument("input", type=Path, help=".xlsx workbook, folder of CSVs, or .parquet file")
    val.add_argument("--policy", type=Path,
                     help="policy TOML file whose plausibility limits and plan year apply")

    plan = sub.add_parser("plan", help="plan one county and write the plan workbook")
    plan.add_argument("input", type=Path, help=".xlsx workbook, folder of CSVs, or .parquet file")
    plan.add_argument("-o", "--output", type=Path, required=True, help="plan workbook to write")
    plan.add_argument("--policy", type=Path, help="policy TOML file (defaults: Chuxiong 2024)")
    plan.add_argument("--solver", choices=["highs", "cbc"], default="highs")
    plan.add_argument("--time-limit", type=float, default=60.0, help="solver seconds")
    plan.add_argument("--horizon", type=int, default=0, metavar="YEARS",
                      help="later school years to plan with this one (default 0; 5 for a "
                           "five-year plan with recruitment)")
    plan.add_argument("--lang", choices=["en", "zh"], default="en",
                      help="language of the workbook and printed tables")

    from staffing.batch import add_batch_parser

    add_batch_parser(sub)
    return p


def _print_table(frame: pd.DataFrame) -> None:
    with pd.option_context("display.max_rows", 500, "display.width", 160,
                           "display.unicode.east_asian_width", True):
        print(frame.to_string())


def _norms_table(county, policy, lang: str) -> pd.DataFrame:
    """Per school and in total: norm, basis, approved quota, staff in post, gap."""
    from staffing.i18n import label, translate_columns, translate_values
    from staffing.norms import quota_norms

    n = quota_norms(county, policy)
    table = county.schools[["name", "location"]].join(
        n[["norm", "basis", "approved_quota", "staff_in_post", "quota_gap"]]
    )
    total = table[["norm", "approved_quota", "staff_in_post", "quota_gap"]].sum()
    table.loc["", ["name", "location", "basis"]] = [label("total", lang), "", ""]
    table.loc["", total.index] = total.to_numpy()
    table = table.astype({c: "int64" for c in total.index})
    return translate_columns(translate_values(table, lang), lang)


def _print_plan(plan, lang: str, top: int = 8) -> None:
    """The plan's summary and its most urgent remaining shortfalls."""
    from staffing.i18n import label, translate_columns, translate_values

    print(f"\n{label('plan_status', lang)}: {label(plan.status, lang)} "
          f"({plan.solver.solver}, {plan.solver.time_s:.2f} s)\n")
    _print_table(plan.summary(lang).reset_index(drop=True))
    short = plan.shortfalls
    if len(short):
        print(f"\n{label('top_unmet', lang)} ({min(top, len(short))}/{len(short)}):")
        cols = ["name", "location", "norm", "new_quota", "shortfall_after"]
        _print_table(translate_columns(translate_values(short[cols].head(top), lang), lang))
        print(f"{label('reason', lang)}: {plan.shortfalls_reason(lang)}")
    unmet = plan.unmet
    if len(unmet):
        print(f"\n{label('top_unmet_needs', lang)} ({min(top, len(unmet))}/{len(unmet)}):")
        table = plan.unmet_for(lang).head(top)
        _print_table(translate_columns(translate_values(table, lang), lang))


def _demo_county():
    """The bundled demo workbook, or the same county generated when it is not on disk
    (an installed wheel carries the library, not the examples folder)."""
    from staffing import load_county, synth

    if DEMO_WORKBOOK.exists():
        return load_county(DEMO_WORKBOOK)
    return synth.demo_county()


def _cmd_demo(args: argparse.Namespace) -> int:
    from staffing import Policy, optimize

    county = _demo_county()
    policy = Policy()
    print(f"{county.name}: {county.n_schools} schools, {county.n_teachers} teachers, "
          f"county total {county.county_total} posts\n")
    _print_table(_norms_table(county, policy, args.lang))
    plan = optimize(county, policy)
    _print_plan(plan, args.lang)
    return EXIT_OK if plan.status in ("optimal", "feasible") else EXIT_NO_PLAN


def check_output_file(path: Path) -> None:
    """Raise :class:`OutputError` unless a file can be written at ``path``.

    Checked before loading and solving, so a plan is never computed only to fail at
    the end: ``path`` must not be a folder, and its folder (or the nearest existing
    folder above it, as missing folders are created) must be a writable folder.
    """
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name such as "
                          f"{path / 'plan.xlsx'}")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write {path}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {path}: no permission to write in {parent}")


def _load_policy(args: argparse.Namespace):
    from staffing import Policy

    return Policy.from_toml(args.policy) if getattr(args, "policy", None) else Policy()


def _cmd_validate(args: argparse.Namespace) -> int:
    from staffing import load_county

    county = load_county(args.input, policy=_load_policy(args))
    print(f"OK: {args.input}: {county.n_schools} schools, {county.n_teachers} teachers, "
          f"county total {county.county_total}")
    for warning in county.warnings:  # loads all the same; worth a look
        print(f"warning: {warning}")
    return EXIT_OK


def _cmd_plan(args: argparse.Namespace) -> int:
    from staffing import load_county, optimize

    check_output_file(args.output)
    policy = _load_policy(args)
    county = load_county(args.input, policy=policy)
    plan = optimize(county, policy, solver=args.solver, time_limit=args.time_limit,
                    horizon=args.horizon)
    print(f"{county.name}: {county.n_schools} schools, county total {county.county_total}")
    _print_plan(plan, args.lang)
    if plan.horizon:
        from staffing.multiyear import year_tables

        _print_table(year_tables(plan, args.lang)["years"])
    if plan.status not in ("optimal", "feasible"):
        print(f"error: no plan: solver status {plan.solver.raw_status}", file=sys.stderr)
        return EXIT_NO_PLAN
    plan.to_excel(args.output, lang=args.lang)
    print(f"wrote {args.output}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    from staffing.errors import StaffingDataError
    from staffing.policy import PolicyError

    args = _parser().parse_args(argv)
    from staffing.batch import run_batch_command

    handler = {"demo": _cmd_demo, "validate": _cmd_validate, "plan": _cmd_plan,
               "batch": run_batch_command}[args.command]
    from staffing.batch.events import routed_warnings

    try:
        with routed_warnings(_print_warning):
            return handler(args)
    except StaffingDataError as exc:
        _print_table(exc.table())
        print(f"error: {len(exc.problems)} problem(s) in {getattr(args, 'input', '')}",
              file=sys.stderr)
        return EXIT_DATA
    except (PolicyError, OutputError) as exc:
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a file vanished, a disk filled, a permission changed
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error: cannot read or write{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # a bug: one line, the traceback on request
        if os.environ.get("STAFFING_DEBUG"):
            raise
        print(f"error: unexpected {type(exc).__name__}: {_one_line(str(exc))} (please "
              "report it; STAFFING_DEBUG=1 shows the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


def _print_warning(warning: dict) -> None:
    """A Python warning as ``warning: <message>`` on stderr: no file path, no source
    line (a multi-line message, the rows of a data warning, keeps its indented lines)."""
    print(f"warning: {warning['message']}", file=sys.stderr)


def _one_line(text: str) -> str:
    """A multi-line message (e.g. several policy problems) joined on one line."""
    parts = [part.strip() for part in text.splitlines() if part.strip()]
    if len(parts) > 1 and parts[0].endswith(":"):
        return f"{parts[0]} {'; '.join(parts[1:])}"
    return "; ".join(parts)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
