"""Hand-built counties for the rotation tests: every number chosen so the answer is obvious."""

from __future__ import annotations

import pandas as pd

import staffing as st

# One set of builders for every test lives in staffing.testing (names kept here).
from staffing.testing import school as school_row
from staffing.testing import teachers as staff_school


def english_county(u_english: int = 2, r_english: int = 0, **english_kw) -> st.County:
    """An urban quality school U with a spare, eligible English teacher (U-900) and a
    rural school R 10 km away with no English teacher and a 0.67 FTE English need.

    Everyone else is ineligible (two years at their school), so the only possible move
    is U-900 from U to R. With ``u_english=1`` U has no English teacher to spare; with
    ``r_english=1`` R already has the English teacher its need asks for.
    """
    u_subjects = {"chinese": 16, "maths": 13, "english": u_english, "morality_law": 4, "science": 4,
                  "it": 2, "pe": 6, "music": 5, "art": 5, "labour": 8}
    r_subjects = {"general": 6, "chinese": 3, "maths": 2, "pe": 1, "music": 1, "art": 1}
    if r_english:
        r_subjects["english"] = r_english
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
