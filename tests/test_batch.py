"""The nightly batch: many counties, one manifest, failures isolated, runs resumable.

One INPUT_DIR of six small synthetic counties is made once for the module: five
workbooks and one folder of CSVs; 大姚县 has a negative pupil count planted in its
workbook, and 姚安县's county total is below its staff in post (a ``feasible`` plan).
Two counties have named teachers; the others are quota-only, to keep the file fast.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import openpyxl
import pytest

import staffing as st
from staffing.batch import (
    EXIT_ALL_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_SOME_FAILED,
    BatchLockedError,
    content_hash,
    find_inputs,
    plan_county,
    plan_many,
    safe_name,
)
from staffing.batch.cli import configure_parser, run_batch_command
from staffing.batch.engines import start_method
from staffing.batch.manifest import reusable
from staffing.data import write_county_csv

NAMES = ["楚雄市", "双柏县", "牟定县", "南华县", "姚安县", "大姚县"]
BAD, OVER_TOTAL, CSV_FOLDER = "大姚县", "姚安县", "南华县"
GOOD = sorted(set(NAMES) - {BAD})
TEACHERS = ("楚雄市", "牟定县")  # named teachers (rotation block); the rest quotas only


def _quiet() -> dict:
    return {"progress": False, "log": io.StringIO()}


def _make_county(seed: int, name: str, folder: Path) -> None:
    county = st.synth.county(seed, name=name, n_schools=8 + seed % 5, teachers=name in TEACHERS)
    if name == OVER_TOTAL:
        county = st.County(county.schools.reset_index(), county.teachers, name=name,
                           county_total=int(county.schools["staff_in_post"].sum()) - 5)
    if name == CSV_FOLDER:
        write_county_csv(county, folder / name)
    else:
        county.to_excel(folder / f"{name}.xlsx")


def _plant_negative_pupils(workbook: Path) -> None:
    wb = openpyxl.load_workbook(workbook)
    ws = wb["学校"]
    col = [c.value for c in ws[1]].index("小学在校生数") + 1
    ws.cell(row=2, column=col, value=-40)
    wb.save(workbook)


@pytest.fixture(scope="module")
def input_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("batch") / "data"
    folder.mkdir()
    for seed, name in enumerate(NAMES):
        _make_county(seed, name, folder)
    _plant_negative_pupils(folder / f"{BAD}.xlsx")
    (folder / "README.txt").write_text("not a county", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def pool():
    """One process pool shared by the re-run tests (a pool per run costs ~1 s of start-up)."""
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context(start_method())) as ex:
        yield ex


@pytest.fixture(scope="module")
def pool_run(input_dir, tmp_path_factory):
    """The reference run: the local process pool, 2 workers, a JSON-lines log file."""
    out = tmp_path_factory.mktemp("pool") / "out"
    log = out.parent / "batch.jsonl"
    result = plan_many(input_dir, out_dir=out, workers=2, progress=False, log=log)
    return result, out, log


def _output_files(out: Path) -> dict[str, bytes]:
    """Every output file's bytes by relative path (the manifest is a run record: left out)."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name not in ("manifest.json", ".staffing-batch.lock")}


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _assert_no_partial_files(out: Path) -> None:
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]
    for plan in out.rglob("plan.xlsx"):
        openpyxl.load_workbook(plan).close()
    for summary in out.rglob("summary.json"):
        json.loads(summary.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------- one run
def test_five_plans_and_one_error_entry_with_exit_code_4(pool_run):
    result, out, _ = pool_run
    assert result.ok == GOOD
    assert result.failed == [BAD]
    assert result.exit_code == EXIT_SOME_FAILED == 4
    assert sorted(_manifest(out)["counties"]) == sorted(NAMES)
    for name in GOOD:
        assert (out / name / "plan.xlsx").is_file() and (out / name / "summary.json").is_file()
    assert not (out / BAD).exists()
    _assert_no_partial_files(out)


def test_bad_data_entry_names_the_problem_cell(pool_run):
    error = _manifest(pool_run[1])["counties"][BAD]["error"]
    assert error["type"] == "StaffingDataError"
    problem = next(p for p in error["problems"] if p["value"] == -40)
    assert problem["row"] == 2 and problem["sheet"] == "学校"


def test_county_over_its_total_gets_a_feasible_plan_and_counts_as_ok(pool_run):
    entry = _manifest(pool_run[1])["counties"][OVER_TOTAL]
    assert (entry["status"], entry["plan_status"]) == ("ok", "feasible")


def test_manifest_records_inputs_policy_versions_and_outputs(pool_run, input_dir):
    result, out, _ = pool_run
    m = _manifest(out)
    assert m["format"] == "staffing.batch.manifest/1"
    assert m["policy"] == st.Policy().to_dict()
    assert m["policy_fingerprint"] == st.Policy().fingerprint()
    assert m["versions"]["staffing"] == st.__version__
    assert m["versions"]["highspy"] and m["versions"]["pulp"]
    assert m["run"]["state"] == "complete" and m["run"]["engine"]["engine"] == "processes"
    assert [i["path"] for i in m["ignored"]] == [str(input_dir / "README.txt")]
    assert list(m["counties"]) == sorted(NAMES)
    assert sorted(m["completion_order"]) == sorted(NAMES)
    for name, entry in m["counties"].items():
        source = input_dir / (name if name == CSV_FOLDER else f"{name}.xlsx")
        assert entry["input_sha256"] == content_hash(source)
        assert entry["policy_fingerprint"] == m["policy_fingerprint"]
        for key, rel in entry["outputs"].items():
            assert content_hash(out / rel) == entry["output_sha256"][key]
    assert m["counties"][CSV_FOLDER]["input_kind"] == "folder"
    assert result.counties == m["counties"]


def test_summary_json_holds_status_solver_counts_and_summary_table(pool_run):
    summary = json.loads((pool_run[1] / "楚雄市" / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal" and summary["solver"]["solver"] == "highs"
    assert summary["counts"]["schools"] == 8 and summary["counts"]["teachers"] > 0
    assert summary["summary"][0]["key"] == "schools_below_norm"
    assert summary["summary"][0]["metric"] == "低于编制标准的学校"
    assert "time_s" not in summary["solver"]  # wall-clock times live in the manifest
    assert "stages" not in summary["solver"]


def test_log_has_one_json_line_per_event(pool_run):
    events = [json.loads(line) for line in pool_run[2].read_text(encoding="utf-8").splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "run_start" and kinds[-1] == "run_end"
    assert kinds.count("start") == 6 and kinds.count("done") == 5 and kinds.count("failed") == 1
    failed = next(e for e in events if e["event"] == "failed")
    assert (failed["county"], failed["status"], failed["error"]) == (BAD, "failed",
                                                                      "StaffingDataError")
    assert failed["message"] == "1 problem in the input data:"  # and then the problem:
    assert f"{BAD}.xlsx [学校] row 2, column '小学在校生数': value -40: " in failed["detail"]
    assert all(e["seconds"] > 0 for e in events if e["event"] == "done")
    warned = [e for e in events if e["event"] == "warning"]  # 姚安县: over its total
    assert [(e["county"], e["category"]) for e in warned] == [(OVER_TOTAL, "StaffingPlanWarning")]


# ---------------------------------------------------------------------------- engines
def test_dask_local_cluster_gives_byte_identical_outputs(pool_run, input_dir, tmp_path):
    distributed = pytest.importorskip("distributed")
    import logging

    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster) as client:
        result = plan_many(input_dir, out_dir=out, executor=client, **_quiet())
    assert (result.ok, result.failed) == (GOOD, [BAD])
    assert _manifest(out)["run"]["engine"]["engine"] == "dask"
    assert _output_files(out) == _output_files(pool_run[1])


def test_thread_pool_executor_runs_a_batch_where_every_county_fails(input_dir, tmp_path):
    result = plan_many([input_dir / f"{BAD}.xlsx"], out_dir=tmp_path / "out",
                       executor=ThreadPoolExecutor(1), **_quiet())
    assert result.failed == [BAD] and result.exit_code == EXIT_ALL_FAILED == 5


# ---------------------------------------------------------------------------- re-runs
def test_forced_rerun_replans_everything_byte_for_byte(pool, pool_run, input_dir, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(pool_run[1], out)
    result = plan_many(input_dir, out_dir=out, executor=pool, force=True, **_quiet())
    assert result.ok == GOOD and not result.skipped
    assert _output_files(out) == _output_files(pool_run[1])


def test_rerun_skips_unchanged_counties_and_replans_changed_ones(pool, pool_run, input_dir,
                                                                  tmp_path):
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(input_dir, data)
    shutil.copytree(pool_run[1], out)
    assert plan_many(data, out_dir=out, executor=pool, **_quiet()).skipped == GOOD

    st.synth.county(99, name="双柏县", n_schools=9, teachers=False).to_excel(data / "双柏县.xlsx")
    _plant_negative_pupils(data / "牟定县.xlsx")
    result = plan_many(data, out_dir=out, executor=pool, **_quiet())
    assert result.ok == ["双柏县"]
    assert result.failed == sorted([BAD, "牟定县"])
    assert result.skipped == sorted(set(GOOD) - {"双柏县", "牟定县"})
    assert not (out / "牟定县").exists() or not any((out / "牟定县").iterdir())
    assert result.counties["楚雄市"]["planned_in_run"] == pool_run[0].manifest["run"]["id"]


def test_changed_policy_replans_everything(pool, pool_run, input_dir, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(pool_run[1], out)
    policy = st.Policy.from_dict({"primary_ratio": 18.0})
    result = plan_many(input_dir, policy, out_dir=out, executor=pool, **_quiet())
    assert result.ok == GOOD
    assert _manifest(out)["policy"]["primary_ratio"] == 18.0


def test_outputs_are_reused_only_for_the_same_input_policy_and_language(pool_run, input_dir):
    out = pool_run[1]
    entry = _manifest(out)["counties"]["楚雄市"]
    [inp], _ = find_inputs([input_dir / "楚雄市.xlsx"])
    fingerprint = st.Policy().fingerprint()
    assert reusable(entry, inp, fingerprint, "zh", out)
    assert not reusable(entry, inp, fingerprint, "en", out)
    assert not reusable(entry, inp, "0" * 16, "zh", out)
    assert not reusable({**entry, "input_sha256": "0" * 64}, inp, fingerprint, "zh", out)
    assert not reusable({**entry, "status": "failed"}, inp, fingerprint, "zh", out)
    assert not reusable({**entry, "output_sha256": {"plan": "0", "summary": "0"}}, inp,
                        fingerprint, "zh", out)


def test_missing_output_file_is_replanned(pool, pool_run, input_dir, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(pool_run[1], out)
    (out / "楚雄市" / "plan.xlsx").unlink()
    result = plan_many(input_dir, out_dir=out, executor=pool, **_quiet())
    assert result.ok == ["楚雄市"]
    assert _output_files(out) == _output_files(pool_run[1])


def _cli(input_dir: Path, out: Path, *extra: str, env: dict | None = None, **kwargs):
    cmd = [sys.executable, "-m", "staffing.batch", str(input_dir), "-o", str(out), *extra]
    return subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def test_interrupted_run_leaves_complete_outputs_and_rerun_finishes_the_rest(input_dir,
                                                                           tmp_path, capsys):
    out = tmp_path / "out"
    proc = _cli(input_dir, out, "--workers", "1", env={"STAFFING_BATCH_STOP_AFTER": "1"})
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == EXIT_INTERRUPTED == 130, stderr
    first = _manifest(out)
    done = sorted(k for k, e in first["counties"].items() if e["status"] in ("ok", "failed"))
    assert first["run"]["state"] == "interrupted"
    assert 1 <= len(done) < 6 and first["counts"]["pending"] == 6 - len(done)
    _assert_no_partial_files(out)

    assert run_batch_command(_parse(str(input_dir), "-o", str(out), "--workers", "2")) == 4
    stdout = capsys.readouterr().out
    second = _manifest(out)
    ok_before = [k for k in done if k != BAD]
    assert sorted(k for k, e in second["counties"].items() if e["status"] == "skipped") == ok_before
    assert sorted(second["completion_order"]) == sorted(set(NAMES) - set(ok_before))
    assert second["counts"]["pending"] == 0 and "failed: 大姚县" in stdout
    _assert_no_partial_files(out)


def test_killed_run_never_leaves_a_partial_output(pool, input_dir, tmp_path):
    out = tmp_path / "out"
    proc = _cli(input_dir, out, "--workers", "2", start_new_session=True)
    deadline = time.monotonic() + 60
    while not list(out.glob("*/summary.json")) and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole run, workers included, mid-write maybe
    proc.communicate()
    for plan in out.glob("*/plan.xlsx"):
        openpyxl.load_workbook(plan).close()
    json.loads((out / "manifest.json").read_text(encoding="utf-8"))

    result = plan_many(input_dir, out_dir=out, executor=pool, **_quiet())
    assert sorted(result.ok + result.skipped) == GOOD and result.failed == [BAD]
    _assert_no_partial_files(out)


# ---------------------------------------------------------------------------- the CLI
def _parse(*argv: str) -> argparse.Namespace:
    return configure_parser(argparse.ArgumentParser()).parse_args(list(argv))


def test_usage_errors_exit_2(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad.toml").write_text("primary_ratio = -1\n", encoding="utf-8")
    assert run_batch_command(_parse(str(tmp_path / "missing"), "-o", str(tmp_path / "o"))) == 2
    assert run_batch_command(_parse(str(tmp_path / "empty"), "-o", str(tmp_path / "o"))) == 2
    assert "no county inputs" in capsys.readouterr().err
    args = _parse(str(tmp_path), "-o", str(tmp_path / "o"), "--policy", str(tmp_path / "bad.toml"))
    assert run_batch_command(args) == 2
    assert "primary_ratio" in capsys.readouterr().err
    assert run_batch_command(_parse(str(tmp_path), "-o", str(tmp_path))) == 2
    assert "must not be INPUT_DIR" in capsys.readouterr().err


def test_help_lists_the_options_and_exit_codes():
    parser = argparse.ArgumentParser(prog="staffing")
    from staffing.batch import add_batch_parser

    text = add_batch_parser(parser.add_subparsers()).format_help()
    for option in ("--workers", "--scheduler", "--policy", "--force", "--log", "--lang",
                   "--time-limit", "exit codes"):
        assert option in text


def test_staffing_cli_has_the_batch_command(input_dir, tmp_path):
    from staffing import cli

    try:
        cli._parser().parse_args(["batch", str(input_dir), "-o", str(tmp_path)])
    except SystemExit:
        pytest.skip("staffing/cli.py does not wire `batch` yet")
    files = [input_dir / "楚雄市.xlsx"]
    assert cli.main(["batch", str(files[0]), "-o", str(tmp_path / "out"),
                     "--workers", "1"]) == EXIT_OK


def test_warnings_are_json_log_events_not_text_on_stderr(input_dir, tmp_path):
    """stderr not a terminal, no --log: stderr is the JSON-lines stream, warnings too."""
    data = tmp_path / "data"
    data.mkdir()
    for name in (OVER_TOTAL, BAD):  # 姚安县: the pool has nothing to move; 大姚县: bad data
        shutil.copy(input_dir / f"{name}.xlsx", data)
    out = tmp_path / "out"
    proc = _cli(data, out, "--workers", "1")
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == EXIT_SOME_FAILED, stderr
    events = [json.loads(line) for line in stderr.splitlines()]  # every line one object
    warned = [e for e in events if e["event"] == "warning"]
    assert [e["county"] for e in warned] == [OVER_TOTAL]
    assert warned[0]["category"] == "StaffingPlanWarning"
    assert warned[0]["message"].startswith(f"{OVER_TOTAL}: The turnover pool has nothing to move")
    order = [(e["event"], e.get("county")) for e in events]
    assert order.index(("warning", OVER_TOTAL)) < order.index(("done", OVER_TOTAL))
    entry = _manifest(out)["counties"][OVER_TOTAL]
    assert [w["message"] for w in entry["warnings"]] == [warned[0]["message"]]


def test_summary_of_a_failed_county_shows_its_first_problems_and_where_all_are(
        input_dir, tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(input_dir / f"{BAD}.xlsx", data)
    out = tmp_path / "out"
    assert run_batch_command(_parse(str(data), "-o", str(out), "--workers", "1",
                                    "--log", str(tmp_path / "log.jsonl"))) == EXIT_ALL_FAILED
    lines = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"  failed: {BAD}: "))
    assert lines[at].endswith("StaffingDataError: 1 problem in the input data:")
    problem = lines[at + 1]  # the problem itself, under the header that ends at the colon
    assert problem.startswith("    ") and "out of range" in problem  # the rule broken
    assert f"{BAD}.xlsx [学校] row 2, column '小学在校生数': value -40: " in problem
    assert "manifest.json" in lines[at + 2] and f"{BAD} → error" in lines[at + 2]
    manifest = _manifest(out)["counties"][BAD]["error"]["problems"]
    assert len(manifest) == 1 and manifest[0]["row"] == 2


def test_warnings_of_counties_in_threads_stay_with_their_county(tmp_path, capfd):
    """Two counties planned side by side in threads (as on a Dask worker), twice: each
    warning is logged with its own county, every time, and nothing reaches stderr."""
    data = tmp_path / "data"
    data.mkdir()
    names = ("甲县", "乙县")
    for seed, name in enumerate(names):
        c = st.synth.county(seed, name=name, n_schools=6, teachers=False)
        st.County(c.schools.reset_index(), name=name,
                  county_total=int(c.schools["staff_in_post"].sum())).to_excel(
            data / f"{name}.xlsx")
    for force in (False, True):  # the second run: the same warnings, in the same process
        log = io.StringIO()
        with ThreadPoolExecutor(2) as threads:
            result = plan_many(data, out_dir=tmp_path / "out", executor=threads,
                               progress=False, log=log, force=force)
        assert sorted(result.ok) == sorted(names)
        events = [json.loads(line) for line in log.getvalue().splitlines()]
        warned = sorted((e["county"], e["message"].split(":")[0]) for e in events
                        if e["event"] == "warning")
        assert warned == sorted((n, n) for n in names)
    assert "Warning" not in capfd.readouterr().err


def test_routed_warnings_repeat_per_block_and_leave_other_threads_alone():
    import threading
    import warnings

    from staffing.batch.events import routed_warnings

    def warn():  # one place, one text: Python's "default" action shows it once per place
        warnings.warn("姚安县: the same text", UserWarning, stacklevel=1)

    got, elsewhere = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = lambda message, *args, **kwargs: elsewhere.append(str(message))
        for _ in range(2):  # a county planned twice in one process: warned twice
            with routed_warnings(got.append):
                warn()
                other = threading.Thread(target=warnings.warn, args=("other thread",))
                other.start()
                other.join()
        warnings.warn("after", stacklevel=1)  # after the blocks: the hook they replaced
    assert [w["message"] for w in got] == ["姚安县: the same text"] * 2
    assert elsewhere == ["other thread", "other thread", "after"]


def test_a_warning_is_written_above_the_progress_bar(capsys):
    pytest.importorskip("tqdm")
    from staffing.batch.events import EventLog

    with EventLog(total=1, progress=True) as events:  # a bar, no log stream
        events.emit("warning", county="姚安县", category="StaffingPlanWarning",
                    message="姚安县: the pool has nothing to move")
        events.emit("warning", county="南华县", category="UserWarning", message="a library's")
    lines = capsys.readouterr().err.replace("\r", "\n").splitlines()  # the bar redraws
    assert "warning: 姚安县: the pool has nothing to move" in lines  # the county named once
    assert "warning: 南华县: a library's" in lines


def test_second_run_on_the_same_out_dir_is_refused(input_dir, tmp_path):
    fcntl = pytest.importorskip("fcntl")
    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".staffing-batch.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(BatchLockedError):
            plan_many(input_dir, out_dir=out, **_quiet())


# ---------------------------------------------------------------------------- pieces
def test_worker_reports_a_time_limit_without_a_plan_as_failed(tmp_path):
    st.synth.county(5, name="禄丰市", n_schools=20).to_excel(tmp_path / "禄丰市.xlsx")
    result = plan_county(str(tmp_path / "禄丰市.xlsx"), st.Policy().to_dict(),
                         str(tmp_path / "out"), {"time_limit": 0.001})
    if result["status"] == "ok":  # a very fast machine found a plan within the limit
        assert result["plan_status"] in ("optimal", "feasible")
        return
    assert result["error"]["type"] == "NoPlanError"
    assert result["solver"]["options"]["time_limit"] == 0.001
    assert not (tmp_path / "out" / "禄丰市").exists() or not any(
        (tmp_path / "out" / "禄丰市").iterdir())


def test_output_names_keep_chinese_and_replace_separators():
    assert safe_name("楚雄彝族自治州/楚雄市") == "楚雄彝族自治州_楚雄市"
    assert safe_name("..\\..\\etc") == "_.._etc"
    assert safe_name(" ") == "county"


def test_inputs_are_sorted_named_uniquely_and_the_out_dir_is_left_out(tmp_path):
    (tmp_path / "b.xlsx").write_bytes(b"x")
    (tmp_path / "B").mkdir()
    (tmp_path / "B" / "学校.csv").write_text("x", encoding="utf-8")
    (tmp_path / "~$b.xlsx").write_bytes(b"lock")
    (tmp_path / "notes").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "学校.csv").write_text("x", encoding="utf-8")
    found, ignored = find_inputs(tmp_path, exclude=[tmp_path / "out"])
    assert [(c.name, c.kind) for c in found] == [("B", "folder"), ("b-2", "workbook")]
    assert sorted(Path(i["path"]).name for i in ignored) == ["notes", "out"]


def test_folder_hash_changes_with_any_file_but_not_hidden_ones(tmp_path):
    (tmp_path / "学校.csv").write_text("a", encoding="utf-8")
    before = content_hash(tmp_path)
    (tmp_path / ".DS_Store").write_bytes(b"junk")
    assert content_hash(tmp_path) == before
    (tmp_path / "教师.csv").write_text("b", encoding="utf-8")
    assert content_hash(tmp_path) != before


def test_doctests_of_the_batch_modules_pass():
    import doctest

    from staffing.batch import cli, engines, events, inputs, manifest, outdir, runner, worker

    for module in (inputs, worker, manifest, outdir, engines, events, runner, cli):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, module.__name__


def test_a_batch_with_another_horizon_replans_and_the_same_horizon_reuses(input_dir,
                                                                          tmp_path):
    one = [input_dir / f"{NAMES[0]}.xlsx"]
    out = tmp_path / "out"
    first = plan_many(one, out_dir=out, workers=1, horizon=1, **_quiet())
    assert first.ok == [NAMES[0]]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"]["horizon"] == 1
    entry = manifest["counties"][NAMES[0]]
    assert entry["policy_fingerprint"].endswith("+horizon=1")
    assert plan_many(one, out_dir=out, workers=1, horizon=1, **_quiet()).skipped == [NAMES[0]]
    assert plan_many(one, out_dir=out, workers=1, horizon=0, **_quiet()).ok == [NAMES[0]]
    with pytest.raises(ValueError, match="horizon"):
        plan_many(one, out_dir=out, horizon=-1, **_quiet())
