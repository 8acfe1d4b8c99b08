"""The staffing command: demo, validate, plan — exit codes and output."""

from __future__ import annotations

import openpyxl
import pytest

import staffing as st
from staffing.cli import EXIT_DATA, EXIT_OK, EXIT_USAGE, main


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
