"""Keeping OUT_DIR safe: one run at a time, no writes through links, outputs promoted.

* **A lock.** A run holds an ``flock`` on ``OUT_DIR/.staffing-batch.lock``, which
  records its pid, host and start time. The kernel drops the lock when the run and
  every one of its workers have died, so a killed run never leaves OUT_DIR locked; a
  run that finds the record of a run that did not end cleanly says it takes over.
* **No symbolic links.** Nothing the batch writes, replaces or deletes inside OUT_DIR
  may be a link (a county folder, its ``plan.xlsx`` or ``summary.json``, the manifest,
  the lock, a log file): the run refuses before it starts, naming the link.
* **Staging.** Workers write into ``OUT_DIR/.staffing-staging-*/`` and only the batch
  process moves a county's files into ``OUT_DIR/<county>/`` (a rename through a
  directory descriptor opened without following links) and then records it in the
  manifest. A worker that outlives its batch can write nothing but staging files,
  which the next run deletes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import shutil
import socket
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["BatchLockedError", "OutDirLinkError", "OutDirLock", "LOCK_FILE", "STAGING_PREFIX",
           "lock_out_dir", "refuse_links", "make_staging", "remove_stale_staging", "promote",
           "remove_outputs"]

LOCK_FILE = ".staffing-batch.lock"
STAGING_PREFIX = ".staffing-staging-"
#: Seconds a run waits for a lock still held by the workers of a killed run (they die
#: within milliseconds of their batch; see ``engines.worker_init``). Library default.
ORPHAN_GRACE_S = 10.0

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
#: renameat/openat available (``os.replace`` takes the same ``*_dir_fd`` as ``os.rename``).
_DIR_FD = os.rename in os.supports_dir_fd and os.open in os.supports_dir_fd


class BatchLockedError(RuntimeError):
    """Another batch run (or the workers of a killed one) holds OUT_DIR's lock."""


class OutDirLinkError(ValueError):
    """A path the batch would write inside OUT_DIR is a symbolic link."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        super().__init__(
            f"{path} is a symbolic link (to {target}); the batch never writes through "
            f"links inside OUT_DIR — remove it or choose another OUT_DIR "
            f"(输出文件夹中有符号链接，批处理拒绝写入)")


@dataclass
class OutDirLock:
    """The lock a run holds. ``fd`` is ``None`` where ``flock`` does not exist (Windows);
    ``taken_over`` is the record a run that did not end cleanly left, else ``None``."""

    path: Path
    fd: int | None
    holder: dict[str, Any]
    taken_over: dict[str, Any] | None


@contextlib.contextmanager
def lock_out_dir(out: Path, grace_s: float = ORPHAN_GRACE_S) -> Iterator[OutDirLock]:
    """Hold OUT_DIR's lock for the block; raise :class:`BatchLockedError` if another
    run holds it.

    The lock file is opened without following links (:class:`OutDirLinkError` if it is
    one). A lock still held after its recorded holder died belongs to that run's
    workers: it is waited for up to ``grace_s`` seconds. On leaving the block the
    record is cleared: only a killed run leaves one behind.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> with lock_out_dir(out) as lock:
    ...     json.loads((out / LOCK_FILE).read_text())["pid"] == os.getpid()
    True
    >>> (out / LOCK_FILE).read_text()  # emptied on a clean end
    ''
    """
    path = Path(out) / LOCK_FILE
    holder = {"pid": os.getpid(), "host": socket.gethostname(),
              "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    try:
        import fcntl
    except ImportError:  # Windows: no advisory lock
        yield OutDirLock(path, None, holder, None)
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP or path.is_symlink():
            raise OutDirLinkError(path) from None
        raise
    try:
        _acquire(fcntl, fd, path, grace_s)
        previous = _read_record(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(holder) + "\n").encode(), 0)
        try:
            yield OutDirLock(path, fd, holder, previous or None)
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)


def _acquire(fcntl: Any, fd: int, path: Path, grace_s: float) -> None:
    deadline = None
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        record = _read_record(fd)
        dead = _holder_dead(record)
        if dead and deadline is None:
            deadline = time.monotonic() + grace_s
        if not dead or time.monotonic() >= (deadline or 0):
            raise BatchLockedError(_locked_message(path, record, dead)) from None
        time.sleep(0.1)


def _locked_message(path: Path, record: dict[str, Any], dead: bool) -> str:
    out = path.parent
    who = (f"pid {record.get('pid')} on {record.get('host')}, started "
           f"{record.get('started_at')}") if record else f"see {path}"
    if dead:
        return (f"OUT_DIR {out} is still locked by the worker processes of a killed batch "
                f"({who}); try again once they have ended (输出文件夹仍被已终止的批处理占用)")
    return (f"OUT_DIR {out} is in use by another staffing batch ({who}); wait for it to "
            f"finish (另一个批处理正在写入该输出文件夹)")


def _read_record(fd: int) -> dict[str, Any]:
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _holder_dead(record: dict[str, Any]) -> bool:
    """Whether the recorded holder is known to have died (same host, no such process
    or a zombie). Unknown holders count as alive."""
    pid = record.get("pid")
    if not isinstance(pid, int) or record.get("host") != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # Linux: a killed process its parent has not reaped yet
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return fields[0] == "Z"
    except (OSError, IndexError):
        return False


# ---------------------------------------------------------------------------- links
def refuse_links(out: Path, paths: Iterable[Path]) -> None:
    """Raise :class:`OutDirLinkError` for the first of ``paths`` (inside ``out``) that
    is a symbolic link or lies under one below ``out``.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> (out / "楚雄市").symlink_to(tempfile.mkdtemp())
    >>> try:
    ...     refuse_links(out, [out / "楚雄市" / "plan.xlsx"])
    ... except OutDirLinkError as exc:
    ...     print(exc.path.name)
    楚雄市
    """
    out = Path(out)
    for path in paths:
        try:
            parts = Path(path).relative_to(out).parts
        except ValueError:
            continue  # outside OUT_DIR: the caller's own choice
        current = out
        for part in parts:
            current = current / part
            if current.is_symlink():
                raise OutDirLinkError(current)
            if not current.exists():
                break


# ---------------------------------------------------------------------------- staging
def make_staging(out: Path) -> Path:
    """A new staging folder in OUT_DIR for this run's workers."""
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    os.chmod(staging, 0o777 & ~_umask())  # readable like OUT_DIR (e.g. Dask workers)
    return staging


