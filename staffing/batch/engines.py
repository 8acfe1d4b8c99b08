"""Where a batch's counties run: a local process pool, a Dask cluster, or your executor.

All three take the same top-level function and plain arguments, so a county's
outputs do not depend on the engine. Nothing here schedules work itself:
:class:`concurrent.futures.ProcessPoolExecutor` and Dask do that.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from multiprocessing import reduction
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["Engine", "default_workers", "start_method", "worker_init", "kill_children"]

#: ``PR_SET_PDEATHSIG`` from ``<linux/prctl.h>``: a signal the kernel sends a process
#: when its parent dies.
_PR_SET_PDEATHSIG = 1
#: Kept alive for the worker's lifetime: the inherited lock descriptor (see ``worker_init``).
_HELD: list[Any] = []


def default_workers() -> int:
    """The CPUs this process may use (cgroup/affinity-aware where Python can tell)."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def start_method() -> str:
    """``forkserver`` where the platform has it, else ``spawn``; never ``fork``: a forked
    child inherits the parent's threads' locks (HiGHS and BLAS pools) mid-flight."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


class InheritedFd:
    """A file descriptor handed to a pool worker (``multiprocessing.reduction.DupFd``: the
    same open file, so an ``flock`` on it is held until every holder has closed it)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_fd, (reduction.DupFd(self.fd),))


def _rebuild_fd(dup: Any) -> int:
    return int(dup.detach())


def worker_init(lifeline: Connection | None, held: int | None = None) -> None:
    """Run first in every worker of the local pool: make the worker die with the batch.

    * ``lifeline`` is the read end of a pipe whose only write end the batch process
      holds. A daemon thread waits on it; when it reads end-of-file the batch process
      is gone (however it died, ``kill -9`` included) and the worker kills itself at
      once, mid-solve or mid-write, before it writes anything more. This works on every
      platform; it needs the thread to get the GIL, which the HiGHS solve releases.
    * On Linux the worker also asks the kernel for ``SIGKILL`` when its parent process
      dies (``prctl(PR_SET_PDEATHSIG)``); under ``forkserver`` that parent is the fork
      server, under ``spawn`` the batch process itself.
    * ``held`` (an :class:`InheritedFd`, rebuilt as an ``int``) is the batch's lock on
      OUT_DIR, kept open so that the lock outlives the batch process for as long as
      any of its workers lives: a new run cannot start while an orphan could still
      write.
    """
    if held is not None:
        _HELD.append(held)
    _set_parent_death_signal()
    if lifeline is not None:
        threading.Thread(target=_die_when_closed, args=(lifeline,), daemon=True,
                         name="staffing-batch-lifeline").start()


def _set_parent_death_signal() -> None:
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # no prctl (an unusual libc): the lifeline remains
        pass


def _die_when_closed(lifeline: Connection) -> None:
    """Block until the batch process's end of ``lifeline`` is closed, then die, taking
    the worker's own child processes along (a CBC solver run as a command)."""
    try:
        multiprocessing.connection.wait([lifeline])
    finally:
        kill_children()
        if hasattr(signal, "SIGKILL"):
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(1)


def kill_children() -> None:
    """Send ``SIGKILL`` to this process's direct children (Linux: listed in
    ``/proc/self/task/*/children``; elsewhere nothing is done)."""
    from pathlib import Path

    for task in Path("/proc/self/task").glob("*/children"):
        try:
            pids = [int(pid) for pid in task.read_text().split()]
        except (OSError, ValueError):
            continue
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _is_dask_client(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] == "distributed" and hasattr(obj, "nthreads")


