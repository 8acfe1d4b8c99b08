"""What a batch tells the person or the log collector watching it.

A tqdm progress bar when stderr is a terminal; otherwise, or with ``log=path``, one
JSON object per line and per event, which a scheduler's log collector (cron mail,
systemd journal, Slurm, Airflow, Loki …) can read::

    {"ts": "2025-01-05T02:00:03.512+00:00", "event": "done", "county": "楚雄市",
     "status": "ok", "plan_status": "optimal", "seconds": 1.82, ...}

Events: ``run_start``, ``lock_taken_over`` (the previous run was killed),
``ignored`` (an INPUT_DIR entry that is not a county),
``skipped``, ``start`` (submitted to the engine), ``done``, ``failed``,
``interrupted`` and ``run_end``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import IO, Any

__all__ = ["EventLog"]


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
        """Write one event line and move the bar on ``done``, ``failed``, ``skipped``."""
        if self._stream is not None:
            record = {"ts": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                      "event": event, **fields}
            self._stream.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            self._stream.flush()
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
