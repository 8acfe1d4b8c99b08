"""Hand-built counties for the rotation tests: every number chosen so the answer is obvious."""

from __future__ import annotations

import pandas as pd

import staffing as st

TEACHER_DEFAULTS = {
    "sex": "female", "birth_year": 1980, "hire_year": 2004, "years_at_school": 2,
    "title": "intermediate", "backbone": "none", "is_head_teacher": False,
    "status": "in_post", "pinned": False,
}


def school_row(sid: str, **kw) -> dict:
    base = {"school_id": sid, "name": sid, "township": "城关镇", "level": "primary",
            "location": "urban", "is_central": False, "is_quality": False, "is_weak": False,
            "pupils_primary": 0, "pupils_junior": 0, "classes_primary": 0,
            "classes_junior": 0, "approved_quota": 0, "staff_in_post": 0,
            "lat": 25.03, "lon": 101.55}
    return {**base, **kw}


def staff_school(sid: str, subjects: dict[str, int], start: int = 0, **kw) -> list[dict]:
    """Teachers at ``sid``: ``subjects`` maps subject → count; ``kw`` overrides defaults."""
    rows = []
    n = start
    for subject, count in subjects.items():
        for _ in range(count):
            rows.append({**TEACHER_DEFAULTS, "teacher_id": f"{sid}-{n:03d}", "school_id": sid,
                         "subject": subject, **kw})
            n += 1
    return rows


def english_county(u_english: int = 2, **english_kw) -> st.County:
    """An urban quality school U with a spare, eligible English teacher (U-900) and a
    rural school R 10 km away with no English teacher and a 0.67 FTE English need.

    Everyone else is ineligible (two years at their school), so the only possible move
    is U-900 from U to R. With ``u_english=1`` U has no English teacher to spare.
    """
    u_subjects = {"chinese": 16, "maths": 13, "english": u_english, "morality_law": 4, "science": 4,
                  "it": 2, "pe": 6, "music": 5, "art": 5, "labour": 8}
    r_subjects = {"general": 6, "chinese": 3, "maths": 2, "pe": 1, "music": 1, "art": 1}
    teachers = (staff_school("U", u_subjects)
                + staff_school("U", {"english": 1}, start=900, years_at_school=10, **english_kw)
                + staff_school("R", r_subjects))
    n_u = sum(u_subjects.values()) + 1
    n_r = sum(r_subjects.values())
    schools = [
        school_row("U", is_quality=True, pupils_primary=1080, classes_primary=24,
                   approved_quota=n_u, staff_in_post=n_u),
        school_row("R", location="rural", township="碧城镇", pupils_primary=190,
                   classes_primary=9, approved_quota=n_r + 2, staff_in_post=n_r,
                   lat=25.03, lon=101.62),
    ]
    return st.County(pd.DataFrame(schools), pd.DataFrame(teachers), name="hand-built")