class Engine:
    """A context manager around the executor that runs a batch's counties.

    Parameters
    ----------
    executor : any object with ``submit(fn, *args) -> future`` whose futures
        :func:`concurrent.futures.as_completed` understands, or a
        ``dask.distributed.Client``. Left open on exit: it is yours.
    workers : processes of the local pool (default: the CPUs available, at most
        ``n_tasks``). Ignored with ``executor`` or ``scheduler``.
    scheduler : address of a Dask scheduler (``"tcp://host:8786"``); a client is
        opened on entry and closed on exit.
    n_tasks : number of counties to run (caps the local pool's size).
    hold_fd : a file descriptor every worker of the local pool keeps open for its
        lifetime (the batch's lock on OUT_DIR; POSIX only).

    The local pool's workers die with the process that opened the engine, however it
    ends (see :func:`worker_init`); executors and Dask clusters you pass are yours.

    Examples
    --------
    >>> with Engine(workers=2, n_tasks=4) as engine:
    ...     futures = [engine.submit(abs, -i) for i in range(4)]
    ...     sorted(f.result() for f in engine.as_completed(futures))
    [0, 1, 2, 3]
    >>> Engine(workers=2, n_tasks=4).describe()["engine"]
    'processes'
    """

    def __init__(self, *, executor: Any = None, workers: int | None = None,
                 scheduler: str | None = None, n_tasks: int = 1,
                 hold_fd: int | None = None) -> None:
        if executor is not None and scheduler is not None:
            raise ValueError("give either executor= or scheduler=, not both")
        if workers is not None and int(workers) < 1:
            raise ValueError(f"workers must be at least 1, not {workers!r}")
        self.scheduler = scheduler
        self.workers = workers
        self.n_tasks = max(1, n_tasks)
        self._given = executor
        self._executor: Any = executor
        self._owned = False
        self._hold_fd = hold_fd
        self._lifeline: Connection | None = None

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> Engine:
        if self._executor is None and self.scheduler is not None:
            try:
                from distributed import Client
            except ImportError as exc:
                raise ImportError(
                    "a Dask scheduler needs dask.distributed: pip install 'staffing[dask]'"
                ) from exc
            self._executor = Client(self.scheduler)
            self._owned = True
        elif self._executor is None:
            n = self.workers or min(default_workers(), self.n_tasks)
            reader, self._lifeline = multiprocessing.Pipe(duplex=False)
            held = InheritedFd(self._hold_fd) if self._hold_fd is not None else None
            self._executor = cf.ProcessPoolExecutor(
                max_workers=n, mp_context=multiprocessing.get_context(start_method()),
                initializer=worker_init, initargs=(reader, held))
            self._owned = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close(wait=True)

    def close(self, *, wait: bool = True) -> None:
        """Shut down an executor this engine opened (pending work is cancelled)."""
        if not self._owned or self._executor is None:
            return
        executor, self._executor, self._owned = self._executor, None, False
        try:
            if _is_dask_client(executor):
                executor.close()
            else:
                executor.shutdown(wait=wait, cancel_futures=True)
        finally:
            if self._lifeline is not None:  # workers still alive now die (wait=False)
                self._lifeline.close()
                self._lifeline = None

    # ------------------------------------------------------------------ work
    @property
    def is_dask(self) -> bool:
        """Whether work goes to a Dask cluster."""
        return _is_dask_client(self._executor if self._executor is not None else self._given)

    def submit(self, fn: Callable[..., Any], *args: Any, priority: int = 0) -> Any:
        """Submit ``fn(*args)``; ``priority`` orders queued work on Dask (higher first;
        the local pool runs in submission order)."""
        if self._executor is None:
            raise RuntimeError("submit() outside 'with Engine(...)'")
        if _is_dask_client(self._executor):
            return self._executor.submit(fn, *args, pure=False, priority=priority)
        return self._executor.submit(fn, *args)

    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]:
        """The futures in the order they finish."""
        futures = list(futures)
        if all(isinstance(f, cf.Future) for f in futures):
            return cf.as_completed(futures)
        from distributed import as_completed

        return iter(as_completed(futures))

    def wait(self, futures: Iterable[Any]) -> None:
        """Block until every one of ``futures`` has finished (or failed)."""
        futures = list(futures)
        if all(isinstance(f, cf.Future) for f in futures):
            cf.wait(futures)
            return
        from distributed import wait

        wait(futures)

    @staticmethod
    def cancel(futures: Iterable[Any]) -> None:
        """Cancel work not started yet (running counties finish and write atomically)."""
        for f in futures:
            if not f.done():
                f.cancel()

    def describe(self) -> dict[str, Any]:
        """For the manifest: engine kind, worker count, start method or scheduler."""
        ex = self._executor if self._executor is not None else self._given
        if ex is None and self.scheduler is None:
            return {"engine": "processes", "start_method": start_method(),
                    "workers": self.workers or min(default_workers(), self.n_tasks)}
        if ex is None or _is_dask_client(ex):
            info: dict[str, Any] = {"engine": "dask", "scheduler": self.scheduler}
            if ex is not None:
                try:
                    info["scheduler"] = ex.scheduler.address
                    info["workers"] = len(ex.nthreads())
                    info["threads"] = sum(ex.nthreads().values())
                except Exception:  # noqa: BLE001 — description only
                    pass
            return info
        workers = getattr(ex, "_max_workers", None)
        if isinstance(ex, cf.ProcessPoolExecutor):
            info = {"engine": "processes", "workers": workers}
            if self._owned:
                info["start_method"] = start_method()
            return info
        return {"engine": type(ex).__name__, "workers": workers}
