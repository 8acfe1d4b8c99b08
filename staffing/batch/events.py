"""What a batch tells the person or the log collector watching it.

A tqdm progress bar when stderr is a terminal; otherwise, or with ``log=path``, one
JSON object per line and per event, which a scheduler's log collector (cron mail,
systemd journal, Slurm, Airflow, Loki …) can read::

    {"ts": "2025-01-05T02:00:03.512+00:00", "event": "done", "county": "楚雄市",
     "status": "ok", "plan_status": "optimal", "seconds": 1.82, ...}

Events: ``run_start``, ``lock_taken_over`` (the previous run was killed),
``ignored`` (an INPUT_DIR entry that is not a county),
``skipped``, ``start`` (submitted to the engine), ``warning`` (a Python warning: a
county's, sent back by its worker, or the batch's own), ``done``, ``failed``,
``interrupted`` and ``run_end``.

Python prints a warning to stderr with a file path and a source line, which would
break the one-JSON-object-per-line stream: :func:`routed_warnings` hands every warning
of a thread to a function instead (a worker keeps its county's, the batch turns its
own into ``warning`` events, the CLI prints one clean line).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["EventLog", "routed_warnings", "warning_record"]


class EventLog:
    """Progress bar and JSON-lines log of one batch run.

    Parameters
    ----------
    total : counties in the run (the bar's length).
    log : a file to append JSON lines to, or an open text stream; ``None`` writes
        them to stderr when no bar is shown, and nowhere otherwise.
    progress : show a tqdm bar; ``None`` shows one when stderr is a terminal.

    Examples
    --------
    >>> import io
    >>> stream = io.StringIO()
    >>> with EventLog(total=1, log=stream, progress=False) as events:
    ...     events.emit("done", county="楚雄市", status="ok", seconds=1.25)
    >>> json.loads(stream.getvalue())["county"]
    '楚雄市'
    """

    def __init__(self, total: int, *, log: str | Path | IO[str] | None = None,
                 progress: bool | None = None) -> None:
        stderr = sys.stderr
        show_bar = _isatty(stderr) if progress is None else bool(progress)
        self._bar = _make_bar(total) if show_bar else None
        self._own_stream = False
        if isinstance(log, str | Path):
            Path(log).parent.mkdir(parents=True, exist_ok=True)
            self._stream: IO[str] | None = open(log, "a", encoding="utf-8")  # noqa: SIM115
            self._own_stream = True
        elif log is not None:
            self._stream = log
        else:
            self._stream = None if self._bar is not None else stderr
        self._tally = {"ok": 0, "failed": 0, "skipped": 0}

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def emit(self, event: str, **fields: Any) -> None:
        """Write one event line and move the bar on ``done``, ``failed``, ``skipped``;
        a ``warning`` is also written above the bar, as plain text."""
        if self._stream is not None:
            record = {"ts": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                      "event": event, **fields}
            self._stream.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            self._stream.flush()
        if event == "warning" and self._bar is not None:  # seen by whoever watches the bar
            county, message = fields.get("county"), str(fields.get("message", ""))
            where = f"{county}: " if county and not message.startswith(f"{county}:") else ""
            self._bar.write(f"warning: {where}{message}", file=sys.stderr)
        status = fields.get("status")
        if event in ("done", "failed", "skipped") and status in self._tally:
            self._tally[status] += 1
            if self._bar is not None:
                self._bar.set_postfix(self._tally, refresh=False)
                self._bar.update(1)

    def close(self) -> None:
        """Close the bar and a log file this object opened."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self._own_stream and self._stream is not None:
            self._stream.close()
            self._stream = None


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, io.UnsupportedOperation):
        return False


def _make_bar(total: int) -> Any:
    """A tqdm bar on stderr, or ``None`` when tqdm is not installed (JSON lines then)."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="county", desc="staffing batch", file=sys.stderr,
                dynamic_ncols=True, smoothing=0.1)


# ---------------------------------------------------------------------------- warnings
#: The function each thread's warnings go to (none: Python's own display).
_SINK = threading.local()
#: Guards the process-wide hook: installed while any thread routes its warnings.
_HOOK_LOCK = threading.Lock()
_HOOK: dict[str, Any] = {"users": 0, "previous": None}


def warning_record(message: Warning | str, category: type[Warning]) -> dict[str, Any]:
    """A warning as plain values: ``category`` (class name), ``message`` and, for a
    :class:`~staffing.errors.StaffingDataWarning`, ``problems`` as records (file,
    sheet, row, column, value, rule)."""
    record: dict[str, Any] = {"category": category.__name__, "message": str(message)}
    problems = getattr(message, "problems", None)
    if problems:
        record["problems"] = [dict(vars(p)) for p in problems]
    return record


@contextlib.contextmanager
def routed_warnings(sink: Callable[[dict[str, Any]], None]) -> Iterator[None]:
    """Send every warning this thread issues to ``sink(warning_record(...))`` instead
    of stderr, for the duration of the ``with`` block.

    Thread-aware, unlike :class:`warnings.catch_warnings`, whose save-and-restore of
    the module-wide hook loses warnings when counties run in threads (a Dask worker, a
    ``ThreadPoolExecutor``): one process-wide ``warnings.showwarning`` hook looks up
    the current thread's sink and hands a thread without one to the hook it replaced.
    The filters stay as they are (a warning Python would not show is not routed
    either); the "once per place" memory of earlier warnings is reset on entry, so a
    county planned twice in one process reports its warnings twice.

    Examples
    --------
    >>> got = []
    >>> with routed_warnings(got.append):
    ...     warnings.warn("the turnover pool has nothing to move", UserWarning)
    >>> got
    [{'category': 'UserWarning', 'message': 'the turnover pool has nothing to move'}]
    """
    with _HOOK_LOCK:
        if _HOOK["users"] == 0 or warnings.showwarning is not _show:
            if warnings.showwarning is not _show:
                _HOOK["previous"] = warnings.showwarning
            warnings.showwarning = _show
        _HOOK["users"] += 1
    outer = getattr(_SINK, "sink", None)
    _SINK.sink = sink
    reset = getattr(warnings, "_filters_mutated", None)  # forgets warnings shown once
    if callable(reset):
        reset()
    try:
        yield
    finally:
        _SINK.sink = outer
        with _HOOK_LOCK:
            _HOOK["users"] -= 1
            if _HOOK["users"] == 0 and warnings.showwarning is _show:
                warnings.showwarning = _HOOK["previous"]


def _show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
          file: Any = None, line: str | None = None) -> None:
    sink = getattr(_SINK, "sink", None)
    if sink is None:
        previous = _HOOK["previous"]
        if previous is not None:
            previous(message, category, filename, lineno, file, line)
        else:  # not reached: the hook is installed with the one it replaces
            sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))
        return
    sink(warning_record(message, category))
