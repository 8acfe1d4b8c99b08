"""Reading and writing counties: Excel, CSV and Parquet, round trips and file errors."""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from staffing.data import County, load_county, write_county_csv, write_county_excel
from staffing.data.schema import SCHOOL_COLUMNS, TEACHER_COLUMNS
from staffing.errors import StaffingDataError

ZH_SCHOOLS = {c.name: c.zh for c in SCHOOL_COLUMNS}
ZH_TEACHERS = {c.name: c.zh for c in TEACHER_COLUMNS}


@pytest.fixture
def county(small_county_frames) -> County:
    schools, teachers = small_county_frames(n_schools=6, teachers_per_school=3)
    return County(schools, teachers, name="禄丰市", county_total=230)


def sheet_cells(path, sheet):
    wb = openpyxl.load_workbook(path)
    try:
        return [[c.value for c in row] for row in wb[sheet].iter_rows()]
    finally:
        wb.close()


def load_problems(path, **kwargs):
    with pytest.raises(StaffingDataError) as info:
        load_county(path, **kwargs)
    return info.value.problems


# ---------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_excel_round_trip_gives_an_equal_county(county, tmp_path, lang):
    path = tmp_path / "lufeng.xlsx"
    county.to_excel(path, lang=lang)
    again = load_county(path)
    assert again == county
    assert again.name == "禄丰市" and again.county_total == 230 and not again.total_is_default


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_csv_folder_round_trip_gives_an_equal_county(county, tmp_path, lang):
    write_county_csv(county, tmp_path / "lufeng", lang=lang)
    assert load_county(tmp_path / "lufeng") == county


def test_default_county_total_stays_a_default_after_a_round_trip(small_county_frames, tmp_path):
    county = County(small_county_frames()[0], name="x")
    county.to_excel(tmp_path / "x.xlsx")
    again = load_county(tmp_path / "x.xlsx")
    assert again == county and again.total_is_default


def test_parquet_file_holds_the_schools_table(county, tmp_path):
    county.schools.to_parquet(tmp_path / "schools.parquet")
    loaded = load_county(tmp_path / "schools.parquet", name="禄丰市", county_total=230)
    assert loaded == County(county.schools, name="禄丰市", county_total=230)


def test_folder_of_parquet_files_loads_every_table(county, tmp_path):
    county.schools.to_parquet(tmp_path / "schools.parquet")
    county.teachers.to_parquet(tmp_path / "teachers.parquet")
    pd.DataFrame({"key": ["name", "county_total"], "value": ["禄丰市", "230"]}).to_parquet(
        tmp_path / "county.parquet")
    assert load_county(tmp_path) == county


def test_chinese_and_english_workbooks_load_to_equal_counties(county, tmp_path):
    county.to_excel(tmp_path / "zh.xlsx", lang="zh")
    county.to_excel(tmp_path / "en.xlsx", lang="en")
    assert load_county(tmp_path / "zh.xlsx", name="a") == load_county(tmp_path / "en.xlsx",
                                                                        name="a")


@pytest.mark.parametrize("bom", [True, False])
def test_csv_with_or_without_byte_order_mark_is_read(small_county_frames, tmp_path, bom):
    schools, _ = small_county_frames()
    schools.rename(columns=ZH_SCHOOLS).to_csv(
        tmp_path / "学校.csv", index=False, encoding="utf-8-sig" if bom else "utf-8")
    loaded = load_county(tmp_path, name="x")
    assert loaded == County(schools, name="x")
    assert loaded.schools.columns[0] == "name"  # the BOM did not stick to the first header


def test_single_csv_file_holds_the_schools_table(small_county_frames, tmp_path):
    schools, _ = small_county_frames()
    schools.to_csv(tmp_path / "lufeng.csv", index=False)
    loaded = load_county(tmp_path / "lufeng.csv")
    assert loaded == County(schools, name="lufeng")


