"""The malformed-input campaign: every kind of bad file a bureau might send.

Each case builds a file by hand (openpyxl, the csv module, pyarrow, plain text) from a
clean county, breaks one thing, and asserts the class of outcome — a
:class:`StaffingDataError` / :class:`PolicyError` naming the sheet, row, column and
rule, or a county that loads — with the substance of the message written out from the
schema's wording (docs/data.md), not computed by the library.
"""

from __future__ import annotations

import csv
import datetime
import os
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst

import staffing as st
from staffing import Policy, PolicyError, load_county
from staffing.data.schema import columns_for
from staffing.errors import StaffingDataError, StaffingDataWarning

DEMO = Path(__file__).resolve().parent.parent / "examples" / "data" / "demo_county.xlsx"
ZH = {c.name: c.zh for t in ("schools", "teachers") for c in columns_for(t)}
SHEET = {"xlsx": {"schools": "学校", "teachers": "教师", "county": "县情"},
         "csv": {"schools": "schools.csv", "teachers": "teachers.csv", "county": "county.csv"}}

Grid = list[list[object]]


# ------------------------------------------------------------------------ a clean county
@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> dict[str, dict[str, Grid]]:
    """Cell grids of a clean county: the Chinese workbook (typed cells) and the English
    CSV folder (text cells), read back with openpyxl and the csv module."""
    county = st.synth.county(seed=5, name="测试县", n_schools=6)
    root = tmp_path_factory.mktemp("clean")
    county.to_excel(root / "c.xlsx", lang="zh")
    st.data.write_county_csv(county, root / "csv", lang="en")
    wb = openpyxl.load_workbook(root / "c.xlsx")
    grids = {"xlsx": {t: [list(r) for r in wb[s].iter_rows(values_only=True)]
                      for t, s in SHEET["xlsx"].items()}}
    grids["csv"] = {}
    for t, name in SHEET["csv"].items():
        with open(root / "csv" / name, encoding="utf-8-sig", newline="") as f:
            grids["csv"][t] = [list(r) for r in csv.reader(f)]
    return grids


