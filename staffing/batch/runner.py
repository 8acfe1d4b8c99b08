"""``plan_many``: plan every county of a folder, each in its own worker process."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from collections.abc import Iterable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from staffing._checks import whole_number
from staffing.batch.engines import Engine
from staffing.batch.events import EventLog, routed_warnings
from staffing.batch.inputs import CountyInput, find_inputs
from staffing.batch.manifest import (
    FORMAT,
    MANIFEST_FILE,
    Manifest,
    finished_entry,
    now,
    pending_entry,
    remove_stale_temporaries,
    reusable,
    skipped_entry,
)
from staffing.batch.outdir import (
    BatchLockedError,
    OutDirLinkError,
    OutDirLock,
    lock_out_dir,
    make_staging,
    promote,
    refuse_links,
    remove_outputs,
    remove_stale_staging,
)
from staffing.batch.worker import (
    PLAN_FILE,
    SUMMARY_FILE,
    error_record,
    plan_county,
    run_fingerprint,
    versions,
)
from staffing.i18n import check_lang
from staffing.policy import Policy
from staffing.rollup import write_rollup

__all__ = ["plan_many", "BatchResult", "BatchLockedError", "OutDirLinkError", "EXIT_OK",
           "EXIT_SOME_FAILED", "EXIT_ALL_FAILED", "EXIT_INTERRUPTED", "STOP_AFTER_ENV"]

#: Exit codes of a batch (the CLI's 1, 2 and 3 keep their meaning: data, usage, no plan).
EXIT_OK, EXIT_SOME_FAILED, EXIT_ALL_FAILED, EXIT_INTERRUPTED = 0, 4, 5, 130
#: Test hook: stop the run as if interrupted once this many counties have finished.
STOP_AFTER_ENV = "STAFFING_BATCH_STOP_AFTER"
_OUTPUTS = (PLAN_FILE, SUMMARY_FILE)  # promoted in this order: summary.json marks done
_BROKEN_POOL_HINT = (
    " A worker process died: out of memory, a crash in a native library, or a script"
    " that calls plan_many without `if __name__ == \"__main__\":` (worker processes"
    " re-import the main script). Re-run to retry: finished counties are kept."
)


@dataclass
class BatchResult:
    """What :func:`plan_many` did.

    Attributes
    ----------
    out_dir : the OUT_DIR.
    manifest : the manifest as written to ``out_dir / "manifest.json"``.
    wall_s : wall-clock seconds of the run.

    An interrupted run returns no BatchResult: :func:`plan_many` re-raises the
    KeyboardInterrupt after saving the manifest (state ``interrupted``).
    """

    out_dir: Path
    manifest: dict[str, Any]
    wall_s: float
    counties: dict[str, dict[str, Any]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.counties = self.manifest["counties"]

    @property
    def manifest_path(self) -> Path:
        """``out_dir / "manifest.json"``."""
        return self.out_dir / MANIFEST_FILE

    def names(self, status: str) -> list[str]:
        """Counties with ``status`` (``ok``, ``failed``, ``skipped``, ``pending``)."""
        return [k for k, e in self.counties.items() if e["status"] == status]

    @property
    def ok(self) -> list[str]:
        """Counties planned in this run."""
        return self.names("ok")

    @property
    def failed(self) -> list[str]:
        """Counties that failed (bad data, no plan, a crashed worker)."""
        return self.names("failed")

    @property
    def skipped(self) -> list[str]:
        """Counties whose outputs from an earlier run still stand."""
        return self.names("skipped")

    @property
    def completion_order(self) -> list[str]:
        """Counties planned in this run, in the order they finished."""
        return self.manifest["completion_order"]

    @property
    def exit_code(self) -> int:
        """0 all ok or skipped; 4 some failed; 5 all failed."""
        if not self.failed:
            return EXIT_OK
        return EXIT_ALL_FAILED if len(self.failed) == len(self.counties) else EXIT_SOME_FAILED

    def table(self) -> Any:
        """One row per county: status, plan status, seconds, error."""
        import pandas as pd

        rows = [{"county": k, "status": e["status"], "plan_status": e["plan_status"],
                 "seconds": (e.get("timings") or {}).get("total_s"),
                 "error": (e.get("error") or {}).get("type")} for k, e in self.counties.items()]
        return pd.DataFrame(rows, columns=["county", "status", "plan_status", "seconds",
                                           "error"]).set_index("county")

    def __repr__(self) -> str:
        c = self.manifest["counts"]
        return (f"BatchResult({str(self.out_dir)!r}, ok={c['ok']}, failed={c['failed']}, "
                f"skipped={c['skipped']}, pending={c['pending']}, wall_s={self.wall_s:.1f})")


def plan_many(
    inputs: str | Path | Iterable[str | Path],
    policy: Policy | str | Path | None = None,
    *,
    out_dir: str | Path,
    executor: Any = None,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    lang: str = "zh",
    time_limit: float | None = 60.0,
    log: str | Path | IO[str] | None = None,
    progress: bool | None = None,
    horizon: int = 0,
    warm_start: bool = False,
) -> BatchResult:
    """Plan many counties in parallel: one plan workbook and summary per county.

    Each county becomes ``out_dir/<county>/plan.xlsx`` and ``summary.json``: the
    worker that planned it writes them into a staging folder and this process moves
    them into place, then records them in ``out_dir/manifest.json``, which says what
    every output was made from and is rewritten (atomically) as counties finish.
    A county with bad data, or one the solver cannot plan, gets an error entry and
    the others go on. Counties whose input bytes, policy and language match complete
    outputs of an earlier run are skipped unless ``force``.

    Parameters
    ----------
    inputs : an INPUT_DIR whose entries are counties (workbooks, table files, folders
        of CSVs), one county, or a list of them. Sorted by output name.
    policy : a :class:`~staffing.Policy`, a TOML file, or ``None`` for the defaults.
    out_dir : where outputs and the manifest go (created if needed). Only one run
        may write to it at a time, and nothing the run writes inside it may be a
        symbolic link.
    executor : a ``concurrent.futures``-style executor or a ``dask.distributed``
        ``Client`` to run the counties on (not closed here).
    workers : size of the local process pool (default: CPUs available).
    scheduler : a Dask scheduler address, ``"tcp://host:8786"``; every worker must
        have ``staffing`` installed and see ``inputs`` and ``out_dir`` at the same paths.
    force : re-plan every county.
    lang : ``"zh"`` or ``"en"``: language of the workbooks and summary labels.
    time_limit : solver seconds per county; a county stopped by it keeps the best
        plan found, with status ``feasible`` and its gap in the manifest.
    log : append JSON-lines events to this file (or stream).
    progress : show a progress bar; ``None``: when stderr is a terminal.
    horizon : later school years planned with each county's first
        (``optimize(horizon=…)``); outputs of an earlier run with another horizon are
        not reused.
    warm_start : start each county re-planned from the plan an earlier run left in
        ``out_dir/<county>/plan.xlsx`` (``optimize(warm_start=…)``, read back with
        :func:`staffing.report.read_plan_decisions`): the same plan within the gap,
        usually sooner. Off by default, because a plan found from another start may
        differ (within the gap) where the optimum is not unique, and a batch should
        give the same outputs for the same inputs. An unreadable old plan is reported
        as a warning and the county planned from scratch.

    Returns
    -------
    BatchResult
        ``.exit_code`` is 0 (all ok or skipped), 4 (some failed) or 5 (all failed).

    Raises
    ------
    FileNotFoundError
        ``inputs`` does not exist.
    ValueError
        No county inputs were found, or the options are inconsistent.
    BatchLockedError
        Another run is writing to ``out_dir``.
    OutDirLinkError
        A county folder, an output file, the manifest, the lock or a log file inside
        ``out_dir`` is a symbolic link (a ``ValueError``).
    KeyboardInterrupt
        After Ctrl-C (or the CLI's SIGTERM): pending counties are cancelled, running
        ones finish, and the manifest is saved before the exception propagates.

    Examples
    --------
    >>> import io, tempfile, pathlib
    >>> import staffing as st
    >>> from staffing.batch import plan_many
    >>> data = pathlib.Path(tempfile.mkdtemp())
    >>> for seed, name in enumerate(["双柏县", "牟定县"]):
    ...     st.synth.county(seed, name=name, n_schools=8, teachers=False).to_excel(
    ...         data / f"{name}.xlsx")
    >>> quiet = {"workers": 2, "progress": False, "log": io.StringIO()}
    >>> result = plan_many(data, out_dir=data / "out", **quiet)
    >>> result.ok, result.exit_code
    (['双柏县', '牟定县'], 0)
    >>> plan_many(data, out_dir=data / "out", **quiet).skipped
    ['双柏县', '牟定县']
    """
    check_lang(lang)
    if executor is not None and scheduler is not None:
        raise ValueError("give either executor= or scheduler=, not both")
    policy = _as_policy(policy)
    out = Path(out_dir).resolve()
    if isinstance(inputs, str | Path) and Path(inputs).resolve() == out:
        raise ValueError(f"OUT_DIR must not be INPUT_DIR ({out}): outputs would mix with inputs")
    found, ignored = find_inputs(inputs, exclude=[out])
    if not found:
        where = inputs if isinstance(inputs, str | Path) else "the list given"
        raise ValueError(f"no county inputs found in {where}: expected .xlsx workbooks, "
                         ".csv/.parquet schools tables or folders of CSVs")
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    horizon = whole_number("horizon", horizon, "years")
    with lock_out_dir(out) as lock:
        refuse_links(out, _written_paths(out, found))
        if isinstance(log, str | Path):
            for base in (Path(os.path.abspath(out_dir)), out):
                refuse_links(base, [Path(os.path.abspath(log))])
        return _run(found, ignored, policy, out, inputs, executor=executor, workers=workers,
                    scheduler=scheduler, force=force, lang=lang, time_limit=time_limit,
                    log=log, progress=progress, start=start, horizon=horizon, lock=lock,
                    warm_start=bool(warm_start))


def _written_paths(out: Path, found: list[CountyInput]) -> list[Path]:
    """Everything a run may write, replace or delete inside OUT_DIR."""
    paths = [out / MANIFEST_FILE]
    for inp in found:
        paths += [out / inp.name / f for f in _OUTPUTS]
    return paths


def _run(found: list[CountyInput], ignored: list[dict[str, str]], policy: Policy, out: Path,
         inputs: Any, *, executor: Any, workers: int | None, scheduler: str | None,
         force: bool, lang: str, time_limit: float | None, log: Any,
         progress: bool | None, start: float, horizon: int, lock: OutDirLock,
         warm_start: bool = False) -> BatchResult:
    fingerprint = run_fingerprint(policy, horizon)
    remove_stale_temporaries(out, [c.name for c in found])
    remove_stale_staging(out)
    previous = Manifest.previous_entries(out / MANIFEST_FILE)
    engine = Engine(executor=executor, workers=workers, scheduler=scheduler,
                    n_tasks=len(found), hold_fd=lock.fd)
    run_id = f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{uuid.uuid4().hex[:6]}"
    options = {"lang": lang, "time_limit": time_limit, "solver": "highs", "threads": 1,
               "horizon": horizon, "warm_start": warm_start}
    manifest = Manifest(out / MANIFEST_FILE, {
        "format": FORMAT,
        "run": {"id": run_id, "state": "running", "started_at": now(), "updated_at": None,
                "finished_at": None, "wall_s": None, "force": bool(force),
                "engine": engine.describe(), "lock_taken_over": lock.taken_over},
        "inputs": str(Path(inputs).resolve()) if isinstance(inputs, str | Path) else None,
        "out_dir": str(out),
        "versions": versions(),
        "options": options,
        "ignored": ignored,
        "not_in_inputs": sorted(set(previous) - {c.name for c in found}),
        "policy_fingerprint": fingerprint,
        "policy": policy.to_dict(),
    })
    todo = []
    for inp in found:
        if not force and reusable(previous.get(inp.name), inp, fingerprint, lang, out):
            manifest.set(inp.name, skipped_entry(previous[inp.name], inp))
        else:
            manifest.set(inp.name, pending_entry(inp, fingerprint, lang))
            todo.append(inp)
    manifest.save()

    stop_after = int(os.environ.get(STOP_AFTER_ENV, "0") or 0)
    with (EventLog(len(found), log=log, progress=progress) as events,
          routed_warnings(lambda w: events.emit("warning", **w))):  # the batch's own
        events.emit("run_start", run=run_id, counties=len(found), to_plan=len(todo),
                    out_dir=str(out), policy_fingerprint=fingerprint, lang=lang)
        if lock.taken_over:
            events.emit("lock_taken_over", lock=str(lock.path), previous=lock.taken_over,
                        message="the previous run on this OUT_DIR was killed; its lock is "
                                "taken over and its unfinished counties are planned again")
        for item in ignored:
            events.emit("ignored", **item)
        for name in manifest.counties:
            if manifest.counties[name]["status"] == "skipped":
                events.emit("skipped", county=name, status="skipped", seconds=0.0)
        if todo:
            staging = make_staging(out)
            try:
                _execute(todo, engine, manifest, events, policy, (out, staging), options,
                         run_id, stop_after)
            except KeyboardInterrupt:
                _finish(manifest, start, "interrupted")
                events.emit("interrupted", run=run_id, **_short_counts(manifest))
                raise
            except BaseException:  # the engine itself failed (e.g. scheduler lost)
                _finish(manifest, start, "aborted")
                raise
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        write_rollup(out, policy, lang, [k for k, e in manifest.counties.items()
                                         if e["status"] in ("ok", "skipped")])
        _finish(manifest, start, "complete")
        events.emit("run_end", run=run_id, seconds=round(time.perf_counter() - start, 3),
                    **_short_counts(manifest))
    return BatchResult(out_dir=out, manifest=manifest.to_dict(),
                       wall_s=time.perf_counter() - start)


def _execute(todo: list[CountyInput], engine: Engine, manifest: Manifest, events: EventLog,
             policy: Policy, dirs: tuple[Path, Path], options: dict[str, Any], run_id: str,
             stop_after: int) -> None:
    """Submit the counties, largest first (shortest overall wall time), and record
    each as it finishes. On interrupt: cancel what has not started, let running
    counties finish, record those, and re-raise. ``dirs`` is (OUT_DIR, staging): the
    workers write into staging; :func:`_record` moves the files to OUT_DIR."""
    policy_dict = policy.to_dict()
    order = sorted(todo, key=lambda c: (-c.size, c.name))
    with engine:
        manifest.header["run"]["engine"] = engine.describe()
        futures: dict[Any, CountyInput] = {}
        for rank, inp in enumerate(order):
            opts = {**options, "county": inp.name}
            old_plan = dirs[0] / inp.name / PLAN_FILE
            if opts.pop("warm_start", False) and old_plan.is_file():
                opts["warm_from"] = str(old_plan)
            fut = engine.submit(plan_county, str(inp.path), policy_dict, str(dirs[1]), opts,
                                priority=len(order) - rank)
            futures[fut] = inp
            events.emit("start", county=inp.name, input=str(inp.path))
        done = 0
        try:
            for fut in engine.as_completed(futures):
                _record(fut, futures[fut], manifest, events, run_id, dirs)
                done += 1
                if stop_after and done >= stop_after:
                    raise KeyboardInterrupt(f"{STOP_AFTER_ENV}={stop_after}")
        except KeyboardInterrupt:
            engine.cancel(futures)
            manifest.save()
            running = [f for f in futures if not f.cancelled()]
            engine.wait(running)  # a second Ctrl-C leaves at once; outputs stay atomic
            for fut in running:
                inp = futures[fut]
                if (manifest.counties[inp.name]["status"] == "pending"
                        and fut.exception() is None):
                    _record(fut, inp, manifest, events, run_id, dirs)
            raise


def _record(fut: Any, inp: CountyInput, manifest: Manifest, events: EventLog, run_id: str,
            dirs: tuple[Path, Path]) -> None:
    """Move one finished county's files from staging into OUT_DIR (or remove its old
    outputs if it failed), then put it in the manifest (saved at once) and the log."""
    pending = manifest.counties[inp.name]
    try:
        result = fut.result()
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 — the worker process itself died
        error = error_record(exc)
        if isinstance(exc, BrokenProcessPool):
            error["message"] += _BROKEN_POOL_HINT
        result = {"status": "failed", "error": error, "finished_at": now()}
    entry = finished_entry(pending, result, run_id)
    out, staging = dirs
    try:
        if entry["status"] == "ok":
            promote(staging, out, inp.name, _OUTPUTS)
        else:
            remove_outputs(out, inp.name, _OUTPUTS)
    except (OSError, OutDirLinkError) as exc:  # e.g. a link planted during the run
        if entry["status"] == "ok":
            entry = {**entry, "status": "failed", "outputs": {}, "output_sha256": {},
                     "error": error_record(exc)}
            with contextlib.suppress(OSError, OutDirLinkError):
                remove_outputs(out, inp.name, _OUTPUTS)
    manifest.set(inp.name, entry, finished=True)
    manifest.save()
    seconds = (entry.get("timings") or {}).get("total_s")
    for warning in entry.get("warnings") or ():  # the worker's, in the order issued
        events.emit("warning", county=inp.name, **warning)
    if entry["status"] == "ok":
        events.emit("done", county=inp.name, status="ok", plan_status=entry["plan_status"],
                    seconds=seconds, gap=entry["gap"])
    else:
        err = entry["error"] or {}
        lines = [line.strip() for line in str(err.get("message", "")).splitlines()
                 if line.strip()] or [""]
        detail = {"detail": lines[1]} if len(lines) > 1 else {}  # e.g. the first data problem
        events.emit("failed", county=inp.name, status="failed", seconds=seconds,
                    error=err.get("type"), message=lines[0], **detail)


def _finish(manifest: Manifest, start: float, state: str) -> None:
    run = manifest.header["run"]
    run["state"] = state
    run["finished_at"] = now()
    run["wall_s"] = round(time.perf_counter() - start, 3)
    manifest.save()


def _short_counts(manifest: Manifest) -> dict[str, int]:
    c = manifest.counts()
    return {k: c[k] for k in ("ok", "failed", "skipped", "pending")}


def _as_policy(policy: Policy | str | Path | None) -> Policy:
    if policy is None:
        return Policy()
    if isinstance(policy, Policy):
        return policy
    return Policy.from_toml(policy)
