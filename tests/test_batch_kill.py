"""Batch runs that leave nothing behind: hard kills, the OUT_DIR lock, symbolic links.

The kill scenario runs once for the module (Linux only): ``staffing batch`` in its own
session, 2 workers, four small synthetic counties with named teachers, an environment
marker on every process it starts. Once the first county is logged done, a second
batch on the same OUT_DIR is tried (it must be refused), then the batch process alone
is sent SIGKILL. The references are independent of the code under test: the kernel's
process table (``/proc``), the bytes of a clean run made in a fresh folder, and
snapshots of files outside OUT_DIR taken before the run.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

import staffing as st
from staffing.batch import BatchLockedError, OutDirLinkError, content_hash, plan_many
from staffing.batch.cli import main
from staffing.batch.outdir import LOCK_FILE, lock_out_dir, promote, remove_outputs

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="SIGKILL, /proc and flock semantics of Linux")

NAMES = ["丁县", "丙县", "乙县", "甲县"]  # sorted, as the batch sorts them
MARK = "STAFFING_BATCH_TEST_MARK"
#: ``python -m staffing.batch`` imports from the working directory first: run it where
#: the ``staffing`` under test lives, whatever folder pytest was started from.
_SOURCE_ROOT = str(Path(st.__file__).resolve().parents[1])


def _marked_pids(mark: str) -> list[int]:
    """Processes whose environment carries ``MARK=mark`` (read from /proc)."""
    needle = f"{MARK}={mark}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            env = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in env and state != "Z":
            pids.append(int(entry.name))
    return pids


def _events(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()
            if line.endswith("}")]


def _outputs(out: Path) -> dict[str, bytes]:
    """The files the batch promises to be deterministic: every county's plan.xlsx and
    summary.json (the manifest and the lock are run records)."""
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.glob("*/*")) if p.name in ("plan.xlsx", "summary.json")}


def _stable_entry(entry: dict) -> dict:
    """A manifest county entry without what legitimately differs between runs: when and
    where it ran, how long it took, and ``ok`` versus ``skipped``."""
    keep = ("county", "input_sha256", "policy_fingerprint", "lang", "plan_status",
            "objective", "gap", "outputs", "output_sha256", "counts")
    return {k: entry[k] for k in keep}


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("kill") / "data"
    folder.mkdir()
    for seed, name in enumerate(NAMES):
        st.synth.county(seed, name=name, n_schools=12 + seed).to_excel(
            folder / f"{name}.xlsx")
    return folder


@pytest.fixture(scope="module")
def killed(data):
    """The kill scenario; returns what was observed along the way."""
    out, log = data.parent / "out", data.parent / "killed.jsonl"
    mark = uuid.uuid4().hex
    env = {**os.environ, MARK: mark}
    proc = subprocess.Popen(
        [sys.executable, "-m", "staffing.batch", str(data), "-o", str(out), "--workers", "2",
         "--log", str(log)], env=env, start_new_session=True, cwd=_SOURCE_ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(e["event"] == "done" for e in _events(log)):
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "no county finished within 60 s"
        time.sleep(0.02)
    alive_before = _marked_pids(mark)
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = main([str(data), "-o", str(out), "--workers", "1"])
    second = {"code": code, "stderr": stderr.getvalue()}
    os.kill(proc.pid, signal.SIGKILL)  # the batch process only, not its group
    killed_at = time.monotonic()
    proc.wait()
    proc.stderr.close()
    survivors, gone_after = _marked_pids(mark), None
    while survivors and time.monotonic() - killed_at < 5:
        time.sleep(0.05)
        survivors = _marked_pids(mark)
    if not survivors:
        gone_after = time.monotonic() - killed_at
    left = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file()}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {"out": out, "pid": proc.pid, "alive_before": alive_before, "second": second,
            "survivors": survivors, "gone_after": gone_after, "left": left,
            "manifest": manifest, "mark": mark}


@pytest.fixture(scope="module")
def resumed(data, killed):
    log = io.StringIO()
    result = plan_many(data, out_dir=killed["out"], workers=2, progress=False, log=log)
    return result, [json.loads(line) for line in log.getvalue().splitlines()]


@pytest.fixture(scope="module")
def clean(data):
    out = data.parent / "clean"
    result = plan_many(data, out_dir=out, workers=2, progress=False, log=io.StringIO())
    return result, out


# ---------------------------------------------------------------------------- kills
def test_the_kill_landed_mid_run_with_workers_alive(killed):
    counts = killed["manifest"]["counts"]
    assert counts["ok"] >= 1 and counts["pending"] >= 1, counts
    assert killed["manifest"]["run"]["state"] == "running"
    # the batch, its 2 workers, the fork server and the resource tracker
    assert len(killed["alive_before"]) >= 4, killed["alive_before"]
    assert killed["pid"] in killed["alive_before"]


def test_no_process_of_a_killed_batch_survives_5_seconds(killed):
    assert killed["survivors"] == [], [
        Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ")[:200]
        for p in killed["survivors"]]
    assert killed["gone_after"] < 5


def test_a_killed_batch_leaves_only_outputs_its_manifest_records(killed):
    counties = killed["manifest"]["counties"]
    for rel in killed["left"]:
        if rel.startswith(".staffing-staging-"):
            continue  # the workers' scratch space, deleted by the next run
        if rel.endswith(("/plan.xlsx", "/summary.json")):
            name, file = rel.split("/")
            entry = counties[name]
            assert entry["status"] == "ok", rel
            key = "plan" if file == "plan.xlsx" else "summary"
            assert entry["output_sha256"][key] == content_hash(killed["out"] / rel)
        else:
            assert rel in ("manifest.json", LOCK_FILE), rel


def test_resumed_run_equals_a_clean_run_byte_for_byte(killed, resumed, clean):
    result, _ = resumed
    clean_result, clean_out = clean
    assert sorted(result.ok + result.skipped) == NAMES == clean_result.ok
    assert result.skipped and result.ok  # some counties reused, the rest planned now
    assert _outputs(killed["out"]) == _outputs(clean_out)
    assert len(_outputs(clean_out)) == 2 * len(NAMES)
    resumed_entries = {k: _stable_entry(e) for k, e in result.counties.items()}
    assert resumed_entries == {k: _stable_entry(e) for k, e in clean_result.counties.items()}
    assert not [p for p in killed["out"].iterdir() if p.name.startswith(".staffing-staging")]


# ---------------------------------------------------------------------------- the lock
def test_a_second_batch_on_a_busy_out_dir_is_refused_in_one_line(killed):
    second = killed["second"]
    assert second["code"] == 2, second["stderr"]
    lines = second["stderr"].strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), second["stderr"]
    assert "in use by another staffing batch" in lines[0]
    assert f"pid {killed['pid']}" in lines[0]


def test_the_lock_left_by_the_killed_run_is_taken_over_and_logged(killed, resumed):
    result, events = resumed
    taken = [e for e in events if e["event"] == "lock_taken_over"]
    assert len(taken) == 1 and taken[0]["previous"]["pid"] == killed["pid"]
    assert result.manifest["run"]["lock_taken_over"]["pid"] == killed["pid"]
    assert (killed["out"] / LOCK_FILE).read_bytes() == b""  # a clean end clears the record


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _hold(path: Path, record: dict):
    """Hold an flock on ``path`` through a separate open file, as another process would."""
    import fcntl

    handle = open(path, "w")  # noqa: SIM115
    handle.write(json.dumps(record))
    handle.flush()
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def test_a_lock_still_held_after_its_run_died_is_waited_for_then_taken_over(tmp_path):
    import socket

    record = {"pid": _dead_pid(), "host": socket.gethostname(), "started_at": "x"}
    handle = _hold(tmp_path / LOCK_FILE, record)
    threading.Timer(0.3, handle.close).start()  # the last orphan exits
    with lock_out_dir(tmp_path, grace_s=10) as lock:
        assert lock.taken_over == record
        assert json.loads((tmp_path / LOCK_FILE).read_text())["pid"] == os.getpid()


def test_a_lock_held_by_orphans_past_the_grace_period_is_refused(tmp_path):
    import socket

    record = {"pid": _dead_pid(), "host": socket.gethostname(), "started_at": "x"}
    with _hold(tmp_path / LOCK_FILE, record), pytest.raises(BatchLockedError,
                                                            match="killed batch"):
        with lock_out_dir(tmp_path, grace_s=0.2):
            pass


def test_a_lock_held_by_a_live_run_is_refused_at_once(tmp_path):
    import socket

    record = {"pid": os.getpid(), "host": socket.gethostname(), "started_at": "x"}
    start = time.monotonic()
    with _hold(tmp_path / LOCK_FILE, record), pytest.raises(
            BatchLockedError, match=f"in use by another staffing batch \\(pid {os.getpid()}"):
        with lock_out_dir(tmp_path, grace_s=10):
            pass
    assert time.monotonic() - start < 1


# ---------------------------------------------------------------------------- links
def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.fixture
def outside(tmp_path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    for name in ("plan.xlsx", "summary.json", "manifest.json", "notes.txt"):
        (folder / name).write_bytes(f"not yours: {name}".encode())
    return folder


@pytest.mark.parametrize("link", [f"{NAMES[0]}", f"{NAMES[0]}/plan.xlsx",
                                  f"{NAMES[0]}/summary.json", "manifest.json", LOCK_FILE,
                                  "batch.jsonl"])
def test_a_symlink_inside_out_dir_is_refused_and_its_target_untouched(data, outside, tmp_path,
                                                                       link):
    out = tmp_path / "out"
    (out / NAMES[0]).mkdir(parents=True)
    target = outside if link == NAMES[0] else outside / Path(link).name
    if link == LOCK_FILE or link == "batch.jsonl":
        target = outside / "notes.txt"
    if link == NAMES[0]:
        (out / NAMES[0]).rmdir()
    (out / link).symlink_to(target)
    before = _snapshot(outside)
    with pytest.raises(OutDirLinkError) as caught:
        plan_many([data / f"{NAMES[0]}.xlsx"], out_dir=out, workers=1, progress=False,
                  log=out / "batch.jsonl")
    assert str(out / link) in str(caught.value) and str(target) in str(caught.value)
    assert _snapshot(outside) == before


def test_the_cli_refuses_a_symlinked_county_folder_with_exit_2(data, outside, tmp_path, capsys):
    from staffing.batch import run_batch_command
    from staffing.batch.cli import configure_parser

    out = tmp_path / "out"
    out.mkdir()
    (out / NAMES[0]).symlink_to(outside)
    args = configure_parser(__import__("argparse").ArgumentParser()).parse_args(
        [str(data / f"{NAMES[0]}.xlsx"), "-o", str(out)])
    assert run_batch_command(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "symbolic link" in err[0] and str(out / NAMES[0]) in err[0]


def _staged_beside_planted_link(tmp_path: Path, outside: Path) -> tuple[Path, Path, dict[str, bytes]]:
    """A staged plan for 甲县 and an OUT_DIR whose 甲县 folder is a link to ``outside``;
    with a snapshot of ``outside`` to compare after."""
    staging, out = tmp_path / "staging", tmp_path / "out"
    (staging / "甲县").mkdir(parents=True)
    (staging / "甲县" / "plan.xlsx").write_bytes(b"new plan")
    out.mkdir()
    (out / "甲县").symlink_to(outside)
    return staging, out, _snapshot(outside)


def test_a_link_planted_during_the_run_is_not_written_through(outside, tmp_path):
    staging, out, before = _staged_beside_planted_link(tmp_path, outside)
    with pytest.raises(OutDirLinkError):
        promote(staging, out, "甲县", ["plan.xlsx"])
    with pytest.raises(OutDirLinkError):
        remove_outputs(out, "甲县", ["plan.xlsx", "summary.json"])
    assert _snapshot(outside) == before
    assert (staging / "甲县" / "plan.xlsx").read_bytes() == b"new plan"


def test_promote_replaces_real_files_and_leaves_nothing_in_staging(tmp_path):
    staging, out = tmp_path / "staging", tmp_path / "out"
    (staging / "甲县").mkdir(parents=True)
    (staging / "甲县" / "plan.xlsx").write_bytes(b"new")
    (out / "甲县").mkdir(parents=True)
    (out / "甲县" / "plan.xlsx").write_bytes(b"old")
    promote(staging, out, "甲县", ["plan.xlsx"])
    assert (out / "甲县" / "plan.xlsx").read_bytes() == b"new"
    assert not (staging / "甲县" / "plan.xlsx").exists()


def test_the_kernel_refuses_the_link_even_when_every_path_check_is_fooled(outside, tmp_path,
                                                                          monkeypatch):
    """The moves go through a directory opened with O_NOFOLLOW, not through path checks:
    with ``is_symlink`` and ``refuse_links`` blinded (a link planted between check and
    write), the link is still not followed."""
    from staffing.batch import outdir

    staging, out, before = _staged_beside_planted_link(tmp_path, outside)
    monkeypatch.setattr(outdir, "refuse_links", lambda *a, **k: None)
    monkeypatch.setattr(Path, "is_symlink", lambda self: False)
    with pytest.raises(OSError):
        promote(staging, out, "甲县", ["plan.xlsx"])
    with pytest.raises(OSError):
        remove_outputs(out, "甲县", ["plan.xlsx"])
    assert _snapshot(outside) == before


def test_a_dying_worker_takes_its_solver_subprocesses_along():
    """A CBC fallback solve is a child process of the worker: it must not outlive it.
    Reference: the kernel's exit status of the child (killed by signal 9)."""
    code = ("import subprocess, sys\n"
            "child = subprocess.Popen(['sleep', '60'])\n"
            "from staffing.batch.engines import kill_children\n"
            "kill_children()\n"
            "print(child.wait(timeout=10))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=_SOURCE_ROOT)
    assert done.stdout.strip() == str(-signal.SIGKILL), done.stderr