def remove_stale_staging(out: Path) -> list[Path]:
    """Delete staging folders of earlier runs (call with the lock held)."""
    removed = []
    for entry in Path(out).iterdir():
        if entry.name.startswith(STAGING_PREFIX):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed


def promote(staging: Path, out: Path, name: str, files: Iterable[str]) -> None:
    """Move ``staging/name/f`` to ``out/name/f`` for each of ``files``, in order.

    ``out/name`` is created if missing and opened without following links; the moves
    are renames relative to that descriptor, so a link planted there (even during the
    run) is refused with :class:`OutDirLinkError`, never written through.
    """
    src, dst = Path(staging) / name, Path(out) / name
    with _open_dir(src, create=False) as sfd, _open_dir(dst, create=True) as dfd:
        for file in files:
            if sfd is None or dfd is None:  # no dir_fd support (Windows)
                refuse_links(out, [dst / file])
                os.replace(src / file, dst / file)
                continue
            if not stat.S_ISREG(os.stat(file, dir_fd=sfd, follow_symlinks=False).st_mode):
                raise OutDirLinkError(src / file)
            os.replace(file, file, src_dir_fd=sfd, dst_dir_fd=dfd)


def remove_outputs(out: Path, name: str, files: Iterable[str]) -> None:
    """Delete ``out/name/f`` for each of ``files`` if present, never through a link."""
    folder = Path(out) / name
    if not os.path.lexists(folder):
        return
    with _open_dir(folder, create=False) as dfd:
        for file in files:
            try:
                if dfd is None:
                    refuse_links(out, [folder / file])
                    os.unlink(folder / file)
                else:
                    os.unlink(file, dir_fd=dfd)
            except FileNotFoundError:
                pass


@contextlib.contextmanager
def _open_dir(folder: Path, *, create: bool) -> Iterator[int | None]:
    if not _DIR_FD:
        if folder.is_symlink():
            raise OutDirLinkError(folder)
        if create:
            folder.mkdir(exist_ok=True)
        yield None
        return
    if create:
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder)  # never follows a link: an existing link is EEXIST
    try:
        fd = os.open(folder, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR) and folder.is_symlink():
            raise OutDirLinkError(folder) from None
        raise
    try:
        yield fd
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
