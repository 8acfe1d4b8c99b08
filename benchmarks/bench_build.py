"""Build and read-back against the solve (issue 19, part 5): where ``optimize``'s time goes.

Run: ``.venv/bin/python benchmarks/bench_build.py [--seeds 0-4] [--runs 3] [--horizon]
[--compare REV]``. Each case is planned by ``st.optimize`` (defaults) in a fresh process,
after a small warm-up plan, with its steps timed apart:

* ``build``: :func:`~staffing.model.build.build_model` (inputs and every block's rows);
* ``hand-over``: ``solve_model`` less HiGHS's own steps — loading the PuLP problem into
  HiGHS, collecting columns, reading the verdict;
* ``start``, ``search``, ``polish``: the staged HiGHS solve (``plan.solver.stages``);
* ``read``: :func:`~staffing.model.read.read_plan_tables` (every table of the plan).

Cases: ``synth.county(seed, n_schools=40)`` and ``synth.county(seed)`` (150 schools)
for each seed; with ``--horizon`` also the five-year plan of ``synth.county(0)``.
``overhead`` is (build + hand-over + read) ÷ total; the issue's target is under 10%.

``--compare REV`` runs the same cases on the library as of git revision ``REV`` (a
temporary worktree), alternating old and new run by run, and prints both with the ratio
new ÷ old of each step's median.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import print_table, seeds_of  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
STEPS = ("build", "hand-over", "start", "search", "polish", "read", "total")


def measure(seed: int, n_schools: int, horizon: int) -> dict[str, object]:
    """Seconds of each step of one ``optimize`` (run inside the worker process)."""
    import importlib

    import staffing as st

    pipeline = importlib.import_module("staffing.optimize")  # the module, not the function
    times: dict[str, float] = {}

    def timed(fn, key):
        def wrapper(*args, **kwargs):
            begin = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                times[key] = time.perf_counter() - begin
        return wrapper

    for fn, key in ((pipeline.build_model, "build"), (pipeline.solve_model, "solve"),
                    (pipeline.read_plan_tables, "read")):
        setattr(pipeline, fn.__name__, timed(fn, key))
    st.optimize(st.synth.county(seed=99, n_schools=10))  # warm-up: imports, caches
    county = st.synth.county(seed=seed, n_schools=n_schools)
    begin = time.perf_counter()
    plan = st.optimize(county, horizon=horizon)
    times["total"] = time.perf_counter() - begin
    stages = plan.solver.stages
    times.update({k: float(stages.get(k, 0.0)) for k in ("start", "search", "polish")})
    times["hand-over"] = times.pop("solve") - times["start"] - times["search"] - times["polish"]
    times["objective"] = float(plan.solver.objective)
    times["source"] = str(Path(st.__file__).resolve().parents[1])  # which library ran
    return times


def _run(python_path: Path, case: tuple[int, int, int]) -> dict[str, float]:
    """One measurement in a fresh process importing ``staffing`` from ``python_path``."""
    got = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(case)],
        check=True, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(python_path)}, cwd=python_path)
    out = json.loads(got.stdout.strip().splitlines()[-1])
    if Path(out["source"]) != python_path.resolve():
        raise RuntimeError(f"measured the library in {out['source']}, not {python_path}")
    return out


def _row(label: str, version: str, runs: list[dict[str, float]]) -> dict[str, object]:
    med = {k: statistics.median(r[k] for r in runs) for k in STEPS}
    row: dict[str, object] = {"case": label, "library": version}
    row |= {f"{k} s": med[k] for k in STEPS}
    lo = min(r["total"] for r in runs)
    hi = max(r["total"] for r in runs)
    row["total min–max"] = f"{lo:.2f}–{hi:.2f}"
    shares = [(r["build"] + r["hand-over"] + r["read"]) / r["total"] for r in runs]
    row["overhead %"] = 100 * statistics.median(shares)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0-4", help="e.g. 0-4 or 0,2,3")
    parser.add_argument("--runs", type=int, default=3, help="runs per case and library")
    parser.add_argument("--horizon", action="store_true", help="add the five-year plan")
    parser.add_argument("--compare", metavar="REV", help="also run git revision REV")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(*json.loads(args.worker))))
        return
    cases = [(s, n, 0) for n in (40, 150) for s in seeds_of(args.seeds)]
    if args.horizon:
        cases.append((0, 150, 5))
    versions = {"this": ROOT}
    with tempfile.TemporaryDirectory() as tmp:
        if args.compare:
            old = Path(tmp) / "old"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old),
                            args.compare], check=True, capture_output=True)
            versions = {args.compare: old, "this": ROOT}
        try:
            rows = []
            for case in cases:
                seed, n, horizon = case
                label = f"seed {seed}, {n} schools" + (f", {horizon} years" if horizon else "")
                runs: dict[str, list[dict[str, float]]] = {v: [] for v in versions}
                for _ in range(args.runs):  # alternate: old, new, old, new …
                    for version, path in versions.items():
                        runs[version].append(_run(path, case))
                for version in versions:
                    rows.append(_row(label, version, runs[version]))
                if args.compare:
                    old_row, new_row = rows[-2], rows[-1]
                    rows.append({"case": label, "library": "this ÷ old"} | {
                        f"{k} s": new_row[f"{k} s"] / old_row[f"{k} s"]
                        for k in STEPS if old_row[f"{k} s"] > 0})
                print_table(rows[-len(versions) - bool(args.compare):])
                sys.stdout.flush()
            print()
            print_table(rows)
        finally:
            if args.compare:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                str(versions[args.compare])], check=False, capture_output=True)


if __name__ == "__main__":
    main()
