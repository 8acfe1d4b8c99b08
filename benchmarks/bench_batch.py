"""Batch throughput: a prefecture, a province and 146 real Malaysian districts.

Run: ``.venv/bin/python benchmarks/bench_batch.py [--workers 2] [--skip-province]
[--skip-realdata]``. Prints one table. Every run goes through
:func:`staffing.batch.plan_many` on the default local process pool, so the times
include what a nightly run pays: starting worker processes, reading the workbooks,
planning, writing ``plan.xlsx``/``summary.json`` and the manifest.

Scenarios
---------
prefecture : ``synth.prefecture(0)`` — the ten Chuxiong counties with named teachers
    (~16,000); median of 3 forced runs (min and max beside it). Target < 10 s.
province : 130 synthetic counties with teachers, sizes cycling through the ten
    Chuxiong sizes (49–150 schools), seeds 0–129; one run. Targets < 2 min and peak
    memory < 2 GiB.
malaysia : every district (PPD) of the Malaysian school list in ``shared/realdata``
    as a quota-only county, through the adapter of ``examples/03_real_district.py``;
    one run; skipped with a message when the data are absent.

Peak memory is the largest sum of resident set sizes of this process and every
descendant (the pool's workers), sampled every 50 ms from ``/proc`` (Linux; "n/a"
elsewhere). ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` cannot give it: it reports the
single largest child, and only once a child has been waited for — the forkserver's
workers are its children, not ours.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import print_table  # noqa: E402

import staffing as st  # noqa: E402
from staffing import synth  # noqa: E402
from staffing.batch import plan_many, safe_name  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "03_real_district.py"
GIB = 1 << 30


# ---------------------------------------------------------------------------- memory
def _tree_rss_bytes(root: int) -> int | None:
    """Sum of VmRSS of ``root`` and all its descendants, from /proc (None off Linux)."""
    proc = Path("/proc")
    if not (proc / str(root) / "status").exists():
        return None
    children: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, ()))
        try:
            for line in (proc / str(pid) / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
    return total


@contextlib.contextmanager
def peak_tree_rss(interval: float = 0.05) -> Iterator[dict[str, int | None]]:
    """Sample the process tree's summed RSS while the block runs; ``out["peak"]``."""
    out: dict[str, int | None] = {"peak": _tree_rss_bytes(os.getpid())}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(interval):
            now = _tree_rss_bytes(os.getpid())
            if now is not None and (out["peak"] or 0) < now:
                out["peak"] = now

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield out
    finally:
        stop.set()
        thread.join()


