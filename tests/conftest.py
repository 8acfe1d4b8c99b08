"""Shared fixtures: small, valid county tables as canonical English DataFrames."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

#: (school_id, name, township, level, location, pupils_primary, pupils_junior,
#:  classes_primary, classes_junior, approved_quota, staff_in_post)
_SCHOOLS = [
    ("S01", "城关第一小学", "鹿城镇", "primary", "urban", 1180, 0, 24, 0, 60, 61),
    ("S02", "城关中学", "鹿城镇", "junior", "urban", 0, 940, 0, 18, 70, 68),
    ("S03", "金山九年一贯制学校", "金山镇", "nine_year", "town", 420, 310, 12, 7, 45, 44),
    ("S04", "碧城小学", "碧城镇", "primary", "rural", 160, 0, 6, 0, 12, 11),
    ("S05", "上村教学点", "碧城镇", "teaching_point", "rural", 18, 0, 2, 0, 4, 4),
    ("S06", "和平小学", "和平乡", "primary", "rural", 230, 0, 8, 0, 14, 15),
]
_SUBJECTS = ["chinese", "maths", "english", "pe", "music", "science", "physics", "general"]


def make_county_frames(
    n_schools: int = 5, teachers_per_school: int = 3, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A valid county: ``n_schools`` (4–6) schools and their teachers.

    A third of the teachers have only a birth date, a third only a birth year and a
    third both, so every path of the validator is exercised. Columns are canonical English, one row per record,
    with the ids as ordinary columns (not the index).
    """
    if not 1 <= n_schools <= len(_SCHOOLS):
        raise ValueError(f"n_schools must be 1–{len(_SCHOOLS)}")
    rng = np.random.default_rng(seed)
    schools = pd.DataFrame(
        _SCHOOLS[:n_schools],
        columns=["school_id", "name", "township", "level", "location", "pupils_primary",
                 "pupils_junior", "classes_primary", "classes_junior", "approved_quota",
                 "staff_in_post"],
    )
    schools["is_central"] = schools["township"].duplicated().eq(False)
    schools["is_quality"] = schools["school_id"].isin(["S01", "S02"])
    schools["is_weak"] = schools["location"].eq("rural")
    schools["lat"] = np.round(25.0 + rng.random(n_schools), 4)
    schools["lon"] = np.round(102.0 + rng.random(n_schools), 4)
    schools.loc[schools.index[-1], ["lat", "lon"]] = np.nan  # coordinates are optional
    schools["boarding_pupils"] = [0, 120, 80, 30, 0, 40][:n_schools]

    n = n_schools * teachers_per_school
    birth_year = rng.integers(1968, 1998, n)
    hire_year = birth_year + rng.integers(20, 26, n)
    birth_date = [
        pd.Timestamp(int(y), int(rng.integers(1, 13)), int(rng.integers(1, 29))) if i % 3 != 2
        else pd.NaT
        for i, y in enumerate(birth_year)
    ]
    teachers = pd.DataFrame(
        {
            "teacher_id": [f"T{i:04d}" for i in range(n)],
            "school_id": np.repeat(schools["school_id"].to_numpy(), teachers_per_school),
            "subject": rng.choice(_SUBJECTS, n),
            "sex": rng.choice(["male", "female"], n),
            "birth_date": pd.Series(birth_date, dtype="datetime64[ns]"),
            "birth_year": np.where(np.arange(n) % 3 == 0, np.nan, birth_year),
            "hire_year": hire_year,
            "years_at_school": np.minimum(rng.integers(0, 12, n), 2024 - hire_year),
            "title": rng.choice(["senior", "intermediate", "junior", "none"], n),
            "backbone": rng.choice(["none", "none", "county", "prefecture", "province"], n),
            "is_head_teacher": rng.random(n) < 0.4,
            "status": rng.choice(["in_post", "in_post", "in_post", "leaving", "on_leave"], n),
            "pinned": rng.random(n) < 0.1,
        }
    )
    return schools, teachers


@pytest.fixture(scope="session")
def small_county_frames() -> Callable[..., tuple[pd.DataFrame, pd.DataFrame]]:
    """Factory of valid (schools, teachers) frames: ``small_county_frames(n_schools=5)``.

    Each call returns fresh frames, so tests may modify them.
    """
    return make_county_frames
