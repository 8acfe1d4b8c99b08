"""``staffing batch INPUT_DIR -o OUT_DIR``: the nightly batch on the command line.

:func:`add_batch_parser` adds the sub-command to ``staffing``'s parser and
:func:`run_batch_command` runs it; ``python -m staffing.batch`` runs it on its own.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from staffing.batch.runner import (
    EXIT_ALL_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_SOME_FAILED,
    BatchLockedError,
    plan_many,
)

__all__ = ["add_batch_parser", "configure_parser", "run_batch_command", "main"]

EXIT_USAGE = 2
#: Lines of a failed county's error (its first data problems) printed in the summary.
_PROBLEMS_SHOWN = 3

_DESCRIPTION = """\
Plan every county in INPUT_DIR, in parallel, and write for each one
OUT_DIR/<county>/plan.xlsx and OUT_DIR/<county>/summary.json, plus a run manifest
OUT_DIR/manifest.json (input hashes, policy, versions, status, timings, errors).

A county is an .xlsx workbook, a .csv/.parquet schools table, or a folder of CSVs
(schools.csv/学校.csv ...) in INPUT_DIR. A county with bad data gets an error entry
in the manifest and the others go on. Re-running skips counties whose input and
policy are unchanged and whose outputs are complete; --force re-plans them all.
Every file is written atomically, so a killed run leaves complete outputs or none;
worker processes die with the batch, and only one batch may use OUT_DIR at a time."""

_EPILOG = f"""\
exit codes:
  {EXIT_OK}    every county planned (or unchanged and skipped)
  {EXIT_SOME_FAILED}    some counties failed: see OUT_DIR/manifest.json
  {EXIT_ALL_FAILED}    every county failed
  {EXIT_USAGE}    bad usage: no inputs, bad policy file, OUT_DIR busy, a symbolic link
       inside OUT_DIR, scheduler unreachable
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C, SIGTERM): re-run to finish the rest

examples:
  staffing batch data/ -o out/
  staffing batch data/ -o out/ --workers 4 --policy chuxiong.toml --log out/batch.jsonl
  staffing batch data/ -o out/ --scheduler tcp://scheduler:8786   # Dask cluster"""


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def configure_parser(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the batch arguments to ``p`` (used by :func:`add_batch_parser` and by
    ``python -m staffing.batch``)."""
    p.add_argument("input_dir", type=Path, metavar="INPUT_DIR",
                   help="folder of county workbooks / CSV folders (or one county)")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUT_DIR",
                   help="folder for the plans and manifest.json (created if missing)")
    p.add_argument("--workers", type=_positive_int, metavar="N",
                   help="local worker processes (default: the CPUs available)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask cluster, e.g. tcp://host:8786 (needs staffing[dask]; "
                        "workers must see INPUT_DIR and OUT_DIR at the same paths)")
    p.add_argument("--policy", type=Path, metavar="P.toml",
                   help="policy TOML file (default: Chuxiong 2024)")
    p.add_argument("--force", action="store_true",
                   help="re-plan every county, even unchanged ones")
    p.add_argument("--log", type=Path, metavar="FILE",
                   help="append one JSON line per event (start, done, failed, skipped) to FILE")
    p.add_argument("--lang", choices=["zh", "en"], default="zh",
                   help="language of the plan workbooks (default: zh)")
    p.add_argument("--time-limit", type=_positive_float, default=60.0, metavar="S",
                   help="solver seconds per county (default: 60); a county stopped by it "
                        "keeps its best plan, status feasible")
    p.add_argument("--horizon", type=_non_negative_int, default=0, metavar="YEARS",
                   help="later school years to plan with each county's first (default 0)")
    p.add_argument("--warm-start", action="store_true",
                   help="start each county re-planned from the plan.xlsx an earlier run "
                        "left in OUT_DIR (same plan within the gap, usually sooner)")
    p.set_defaults(handler=run_batch_command)
    return p


def add_batch_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``batch`` sub-command to ``staffing``'s sub-parsers.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="staffing")
    >>> _ = add_batch_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["batch", "data", "-o", "out", "--workers", "2"])
    >>> args.command, args.workers, args.lang
    ('batch', 2, 'zh')
    """
    p = subparsers.add_parser(
        "batch", help="plan every county in a folder, in parallel (processes or Dask)",
        description=_DESCRIPTION, epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return configure_parser(p)


def run_batch_command(args: argparse.Namespace) -> int:
    """Run ``staffing batch`` with parsed ``args``; print a short report; return the
    exit code (see ``staffing batch --help``)."""
    from staffing.errors import StaffingDataError
    from staffing.policy import PolicyError

    try:
        with _sigterm_as_interrupt():
            result = plan_many(
                args.input_dir, args.policy, out_dir=args.output, workers=args.workers,
                scheduler=args.scheduler, force=args.force, lang=args.lang,
                time_limit=args.time_limit, log=args.log, horizon=args.horizon,
                warm_start=args.warm_start,
            )
    except KeyboardInterrupt:
        print(f"interrupted: finished counties are recorded in {args.output}/manifest.json; "
              "run the same command again to plan the rest", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (PolicyError, StaffingDataError, FileNotFoundError, NotADirectoryError,
            ValueError, ImportError, BatchLockedError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # e.g. the Dask scheduler is unreachable
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    _report(result)
    return result.exit_code


def _report(result: Any) -> None:
    c = result.manifest["counts"]
    print(f"{c['total']} counties: {c['ok']} planned, {c['skipped']} unchanged, "
          f"{c['failed']} failed ({result.wall_s:.1f} s) -> {result.manifest_path}")
    for name in result.failed:
        err = result.counties[name]["error"] or {}
        lines = [line.strip() for line in str(err.get("message", "")).splitlines()
                 if line.strip()]
        print(f"  failed: {name}: {err.get('type')}: {lines[0] if lines else ''}")
        for line in lines[1:1 + _PROBLEMS_SHOWN]:  # e.g. file [sheet] row, column: value: rule
            print(f"    {line}")
        more = len(lines) - 1 - _PROBLEMS_SHOWN
        if more > 0 or err.get("problems") or err.get("traceback"):
            what = "every problem" if err.get("problems") else "the full error"
            print(f"    ({f'{more} more; ' if more > 0 else ''}{what} in "
                  f"{result.manifest_path}: counties → {name} → error)")


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM (cron timeouts, systemd, Kubernetes) like Ctrl-C: stop cleanly,
    manifest saved. Only possible in the main thread; elsewhere nothing changes."""
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt("SIGTERM")

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    """``python -m staffing.batch INPUT_DIR -o OUT_DIR ...``; returns the exit code."""
    p = argparse.ArgumentParser(prog="python -m staffing.batch", description=_DESCRIPTION,
                                epilog=_EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    configure_parser(p)
    return run_batch_command(p.parse_args(argv))
