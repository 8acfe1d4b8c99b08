"""County.from_frames: a user's headers and codes mapped onto the schema (issue 15, part 3),
and the warning about schools far from the rest of their county (part 6).

Every expected County is written by hand with the schema's own headers and codes;
every expected problem (row, column) is read off the hand-written tables; distances are
on one meridian, where the great-circle distance is |Δlatitude| × πR/180.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import staffing as st
from staffing import County, StaffingDataError
from staffing.data import load_county

# ---------------------------------------------------------------------------- the county
#: The county written with the schema's headers and codes.
CANONICAL_SCHOOLS = pd.DataFrame({
    "school_id": ["S1", "S2", "S3", "S4"],
    "name": ["SK Bandar", "SK Kampung", "SMK Bandar", "SK Hulu"],
    "township": ["Kinta", "Kinta", "Kinta", "Hulu"],
    "level": ["primary", "primary", "junior", "primary"],
    "location": ["urban", "rural", "urban", "rural"],
    "pupils_primary": [900, 120, 0, 60],
    "pupils_junior": [0, 0, 800, 0],
    "classes_primary": [20, 6, 0, 6],
    "classes_junior": [0, 0, 16, 0],
    "approved_quota": [47, 9, 60, 6],
    "staff_in_post": [47, 9, 60, 6],
    "lat": [4.60, 4.65, 4.61, 4.80],
    "lon": [101.08, 101.10, 101.07, 101.20],
})
CANONICAL_TEACHERS = pd.DataFrame({
    "teacher_id": ["T1", "T2", "T3", "T4", "T5"],
    "school_id": ["S1", "S1", "S2", "S3", "S4"],
    "subject": ["maths", "english", "general", "science", "general"],
    "sex": ["male", "female", "female", "male", "female"],
    "birth_year": [1980, 1990, 1975, 1985, 1995],
    "hire_year": [2003, 2014, 1998, 2008, 2019],
    "years_at_school": [5, 3, 12, 7, 2],
    "title": ["intermediate", "junior", "senior", "intermediate", "junior"],
    "backbone": ["county", "none", "none", "prefecture", "none"],
    "is_head_teacher": [True, False, True, False, False],
    "status": ["in_post"] * 5,
})

#: The same county as a Malaysian-style list: its own headers, order and codes.
USER_SCHOOLS = pd.DataFrame({
    "NAMASEKOLAH": ["SK Bandar", "SK Kampung", "SMK Bandar", "SK Hulu"],
    "KODSEKOLAH": ["S1", "S2", "S3", "S4"],
    "DAERAH": ["Kinta", "Kinta", "Kinta", "Hulu"],
    "PERINGKAT": ["Rendah", "Rendah", "Menengah", "Rendah"],
    "LOKASI": ["Bandar", "Luar Bandar", "Bandar", "Luar Bandar"],
    "MURID_RENDAH": [900, 120, 0, 60],
    "MURID_MENENGAH": [0, 0, 800, 0],
    "KELAS_RENDAH": [20, 6, 0, 6],
    "KELAS_MENENGAH": [0, 0, 16, 0],
    "GURU": [47, 9, 60, 6],
    "KOORDINATYY": [4.60, 4.65, 4.61, 4.80],
    "KOORDINATXX": [101.08, 101.10, 101.07, 101.20],
    "NEGERI": ["PERAK"] * 4,  # not in the schema, not mapped: ignored
})
USER_TEACHERS = pd.DataFrame({
    "NO_GURU": ["T1", "T2", "T3", "T4", "T5"],
    "KODSEKOLAH": ["S1", "S1", "S2", "S3", "S4"],
    "MATAPELAJARAN": ["Matematik", "Bahasa Inggeris", "Umum", "Sains", "Umum"],
    "JANTINA": ["L", "P", "P", "L", "P"],
    "TAHUN_LAHIR": [1980, 1990, 1975, 1985, 1995],
    "TAHUN_MULA": [2003, 2014, 1998, 2008, 2019],
    "TAHUN_DI_SEKOLAH": [5, 3, 12, 7, 2],
    "GRED": ["DG44", "DG41", "DG48", "DG44", "DG41"],
    "backbone": ["county", "none", "none", "prefecture", "none"],
    "GURU_KELAS": ["YA", "TIDAK", "YA", "TIDAK", "TIDAK"],
    "status": ["in_post"] * 5,
})
COLUMNS = {
    "KODSEKOLAH": "school_id", "NAMASEKOLAH": "name", "DAERAH": "township",
    "PERINGKAT": "level", "LOKASI": "location", "MURID_RENDAH": "pupils_primary",
    "MURID_MENENGAH": "pupils_junior", "KELAS_RENDAH": "classes_primary",
    "KELAS_MENENGAH": "classes_junior", "GURU": ["approved_quota", "staff_in_post"],
    "KOORDINATYY": "lat", "KOORDINATXX": "lon",
    "NO_GURU": "teacher_id", "MATAPELAJARAN": "subject", "JANTINA": "sex",
    "TAHUN_LAHIR": "birth_year", "TAHUN_MULA": "hire_year",
    "TAHUN_DI_SEKOLAH": "years_at_school", "GRED": "title", "GURU_KELAS": "is_head_teacher",
}
VALUES = {
    "level": {"Rendah": "primary", "Menengah": "junior"},
    "location": {"Bandar": "urban", "Luar Bandar": "rural"},
    "sex": {"L": "male", "P": "female"},
    "subject": {"Matematik": "maths", "Bahasa Inggeris": "english", "Umum": "general",
                "Sains": "science"},
    "title": {"DG48": "senior", "DG44": "intermediate", "DG41": "junior"},
    "is_head_teacher": {"YA": "yes", "TIDAK": "no"},
}


def hand_made() -> County:
    return County(CANONICAL_SCHOOLS, CANONICAL_TEACHERS, name="Kinta")


def mapped(schools=USER_SCHOOLS, teachers=USER_TEACHERS, columns=COLUMNS, values=VALUES,
           **kw) -> County:
    return County.from_frames(schools, teachers, columns=columns, values=values, name="Kinta",
                              **kw)


def problems_of(call) -> list:
    with pytest.raises(StaffingDataError) as info:
        call()
    return info.value.problems


# ---------------------------------------------------------------------------- equality
def test_mapping_reproduces_the_hand_made_county():
    county = mapped()
    assert county == hand_made()
    assert county.columns_from["schools"]["pupils_primary"] == "MURID_RENDAH"
    assert county.header("schools", "approved_quota") == "GURU (→ approved_quota)"
    assert county.header("schools", "is_central") == "is_central"


def test_a_county_differs_when_one_mapped_code_differs():
    # The equality above can fail: one code mapped otherwise gives another County.
    other = dict(VALUES, location={"Bandar": "town", "Luar Bandar": "rural"})
    assert mapped(values=other) != hand_made()


def test_codes_match_ignoring_case_and_spaces():
    schools = USER_SCHOOLS.assign(LOKASI=[" bandar", "LUAR BANDAR", "Bandar ", "luar bandar"])
    assert mapped(schools=schools) == hand_made()


def test_a_column_mapped_to_none_is_dropped():
    # "id" is a schema alias of school_id: unmapped, it would clash with KODSEKOLAH.
    schools = USER_SCHOOLS.assign(id=range(4))
    clash = problems_of(lambda: mapped(schools=schools))
    assert [(p.row, p.column) for p in clash] == [(None, "id")]
    assert mapped(schools=schools, columns=COLUMNS | {"id": None}) == hand_made()


@pytest.mark.parametrize("seed", range(4))
def test_shuffled_and_renamed_source_columns_give_an_equal_county(seed):
    """Metamorphic: the order and names of the user's columns do not matter, provided the
    mapping follows the renaming."""
    rng = np.random.default_rng(seed)
    new = {}
    for frame in (USER_SCHOOLS, USER_TEACHERS):
        for h in frame.columns:
            new[h] = f"c{rng.integers(10**6)}_{h[::-1].lower()}"
    schools = USER_SCHOOLS.iloc[:, rng.permutation(USER_SCHOOLS.shape[1])].rename(columns=new)
    teachers = USER_TEACHERS.iloc[:, rng.permutation(USER_TEACHERS.shape[1])].rename(
        columns=new)
    columns = {new[h]: target for h, target in COLUMNS.items()}
    columns |= {new["backbone"]: "backbone", new["status"]: "status"}
    assert mapped(schools, teachers, columns=columns) == hand_made()


# ---------------------------------------------------------------------------- common codes
def test_common_codes_need_no_mapping():
    teachers = CANONICAL_TEACHERS.assign(sex=["M", "f", "女", "Male", "FEMALE"])
    schools = CANONICAL_SCHOOLS.assign(location=["U", "r", "urban", "R"])
    assert County.from_frames(schools, teachers, name="Kinta") == hand_made()
    more = CANONICAL_TEACHERS.assign(sex=["男", "女性", "F", "男性", "female"])
    assert County(CANONICAL_SCHOOLS, more, name="Kinta") == hand_made()


def test_common_codes_are_read_from_files_too(tmp_path):
    folder = tmp_path / "kinta"
    folder.mkdir()
    CANONICAL_SCHOOLS.assign(location=["U", "R", "u", "r"]).to_csv(
        folder / "schools.csv", index=False)
    CANONICAL_TEACHERS.assign(sex=["M", "F", "F", "m", "f"]).to_csv(
        folder / "teachers.csv", index=False)
    assert load_county(folder, name="Kinta") == hand_made()


def test_a_letter_that_is_no_common_code_is_still_refused():
    teachers = CANONICAL_TEACHERS.assign(sex=["M", "X", "F", "M", "F"])
    [p] = problems_of(lambda: County(CANONICAL_SCHOOLS, teachers))
    assert (p.sheet, p.row, p.column, p.value) == ("teachers", 3, "sex", "X")


# ---------------------------------------------------------------------------- problems
def test_every_unmapped_code_is_reported_with_its_row_at_once():
    schools = USER_SCHOOLS.assign(LOKASI=["Bandar", "Pinggir", "Bandar", "Pedalaman"],
                                  PERINGKAT=["Rendah", "Rendah", "Menengah", "Sekolah"])
    teachers = USER_TEACHERS.assign(JANTINA=["L", "P", "X", "L", "P"])
    problems = problems_of(lambda: mapped(schools, teachers))
    found = {(p.sheet, p.row, p.column, p.value) for p in problems}
    assert found == {
        ("schools", 3, "LOKASI (→ location)", "Pinggir"),
        ("schools", 5, "LOKASI (→ location)", "Pedalaman"),
        ("schools", 5, "PERINGKAT (→ level)", "Sekolah"),
        ("teachers", 4, "JANTINA (→ sex)", "X"),
    }
    assert all("values={" in p.rule for p in problems)


def test_cell_problems_name_the_users_column_and_its_target():
    schools = USER_SCHOOLS.assign(MURID_RENDAH=[900, -5, 0, 60])
    problems = problems_of(lambda: mapped(schools=schools))
    assert ("schools", 3, "MURID_RENDAH (→ pupils_primary)", -5) in {
        (p.sheet, p.row, p.column, p.value) for p in problems}
    assert "column 'MURID_RENDAH (→ pupils_primary)'" in str(problems[0])


def test_problems_in_the_mapping_are_reported_with_those_in_the_cells():
    columns = dict(COLUMNS)
    del columns["DAERAH"]
    columns |= {"DAERA": "township",             # no such column (a typo)
                "NEGERI": "name",                # a second column mapped to name
                "TAHUN_MULA": "hired_in"}        # no such schema column
    values = VALUES | {"sex": {"L": "male", "P": "perempuan"}}   # not an allowed sex
    schools = USER_SCHOOLS.assign(LOKASI=["Bandar", "Pinggir", "Bandar", "Bandar"])
    problems = problems_of(lambda: mapped(schools=schools, columns=columns, values=values))
    found = {(p.sheet, p.row, p.column) for p in problems}
    assert {("", None, "DAERA"), ("schools", None, "NEGERI"),
            ("teachers", None, "TAHUN_MULA"), ("teachers", None, "values['sex']['P']"),
            ("schools", 3, "LOKASI (→ location)")} <= found
    by_column = {}
    for p in problems:
        by_column[p.column] = by_column.get(p.column, "") + " | " + p.rule
    assert "did you mean 'DAERAH'?" in by_column["DAERA"]
    assert "'NAMASEKOLAH' and 'NEGERI' are both mapped to name" in by_column["NEGERI"]
    assert "hired_in is not a column of the teachers table" in by_column["TAHUN_MULA"]
    # township is missing because DAERA is misspelt: said once, by the mapping's problem
    assert "columns maps 'DAERA' to township" in by_column["DAERA"]
    assert "township" not in by_column
    # hired_in is no column, so nothing supplies hire_year: that is its own problem
    assert any(p.column == "hire_year" and "columns={" in p.rule for p in problems)


# ------------------------------------------------ one root cause, said once (campaign 2)
#: USER_SCHOOLS with one enrolment column, put into the stage of each school's level.
ONE_COLUMN = USER_SCHOOLS.assign(
    MURID=USER_SCHOOLS["MURID_RENDAH"] + USER_SCHOOLS["MURID_MENENGAH"]).drop(
    columns=["MURID_RENDAH", "MURID_MENENGAH"])
ONE_COLUMN_MAP = {k: v for k, v in COLUMNS.items()
                  if k not in ("MURID_RENDAH", "MURID_MENENGAH")} | {"MURID": "pupils"}


def test_a_code_mapped_to_a_value_not_allowed_is_one_problem_naming_its_rows():
    values = VALUES | {"level": {"Rendah": "primry", "Menengah": "junior"}}
    [p] = problems_of(lambda: mapped(values=values))
    assert (p.sheet, p.row, p.column, p.value) == ("schools", None,
                                                   "values['level']['Rendah']", "primry")
    # Rendah is in data rows 0, 1 and 3 of USER_SCHOOLS: spreadsheet rows 2, 3, 5
    assert "3 rows hold 'Rendah' (rows 2, 3, 5)" in p.rule
    assert "did you mean 'primary'?" in p.rule


def test_the_rows_of_a_badly_mapped_code_are_those_of_the_file():
    values = VALUES | {"level": {"Rendah": "primry", "Menengah": "junior"}}
    [p] = problems_of(lambda: mapped(values=values,
                                     row_numbers={"schools": [40, 41, 45, 46]}))
    assert "(rows 40, 41, 46)" in p.rule


def test_a_bad_level_is_not_followed_by_problems_of_the_enrolment_it_splits():
    # SK Bandar (row 2) has 47 teachers: with its 900 pupils unknown the plausibility
    # limit would be 0 pupils' worth, and it used to be reported twice more (GURU → both)
    schools = ONE_COLUMN.assign(PERINGKAT=["Sekolah", "Rendah", "Menengah", "Rendah"])
    problems = problems_of(lambda: mapped(schools=schools, columns=ONE_COLUMN_MAP))
    assert [(p.row, p.column, p.value) for p in problems] == [
        (2, "PERINGKAT (→ level)", "Sekolah")]
    # the hint names the code to map, not a placeholder
    assert "values={'level': {'Sekolah': 'allowed value'}}" in problems[0].rule


def test_a_nine_year_school_with_one_enrolment_column_is_one_problem():
    schools = ONE_COLUMN.assign(PERINGKAT=["Rendah", "Rendah", "Gabungan", "Rendah"])
    values = VALUES | {"level": VALUES["level"] | {"Gabungan": "nine_year"}}
    problems = problems_of(lambda: mapped(schools=schools, columns=ONE_COLUMN_MAP,
                                          values=values))
    assert [(p.row, p.column) for p in problems] == [(4, "MURID (→ pupils)")]
    assert "a nine-year school teaches both stages" in problems[0].rule


def test_a_header_typo_in_columns_is_the_one_problem():
    columns = {k: v for k, v in COLUMNS.items() if k != "MURID_RENDAH"} | {
        "MURID_RENDAHH": "pupils_primary"}
    [p] = problems_of(lambda: mapped(columns=columns))
    assert (p.column, p.row) == ("MURID_RENDAHH", None)
    assert "columns maps 'MURID_RENDAHH' to pupils_primary" in p.rule
    assert "did you mean 'MURID_RENDAH'?" in p.rule


def test_a_typo_in_a_single_enrolment_column_does_not_report_both_stages_missing():
    columns = {k: v for k, v in ONE_COLUMN_MAP.items() if k != "MURID"} | {"MURIDD": "pupils"}
    [p] = problems_of(lambda: mapped(schools=ONE_COLUMN, columns=columns))
    assert p.column == "MURIDD" and "did you mean 'MURID'?" in p.rule


def test_a_column_missing_for_no_mapped_reason_is_still_reported():
    # the mapping is fine; the list has no location column at all: that is a problem
    columns = {k: v for k, v in COLUMNS.items() if k != "LOKASI"}
    problems = problems_of(lambda: mapped(schools=USER_SCHOOLS.drop(columns="LOKASI"),
                                          columns=columns))
    assert [(p.row, p.column) for p in problems] == [(None, "location")]


# ---------------------------------------------------------------------------- far schools
#: Degrees of latitude → great-circle km on a meridian.
KM_PER_DEGREE = math.pi * 6371.0088 / 180


def meridian_county(offsets: list[float]) -> pd.DataFrame:
    """Tiny rural primary schools on the meridian 101° E, at 25° N + offset degrees."""
    n = len(offsets)
    return pd.DataFrame({
        "school_id": [f"S{i}" for i in range(n)], "name": [f"school {i}" for i in range(n)],
        "township": "t", "level": "primary", "location": "rural", "pupils_primary": 40,
        "pupils_junior": 0, "classes_primary": 2, "classes_junior": 0, "approved_quota": 4,
        "staff_in_post": 4, "lat": [25.0 + d for d in offsets], "lon": 101.0})


def test_a_planted_far_school_is_warned_about_not_refused():
    # median point 25°N; distances 0, 0.1, 0.1, 0.2, 0.2, 1.3, 8 degrees: median 0.2° =
    # 22.2 km, so the limit is max(150, 5 × 22.2) = 150 km and only the school 8° (890 km)
    # away is flagged; the one 1.3° (145 km) away is not.
    schools = meridian_county([0.0, 0.1, -0.1, 0.2, -0.2, -1.3, 8.0])
    county = County(schools)
    assert [(w.sheet, w.row, w.column, w.value) for w in county.warnings] == [
        ("schools", 8, "lat / lon", "33.0, 101.0")]
    assert f"lies {8 * KM_PER_DEGREE:,.0f} km" in county.warnings[0].rule
    assert "school 'school 6'" in county.warnings[0].rule
    assert "1 warning (county.warnings)" in repr(county)
    assert len(county.schools) == 7  # still loaded


def test_the_limit_grows_with_a_wide_county():
    # distances 0, .36 × 4, 1.62, 1.98 degrees: median 0.36° = 40.0 km, limit
    # max(150, 5 × 40.0) = 200.2 km: 1.62° (180.1 km) is within, 1.98° (220.2 km) beyond.
    schools = meridian_county([0.0, 0.36, -0.36, 0.36, -0.36, 1.62, -1.98])
    assert [w.row for w in County(schools).warnings] == [8]
    tight = st.Policy(far_school_median_factor=1.0)  # limit 150 km: both flagged
    assert [w.row for w in County(schools, policy=tight).warnings] == [7, 8]


def test_no_warning_without_coordinates_or_far_schools():
    assert County(meridian_county([0.0, 0.5, -0.5, 1.0])).warnings == []
    assert County(CANONICAL_SCHOOLS.drop(columns=["lat", "lon"])).warnings == []
    assert "warning" not in repr(hand_made())


def test_warnings_name_the_users_columns():
    schools = USER_SCHOOLS.assign(KOORDINATYY=[4.60, 4.65, 4.61, -4.80])  # a sign lost
    [w] = mapped(schools=schools).warnings
    assert (w.row, w.column, w.value) == (5, "KOORDINATYY (→ lat) / KOORDINATXX (→ lon)",
                                          "-4.8, 101.2")


# ---------------------------------------------------------------------------- real list
def realdata_csv() -> Path:
    env = os.environ.get("STAFFING_REALDATA")
    base = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "realdata"
    return base / "malaysia" / "my_moe_senarai_sekolah_2025-07.csv"


@pytest.fixture(scope="module")
def malaysia() -> pd.DataFrame:
    path = realdata_csv()
    if not path.exists():
        pytest.skip(f"real data absent: {path} (set STAFFING_REALDATA)")
    return pd.read_csv(path, dtype={"KODSEKOLAH": str}, encoding="utf-8")


def test_no_school_of_the_malaysian_list_is_far_from_its_district(malaysia):
    """Measured: with the default limits none of the 10,235 located schools lies far from
    its district (PPD) — the farthest, in Sarawak's PPD BARAM, is 126 km from the median
    point, against a limit of 5 × 41.9 km."""
    from staffing.geo import far_from_centre

    policy = st.Policy()
    flagged = 0
    for _, rows in malaysia.groupby("PPD"):
        km, limit, *_ = far_from_centre(rows["KOORDINATYY"].to_numpy(float),
                                        rows["KOORDINATXX"].to_numpy(float),
                                        policy.far_school_min_km, policy.far_school_median_factor)
        flagged += int((km > limit).sum())
    assert flagged == 0


def test_a_real_district_with_one_school_moved_to_another_state(malaysia):
    rows = malaysia[malaysia["PPD"].eq("PPD BARAM")].dropna(
        subset=["GURU", "ENROLMEN", "KOORDINATXX", "KOORDINATYY"]).reset_index(drop=True)
    rows.loc[7, ["KOORDINATYY", "KOORDINATXX"]] = [3.139, 101.687]  # Kuala Lumpur
    primary = rows["PERINGKAT"].eq("Rendah")
    table = rows.assign(
        MURID_RENDAH=rows["ENROLMEN"].where(primary, 0),
        MURID_MENENGAH=rows["ENROLMEN"].where(~primary, 0),
        KELAS_RENDAH=np.where(primary, 6, 0), KELAS_MENENGAH=np.where(primary, 0, 25))
    county = County.from_frames(table, columns={
        "KODSEKOLAH": "school_id", "NAMASEKOLAH": "name", "DUN": "township",
        "PERINGKAT": "level", "LOKASI": "location", "MURID_RENDAH": "pupils_primary",
        "MURID_MENENGAH": "pupils_junior", "KELAS_RENDAH": "classes_primary",
        "KELAS_MENENGAH": "classes_junior", "GURU": ["staff_in_post", "approved_quota"],
        "KOORDINATYY": "lat", "KOORDINATXX": "lon"},
        values=VALUES, policy=st.Policy(plausible_staff_factor=100.0,
                                        plausible_class_size_max=1000))
    assert [w.row for w in county.warnings] == [9]  # data row 7, after the header
    assert "KOORDINATYY (→ lat)" in county.warnings[0].column


def test_the_county_summary_lists_a_few_warnings():
    schools = meridian_county([0.0, 0.1, -0.1, 0.2, -0.2, -1.3, 8.0])
    html = County(schools)._repr_html_()
    assert "1 warning(s) to check" in html and "lies 890 km" in html
    assert "warning" not in hand_made()._repr_html_()


def test_row_numbers_name_the_rows_of_a_larger_file():
    schools = USER_SCHOOLS.assign(LOKASI=["Bandar", "Pinggir", "Bandar", "Bandar"])
    [p] = problems_of(lambda: mapped(schools=schools, row_numbers={"schools": [40, 41, 45, 46]}))
    assert (p.row, p.value) == (41, "Pinggir")


def test_codes_of_a_column_the_schema_knows_by_its_own_header_are_mapped_too():
    # 城乡属性 is the schema's own header for location: no columns entry, only values.
    schools = CANONICAL_SCHOOLS.rename(columns={"location": "城乡属性"}).assign(
        城乡属性=[111, 220, 112, 210])
    values = {"location": {111: "urban", 112: "urban", 210: "rural", 220: "rural"}}
    county = County.from_frames(schools, CANONICAL_TEACHERS, values=values, name="Kinta")
    assert county == hand_made()


def test_a_workbook_warns_with_its_own_sheet_rows_and_headers(tmp_path):
    path = tmp_path / "far.xlsx"
    County(meridian_county([0.0, 0.1, -0.1, 0.2, -0.2, -1.3, 8.0])).to_excel(path, lang="zh")
    [w] = load_county(path).warnings
    assert (w.sheet, w.row, w.column) == ("学校", 8, "纬度 / 经度")


def test_staffing_validate_prints_the_warnings_and_succeeds(tmp_path, capsys):
    from staffing.cli import EXIT_OK, main

    path = tmp_path / "far.xlsx"
    County(meridian_county([0.0, 0.1, -0.1, 0.2, -0.2, -1.3, 8.0])).to_excel(path)
    assert main(["validate", str(path)]) == EXIT_OK
    assert "warning: " in capsys.readouterr().out


def test_later_errors_name_the_users_column_too():
    from staffing.geo import road_edges

    county = mapped(schools=USER_SCHOOLS.assign(KOORDINATYY=[4.60, None, 4.61, 4.80]))
    problems = problems_of(lambda: road_edges(county, st.Policy()))
    assert [(p.row, p.column) for p in problems] == [(3, "KOORDINATYY (→ lat)")]


# ------------------------------------------------------- what lists carry (issue 15, gaps)
#: Four schools with pupils per grade (6 + 3). Expected classes by hand, ⌈pupils ÷ 45⌉
#: per primary grade and ⌈pupils ÷ 50⌉ per junior grade:
#: S1 45, 46, 90, 91, 0, 1 → 1 + 2 + 2 + 3 + 0 + 1 = 9;
#: S2 grades 7–9 50, 51, 100 → 1 + 2 + 2 = 5;
#: S3 30 × 6 → 6, and 49, 0, 101 → 1 + 0 + 3 = 4;
#: S4 a teaching point, 5 + 7 pupils taught together: ⌈12 ÷ 45⌉ = 1.
GRADES = {
    "S1": [45, 46, 90, 91, 0, 1, 0, 0, 0],
    "S2": [0, 0, 0, 0, 0, 0, 50, 51, 100],
    "S3": [30, 30, 30, 30, 30, 30, 49, 0, 101],
    "S4": [5, 7, 0, 0, 0, 0, 0, 0, 0],
}
GRADE_HEADERS = ["T1", "T2", "T3", "T4", "T5", "T6", "F1", "F2", "F3"]
GRADE_SCHOOLS = pd.DataFrame({
    "KOD": list(GRADES), "NAMA": ["a", "b", "c", "d"], "ZON": ["Z1", "Z1", "Z2", "Z2"],
    "JENIS": ["primary", "junior", "nine_year", "teaching_point"],
    "LOK": ["urban", "urban", "rural", "rural"], "GURU": [15, 15, 21, 2],
} | {h: [g[i] for g in GRADES.values()] for i, h in enumerate(GRADE_HEADERS)})
GRADE_COLUMNS = {"KOD": "school_id", "NAMA": "name", "ZON": "township", "JENIS": "level",
                 "LOK": "location", "GURU": ["staff_in_post", "approved_quota"]}


def grade_county_by_hand() -> County:
    return County(pd.DataFrame({
        "school_id": list(GRADES), "name": ["a", "b", "c", "d"],
        "township": ["Z1", "Z1", "Z2", "Z2"],
        "level": ["primary", "junior", "nine_year", "teaching_point"],
        "location": ["urban", "urban", "rural", "rural"],
        "pupils_primary": [273, 0, 180, 12], "pupils_junior": [0, 201, 150, 0],
        "classes_primary": [9, 0, 6, 1], "classes_junior": [0, 5, 4, 0],
        "classes_estimated": [True, True, True, True],
        "approved_quota": [15, 15, 21, 2], "staff_in_post": [15, 15, 21, 2]}))


def test_grade_columns_give_stage_totals_and_classes_by_hand():
    columns = GRADE_COLUMNS | {h: f"grade_{i}" for i, h in enumerate(GRADE_HEADERS, 1)}
    county = County.from_frames(GRADE_SCHOOLS, columns=columns)
    assert county == grade_county_by_hand()
    assert county.classes_estimated_schools == ["S1", "S2", "S3", "S4"]
    assert county.header("schools", "classes_junior") == "estimated from F1, F2, F3 (→ classes_junior)"
    assert county.columns_from["schools"]["pupils_primary"] == "sum of T1 … T6"
    assert len(county.notes) == 4 and "filled by from_frames" in repr(county)


def test_grade_columns_and_a_long_table_give_the_same_county():
    columns = GRADE_COLUMNS | {h: f"grade_{i}" for i, h in enumerate(GRADE_HEADERS, 1)}
    by_columns = County.from_frames(GRADE_SCHOOLS, columns=columns)
    long = pd.DataFrame([(sid, g, p) for sid, row in GRADES.items()
                         for g, p in enumerate(row, 1) if p],
                        columns=["school_id", "grade", "pupils"]).iloc[::-1]  # any order
    by_table = County.from_frames(GRADE_SCHOOLS.drop(columns=GRADE_HEADERS),
                                  columns=GRADE_COLUMNS, pupils_by_grade=long)
    assert by_columns == by_table


def test_a_bad_grade_cell_is_named_by_the_users_column_and_row():
    columns = GRADE_COLUMNS | {h: f"grade_{i}" for i, h in enumerate(GRADE_HEADERS, 1)}
    bad = GRADE_SCHOOLS.assign(T2=[46, 0, -3, 7])
    found = problems_of(lambda: County.from_frames(bad, columns=columns))
    assert [(p.row, p.column, p.value) for p in found] == [(4, "T2 (→ grade_2)", -3)]


def test_a_school_missing_from_pupils_by_grade_is_named():
    long = pd.DataFrame({"school_id": ["S1", "S2", "S3", "S9"], "grade": [1, 7, 1, 1],
                         "pupils": [40, 40, 40, 40]})
    found = problems_of(lambda: County.from_frames(
        GRADE_SCHOOLS.drop(columns=GRADE_HEADERS), columns=GRADE_COLUMNS,
        pupils_by_grade=long))
    assert {(p.sheet, p.row, p.value) for p in found} == {
        ("pupils_by_grade", None, "S9"), ("schools", 5, "S4")}


#: Stage totals only. Even spreads by hand: 6 + 3 grades — 271 → 46, 45 × 5 → 2 + 5 = 7;
#: 6 → 1 × 6 → 6; 151 → 51, 50, 50 → 4; 100 → 34, 33, 33 → 3; the teaching point's 30
#: pupils in one multigrade class. 5 + 4 grades — 271 → 55, 54 × 4 → 10; 6 → 2, 1 × 4 → 5;
#: 151 → 38, 38, 38, 37 → 4; 100 → 25 × 4 → 4; the teaching point 1.
TOTALS = pd.DataFrame({
    "school_id": ["A", "B", "C", "D", "E"], "name": list("abcde"), "township": "t",
    "level": ["primary", "primary", "junior", "junior", "teaching_point"],
    "location": "rural", "pupils_primary": [271, 6, 0, 0, 30],
    "pupils_junior": [0, 0, 151, 100, 0], "approved_quota": [15, 3, 12, 8, 2],
    "staff_in_post": [15, 3, 12, 8, 2]})


@pytest.mark.parametrize("grades, primary, junior", [
    ((6, 3), [7, 6, 0, 0, 1], [0, 0, 4, 3, 0]),
    ((5, 4), [10, 5, 0, 0, 1], [0, 0, 4, 4, 0]),
])
def test_stage_totals_spread_evenly_when_asked(grades, primary, junior):
    policy = st.Policy(grades=grades)
    county = County.from_frames(TOTALS, classes="estimate", policy=policy)
    expected = County(TOTALS.assign(classes_primary=primary, classes_junior=junior,
                                    classes_estimated=True), policy=policy)
    assert county == expected
    assert "rougher" in county.notes[0].rule


def test_without_classes_the_error_names_both_ways_to_supply_them():
    found = problems_of(lambda: County.from_frames(TOTALS))
    assert sorted(p.column for p in found) == ["classes_junior", "classes_primary"]
    for p in found:
        assert "pupils_by_grade=" in p.rule and "'grade_1'" in p.rule
        assert "classes='estimate'" in p.rule


def test_constants_and_a_fallback_column_reproduce_a_hand_made_county():
    raw = pd.DataFrame({
        "KOD": ["P1", "P2", "P3"], "NAMA": ["a", "b", "c"],
        "DUN": ["Kinta", np.nan, "  "], "PARLIMEN": ["Ipoh", "Batu", "Gopeng"],
        "PERINGKAT": "primary", "LOKASI": "rural", "MURID": [120, 40, 300],
        "KELAS": [6, 6, 7], "GURU": [8, 4, 16]})
    county = County.from_frames(
        raw, columns={"KOD": "school_id", "NAMA": "name", ("DUN", "PARLIMEN"): "township",
                      "PERINGKAT": "level", "LOKASI": "location", "MURID": "pupils_primary",
                      "KELAS": "classes_primary", "GURU": ["staff_in_post", "approved_quota"]},
        constants={"pupils_junior": 0, "classes_junior": 0})
    assert county == County(pd.DataFrame({
        "school_id": ["P1", "P2", "P3"], "name": ["a", "b", "c"],
        "township": ["Kinta", "Batu", "Gopeng"], "level": "primary", "location": "rural",
        "pupils_primary": [120, 40, 300], "pupils_junior": 0, "classes_primary": [6, 6, 7],
        "classes_junior": 0, "approved_quota": [8, 4, 16], "staff_in_post": [8, 4, 16]}))
    assert county.header("schools", "township") == "DUN, else PARLIMEN (→ township)"
    assert county.header("schools", "pupils_junior") == "constant 0 (→ pupils_junior)"
    assert "2 rows from PARLIMEN" in county.notes[0].rule
    assert county.classes_estimated_schools == []


def test_errors_name_the_fallback_and_the_constant():
    raw = pd.DataFrame({"KOD": ["P1", "P2"], "name": ["a", "b"], "DUN": ["x", None],
                        "PARLIMEN": ["y", ""], "level": "primary", "location": "rural",
                        "pupils_primary": [40, 40], "classes_primary": [6, 6],
                        "approved_quota": 4, "staff_in_post": 4})
    found = problems_of(lambda: County.from_frames(
        raw, columns={"KOD": "school_id", ("DUN", "PARLIMEN"): "township"},
        constants={"pupils_junior": 0, "classes_junior": -1, "classes_primary": 6}))
    named = {(p.row, p.column) for p in found}
    assert (3, "DUN, else PARLIMEN (→ township)") in named
    assert (2, "constant -1 (→ classes_junior)") in named
    assert (None, "constants['classes_primary']") in named  # the table has that column


def test_one_enrolment_column_goes_to_the_stage_of_the_level():
    raw = TOTALS.drop(columns=["pupils_primary", "pupils_junior"]).assign(
        ENROLMEN=[271, 6, 151, 100, 30])
    county = County.from_frames(raw, columns={"ENROLMEN": "pupils"}, classes="estimate")
    assert county == County(TOTALS.assign(classes_primary=[7, 6, 0, 0, 1],
                                          classes_junior=[0, 0, 4, 3, 0],
                                          classes_estimated=True))
    nine = raw.assign(level=["nine_year", "primary", "junior", "junior", "teaching_point"])
    found = problems_of(lambda: County.from_frames(nine, columns={"ENROLMEN": "pupils"},
                                                   classes="estimate"))
    assert (2, "ENROLMEN (→ pupils)") in [(p.row, p.column) for p in found]
    assert {p.row for p in found} == {2}  # (validation adds: 0 primary and 0 junior pupils)


def test_a_stage_total_that_disagrees_with_its_grades_is_a_warning():
    columns = GRADE_COLUMNS | {h: f"grade_{i}" for i, h in enumerate(GRADE_HEADERS, 1)}
    county = County.from_frames(GRADE_SCHOOLS.assign(pupils_primary=[273, 0, 181, 12]),
                                columns=columns)
    assert [(w.row, w.value) for w in county.warnings] == [(4, 181)]
    assert county.schools.loc["S3", "pupils_primary"] == 181  # the list's total is kept


def test_an_unknown_classes_choice_is_refused_by_name():
    with pytest.raises(ValueError, match="classes must be None or 'estimate'"):
        County.from_frames(TOTALS, classes="guess")


def test_a_plan_whose_grades_differ_from_the_estimated_classes_says_so():
    """Classes estimated per grade of 6+3, planned with a 6+5 Policy: the plan says the
    two disagree (plan.messages, a StaffingPlanWarning) rather than mixing them silently."""
    raw = pd.DataFrame({"id": ["A", "B"], "nm": ["a", "b"], "lvl": ["primary", "junior"],
                        "loc": ["U", "R"], "pupils": [450, 300], "staff": [25, 24],
                        "town": "t", "lat": [25.0, 25.1], "lon": [101.0, 101.1]})
    columns = {"id": "school_id", "nm": "name", "lvl": "level", "loc": "location",
               "pupils": "pupils", "staff": ["staff_in_post", "approved_quota"],
               "town": "township"}
    county = st.County.from_frames(raw, columns=columns, classes="estimate")
    assert county.grades_assumed == (6, 3)
    with pytest.warns(st.errors.StaffingPlanWarning, match="estimated for 6\\+3"):
        plan = st.optimize(county, st.Policy(grades=(6, 5)))
    assert "grades_mismatch" in plan.messages["key"].tolist()
    same = st.optimize(county)
    assert "grades_mismatch" not in same.messages["key"].tolist()
    fitted = st.County.from_frames(raw, columns=columns, classes="estimate",
                                   policy=st.Policy(grades=(6, 5)))
    assert fitted.grades_assumed == (6, 5)
    assert "grades_mismatch" not in st.optimize(fitted, st.Policy(grades=(6, 5))
                                                ).messages["key"].tolist()
