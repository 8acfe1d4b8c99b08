"""The staffing command: demo, validate, plan — exit codes and output."""

from __future__ import annotations

import os

import openpyxl
import pytest

import staffing as st
from staffing.cli import EXIT_DATA, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, main


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "county.xlsx"
    st.synth.county(seed=11, name="测试县", n_schools=12).to_excel(path, lang="zh")
    return path


def plant_errors(source, target):
    """Five planted errors in the Chinese workbook: each names its row and column."""
    wb = openpyxl.load_workbook(source)
    schools, teachers = wb["学校"], wb["教师"]
    header = {c.value: c.column for c in schools[1]}
    schools.cell(row=2, column=header["小学在校生数"]).value = -5          # negative pupils
    schools.cell(row=3, column=header["学段"]).value = "大学"              # unknown level
    schools.cell(row=4, column=header["学校代码"]).value = schools.cell(
        row=5, column=header["学校代码"]).value                            # duplicate id
    schools.cell(row=6, column=header["核定编制数"]).value = 12.5          # not whole
    t_header = {c.value: c.column for c in teachers[1]}
    teachers.cell(row=2, column=t_header["学校代码"]).value = "NOPE"       # unknown school
    wb.save(target)
    return {(2, "小学在校生数"), (3, "学段"), (4, "学校代码"), (6, "核定编制数"), (2, "学校代码")}


def test_validate_reports_all_five_planted_errors(workbook, tmp_path, capsys):
    bad = tmp_path / "bad.xlsx"
    planted = plant_errors(workbook, bad)
    assert main(["validate", str(bad)]) == EXIT_DATA
    out = capsys.readouterr()
    for row, column in planted:
        assert any(f"{row}" in line and column in line for line in out.out.splitlines()), (
            row, column)
    assert "problem" in out.err


def test_validate_accepts_a_clean_workbook(workbook, capsys):
    assert main(["validate", str(workbook)]) == EXIT_OK
    assert "OK" in capsys.readouterr().out


def test_plan_writes_a_chinese_workbook(workbook, tmp_path, capsys):
    out = tmp_path / "plan.xlsx"
    assert main(["plan", str(workbook), "-o", str(out), "--lang", "zh"]) == EXIT_OK
    sheets = openpyxl.load_workbook(out).sheetnames
    assert sheets[:3] == ["概要", "编制调整", "周转池"]
    assert "方案状态" in capsys.readouterr().out


def test_a_bad_policy_file_is_a_one_line_usage_error(workbook, tmp_path, capsys):
    policy = tmp_path / "p.toml"
    policy.write_text("primary_ratio = 0\n", encoding="utf-8")
    code = main(["plan", str(workbook), "-o", str(tmp_path / "x.xlsx"), "--policy", str(policy)])
    assert code == EXIT_USAGE
    assert "primary_ratio" in capsys.readouterr().err


