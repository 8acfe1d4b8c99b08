"""Validation of the schools and teachers tables: canonical form and every rule."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffing.data import County, validate_tables
from staffing.data.schema import SCHOOL_COLUMNS, TEACHER_COLUMNS, columns_for
from staffing.errors import StaffingDataError
from staffing.policy import Policy

SCHOOL_ORDER = [c.name for c in SCHOOL_COLUMNS if c.name != "school_id"]
TEACHER_ORDER = [c.name for c in TEACHER_COLUMNS if c.name != "teacher_id"]


def problems_of(schools, teachers=None, **kwargs):
    """The problems validation raises (fails the test if it raises none)."""
    with pytest.raises(StaffingDataError) as info:
        validate_tables(schools, teachers, **kwargs)
    return info.value.problems


def only(problems, **fields):
    """The problems whose attributes contain the given values (``rule`` as substring)."""
    rule = fields.pop("rule", "")
    return [
        p for p in problems
        if rule in p.rule and all(getattr(p, k) == v for k, v in fields.items())
    ]


# ---------------------------------------------------------------------------- canonical form
def test_canonical_frames_have_schema_order_id_index_and_dtypes(small_county_frames):
    schools, teachers = validate_tables(*small_county_frames())
    assert list(schools.columns) == SCHOOL_ORDER
    assert list(teachers.columns) == TEACHER_ORDER
    assert schools.index.name == "school_id" and teachers.index.name == "teacher_id"
    assert isinstance(schools.index[0], str) and isinstance(teachers.index[0], str)
    for frame, table in ((schools, "schools"), (teachers, "teachers")):
        for c in columns_for(table):
            if c.name in frame.index.names:
                continue
            dtype = frame[c.name].dtype
            expected = {"int": "int64", "float": "float64", "int_or_blank": "float64",
                        "bool": "bool", "date": "datetime64[ns]"}.get(c.kind)
            if expected:
                assert str(dtype) == expected, c.name
            else:
                assert pd.api.types.is_string_dtype(dtype), c.name


def test_validating_canonical_frames_again_changes_nothing(small_county_frames):
    schools, teachers = validate_tables(*small_county_frames())
    again_schools, again_teachers = validate_tables(schools, teachers)
    assert again_schools.equals(schools) and again_teachers.equals(teachers)


def test_input_frames_are_not_modified(small_county_frames):
    schools, teachers = small_county_frames()
    before_s, before_t = schools.copy(), teachers.copy()
    validate_tables(schools, teachers)
    assert schools.equals(before_s) and teachers.equals(before_t)


def test_teachers_are_optional(small_county_frames):
    schools, teachers = validate_tables(small_county_frames()[0])
    assert teachers is None and len(schools) == 5


def test_whole_floats_and_numeric_text_are_whole_numbers(small_county_frames):
    schools, _ = small_county_frames()
    schools = schools.astype({"pupils_primary": object, "classes_primary": float})
    schools.loc[0, "pupils_primary"] = " 1180 "
    clean, _ = validate_tables(schools)
    assert clean["pupils_primary"].iloc[0] == 1180
    assert clean["classes_primary"].dtype == "int64"


def test_numeric_ids_become_text(small_county_frames):
    schools, teachers = small_county_frames()
    schools["school_id"] = [101, 102.0, "103", 104, 105]
    teachers["school_id"] = np.repeat([101, 102, 103, 104, 105], 3)
    clean, clean_teachers = validate_tables(schools, teachers)
    assert list(clean.index) == ["101", "102", "103", "104", "105"]
    assert clean_teachers["school_id"].iloc[3] == "102"


def test_yes_no_words_in_both_languages(small_county_frames):
    schools, _ = small_county_frames()
    schools["is_central"] = ["是", "否", "TRUE", "no", 1]
    schools["is_weak"] = [True, 0.0, "Y", "f", " yes "]
    clean, _ = validate_tables(schools)
    assert clean["is_central"].tolist() == [True, False, True, False, True]
    assert clean["is_weak"].tolist() == [True, False, True, False, True]


def test_categories_accept_codes_labels_and_any_case(small_county_frames):
    schools, _ = small_county_frames()
    schools["level"] = ["小学", "Junior", "九年一贯制", " primary ", "教学点"]
    schools["location"] = ["城区", "URBAN", "镇区", "乡村", "rural"]
    clean, _ = validate_tables(schools)
    assert clean["level"].tolist() == ["primary", "junior", "nine_year", "primary",
                                       "teaching_point"]
    assert clean["location"].tolist() == ["urban", "urban", "town", "rural", "rural"]


def test_optional_columns_absent_or_empty_take_their_defaults(small_county_frames):
    schools, teachers = small_county_frames()
    schools = schools.drop(columns=["is_central", "is_quality", "lat", "lon"])
    schools["boarding_pupils"] = [None, 3, "", np.nan, 7]
    teachers = teachers.drop(columns=["pinned"])
    clean, clean_teachers = validate_tables(schools, teachers)
    assert not clean["is_central"].any() and not clean["is_quality"].any()
    assert clean["lat"].isna().all() and clean["lon"].dtype == "float64"
    assert clean["boarding_pupils"].tolist() == [0, 3, 0, 0, 7]
    assert clean_teachers["pinned"].dtype == bool and not clean_teachers["pinned"].any()


@pytest.mark.parametrize("backend", ["numpy_nullable", "pyarrow"])
def test_nullable_and_arrow_dtypes_give_the_same_county(small_county_frames, backend):
    schools, teachers = small_county_frames()
    converted = (schools.convert_dtypes(dtype_backend=backend),
                 teachers.convert_dtypes(dtype_backend=backend))
    assert County(*converted) == County(schools, teachers)


def test_frame_indexed_by_school_id_is_accepted(small_county_frames):
    schools, _ = small_county_frames()
    clean, _ = validate_tables(schools)
    again, _ = validate_tables(schools.set_index("school_id"))
    assert again.equals(clean)


def test_unknown_extra_columns_are_ignored_when_no_required_column_is_missing(
    small_county_frames,
):
    schools, _ = small_county_frames()
    clean, _ = validate_tables(schools.assign(备注="新建", phone="0878"))
    assert "备注" not in clean.columns and "phone" not in clean.columns


# ---------------------------------------------------------------------------- teachers' birth
def test_birth_year_is_taken_from_birth_date_and_birth_date_may_be_absent(
    small_county_frames,
):
    _, teachers = small_county_frames()
    clean = validate_tables(small_county_frames()[0], teachers)[1]
    given_date = teachers["birth_date"].notna().to_numpy()
    assert (clean["birth_year"][given_date] == clean["birth_date"][given_date].dt.year).all()
    assert clean["birth_date"][~given_date].isna().all()
    assert clean["birth_year"].dtype == "int64"


def test_teachers_with_only_birth_year_column_get_an_empty_birth_date(small_county_frames):
    schools, teachers = small_county_frames()
    teachers["birth_year"] = teachers["birth_year"].fillna(teachers["birth_date"].dt.year)
    clean = validate_tables(schools, teachers.drop(columns="birth_date"))[1]
    assert clean["birth_date"].isna().all() and clean["birth_date"].dtype == "datetime64[ns]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1965-03-12", "1965-03-12"), ("1965/3/2", "1965-03-02"), ("1965.03.12", "1965-03-12"),
     ("1965年3月12日", "1965-03-12"), ("1965年3月", "1965-03-01"), ("1965-03", "1965-03-01"),
     (dt.date(1965, 3, 12), "1965-03-12"), (dt.datetime(1965, 3, 12), "1965-03-12")],
)
@pytest.mark.filterwarnings("ignore::staffing.errors.StaffingDataWarning")  # aged 61, in post
def test_dates_are_read_from_common_chinese_and_iso_forms(small_county_frames, text, expected):
    schools, teachers = small_county_frames()
    teachers["birth_date"] = teachers["birth_date"].astype(object)
    teachers.loc[0, ["birth_date", "birth_year"]] = [text, np.nan]
    clean = validate_tables(schools, teachers)[1]
    assert clean["birth_date"].iloc[0] == pd.Timestamp(expected)


def test_teacher_without_birth_date_or_year_is_an_error(small_county_frames):
    schools, teachers = small_county_frames()
    teachers.loc[4, ["birth_date", "birth_year"]] = [pd.NaT, np.nan]
    [p] = problems_of(schools, teachers)
    assert (p.sheet, p.row, p.column) == ("teachers", 6, "birth_date")
    assert "birth date or birth year" in p.rule


def test_teachers_table_without_any_birth_column_is_an_error(small_county_frames):
    schools, teachers = small_county_frames()
    [p] = problems_of(schools, teachers.drop(columns=["birth_date", "birth_year"]))
    assert p.row is None and "birth_date" in p.rule and "birth_year" in p.rule


def test_birth_year_contradicting_birth_date_is_an_error(small_county_frames):
    schools, teachers = small_county_frames()
    teachers.loc[1, "birth_year"] = teachers.loc[1, "birth_date"].year + 1
    [p] = problems_of(schools, teachers)
    assert (p.row, p.column) == (3, "birth_year") and "contradicts birth_date" in p.rule


def test_unreadable_date_is_an_error(small_county_frames):
    schools, teachers = small_county_frames()
    teachers["birth_date"] = teachers["birth_date"].astype(object)
    teachers.loc[0, "birth_date"] = "三月"
    [p] = problems_of(schools, teachers)
    assert (p.row, p.column, p.value) == (2, "birth_date", "三月")
    assert "expected a date" in p.rule


# ---------------------------------------------------------------------------- column rules
def test_missing_required_column_lists_every_accepted_header(small_county_frames):
    schools, _ = small_county_frames()
    [p] = problems_of(schools.drop(columns="approved_quota"))
    assert p.row is None and p.column == "approved_quota"
    for header in ("approved_quota", "核定编制数", "编制数", "核定编制"):
        assert repr(header) in p.rule


def test_missing_column_is_named_in_the_language_of_the_sheet(small_county_frames):
    schools, _ = small_county_frames()
    zh = {c.name: c.zh for c in SCHOOL_COLUMNS}
    problems = problems_of(schools.drop(columns="township").rename(columns=zh))
    assert [p.column for p in problems] == ["乡镇"]


def test_misspelt_required_column_is_reported_with_a_suggestion(small_county_frames):
    schools, _ = small_county_frames()
    problems = problems_of(schools.rename(columns={"staff_in_post": "staf_in_post"})
                           .assign(备注="", phone="123"))
    # the one problem names the misspelt column; the other columns not in the schema
    # are ignored, as they are when nothing is missing
    [missing] = problems
    assert missing.column == "staff_in_post"
    assert "is the column 'staf_in_post' meant to be it?" in missing.rule


def test_an_unknown_cell_with_no_reported_cause_is_reported(small_county_frames):
    from staffing.data.marks import Unknown

    schools, _ = small_county_frames()
    schools["name"] = schools["name"].astype(object)
    schools.loc[schools.index[1], "name"] = Unknown("a cause nobody reported")
    [p] = problems_of(schools)
    assert (p.row, p.column) == (3, "name")
    assert "could not be determined: a cause nobody reported" in p.rule


def test_same_column_given_twice_is_an_error(small_county_frames):
    schools, _ = small_county_frames()
    schools["学校名称"] = schools["name"]
    [p] = problems_of(schools)
    assert p.column == "学校名称" and "both mean name" in p.rule


def test_empty_required_cell_is_an_error(small_county_frames):
    schools, _ = small_county_frames()
    schools.loc[2, "township"] = "  "
    [p] = problems_of(schools)
    assert (p.row, p.column, p.value) == (4, "township", "")
    assert "required value missing" in p.rule


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [("pupils_primary", -5, "out of range: allowed 0 – 20000 pupils"),
     ("classes_primary", 12.5, "expected a whole number"),
     ("approved_quota", "sixty", "expected a whole number"),
     ("lat", 95.0, "out of range: allowed -90 – 90 degrees"),
     ("lon", "east", "expected a number"),
     ("is_weak", "maybe", "expected yes or no"),
     ("pupils_junior", True, "expected a whole number")],
)
def test_wrong_type_or_out_of_range_cell_is_an_error(small_county_frames, column, value, rule):
    schools, _ = small_county_frames()
    schools[column] = schools[column].astype(object)
    schools.loc[0, column] = value
    problems = problems_of(schools)
    assert only(problems, row=2, column=column, value=value, rule=rule)


def test_text_with_a_control_character_is_an_error(small_county_frames):
    schools, _ = small_county_frames()
    schools.loc[1, "name"] = "城关\x0b中学"
    [p] = problems_of(schools)
    assert (p.row, p.column) == (3, "name") and "control character" in p.rule


def test_unknown_category_lists_the_allowed_values_in_both_languages(small_county_frames):
    schools, _ = small_county_frames()
    schools.loc[1, "level"] = "高中"
    [p] = problems_of(schools)
    assert (p.row, p.column, p.value) == (3, "level", "高中")
    assert "primary (小学)" in p.rule and "teaching_point (教学点)" in p.rule


def test_duplicate_school_ids_name_both_rows(small_county_frames):
    schools, _ = small_county_frames()
    schools.loc[3, "school_id"] = "S01"
    problems = only(problems_of(schools), column="school_id", rule="duplicate")
    assert [(p.row, p.rule) for p in problems] == [
        (2, "duplicate school_id: also in row 5"),
        (5, "duplicate school_id: also in row 2"),
    ]


def test_duplicate_teacher_ids_are_an_error(small_county_frames):
    schools, teachers = small_county_frames()
    teachers.loc[7, "teacher_id"] = "T0001"
    problems = problems_of(schools, teachers)
    assert {p.row for p in only(problems, column="teacher_id", rule="duplicate")} == {3, 9}


def test_schools_table_without_rows_is_an_error(small_county_frames):
    schools, _ = small_county_frames()
    [p] = problems_of(schools.iloc[:0])
    assert "no data rows" in p.rule


# ---------------------------------------------------------------------------- plausibility
def test_pupils_without_classes_and_classes_without_pupils_are_errors(small_county_frames):
    schools, _ = small_county_frames()
    schools.loc[0, "classes_primary"] = 0
    schools.loc[1, "pupils_junior"] = 0
    problems = problems_of(schools)
    assert only(problems, row=2, column="classes_primary",
                rule="1180 primary pupils but no primary classes")
    assert only(problems, row=3, column="pupils_junior",
                rule="18 junior classes but no junior pupils")


def test_class_size_above_the_policy_limit_is_an_error(small_county_frames):
    schools, _ = small_county_frames()
    schools.loc[0, "classes_primary"] = 8  # 1180 pupils: 148 per class
    [p] = problems_of(schools)
    assert (p.row, p.column) == (2, "pupils_primary")
    assert "148 per class" in p.rule and "plausible_class_size_max" in p.rule
    validate_tables(schools, policy=Policy(plausible_class_size_max=150))


@pytest.mark.parametrize(
    ("row", "changes", "rule"),
    [(0, {"pupils_junior": 40, "classes_junior": 1}, "a primary school (小学) cannot have junior"),
     (4, {"pupils_junior": 5, "classes_junior": 1}, "a teaching_point school (教学点) cannot"),
     (1, {"pupils_primary": 40, "classes_primary": 1}, "a junior school (初中) cannot have primary"),
     (2, {"pupils_junior": 0, "classes_junior": 0}, "a nine-year school (九年一贯制) needs both")],
)
def test_level_contradicting_the_pupil_columns_is_an_error(
    small_county_frames, row, changes, rule
):
    schools, _ = small_county_frames()
    for column, value in changes.items():
        schools.loc[row, column] = value
    [p] = problems_of(schools)
    assert (p.row, p.column) == (row + 2, "level") and rule in p.rule


@pytest.mark.parametrize("column", ["approved_quota", "staff_in_post"])
def test_staff_far_above_the_pupil_norm_is_an_error(small_county_frames, column):
    schools, _ = small_county_frames()
    schools.loc[3, column] = 63  # 160 pupils: norm 8.4, limit 5 × 8.4 + 20 = 62
    [p] = problems_of(schools)
    assert (p.row, p.column, p.value) == (5, column, 63)
    assert "implausibly high" in p.rule and "limit is 62" in p.rule
    validate_tables(schools, policy=Policy(plausible_staff_extra=30))


def test_more_teachers_listed_than_staff_in_post_is_an_error(small_county_frames):
    schools, teachers = small_county_frames()
    schools.loc[4, "staff_in_post"] = 2  # the teaching point lists 3 teachers
    [p] = problems_of(schools, teachers)
    assert (p.sheet, p.row, p.column, p.value) == ("schools", 6, "staff_in_post", 2)
    assert "3 teachers of this school are listed" in p.rule


def test_fewer_teachers_listed_than_staff_in_post_is_fine(small_county_frames):
    schools, teachers = small_county_frames()
    validate_tables(schools, teachers.iloc[::2])


def test_teacher_at_an_unknown_school_is_an_error(small_county_frames):
    schools, teachers = small_county_frames()
    teachers.loc[5, "school_id"] = "S99"
    [p] = problems_of(schools, teachers)
    assert (p.sheet, p.row, p.column, p.value) == ("teachers", 7, "school_id", "S99")
    assert "no school with school_id 'S99'" in p.rule


def test_teacher_hired_before_sixteen_is_an_error(small_county_frames):
    schools, teachers = small_county_frames()
    born = int(pd.Series(teachers.loc[2, "birth_year"]).fillna(0).iloc[0])
    teachers.loc[2, "hire_year"] = born + 15
    teachers.loc[2, "years_at_school"] = 0
    [p] = problems_of(schools, teachers)
    assert (p.row, p.column) == (4, "hire_year") and "at age 15" in p.rule


def test_more_years_at_school_than_years_in_service_by_the_plan_year_is_an_error(
    small_county_frames,
):
    schools, teachers = small_county_frames()
    teachers.loc[0, ["hire_year", "years_at_school"]] = [2020, 6]
    teachers.loc[1, ["hire_year", "years_at_school"]] = [2020, 5]  # 2020..2024: fine
    [p] = problems_of(schools, teachers, policy=Policy(plan_year=2024))
    assert (p.row, p.column, p.value) == (2, "years_at_school", 6)
    assert "at most 5 by the plan year 2024" in p.rule


# ---------------------------------------------------------------------------- reporting
def test_all_problems_of_both_tables_are_reported_at_once_in_row_order(small_county_frames):
    schools, teachers = small_county_frames()
    schools.loc[3, "pupils_primary"] = -1
    schools.loc[0, "level"] = "大学"
    teachers.loc[2, "sex"] = "x"
    teachers = teachers.drop(columns="title")
    problems = problems_of(schools, teachers)
    assert [(p.sheet, p.row, p.column) for p in problems] == [
        ("schools", 2, "level"),
        ("schools", 5, "pupils_primary"),
        ("teachers", None, "title"),
        ("teachers", 4, "sex"),
    ]


def test_sheet_names_and_row_numbers_given_by_a_reader_are_used(small_county_frames):
    schools, _ = small_county_frames()
    schools.loc[1, "location"] = "海边"
    [p] = problems_of(schools, source="lufeng.xlsx", sheet_names={"schools": "学校"},
                      row_numbers={"schools": [4, 5, 7, 8, 9]})
    assert (p.file, p.sheet, p.row) == ("lufeng.xlsx", "学校", 5)


def test_error_message_names_file_sheet_row_column_value_and_rule(small_county_frames):
    schools, _ = small_county_frames()
    schools = schools.rename(columns={"classes_primary": "小学班级数"})
    schools["小学班级数"] = schools["小学班级数"].astype(object)
    schools.loc[2, "小学班级数"] = 12.5
    with pytest.raises(StaffingDataError) as info:
        validate_tables(schools, source="data/lufeng.xlsx", sheet_names={"schools": "学校"})
    assert str(info.value) == (
        "1 problem in the input data:\n"
        "  data/lufeng.xlsx [学校] row 4, column '小学班级数': value 12.5: "
        "expected a whole number"
    )
    table = info.value.table()
    assert table.loc[0, ["file", "sheet", "row", "column", "value"]].tolist() == [
        "data/lufeng.xlsx", "学校", 4, "小学班级数", 12.5]


# ---------------------------------------------------------------------------- mixed headers
def _header_variants(column) -> st.SearchStrategy[str]:
    def dress(header: str, upper: bool, pad: str) -> str:
        if header.isascii() and upper:
            header = header.upper()
        return f"{pad}{header}{pad}"

    return st.builds(dress, st.sampled_from(column.headers()), st.booleans(),
                     st.sampled_from(["", " ", "\u3000"]))


def _cell_variants(value, column) -> st.SearchStrategy[object]:
    if column.kind == "category":
        return st.sampled_from([value, value.upper(), column.vocab[value]])
    if column.kind == "bool":
        words = (["是", "true", "TRUE", "yes", 1, True] if value
                 else ["否", "false", "No", "n", 0, False])
        return st.sampled_from(words)
    if column.kind == "int" and not pd.isna(value):
        return st.sampled_from([int(value), float(value), str(int(value)), f" {int(value)}.0"])
    return st.just(value)


@st.composite
def _dressed(draw, frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """``frame`` with each header and cell written in a random accepted way."""
    columns = {c.name: c for c in columns_for(table)}
    out = {}
    for name in draw(st.permutations(list(frame.columns))):
        c = columns[name]
        out[draw(_header_variants(c))] = [draw(_cell_variants(v, c)) for v in frame[name]]
    return pd.DataFrame(out, dtype=object)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_any_mix_of_chinese_and_english_headers_and_labels_gives_an_equal_county(
    small_county_frames, data
):
    schools, teachers = small_county_frames(n_schools=4, teachers_per_school=2)
    expected = County(schools, teachers, name="禄丰")
    dressed_schools = data.draw(_dressed(schools, "schools"))
    dressed_teachers = data.draw(_dressed(teachers, "teachers"))
    assert County(dressed_schools, dressed_teachers, name="禄丰") == expected