def test_name_defaults_to_the_file_stem_and_arguments_override_the_county_sheet(
    county, tmp_path
):
    county.to_excel(tmp_path / "lufeng.xlsx")
    overridden = load_county(tmp_path / "lufeng.xlsx", name="禄丰", county_total=240)
    assert (overridden.name, overridden.county_total) == ("禄丰", 240)
    County(county.schools, name="x").to_excel(tmp_path / "nameless.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "nameless.xlsx")
    wb["县情"]["B2"] = None
    wb.save(tmp_path / "nameless.xlsx")
    assert load_county(tmp_path / "nameless.xlsx").name == "nameless"


# ---------------------------------------------------------------------------- generated frames
_TEXT = st.text(alphabet="城关金山碧和平中小学镇乡村ABCxyz0123456789-=·", min_size=1,
                max_size=8).filter(lambda s: s.strip() == s)


@st.composite
def school_rows(draw, n: int) -> pd.DataFrame:
    rows = []
    for i in range(n):
        level = draw(st.sampled_from(["primary", "junior", "nine_year", "teaching_point"]))
        has_p, has_j = level != "junior", level in ("junior", "nine_year")
        cp = draw(st.integers(1, 30)) if has_p else 0
        cj = draw(st.integers(1, 20)) if has_j else 0
        pp = draw(st.integers(cp, cp * 50)) if has_p else 0
        pj = draw(st.integers(cj, cj * 50)) if has_j else 0
        limit = int(5 * (pp / 19 + pj / 13.5) + 20)
        lat = draw(st.one_of(st.just(np.nan), st.floats(-90, 90, allow_subnormal=False)))
        rows.append({
            "school_id": draw(st.sampled_from([f"S{i:02d}", str(100 + i), f"00{i}"])),
            "name": draw(_TEXT), "township": draw(_TEXT), "level": level,
            "location": draw(st.sampled_from(["urban", "town", "rural"])),
            "is_central": draw(st.booleans()), "is_quality": draw(st.booleans()),
            "is_weak": draw(st.booleans()),
            "pupils_primary": pp, "pupils_junior": pj, "classes_primary": cp,
            "classes_junior": cj, "approved_quota": draw(st.integers(0, limit)),
            "staff_in_post": draw(st.integers(4, max(limit, 4))),
            "lat": lat, "lon": draw(st.floats(-180, 180, allow_subnormal=False)),
            "boarding_pupils": draw(st.integers(0, 300)),
        })
    return pd.DataFrame(rows)


@st.composite
def teacher_rows(draw, school_ids: list[str]) -> pd.DataFrame:
    rows = []
    for i in range(draw(st.integers(0, 3 * len(school_ids)))):
        born = draw(st.dates(dt.date(1960, 1, 1), dt.date(2000, 12, 31)))
        hired = draw(st.integers(born.year + 16, min(born.year + 30, 2020)))
        form = draw(st.sampled_from(["date", "year", "both"]))
        rows.append({
            "teacher_id": f"T{i:03d}", "school_id": school_ids[i % len(school_ids)],
            "subject": draw(st.sampled_from(["chinese", "maths", "it", "general"])),
            "sex": draw(st.sampled_from(["male", "female"])),
            "birth_date": pd.NaT if form == "year" else pd.Timestamp(born),
            "birth_year": np.nan if form == "date" else born.year,
            "hire_year": hired, "years_at_school": draw(st.integers(0, 5)),
            "title": draw(st.sampled_from(["senior", "none"])),
            "backbone": draw(st.sampled_from(["none", "province"])),
            "is_head_teacher": draw(st.booleans()),
            "status": draw(st.sampled_from(["in_post", "leaving", "seconded"])),
            "pinned": draw(st.booleans()),
        })
    columns = [c.name for c in TEACHER_COLUMNS]
    return pd.DataFrame(rows, columns=columns).astype({"birth_date": "datetime64[ns]"})


@st.composite
def counties(draw) -> County:
    schools = draw(school_rows(draw(st.integers(1, 4))))
    schools = schools.drop_duplicates("school_id")
    teachers = draw(st.one_of(st.none(), teacher_rows(schools["school_id"].tolist())))
    # within the plausibility limit (at least 20 posts per school, Policy defaults)
    total = draw(st.one_of(st.none(), st.integers(0, 20 * len(schools))))
    return County(schools, teachers, name=draw(_TEXT), county_total=total)


_ROUND_TRIP = settings(max_examples=25, deadline=None,
                       suppress_health_check=[HealthCheck.function_scoped_fixture])


@_ROUND_TRIP
@given(county=counties(), lang=st.sampled_from(["zh", "en"]))
@pytest.mark.filterwarnings("ignore::staffing.errors.StaffingDataWarning")  # random ages
def test_excel_round_trip_is_lossless_for_generated_counties(tmp_path, county, lang):
    path = tmp_path / f"c_{lang}.xlsx"
    write_county_excel(county, path, lang=lang)
    assert load_county(path) == county


@_ROUND_TRIP
@given(county=counties(), lang=st.sampled_from(["zh", "en"]))
@pytest.mark.filterwarnings("ignore::staffing.errors.StaffingDataWarning")  # random ages
def test_csv_round_trip_is_lossless_for_generated_counties(tmp_path, county, lang):
    folder = tmp_path / f"c_{lang}"
    for old in folder.glob("*.csv") if folder.exists() else ():
        old.unlink()
    write_county_csv(county, folder, lang=lang)
    assert load_county(folder) == county


# ---------------------------------------------------------------------------- written workbook
def test_chinese_workbook_has_chinese_sheets_headers_labels_and_yes_no(county, tmp_path):
    county.to_excel(tmp_path / "c.xlsx", lang="zh")
    wb = openpyxl.load_workbook(tmp_path / "c.xlsx")
    assert wb.sheetnames == ["学校", "教师", "县情"]
    schools = sheet_cells(tmp_path / "c.xlsx", "学校")
    assert schools[0][:5] == ["学校代码", "学校名称", "乡镇", "学段", "城乡属性"]
    assert schools[1][3:6] == ["小学", "城区", "是"]
    assert sheet_cells(tmp_path / "c.xlsx", "县情") == [["项目", "值"], ["县名", "禄丰市"],
                                                        ["核定编制总量", 230]]
    teachers = sheet_cells(tmp_path / "c.xlsx", "教师")
    assert isinstance(teachers[1][teachers[0].index("出生日期")], dt.datetime)


def test_english_workbook_has_english_sheets_headers_and_codes(county, tmp_path):
    county.to_excel(tmp_path / "c.xlsx", lang="en")
    assert openpyxl.load_workbook(tmp_path / "c.xlsx").sheetnames == [
        "schools", "teachers", "county"]
    schools = sheet_cells(tmp_path / "c.xlsx", "schools")
    assert schools[0][:4] == ["school_id", "name", "township", "level"]
    assert schools[1][3:6] == ["primary", "urban", True]


def test_header_row_is_bold_and_frozen_and_columns_are_sized(county, tmp_path):
    county.to_excel(tmp_path / "c.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "c.xlsx")["学校"]
    assert ws.freeze_panes == "A2"
    assert all(cell.font.bold for cell in ws[1])
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width >= 8


def test_text_that_looks_like_a_formula_is_written_as_text(small_county_frames, tmp_path):
    schools, _ = small_county_frames()
    schools.loc[0, "name"] = "=1+1"
    county = County(schools, name="x")
    county.to_excel(tmp_path / "c.xlsx")
    assert load_county(tmp_path / "c.xlsx").schools["name"].iloc[0] == "=1+1"


def test_failed_write_leaves_the_existing_file_untouched(county, tmp_path, monkeypatch):
    path = tmp_path / "c.xlsx"
    path.write_bytes(b"old")

    import xlsxwriter

    def broken_close(self):
        self.fileclosed = True  # no destructor warning
        raise OSError("disk full")

    monkeypatch.setattr(xlsxwriter.Workbook, "close", broken_close)
    with pytest.raises(OSError, match="disk full"):
        county.to_excel(path)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["c.xlsx"]


def test_equal_counties_give_byte_identical_workbooks(county, tmp_path):
    county.to_excel(tmp_path / "a.xlsx")
    county.to_excel(tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_unknown_language_is_refused(county, tmp_path):
    with pytest.raises(ValueError, match="lang must be one of zh, en"):
        county.to_excel(tmp_path / "c.xlsx", lang="fr")


# ---------------------------------------------------------------------------- reading details
def test_title_rows_and_blank_rows_keep_excel_row_numbers(county, tmp_path):
    path = tmp_path / "c.xlsx"
    county.to_excel(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["学校"]
    ws.insert_rows(1, amount=2)
    ws["A1"] = "禄丰市2024年学校基本情况表"
    ws.insert_rows(6)  # a blank row between the data rows (header now in row 3)
    letter = {c.value: c.column_letter for c in ws[3]}["小学在校生数"]
    ws[f"{letter}8"] = -1
    wb.save(path)
    [p] = load_problems(path)
    assert (p.sheet, p.row, p.column, p.value) == ("学校", 8, "小学在校生数", -1)


def test_extra_columns_in_the_workbook_are_ignored(county, tmp_path):
    path = tmp_path / "c.xlsx"
    county.to_excel(path)
    wb = openpyxl.load_workbook(path)
    wb["学校"]["Z1"] = "备注"
    wb["学校"]["Z2"] = "新建校区"
    wb.save(path)
    assert load_county(path) == county


def test_planted_errors_are_all_reported_with_excel_row_and_column(county, tmp_path):
    path = tmp_path / "planted.xlsx"
    county.to_excel(path, lang="zh")
    wb = openpyxl.load_workbook(path)
    schools, teachers = wb["学校"], wb["教师"]
    col = {c.value: c.column_letter for c in schools[1]}
    schools[f"{col['小学在校生数']}2"] = -30                 # negative pupils
    schools[f"{col['学段']}3"] = "高中"                     # unknown level
    schools[f"{col['学校代码']}4"] = "S01"                  # duplicate of row 2
    schools[f"{col['小学班级数']}5"] = 0                    # pupils without classes
    schools[f"{col['核定编制数']}6"] = 12.5                 # fraction in a whole-number column
    tcol = {c.value: c.column_letter for c in teachers[1]}
    teachers[f"{tcol['学校代码']}5"] = "S77"                # teacher at an unknown school
    teachers.delete_cols(teachers[f"{tcol['任教学科']}1"].column)  # required column gone
    wb.save(path)

    problems = load_problems(path)
    found = {(p.sheet, p.row, p.column) for p in problems}
    assert ("学校", 2, "小学在校生数") in found
    assert ("学校", 3, "学段") in found
    assert {("学校", 2, "学校代码"), ("学校", 4, "学校代码")} <= found
    assert ("学校", 5, "小学班级数") in found
    assert ("学校", 6, "核定编制数") in found
    assert ("教师", 5, "学校代码") in found
    assert ("教师", None, "任教学科") in found
    assert all(p.file == str(path) for p in problems)
    rules = " | ".join(p.rule for p in problems)
    for words in ("out of range", "not an allowed level", "duplicate school_id",
                  "but no primary classes", "expected a whole number",
                  "no school with school_id 'S77'", "required column subject"):
        assert words in rules


def test_problem_message_names_file_sheet_row_column_value_and_rule(county, tmp_path):
    path = tmp_path / "lufeng.xlsx"
    county.to_excel(path)
    wb = openpyxl.load_workbook(path)
    wb["学校"]["D3"] = "大学"
    wb.save(path)
    with pytest.raises(StaffingDataError) as info:
        load_county(path)
    assert str(info.value).splitlines()[1] == (
        f"  {path} [学校] row 3, column '学段': value '大学': not an allowed level; allowed "
        "values: primary (小学), junior (初中), nine_year (九年一贯制), teaching_point (教学点)"
    )


# ---------------------------------------------------------------------------- file problems
def test_missing_file_is_reported_by_name(tmp_path):
    [p] = load_problems(tmp_path / "nope.xlsx")
    assert p.file == str(tmp_path / "nope.xlsx") and p.rule == "file not found"


def test_unreadable_workbook_is_reported(tmp_path):
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip file")
    [p] = load_problems(tmp_path / "broken.xlsx")
    assert "cannot read the file as an Excel workbook" in p.rule


def test_workbook_without_a_schools_sheet_names_the_sheets_found(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.create_sheet("教师")
    wb.save(tmp_path / "c.xlsx")
    [p] = load_problems(tmp_path / "c.xlsx")
    assert "no sheet named schools or 学校" in p.rule and "Sheet1, 教师" in p.rule


def test_folder_without_a_schools_file_names_the_files_found(tmp_path):
    (tmp_path / "teachers.csv").write_text("teacher_id\n", encoding="utf-8")
    [p] = load_problems(tmp_path)
    assert "no schools table" in p.rule and "teachers.csv" in p.rule


def test_two_files_for_one_table_are_an_error(small_county_frames, tmp_path):
    schools, _ = small_county_frames()
    schools.to_csv(tmp_path / "schools.csv", index=False)
    schools.to_csv(tmp_path / "学校.csv", index=False)
    [p] = load_problems(tmp_path)
    assert "two files hold the schools table" in p.rule


def test_csv_not_in_utf8_is_reported(small_county_frames, tmp_path):
    schools, _ = small_county_frames()
    schools.rename(columns=ZH_SCHOOLS).to_csv(tmp_path / "学校.csv", index=False,
                                              encoding="gbk")
    [p] = load_problems(tmp_path)
    assert p.sheet == "学校.csv" and "UTF-8" in p.rule


def test_county_sheet_with_unknown_key_or_bad_total_is_an_error(county, tmp_path):
    path = tmp_path / "c.xlsx"
    county.to_excel(path)
    wb = openpyxl.load_workbook(path)
    wb["县情"]["B3"] = 12.5
    wb["县情"].append(["县长", "张三"])
    wb.save(path)
    problems = load_problems(path)
    assert [(p.sheet, p.row, p.column) for p in problems] == [("县情", 3, "值"),
                                                             ("县情", 4, "项目")]
    assert "whole number" in problems[0].rule and "unknown county key" in problems[1].rule