def test_missing_input_is_a_clear_error(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.xlsx")]) != EXIT_OK


def test_demo_prints_norms_and_the_plan(capsys):
    assert main(["demo"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Norm (posts)" in out and "Plan status" in out and "Teachers moved" in out


def test_plan_to_dir_writes_every_table_and_replaces_the_folder(tmp_path):
    plan = st.optimize(st.synth.county(seed=11, n_schools=12))
    folder = plan.to_dir(tmp_path / "out")
    names = sorted(p.name for p in folder.iterdir())
    assert "quotas.csv" in names and "moves.csv" in names and "summary.csv" in names
    import pandas as pd

    quotas = pd.read_csv(folder / "quotas.csv", encoding="utf-8-sig", dtype={"School ID": str})
    assert quotas["New quota"].tolist() == plan.quotas["new_quota"].tolist()
    plan.to_dir(tmp_path / "out", format="parquet", lang="zh")  # replaces, no leftovers
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".parquet"] * len(names)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_plan_with_a_horizon_writes_the_year_sheets_and_prints_the_years(workbook, tmp_path,
                                                                          capsys):
    out = tmp_path / "plan5.xlsx"
    assert main(["plan", str(workbook), "-o", str(out), "--lang", "zh", "--horizon", "2"]
                ) == EXIT_OK
    sheets = openpyxl.load_workbook(out).sheetnames
    assert {"逐年概览", "招聘计划", "逐年编制", "退休"} <= set(sheets)
    printed = capsys.readouterr().out
    assert "新招聘教师" in printed and "2028" in printed


# ------------------------------------------------------- one line, before solving, never a traceback
def one_line_error(capsys) -> str:
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.err
    assert "Traceback" not in out.err and "Plan status" not in out.out  # nothing was solved
    return lines[0]


def test_an_existing_folder_as_output_is_refused_before_solving(workbook, tmp_path, capsys):
    folder = tmp_path / "out"
    folder.mkdir()
    assert main(["plan", str(workbook), "-o", str(folder)]) == EXIT_USAGE
    assert "is a folder" in one_line_error(capsys)
    assert list(folder.iterdir()) == []


def test_an_output_below_a_file_is_refused_before_solving(workbook, tmp_path, capsys):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x", encoding="utf-8")
    code = main(["plan", str(workbook), "-o", str(blocker / "sub" / "plan.xlsx")])
    assert code == EXIT_USAGE
    assert "is a file, not a folder" in one_line_error(capsys)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root writes into read-only folders")
def test_an_unwritable_output_folder_is_refused_before_solving(workbook, tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert main(["plan", str(workbook), "-o", str(locked / "plan.xlsx")]) == EXIT_USAGE
        assert "no permission" in one_line_error(capsys)
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize("command", ["plan", "validate"])
def test_a_gbk_policy_file_is_one_line(workbook, tmp_path, capsys, command):
    policy = tmp_path / "p.toml"
    policy.write_bytes("# 楚雄州政策\nprimary_ratio = 18.0\n".encode("gbk"))
    args = [command, str(workbook), "--policy", str(policy)]
    if command == "plan":
        args += ["-o", str(tmp_path / "plan.xlsx")]
    assert main(args) == EXIT_USAGE
    assert "not UTF-8" in one_line_error(capsys)


def test_a_policy_with_several_problems_is_still_one_line(workbook, tmp_path, capsys):
    policy = tmp_path / "p.toml"
    policy.write_text("primary_ratio = 0\nweight_move = nan\n", encoding="utf-8")
    assert main(["validate", str(workbook), "--policy", str(policy)]) == EXIT_USAGE
    line = one_line_error(capsys)
    assert "primary_ratio = 0" in line and "weight_move = nan" in line


def test_validate_applies_the_policy_plausibility_limits(workbook, tmp_path, capsys):
    """With staff allowed at most 0.1 × the norm, every staffed school is implausible;
    the same workbook passes under the default limits."""
    policy = tmp_path / "strict.toml"
    policy.write_text("plausible_staff_factor = 0.1\nplausible_staff_extra = 0\n",
                      encoding="utf-8")
    assert main(["validate", str(workbook)]) == EXIT_OK
    assert main(["validate", str(workbook), "--policy", str(policy)]) == EXIT_DATA
    assert "plausible_staff_factor" in capsys.readouterr().out


def test_an_unexpected_error_is_one_line(monkeypatch, workbook, capsys):
    import staffing

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(staffing, "load_county", broken)
    monkeypatch.delenv("STAFFING_DEBUG", raising=False)
    assert main(["validate", str(workbook)]) == EXIT_INTERNAL
    assert "unexpected ZeroDivisionError" in one_line_error(capsys)


def test_plan_prints_a_warning_as_one_clean_line(workbook, tmp_path):
    # a county total below the staff in post: the turnover pool has nothing to move
    import subprocess
    import sys

    county = st.load_county(workbook)
    idle = tmp_path / "idle.xlsx"
    st.County(county.schools.reset_index(), county.teachers, name="测试县",
              county_total=int(county.schools["staff_in_post"].sum()) - 5).to_excel(idle)
    proc = subprocess.run([sys.executable, "-m", "staffing.cli", "plan", str(idle), "-o",
                           str(tmp_path / "plan.xlsx")], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONWARNINGS": "default"})
    assert proc.returncode == EXIT_OK, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines and all(line.startswith("warning: ") for line in lines), proc.stderr
    assert any("测试县: The turnover pool has nothing to move" in line for line in lines)
    assert not any(".py:" in line or "optimize(" in line for line in lines)  # no path, no source