# ---------------------------------------------------------------------------- inputs
def write_prefecture(folder: Path) -> Path:
    """The ten Chuxiong counties (named teachers) as workbooks."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, county in synth.prefecture(0).items():
        county.to_excel(folder / f"{name}.xlsx")
    return folder


def write_province(folder: Path, n: int = 130) -> Path:
    """``n`` synthetic counties with teachers; sizes cycle through the Chuxiong sizes."""
    folder.mkdir(parents=True, exist_ok=True)
    facts = synth.CHUXIONG_COUNTIES
    for seed in range(n):
        name = facts[seed % len(facts)].name
        county = synth.county(seed, name=name, n_schools=synth.default_n_schools(name))
        county.to_excel(folder / f"{seed:03d}_{name}.xlsx")
    return folder


def write_malaysia(folder: Path) -> tuple[Path, st.Policy] | None:
    """Every Malaysian district as a quota-only workbook, and one policy for all.

    Uses the adapter of ``examples/03_real_district.py`` (``to_schools``,
    ``fit_plausibility``), with two batch-level choices: the plausibility factor is
    raised once for the whole list, and in the federal territories, which have no
    state constituencies (DUN), the parliamentary constituency (PARLIMEN) stands in as
    the township. Tables are written as they come out of the adapter: validation
    happens in the batch's workers, and a district that breaks a rule is a failed
    entry of the manifest, as in a real run.
    """
    if not EXAMPLE.exists():
        print(f"malaysia: skipped: {EXAMPLE} not found")
        return None
    spec = importlib.util.spec_from_file_location("real_district", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    path = example.realdata_dir() / example.CSV
    if not path.exists():
        print(f"malaysia: skipped: real data not found at {path}")
        return None
    import pandas as pd

    table = pd.read_csv(path, dtype={"KODSEKOLAH": str, "DUN": str, "PARLIMEN": str},
                        encoding="utf-8")
    table["DUN"] = table["DUN"].fillna(table["PARLIMEN"])
    policy = st.Policy()
    districts = {}
    for district, rows in table.groupby("PPD", sort=True):
        schools, _ = example.to_schools(rows, policy)
        if len(schools):
            districts[str(district)] = schools
    with contextlib.redirect_stdout(io.StringIO()):
        policy = example.fit_plausibility(pd.concat(districts.values()), policy)
    folder.mkdir(parents=True, exist_ok=True)
    for district, schools in districts.items():
        file = folder / f"{safe_name(district)}.xlsx"  # "PPD JEMPOL/TAMPIN" has a slash
        schools.to_excel(file, sheet_name="schools", index=False)
    return folder, policy


# ---------------------------------------------------------------------------- runs
def run(inputs: Path, out: Path, workers: int, policy: st.Policy | None = None) -> dict:
    """One forced batch run: wall seconds, sampled peak memory and what came back."""
    with peak_tree_rss() as mem:
        start = time.perf_counter()
        result = plan_many(inputs, policy, out_dir=out, workers=workers, force=True,
                           progress=False, log=io.StringIO())
        wall = time.perf_counter() - start
    entries = result.counties.values()
    county_s = [e["timings"].get("total_s", 0.0) for e in entries if e["timings"]]
    statuses = [e["plan_status"] or e["status"] for e in entries]
    return {
        "wall_s": wall,
        "peak": mem["peak"],
        "counties": len(result.counties),
        "failed": len(result.failed),
        "not_optimal": sum(s != "optimal" for s in statuses),
        "sum_county_s": sum(county_s),
        "slowest_s": max(county_s, default=float("nan")),
        "failures": sorted({(e["error"] or {}).get("type", "?")
                            for e in entries if e["status"] == "failed"}),
    }


def row(name: str, runs: list[dict], target: str) -> dict:
    walls = [r["wall_s"] for r in runs]
    last = runs[-1]
    peaks = [r["peak"] for r in runs if r["peak"] is not None]
    return {
        "scenario": name,
        "counties": last["counties"],
        "runs": len(runs),
        "wall_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "county_s_sum": last["sum_county_s"],
        "slowest_s": last["slowest_s"],
        "peak_GiB": max(peaks) / GIB if peaks else "n/a",
        "failed": last["failed"],
        "not_optimal": last["not_optimal"],
        "target": target,
    }


def _inputs(cache: Path, name: str, make) -> Path:
    """``make(cache / name)`` unless a previous run with ``--cache`` already wrote it."""
    folder = cache / name
    done = folder / ".complete"
    if done.exists():
        return folder
    start = time.perf_counter()
    made = make(folder)
    done.write_text("", encoding="utf-8")
    print(f"({name}: inputs written in {time.perf_counter() - start:.0f} s, not timed)")
    return made


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-province", action="store_true")
    parser.add_argument("--skip-realdata", action="store_true")
    parser.add_argument("--cache", type=Path,
                        help="keep the generated input workbooks here and reuse them")
    args = parser.parse_args(argv)

    print(f"staffing {st.__version__}, {args.workers} workers, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f} at start")
    rows: list[dict] = []

    def report(name: str, runs: list[dict], target: str) -> None:
        rows.append(row(name, runs, target))
        print_table(rows[-1:])
        if runs[-1]["failures"]:
            print(f"  failures by error type: {', '.join(runs[-1]['failures'])}")

    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        tmp = Path(tmp)
        cache = args.cache or tmp
        pref = _inputs(cache, "prefecture", write_prefecture)
        runs = [run(pref, tmp / "out_prefecture", args.workers) for _ in range(3)]
        report("prefecture (synth.prefecture(0))", runs, "< 10 s")

        if not args.skip_province:
            prov = _inputs(cache, "province", write_province)
            runs = [run(prov, tmp / "out_province", args.workers)]
            report("province (130 synthetic)", runs, "< 120 s, < 2 GiB")

        if not args.skip_realdata:
            made = write_malaysia(tmp / "malaysia")
            if made is not None:
                runs = [run(made[0], tmp / "out_malaysia", args.workers, made[1])]
                report("malaysia (146 districts, quotas only)", runs, "—")

    print("\nwall = median of runs (min, max); county_s_sum = worker seconds summed; "
          "peak = sampled RSS sum of the process tree")
    print_table(rows)
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20)
    print(f"parent ru_maxrss: {me:.2f} GiB; load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
