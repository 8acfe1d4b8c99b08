"""No formula or CSV injection: hostile names reach every output as inert text.

The reference is the OWASP CSV-injection guidance, written out here independently of
the library: a cell whose text starts with ``= + - @``, tab or carriage return is a
formula to Excel, WPS and LibreOffice; in a workbook it must be stored as a string
(openpyxl ``data_type`` never ``"f"``), in a CSV file it must start with a single quote.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import staffing as st
from staffing.data import County, load_county, write_county_csv
from staffing.errors import StaffingDataError

OWASP_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = ['=HYPERLINK("http://x","y")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd",
           "=1+1", "+", "-", "@"]


def hostile(i: int, kind: str) -> str:
    """A distinct hostile text for row ``i`` of a column."""
    base = HOSTILE[i % len(HOSTILE)]
    return f"{base}{kind}{i}"


@pytest.fixture(scope="module")
def county() -> County:
    """A small synthetic county with a hostile text in every text and id column."""
    clean = st.synth.county(seed=3, name="x", n_schools=8)
    schools, teachers = clean.schools.copy(), clean.teachers.copy()
    new_id = {sid: hostile(i, "s") for i, sid in enumerate(schools.index)}
    schools.index = pd.Index([new_id[s] for s in schools.index], name="school_id")
    schools["name"] = [hostile(i, "n") for i in range(len(schools))]
    schools["township"] = [hostile(i % 3, "t") for i in range(len(schools))]
    teachers["school_id"] = teachers["school_id"].map(new_id)
    teachers.index = pd.Index([hostile(i, "id") for i in range(len(teachers))],
                              name="teacher_id")
    return County(schools, teachers, name="=cmd|' /C calc'!A0")


@pytest.fixture(scope="module")
def plan(county):
    return st.optimize(county, time_limit=30)


def hostile_texts(county: County) -> set[str]:
    s, t = county.schools, county.teachers
    return {*s.index, *s["name"], *s["township"], *t.index, county.name}


def workbook_cells(path: Path) -> list:
    wb = openpyxl.load_workbook(path)  # not read-only: data_type as stored
    return [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]


def assert_no_formula(path: Path, expected: set[str]) -> None:
    cells = workbook_cells(path)
    formulas = [(c.parent.title, c.coordinate, c.value) for c in cells if c.data_type == "f"]
    assert formulas == []
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert expected <= texts  # the hostile names are there, as text
    triggered = [c for c in cells if isinstance(c.value, str) and c.value.startswith(
        OWASP_TRIGGERS)]
    assert triggered and all(c.quotePrefix for c in triggered)  # text even when edited
    assert any(c.data_type == "n" and isinstance(c.value, int | float) for c in cells)


def csv_cells(folder: Path) -> list[str]:
    out = []
    for file in sorted(folder.glob("*.csv")):
        with open(file, encoding="utf-8-sig", newline="") as f:
            out += [cell for row in csv.reader(f) for cell in row]
    return out


def is_number(text: str) -> bool:
    """Numbers stay numbers (a negative change is written -2, as OWASP allows)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_csv_escaped(folder: Path, expected: set[str]) -> None:
    cells = csv_cells(folder)
    unescaped = [c for c in cells if c.startswith(OWASP_TRIGGERS) and not is_number(c)]
    assert unescaped == []
    present = {c[1:] for c in cells if c.startswith("'")}
    assert expected <= present


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_county_workbook_stores_hostile_names_as_text(county, tmp_path, lang):
    path = tmp_path / "county.xlsx"
    county.to_excel(path, lang=lang)
    assert_no_formula(path, hostile_texts(county))
    assert load_county(path) == county


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_county_csv_escapes_hostile_names_and_reads_back_equal(county, tmp_path, lang):
    folder = tmp_path / "county"
    write_county_csv(county, folder, lang=lang)
    assert_csv_escaped(folder, hostile_texts(county))
    assert load_county(folder) == county


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_plan_workbook_has_no_formula_cell(plan, county, tmp_path, lang):
    path = tmp_path / "plan.xlsx"
    plan.to_excel(path, lang=lang)
    s = county.schools
    assert_no_formula(path, {*s.index, *s["name"]})


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_plan_csv_folder_escapes_every_trigger(plan, county, tmp_path, lang):
    folder = plan.to_dir(tmp_path / "plan", lang=lang)
    s = county.schools
    assert_csv_escaped(folder, {*s.index, *s["name"]})


def test_plan_parquet_keeps_names_as_written(plan, county, tmp_path):
    pytest.importorskip("pyarrow")
    folder = plan.to_dir(tmp_path / "plan", format="parquet")
    quotas = pd.read_parquet(folder / "quotas.parquet")
    assert set(county.schools["name"]) <= set(quotas.astype(str).stack())


def test_a_text_that_looks_escaped_reads_back_unchanged(tmp_path):
    """The escape is a bijection: a name that already starts with a quote and a trigger
    gets one more quote, and a quote before ordinary text is left alone."""
    base = st.synth.county(seed=3, name="x", n_schools=3, teachers=False)
    schools = base.schools.assign(name=["'=1", "''+x", "'plain"])
    county = County(schools, name="c")
    write_county_csv(county, tmp_path / "c", lang="en")
    rows = list(csv.reader(open(tmp_path / "c" / "schools.csv", encoding="utf-8-sig")))
    names = [r[rows[0].index("name")] for r in rows[1:]]
    assert names == ["''=1", "'''+x", "'plain"]
    assert load_county(tmp_path / "c") == county


def test_a_name_longer_than_an_excel_cell_is_refused_at_validation():
    base = st.synth.county(seed=3, name="x", n_schools=3, teachers=False)
    too_long = "长" * 32_768
    schools = base.schools.assign(name=[too_long, "ok", "长" * 32_767])
    with pytest.raises(StaffingDataError) as info:
        County(schools, name="c")
    problems = info.value.problems
    assert len(problems) == 1
    assert "32,767" in problems[0].rule and problems[0].column == "name"
    assert "32,768 characters" in str(problems[0].value)  # shown cut, with its length
