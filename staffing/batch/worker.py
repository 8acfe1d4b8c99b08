"""The batch worker: plan one county and write its outputs, in whatever process runs it.

:func:`plan_county` is the one function a batch sends to its engine (a local process
pool or Dask workers). It takes plain values, loads the county itself, plans it,
writes ``plan.xlsx`` and ``summary.json`` atomically, and returns a small dict: no
County, Plan or PuLP object ever crosses a process boundary, and because every engine
runs the same code with deterministic writers, the output files are byte-identical
whichever engine ran them.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import socket
import time
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from staffing._gc import gc_paused
from staffing.batch.events import routed_warnings
from staffing.batch.inputs import content_hash, safe_name

__all__ = ["plan_county", "run_fingerprint", "versions", "to_json_bytes", "NoPlanError", "PLAN_FILE",
           "SUMMARY_FILE"]

#: Output file names inside OUT_DIR/<county>/.
PLAN_FILE, SUMMARY_FILE = "plan.xlsx", "summary.json"
#: Plan statuses that come with a plan to write.
_PLANNED = ("optimal", "feasible")
#: Lines of traceback kept for unexpected errors (data errors need none).
_TRACEBACK_LINES = 30


class NoPlanError(RuntimeError):
    """The solver returned no plan for a county (status ``infeasible`` or ``error``)."""


def run_fingerprint(policy: Any, horizon: int) -> str:
    """What a county's outputs were planned with: the policy's fingerprint, and the
    horizon of a multi-year plan (so outputs of another horizon are not reused)."""
    fingerprint = policy.fingerprint()
    return f"{fingerprint}+horizon={horizon}" if horizon else fingerprint


def plan_county(
    input_path: str, policy: Mapping[str, Any], out_dir: str, options: Mapping[str, Any]
) -> dict[str, Any]:
    """Load, plan and write one county; return what the manifest records about it.

    Never raises for a county's own problems (bad data, no plan, a solver crash): they
    come back as ``status="failed"`` with the error, and the county's old outputs, if
    any, are removed so OUT_DIR never shows a plan the latest run did not make.

    Parameters
    ----------
    input_path : workbook, table file or folder of CSVs.
    policy : ``Policy.to_dict()``; rebuilt here with ``Policy.from_dict``.
    out_dir : the batch's OUT_DIR; outputs go to ``out_dir/<county>/``.
    options : ``county`` (output folder name; default: the input's stem), ``lang``
        (``"zh"``), ``time_limit`` (60 s), ``solver`` (``"highs"``), ``threads`` (1:
        parallelism comes from running counties side by side, and a fixed thread
        count keeps results independent of the machine).

    Returns
    -------
    dict
        ``county``, ``status`` (``ok``/``failed``), ``plan_status``, ``objective``,
        ``gap``, ``input_sha256``, ``policy_fingerprint``, ``outputs`` and
        ``output_sha256`` (paths relative to OUT_DIR), ``counts``, ``solver``,
        ``timings``, ``worker``, ``versions``, ``started_at``, ``finished_at``,
        ``warnings`` (every Python warning issued while loading, planning and
        writing the county, in order, as
        :func:`~staffing.batch.events.warning_record`: never printed by the worker,
        whose stderr is the batch's log stream) and ``error`` (``None``, or ``type``,
        ``message`` and, for a :class:`~staffing.StaffingDataError`, ``problems`` as
        records).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import staffing as st
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> st.synth.county(seed=1, name="双柏县", n_schools=8, teachers=False).to_excel(
    ...     tmp / "双柏县.xlsx")
    >>> r = plan_county(str(tmp / "双柏县.xlsx"), st.Policy().to_dict(), str(tmp / "out"),
    ...                 {"county": "双柏县"})
    >>> r["status"], r["outputs"]["plan"]
    ('ok', '双柏县/plan.xlsx')
    """
    start, started_at = time.perf_counter(), _now()
    path = Path(input_path)
    name = options.get("county") or safe_name(path.name if path.is_dir() else path.stem)
    folder = Path(out_dir) / name
    result: dict[str, Any] = {
        "county": name, "status": "failed", "plan_status": None, "objective": None,
        "gap": None, "input_sha256": None, "policy_fingerprint": None, "outputs": {},
        "output_sha256": {}, "counts": {}, "solver": None, "timings": {},
        "worker": {"host": socket.gethostname(), "pid": os.getpid()},
        "versions": versions(), "started_at": started_at, "finished_at": None,
        "warnings": [], "error": None,
    }
    try:
        with routed_warnings(result["warnings"].append), gc_paused():  # one county's
            # tables live until written: the cyclic collector waits (staffing._gc)
            result["input_sha256"] = content_hash(path) if path.exists() else None
            _plan_and_write(path, policy, folder, options, result)
        result["status"] = "ok"
    except Exception as exc:  # noqa: BLE001 — one county's failure must not stop the batch
        result["error"] = error_record(exc)
        for stale in (folder / PLAN_FILE, folder / SUMMARY_FILE):
            stale.unlink(missing_ok=True)
        result["outputs"], result["output_sha256"] = {}, {}
    result["timings"]["total_s"] = round(time.perf_counter() - start, 4)
    result["finished_at"] = _now()
    return _jsonable(result)


def _plan_and_write(path: Path, policy_dict: Mapping[str, Any], folder: Path,
                    options: Mapping[str, Any], result: dict[str, Any]) -> None:
    from staffing._io import atomic_write_bytes
    from staffing.balance import balance_once
    from staffing.data import load_county
    from staffing.optimize import optimize
    from staffing.policy import Policy

    lang = options.get("lang", "zh")
    timings = result["timings"]
    policy = Policy.from_dict(policy_dict)
    horizon = int(options.get("horizon", 0))
    result["policy_fingerprint"] = run_fingerprint(policy, horizon)

    t = time.perf_counter()
    county = load_county(path, policy=policy)
    timings["load_s"] = round(time.perf_counter() - t, 4)

    t = time.perf_counter()
    warm = _earlier_plan(options.get("warm_from"))
    plan = optimize(county, policy, solver=options.get("solver", "highs"),
                    time_limit=options.get("time_limit", 60.0),
                    threads=options.get("threads", 1), horizon=horizon, warm_start=warm)
    timings["plan_s"] = round(time.perf_counter() - t, 4)
    result["solver"] = plan.solver.to_dict()
    result["plan_status"] = plan.status
    result["objective"] = plan.objective
    result["gap"] = plan.solver.gap
    if plan.status not in _PLANNED:
        raise NoPlanError(f"the solver found no plan: status {plan.status} "
                          f"({plan.solver.solver}: {plan.solver.raw_status})")

    t = time.perf_counter()
    name = folder.name
    with balance_once(plan):  # the summary, roll-up record and workbook all read it
        summary = summary_record(plan, name=name, input_file=path.name,
                                 input_sha256=result["input_sha256"], lang=lang)
        plan.to_excel(folder / PLAN_FILE, lang=lang)  # atomic, timestamps pinned
    summary_bytes = to_json_bytes(summary)
    atomic_write_bytes(folder / SUMMARY_FILE, summary_bytes)  # last: marks the county done
    timings["write_s"] = round(time.perf_counter() - t, 4)
    result["counts"] = summary["counts"]
    result["outputs"] = {"plan": f"{name}/{PLAN_FILE}", "summary": f"{name}/{SUMMARY_FILE}"}
    result["output_sha256"] = {
        "plan": content_hash(folder / PLAN_FILE),
        "summary": content_hash(folder / SUMMARY_FILE),
    }


def _earlier_plan(path: str | None) -> Any:
    """The moves and hires of the plan an earlier run wrote at ``path`` (a warm start,
    ``plan_many(warm_start=True)``), or ``None``: none given, or unreadable — then a
    warning says so and the county is planned from scratch."""
    if not path:
        return None
    import warnings

    from staffing.errors import StaffingPlanWarning
    from staffing.report import read_plan_decisions

    try:
        return read_plan_decisions(path)
    except Exception as exc:  # noqa: BLE001 — a start is optional: never fail the county
        warnings.warn(f"the earlier plan {path} could not be read as a start ({exc}); "
                      "planned from scratch", StaffingPlanWarning, stacklevel=2)
        return None


def summary_record(plan: Any, *, name: str, input_file: str, input_sha256: str | None,
                   lang: str) -> dict[str, Any]:
    """The contents of ``summary.json``: deterministic, so equal plans give equal bytes.

    Wall-clock times (the solver's included) are left out on purpose: they differ from
    run to run and live in the manifest and the log instead.
    """
    from staffing.rollup import county_record

    # Values under stable English keys ("before", "after", …), the label in ``lang``.
    english, local = plan.summary("en"), plan.summary(lang)
    values = english.iloc[:, 1:].rename(columns=lambda c: str(c).strip().lower().replace(" ", "_"))
    records = [
        {"key": key, "metric": metric, **row}
        for key, metric, row in zip(english.index, local.iloc[:, 0],
                                    values.to_dict(orient="records"), strict=True)
    ]
    # How the plan was found (times, the start used) is left to the manifest.
    solver = {k: v for k, v in plan.solver.to_dict().items()
              if k not in ("time_s", "stages", "start_objectives", "start_used",
                           "warm_repaired", "warm_start")}
    counts = {
        "schools": plan.county.n_schools,
        "teachers": plan.county.n_teachers,
        "county_total": plan.county.county_total,
        "moves": len(plan.moves),
        "schools_short_after": int((plan.quotas["shortfall_after"] > 0).sum()),
    }
    hires = getattr(plan, "hires", None)
    if hires is not None and "count" in getattr(hires, "columns", ()):
        counts["hires"] = int(hires["count"].sum())
    return {
        "county": name,
        "county_name": plan.county.name,
        "input": {"file": input_file, "sha256": input_sha256},
        "policy_fingerprint": run_fingerprint(plan.policy, plan.horizon),
        "lang": lang,
        "status": plan.status,
        "objective": plan.objective,
        "solver": solver,
        "counts": counts,
        "summary": records,
        "rollup": county_record(plan),
        "versions": versions(),
    }


def error_record(exc: BaseException) -> dict[str, Any]:
    """``type``, ``message`` and, for a StaffingDataError, ``problems`` as records;
    for anything else the last lines of the traceback."""
    from staffing.errors import StaffingDataError

    record: dict[str, Any] = {"type": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, StaffingDataError):
        record["problems"] = exc.table().to_dict(orient="records")
    elif not isinstance(exc, NoPlanError):
        lines = traceback.format_exception(exc)
        record["traceback"] = "".join(lines).splitlines()[-_TRACEBACK_LINES:]
    return _jsonable(record)


def versions() -> dict[str, str | None]:
    """Versions of the library and the solvers in this process (``None`` if missing)."""
    import importlib.metadata as md
    import platform

    import staffing

    def version(dist: str) -> str | None:
        try:
            return md.version(dist)
        except md.PackageNotFoundError:
            return None

    return {"staffing": staffing.__version__, "highspy": version("highspy"),
            "pulp": version("pulp"), "python": platform.python_version()}


def to_json_bytes(obj: Any) -> bytes:
    """Indented UTF-8 JSON (Chinese kept readable), NaN as ``null``, newline-terminated."""
    return (json.dumps(_jsonable(obj), ensure_ascii=False, indent=2, allow_nan=False)
            + "\n").encode("utf-8")


def _jsonable(obj: Any) -> Any:
    """Plain JSON types: numpy scalars unwrapped, NaN/inf and pandas NA as ``None``."""
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return None if not math.isfinite(obj) else float(obj)
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, dt.date | dt.datetime):
        return obj.isoformat()
    item = getattr(obj, "item", None)  # numpy scalar
    if callable(item) and getattr(obj, "ndim", 1) == 0:
        return _jsonable(item())
    try:
        import pandas as pd

        if pd.isna(obj):
            return None
    except (TypeError, ValueError):
        pass
    return str(obj)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