def write(fmt: str, grids: dict[str, Grid], path: Path) -> Path:
    """Write the grids as a workbook (typed cells) or a CSV folder."""
    if fmt == "xlsx":
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for table, grid in grids.items():
            ws = wb.create_sheet(SHEET["xlsx"][table])
            for row in grid:
                ws.append(row)
        wb.save(path.with_suffix(".xlsx"))
        return path.with_suffix(".xlsx")
    path.mkdir()
    for table, grid in grids.items():
        with open(path / SHEET["csv"][table], "w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows([["" if v is None else v for v in r] for r in grid])
    return path


def header(fmt: str, column: str) -> str:
    return ZH[column] if fmt == "xlsx" else column


def set_cell(grids, fmt, table, row, column, value):
    grid = grids[table]
    j = grid[0].index(header(fmt, column))
    grid[row + 1][j] = value


def copy(grids):
    return {t: [list(r) for r in g] for t, g in grids.items()}


def problems_of(path) -> list:
    with pytest.raises(StaffingDataError) as info:
        load_county(path)
    return info.value.problems


# ------------------------------------------------------------------------ cell cases
@dataclass(frozen=True)
class Cell:
    table: str
    row: int  # data row, 0-based (spreadsheet row = row + 2)
    column: str
    value: object
    rule: str  # substance of the expected message


CELL_CASES = [
    Cell("schools", 0, "pupils_primary", -5, "out of range: allowed 0 – 20000"),
    Cell("schools", 1, "pupils_primary", "abc", "expected a whole number"),
    Cell("schools", 2, "pupils_junior", 12.5, "expected a whole number"),
    Cell("schools", 3, "pupils_primary", 10**7, "out of range: allowed 0 – 20000"),
    Cell("schools", 0, "classes_primary", 401, "out of range: allowed 0 – 400"),
    Cell("schools", 1, "classes_primary", "", "required value missing"),
    Cell("schools", 2, "approved_quota", 12.5, "expected a whole number"),
    Cell("schools", 3, "approved_quota", "many", "expected a whole number"),
    Cell("schools", 4, "staff_in_post", -1, "out of range"),
    Cell("schools", 0, "level", "大学", "not an allowed level"),
    Cell("schools", 1, "level", "", "required value missing"),
    Cell("schools", 2, "location", "moon", "not an allowed location"),
    Cell("schools", 3, "school_id", "", "required value missing"),
    Cell("schools", 4, "school_id", "S\x0b1", "control characters"),
    Cell("schools", 0, "name", "", "required value missing"),
    Cell("schools", 1, "name", "城关\x07小学", "control character"),
    Cell("schools", 2, "name", "长" * 32_768, "longer than 32,767 characters"),
    Cell("schools", 3, "township", "", "required value missing"),
    Cell("schools", 4, "is_central", "maybe", "expected yes or no"),
    Cell("schools", 0, "lat", "north", "expected a number"),
    Cell("schools", 1, "lon", 500, "out of range: allowed -180 – 180"),
    Cell("schools", 2, "pupils_primary", "nan", "expected a whole number"),
    Cell("schools", 3, "pupils_junior", "inf", "expected a whole number"),
    Cell("teachers", 0, "school_id", "NOPE", "no school with school_id 'NOPE'"),
    Cell("teachers", 1, "subject", "latin", "not an allowed subject"),
    Cell("teachers", 2, "sex", "x", "not an allowed sex"),
    Cell("teachers", 3, "birth_year", 1800, "out of range: allowed 1940 – 2010"),
    Cell("teachers", 4, "birth_date", "1990-13-45", "expected a date"),
    Cell("teachers", 5, "hire_year", 2100, "hired after the plan year"),
    Cell("teachers", 6, "hire_year", 1960, "a teacher starts work at 16 at the earliest"),
    Cell("teachers", 7, "years_at_school", 51, "out of range: allowed 0 – 50"),
    Cell("teachers", 8, "title", "professor", "not an allowed title"),
    Cell("teachers", 9, "backbone", "national", "not an allowed backbone"),
    Cell("teachers", 10, "is_head_teacher", "perhaps", "expected yes or no"),
    Cell("teachers", 11, "status", "retired", "not an allowed status"),
    Cell("teachers", 12, "teacher_id", "", "required value missing"),
    Cell("teachers", 13, "hire_year", "soon", "expected a whole number"),
]


def _storable(fmt: str, value: object) -> bool:
    """Excel cannot store control characters (openpyxl refuses them) nor more than
    32,767 characters in a cell (openpyxl cuts them): those cases are CSV only."""
    return fmt == "csv" or not (isinstance(value, str) and (
        any(ord(ch) < 32 for ch in value) or len(value) > 32_767))


@pytest.mark.parametrize(("fmt", "case"), [
    pytest.param(fmt, c, id=f"{fmt}-{c.table}-{c.column}-{c.value!r:.20}")
    for c in CELL_CASES for fmt in ("xlsx", "csv") if _storable(fmt, c.value)])
def test_a_bad_cell_is_named_by_sheet_row_column_and_rule(clean, tmp_path, fmt, case):
    grids = copy(clean[fmt])
    set_cell(grids, fmt, case.table, case.row, case.column, case.value)
    problems = problems_of(write(fmt, grids, tmp_path / "c"))
    hits = [p for p in problems if p.row == case.row + 2 and p.column == header(fmt, case.column)
            and case.rule in p.rule]
    assert hits, [str(p) for p in problems]
    assert hits[0].sheet == SHEET[fmt][case.table]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_duplicate_id_names_both_rows(clean, tmp_path, fmt):
    grids = copy(clean[fmt])
    first = grids["schools"][1][grids["schools"][0].index(header(fmt, "school_id"))]
    set_cell(grids, fmt, "schools", 3, "school_id", first)
    problems = problems_of(write(fmt, grids, tmp_path / "c"))
    rules = {(p.row, p.rule) for p in problems if "duplicate school_id" in p.rule}
    assert rules == {(2, "duplicate school_id: also in row 5"),
                     (5, "duplicate school_id: also in row 2")}


# ------------------------------------------------------------------------ table cases
def drop_column(column):
    def edit(grids, fmt):
        grid = grids["schools"]
        j = grid[0].index(header(fmt, column))
        for row in grid:
            del row[j]
    return edit


def rename_column(column, new):
    def edit(grids, fmt):
        grid = grids["schools"]
        grid[0][grid[0].index(header(fmt, column))] = new
    return edit


def duplicate_column(grids, fmt):
    grid = grids["schools"]
    j = grid[0].index(header(fmt, "name"))
    other = "name" if fmt == "xlsx" else "学校名称"  # the same column in the other language
    for i, row in enumerate(grid):
        row.append(other if i == 0 else row[j])


def title_rows(n):
    def edit(grids, fmt):
        width = len(grids["schools"][0])
        grids["schools"][:0] = [["楚雄州 2026 学校基本情况表"] + [None] * (width - 1)
                                for _ in range(n)]
    return edit


def no_data_rows(grids, fmt):
    grids["schools"] = grids["schools"][:1]
    grids.pop("teachers")


COUNTY_KEYS = {"name": {"xlsx": "县名", "csv": "name"},
               "county_total": {"xlsx": "核定编制总量", "csv": "county_total"}}


def county_value(key, value):
    def edit(grids, fmt):
        grid = grids["county"]
        grid[[r[0] for r in grid].index(COUNTY_KEYS[key][fmt])][1] = value
    return edit


def county_row(key, value):
    def edit(grids, fmt):
        grids["county"].append([COUNTY_KEYS.get(key, {}).get(fmt, key), value])
    return edit


TABLE_CASES = [
    ("missing required column", drop_column("pupils_primary"),
     "required column pupils_primary (小学在校生数) is missing"),
    ("missing id column", drop_column("school_id"), "required column school_id"),
    ("typo in a header", rename_column("pupils_primary", "pupils_primery"),
     "is the column 'pupils_primery' meant to be it?"),
    ("typo in a Chinese header", rename_column("pupils_primary", "小学在校学生数"),
     "is the column '小学在校学生数' meant to be it?"),
    ("the same column twice", duplicate_column, "the same column as"),
    ("header on row 13", title_rows(12), "row 13 looks like the header"),
    ("no data rows", no_data_rows, "the schools table has no data rows"),
    ("county total not a number", county_value("county_total", "lots"),
     "must be a whole number ≥ 0"),
    ("county total 10^9", county_value("county_total", 10**9), "implausibly high"),
    ("unknown county key", county_row("省份", "云南"), "unknown county key"),
    ("county key given twice", county_row("name", "别的县"), "key given twice"),
]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize(("what", "edit", "rule"), TABLE_CASES, ids=[c[0] for c in TABLE_CASES])
def test_a_broken_table_is_named_with_its_rule(clean, tmp_path, fmt, what, edit, rule):
    grids = copy(clean[fmt])
    edit(grids, fmt)
    problems = problems_of(write(fmt, grids, tmp_path / "c"))
    assert any(rule in p.rule for p in problems), [str(p) for p in problems]


def test_title_rows_above_the_header_are_skipped(clean, tmp_path):
    grids = copy(clean["xlsx"])
    title_rows(3)(grids, "xlsx")
    county = load_county(write("xlsx", grids, tmp_path / "c"))
    assert county.n_schools == 6


# ------------------------------------------------------------------------ file cases
def test_both_schools_and_学校_sheets_is_an_error(clean, tmp_path):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title in ("学校", "schools"):
        ws = wb.create_sheet(title)
        for row in clean["xlsx"]["schools"]:
            ws.append(row)
    wb.save(tmp_path / "two.xlsx")
    problems = problems_of(tmp_path / "two.xlsx")
    assert "two sheets hold the schools table: '学校' and 'schools'" in problems[0].rule


def test_a_county_total_far_above_the_norms_is_refused_in_python_too():
    county = st.synth.county(seed=5, n_schools=6, teachers=False)
    with pytest.raises(StaffingDataError, match="implausibly high"):
        st.County(county.schools, name="x", county_total=10**9)
    # 5 × norm + 20 per school: the pupil-ratio norm of the schools, summed by hand
    s = county.schools
    norm = (s["pupils_primary"] / 19 + s["pupils_junior"] / 13.5).sum()
    limit = int(5 * norm + 20 * len(s))
    assert st.County(s, name="x", county_total=limit).county_total == limit
    with pytest.raises(StaffingDataError):
        st.County(s, name="x", county_total=limit + 1)


def test_a_csv_id_with_a_trailing_point_zero_matches_its_school(clean, tmp_path):
    grids = copy(clean["csv"])
    j = grids["teachers"][0].index("school_id")
    for row in grids["teachers"][1:]:
        row[j] = f"{row[j]}.0"
    county = load_county(write("csv", grids, tmp_path / "c"))
    assert set(county.teachers["school_id"]) <= set(county.schools.index)


def test_a_line_break_in_a_csv_cell_keeps_the_spreadsheet_row_numbers(clean, tmp_path):
    grids = copy(clean["csv"])
    set_cell(grids, "csv", "schools", 0, "name", "城关\n小学")  # row 2 spans two lines
    set_cell(grids, "csv", "schools", 2, "pupils_primary", -1)  # row 4
    problems = problems_of(write("csv", grids, tmp_path / "c"))
    assert [(p.row, p.column) for p in problems] == [(4, "pupils_primary")]


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_a_symlink_loop_is_reported_as_a_loop(tmp_path):
    loop = tmp_path / "loop.xlsx"
    loop.symlink_to(loop)
    assert "symbolic link loop" in problems_of(loop)[0].rule
    dangling = tmp_path / "gone.xlsx"
    dangling.symlink_to(tmp_path / "nowhere.xlsx")
    assert "broken symbolic link" in problems_of(dangling)[0].rule


FILE_CASES = [
    ("missing file", lambda d: d / "nope.xlsx", "file not found"),
    ("text saved as .xlsx", lambda d: _text(d / "fake.xlsx", "not a workbook"),
     "cannot read the file as an Excel workbook"),
    ("empty .xlsx", lambda d: _text(d / "empty.xlsx", ""), "cannot read the file"),
    ("old .xls", lambda d: _text(d / "old.xls", "x"), "old .xls workbooks are not read"),
    ("a .txt file", lambda d: _text(d / "c.txt", "x"), "not a county file"),
    ("GBK CSV", lambda d: _bytes(d / "c" / "学校.csv", "学校代码,学校名称\n1,城关\n".encode("gbk")),
     "not UTF-8 text"),
    ("two schools files", lambda d: _two_files(d), "two files hold the schools table"),
    ("folder without schools", lambda d: _text(d / "c" / "notes.csv", "a,b\n"),
     "no schools table"),
    ("empty CSV", lambda d: _text(d / "c" / "schools.csv", ""), "the file is empty"),
    ("workbook without a schools sheet", lambda d: _workbook(d, "Sheet1"),
     "no sheet named schools or 学校; sheets found: Sheet1"),
    ("empty schools sheet", lambda d: _workbook(d, "学校"), "the schools sheet is empty"),
]


def _text(path: Path, text: str) -> Path:
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path.parent if path.suffix == ".csv" else path


def _bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path.parent


def _two_files(d: Path) -> Path:
    _text(d / "c" / "schools.csv", "school_id\n1\n")
    return _text(d / "c" / "学校.csv", "学校代码\n1\n")


def _workbook(d: Path, title: str) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = title
    wb.save(d / "w.xlsx")
    return d / "w.xlsx"


@pytest.mark.parametrize(("what", "make", "rule"), FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_an_unreadable_file_is_one_clear_problem(tmp_path, what, make, rule):
    problems = problems_of(make(tmp_path))
    assert len(problems) == 1 and rule in problems[0].rule, [str(p) for p in problems]


# ------------------------------------------------------------------------ parquet cases
PARQUET_CASES = [
    ("negative pupils", "pupils_primary", -3, 3, "out of range"),
    ("text in a count", "classes_primary", "twelve", 4, "expected a whole number"),
    ("unknown level", "level", "college", 2, "not an allowed level"),
    ("missing name", "name", None, 5, "required value missing"),
]


@pytest.mark.parametrize(("what", "column", "value", "row", "rule"), PARQUET_CASES,
                         ids=[c[0] for c in PARQUET_CASES])
def test_a_bad_parquet_cell_is_named(clean, tmp_path, what, column, value, row, rule):
    pytest.importorskip("pyarrow")
    grid = clean["csv"]["schools"]
    frame = pd.DataFrame(grid[1:], columns=grid[0]).astype(object)
    frame.iloc[row - 2, frame.columns.get_loc(column)] = value
    frame = frame.astype(str).where(frame.notna(), None)
    frame.to_parquet(tmp_path / "schools.parquet")
    problems = problems_of(tmp_path / "schools.parquet")
    assert any(p.row == row and p.column == column and rule in p.rule for p in problems), \
        [str(p) for p in problems]


def test_a_corrupt_parquet_file_is_one_clear_problem(tmp_path):
    pytest.importorskip("pyarrow")
    (tmp_path / "schools.parquet").write_bytes(b"PAR1 not really")
    assert "cannot read the Parquet file" in problems_of(tmp_path / "schools.parquet")[0].rule


# ------------------------------------------------------------------------ policy files
POLICY_CASES = [
    ("primary_ratio = 0\n", "primary_ratio = 0"),
    ("primary_ratio = 1e9\n", "outside the allowed range (0, 100]"),
    ("primary_ratio = nan\n", "primary_ratio = nan: expected a finite number"),
    ("primary_ratio = 'nineteen'\n", "expected a number"),
    ("primary_ratio = true\n", "expected a number"),
    ("small_school_threshold = 1e9\n", "outside the allowed range (0, 10000]"),
    ("small_school_threshold = 150.5\n", "expected a whole number"),
    ("pool_enabled = 'yes'\n", "expected true or false"),
    ("urgent_share_min = 1.5\n", "[0, 1]"),
    ("weight_move = 1e300\n", "outside the allowed range [0, 1e+06]"),
    ("weight_move = -inf\n", "expected a finite number"),
    ("weight_move_km = 1e-5\n", "weights too far apart"),
    ("norm_rounding = 'round'\n", "expected one of half_up, ceil, floor"),
    ("urgent_subjects = ['latin']\n", "'latin' not allowed"),
    ("primary_ration = 18\n", "unknown key(s) 'primary_ration'"),
    ("[teaching_load.junior]\nmusic = nan\n", "teaching_load.junior.music = nan"),
    ("[teaching_load.junior]\nmusic = 0\n", "teaching_load.junior.music = 0"),
    ("[teaching_load.senior_high]\nmusic = 14\n", "teaching_load.senior_high: unknown key"),
    ("[teaching_load.junior]\nlatin = 14\n", "teaching_load.junior.latin: unknown subject"),
    ("[periods_per_week.junior_7_9]\npe = 'three'\n", "periods_per_week.junior_7_9.pe"),
    ("[subject_cover]\nmusic = ['dance']\n", "subject_cover.music: 'dance' is not a subject"),
    ("primary_ratio = \n", "not valid TOML"),
    ("[policy]\nprimary_ratio = -1\n", "primary_ratio = -1"),
]


@pytest.mark.parametrize(("text", "rule"), POLICY_CASES, ids=[c[0][:30] for c in POLICY_CASES])
def test_a_bad_policy_file_names_the_file_and_the_entry(tmp_path, text, rule):
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        Policy.from_toml(path)
    assert rule in str(info.value) and str(path) in str(info.value)


@pytest.mark.parametrize(("text", "field", "value"), [
    ("primary_ratio = 18\n", "primary_ratio", 18.0),
    ("[policy]\njunior_ratio = 12.5\n", "junior_ratio", 12.5),
    ("\ufeffprimary_ratio = 18.0\n", "primary_ratio", 18.0),  # a BOM, as Notepad writes
    ("small_school_threshold = 150.0\n", "small_school_threshold", 150),
])
def test_a_good_policy_file_is_accepted(tmp_path, text, field, value):
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    assert getattr(Policy.from_toml(path), field) == value


# ------------------------------------------------------------------------ random corruption
_DEMO_GRIDS: dict[str, Grid] = {}


def demo_grids() -> dict[str, Grid]:
    if not _DEMO_GRIDS:
        wb = openpyxl.load_workbook(DEMO)
        _DEMO_GRIDS.update({ws.title: [list(r) for r in ws.iter_rows(values_only=True)]
                            for ws in wb.worksheets})
        # the first 120 teachers keep each example fast; every school stays
        _DEMO_GRIDS["教师"] = _DEMO_GRIDS["教师"][:121]
    return copy(_DEMO_GRIDS)


corruption = hst.tuples(
    hst.sampled_from(["drop column", "blank cell", "retype cell", "duplicate row"]),
    hst.sampled_from(["学校", "教师"]),
    hst.integers(0, 10_000),  # row (mod the sheet's rows)
    hst.integers(0, 10_000),  # column (mod the sheet's width)
    hst.sampled_from([None, "", "x", -1, 0, 1.5, 10**9, "是", "小学", True, "=1+1", "1e3"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(corruptions=hst.lists(corruption, min_size=1, max_size=3))
def test_a_randomly_corrupted_demo_workbook_fails_cleanly_or_validates(tmp_path, corruptions):
    grids = demo_grids()
    for kind, sheet, i, j, value in corruptions:
        grid = grids[sheet]
        row, col = 1 + i % (len(grid) - 1), j % len(grid[0])
        if kind == "drop column":
            for r in grid:
                del r[col]
        elif kind == "blank cell":
            grid[row][col] = None
        elif kind == "retype cell":
            grid[row][col] = value
        else:
            grid.insert(row, list(grid[row]))
    wb = openpyxl.Workbook(write_only=True)
    for title, grid in grids.items():
        ws = wb.create_sheet(title)
        for r in grid:
            ws.append(r)
    path = tmp_path / "corrupt.xlsx"
    wb.save(path)
    try:
        county = load_county(path)
    except StaffingDataError as exc:
        assert exc.problems and all(p.rule for p in exc.problems)
        return
    # accepted: the county is valid, so validating its tables again changes nothing
    again = st.County(county.schools, county.teachers, name=county.name,
                      county_total=None if county.total_is_default else county.county_total)
    assert again == county


# ------------------------------------------------------------------------ plan workbook labels
def test_the_shadow_sheet_basis_has_its_own_label():
    """One label per meaning: the quotas sheet's basis is the norm's basis (生师比 or
    班师比); the shadow-training sheet's is why a host was chosen."""
    plan = st.optimize(st.synth.county(seed=5, n_schools=6), time_limit=30)
    for lang, norm_basis, host_basis in (("en", "Norm basis", "Host chosen as"),
                                         ("zh", "核定依据", "跟岗学校依据")):
        tables = plan.tables(lang)
        assert norm_basis in tables["quotas"].columns
        assert host_basis in tables["shadow"].columns
        assert norm_basis not in tables["shadow"].columns



# ------------------------------------------------------------------------ retirement age
def test_a_teacher_in_post_past_the_statutory_retirement_age_is_flagged():
    """2025 reform (POLICY.md B): men retire at 63 at the latest, women cadres at 58.
    In the plan year 2026 a man born in 1960 is 66 and a woman born in 1966 is 60;
    a man born in 1963 is 63 at most and may still be in post."""
    county = st.synth.county(seed=5, n_schools=6)
    t = county.teachers.copy()
    rows = {"man 1960": ("male", 1960, "in_post"), "woman 1966": ("female", 1966, "in_post"),
            "man 1960 leaving": ("male", 1960, "leaving"), "man 1963": ("male", 1963, "in_post")}
    for i, (sex, born, status) in enumerate(rows.values()):
        t.iloc[i, [t.columns.get_loc(c) for c in ("sex", "birth_year", "status")]] = \
            [sex, born, status]
        t.iloc[i, t.columns.get_loc("birth_date")] = pd.Timestamp(f"{born}-03-01")
        t.iloc[i, t.columns.get_loc("hire_year")] = born + 22
        t.iloc[i, t.columns.get_loc("years_at_school")] = 1
    with pytest.warns(StaffingDataWarning) as record:
        loaded = st.County(county.schools, t, name="x")  # flagged, still loaded
    assert loaded.n_teachers == len(t) and len(record) == 1
    problems = record[0].message.problems
    flagged = {(p.row, p.rule.split(":")[0]) for p in problems}
    assert flagged == {(2, "aged 66 in the plan year 2026"), (3, "aged 60 in the plan year 2026")}
    assert all("past the latest statutory retirement age" in p.rule for p in problems)


def test_the_retirement_age_caps_match_the_retirement_module():
    from staffing.data.validate import LATEST_RETIREMENT_AGE
    from staffing.retirement import TRACKS

    assert LATEST_RETIREMENT_AGE == {
        name: track.old_age + track.cap_months // 12 for name, track in TRACKS.items()}


# ------------------------------------------------------------------------ formulas
#: A formula a bureau's workbook should never make the library evaluate (OWASP).
EVIL = '=HYPERLINK("http://evil.example","x")'


def write_xlsxwriter(grids: dict[str, Grid], path: Path,
                     formulas: dict[tuple[str, int, int], tuple[str, object]]) -> Path:
    """Write the grids with xlsxwriter, which can store a formula's value (as Excel does)
    or not; ``formulas`` maps (table, grid row, column) to (formula, stored value)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    for table, grid in grids.items():
        ws = wb.add_worksheet(SHEET["xlsx"][table])
        for r, row in enumerate(grid):
            for j, value in enumerate(row):
                if (table, r, j) in formulas:
                    formula, stored = formulas[table, r, j]
                    ws.write_formula(r, j, formula, None, stored)
                elif isinstance(value, datetime.datetime):
                    ws.write_datetime(r, j, value, date)
                elif value is not None:
                    ws.write(r, j, value)
    wb.close()
    return path


def at(grids, table: str, column: str, row: int) -> tuple[str, int, int]:
    """(table, grid row, column position) of data row ``row`` (spreadsheet row + 2)."""
    return table, row + 1, grids[table][0].index(header("xlsx", column))


def test_a_formula_without_a_stored_value_is_named_as_a_formula_not_an_empty_cell(clean,
                                                                                   tmp_path):
    # openpyxl stores a formula without its value, as any program that does not calculate
    grids = copy(clean["xlsx"])
    set_cell(grids, "xlsx", "schools", 1, "name", EVIL)
    set_cell(grids, "xlsx", "schools", 2, "pupils_primary", "=SUM(1,2)")
    problems = problems_of(write("xlsx", grids, tmp_path / "c"))
    assert [(p.sheet, p.row, p.column, p.value) for p in problems] == [
        ("学校", 3, "学校名称", EVIL), ("学校", 4, "小学在校生数", "=SUM(1,2)")]
    for p in problems:
        assert "holds a formula with no stored value" in p.rule
        assert "reads values only" in p.rule and "empty cell" not in p.rule
    assert "value '=HYPERLINK(\"http://evil.example\",\"x\")'" in str(problems[0])


def test_a_formula_in_the_county_sheet_is_named_too(clean, tmp_path):
    grids = copy(clean["xlsx"])
    grids["county"][[r[0] for r in grids["county"]].index("核定编制总量")][1] = "=SUM(学校!K2:K7)"
    [p] = problems_of(write("xlsx", grids, tmp_path / "c"))
    assert (p.sheet, p.column, p.value) == ("县情", "值", "=SUM(学校!K2:K7)")
    assert "formula" in p.rule


def test_a_formula_with_a_stored_value_is_read_as_that_value_with_a_warning(clean, tmp_path):
    grids = copy(clean["xlsx"])
    typed = load_county(write("xlsx", grids, tmp_path / "typed"))
    assert typed.warnings == []
    pupils = [at(grids, "schools", "pupils_primary", r) for r in (0, 3)]
    stored = {cell: (f"=1+{grids['schools'][cell[1]][cell[2]] - 1}",
                     grids["schools"][cell[1]][cell[2]]) for cell in pupils}
    county = load_county(write_xlsxwriter(grids, tmp_path / "stored.xlsx", stored))
    assert county == typed  # the values Excel stored are the values typed in
    [w] = county.warnings
    assert (w.sheet, w.row, w.column) == ("学校", None, "小学在校生数")
    assert "2 cells (rows 2, 5) hold formulas" in w.rule and w.value.startswith("=1+")


def test_a_formula_whose_stored_value_is_an_error_is_refused(clean, tmp_path):
    grids = copy(clean["xlsx"])
    cell = at(grids, "schools", "approved_quota", 2)
    [p] = problems_of(write_xlsxwriter(grids, tmp_path / "err.xlsx",
                                       {cell: ("=VLOOKUP(A4,Sheet9!A:B,2,0)", "#REF!")}))
    assert (p.sheet, p.row, p.column, p.value) == ("学校", 4, "核定编制数",
                                                   "=VLOOKUP(A4,Sheet9!A:B,2,0)")
    assert "error #REF!" in p.rule


def test_text_beginning_with_equals_stays_text_beside_a_formula(clean, tmp_path):
    # the school name is text (a string cell) in a workbook that also holds a formula
    grids = copy(clean["xlsx"])
    set_cell(grids, "xlsx", "schools", 1, "name", EVIL)
    cell = at(grids, "schools", "pupils_junior", 0)
    county = load_county(write_xlsxwriter(grids, tmp_path / "text.xlsx",
                                          {cell: ("=0+0", grids["schools"][cell[1]][cell[2]])}))
    assert county.schools["name"].iloc[1] == EVIL
    assert [w.column for w in county.warnings] == ["初中在校生数"]


def test_a_formula_in_a_column_the_library_ignores_is_ignored(clean, tmp_path):
    grids = copy(clean["xlsx"])
    for r, row in enumerate(grids["schools"]):
        row.append("备注" if r == 0 else "=1+1")  # no stored value, in no schema column
    county = load_county(write("xlsx", grids, tmp_path / "c"))
    assert county.warnings == []
