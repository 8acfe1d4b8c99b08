"""Synthetic transfer requests for tests, docs and benchmarks.

The shapes are library choices, not statistics: requests lean toward the county
seat (城区) and quality schools, rural and young teachers ask more often, and a few
requesters hold family points toward their first choice (夫妻分居, 照顾老人).
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from staffing.data.county import County
from staffing.policy import Policy

__all__ = ["synthetic_preferences"]

#: Relative chance of asking to move, by location of the current school.
_ASK_BY_LOCATION = {"urban": 0.6, "town": 1.0, "rural": 1.6}
#: Attraction of a school, by its location, for teachers at each location.
_PULL = {  # (teacher's location, school's location) → weight
    ("urban", "urban"): 6.0, ("urban", "town"): 1.0, ("urban", "rural"): 0.15,
    ("town", "urban"): 8.0, ("town", "town"): 2.0, ("town", "rural"): 0.3,
    ("rural", "urban"): 8.0, ("rural", "town"): 3.0, ("rural", "rural"): 0.8,
}


def synthetic_preferences(
    county: County,
    seed: int = 0,
    share_requesting: float = 0.2,
    list_length: int = 3,
    *,
    family_share: float = 0.15,
) -> pd.DataFrame:
    """Realistic, deterministic transfer requests for a county.

    About ``share_requesting`` of the teachers in post (not pinned) list up to
    ``list_length`` schools that have posts in their subject, most wanted first.
    Rural and town teachers mostly want the county seat, urban teachers other urban
    schools; quality schools attract, weak schools repel, schools in the teacher's own
    township attract a little. A share ``family_share`` of requesters hold family
    points (4, 6 or 8) toward their first choice; ``hardship_years`` is the years a
    teacher at a rural school has served there.

    Parameters
    ----------
    county : a county with a teachers table.
    seed : random seed; the same seed and county give the same sheet.
    share_requesting : share of eligible teachers who ask to move (0–1).
    list_length : schools listed per requester (at most; fewer when the subject has
        fewer schools).
    family_share : share of requesters with family points.

    Returns
    -------
    DataFrame
        teacher_id, rank, school_id, family_points, hardship_years — the preferences
        sheet of :func:`staffing.transfers.voluntary_transfers`.

    Examples
    --------
    >>> import staffing as st
    >>> county = st.synth.county(seed=1, n_schools=30)
    >>> prefs = synthetic_preferences(county, seed=1)
    >>> prefs.columns.tolist()
    ['teacher_id', 'rank', 'school_id', 'family_points', 'hardship_years']
    >>> prefs.equals(synthetic_preferences(county, seed=1))
    True
    """
    if not 0.0 <= share_requesting <= 1.0:
        raise ValueError(f"share_requesting = {share_requesting!r}: expected a share in [0, 1]")
    if list_length < 1:
        raise ValueError(f"list_length = {list_length!r}: expected at least 1")
    t = county.teachers
    if t is None:
        raise ValueError("synthetic_preferences needs a county with a teachers table")
    rng = np.random.default_rng([int(seed), zlib.crc32(county.name.encode("utf-8"))])
    schools = county.schools
    loc = t["school_id"].map(schools["location"])
    ok = t["status"].eq("in_post") & ~t["pinned"].astype(bool)
    pool = t[ok]
    n_ask = int(round(share_requesting * len(pool)))
    cols = ["teacher_id", "rank", "school_id", "family_points", "hardship_years"]
    if n_ask == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})

    # Who asks: weighted draw without replacement (Gumbel top-k).
    service = Policy().plan_year - pool["hire_year"].to_numpy()
    w_ask = (loc[pool.index].map(_ASK_BY_LOCATION).to_numpy()
             * np.where(service < 10, 1.3, 1.0)
             * np.where(pool["years_at_school"].to_numpy() >= 6, 1.2, 1.0))
    key = np.log(w_ask) + rng.gumbel(size=len(pool))
    askers = pool.iloc[np.sort(np.argsort(-key, kind="stable")[:n_ask])]

    # What they ask for: schools with posts in their subject, weighted, top-k.
    posts = t[["school_id", "subject"]].drop_duplicates()
    cand = askers[["school_id", "subject"]].rename(columns={"school_id": "own"}).assign(
        teacher_id=askers.index).merge(posts, on="subject")
    cand = cand[cand["school_id"].ne(cand["own"])].sort_values(
        ["teacher_id", "school_id"]).reset_index(drop=True)
    own_loc = cand["own"].map(schools["location"]).to_numpy()
    to = schools.loc[cand["school_id"]]
    pull = np.array([_PULL[(a, b)] for a, b in zip(own_loc, to["location"], strict=True)])
    pull = (pull * np.where(to["is_quality"].to_numpy(bool), 1.5, 1.0)
            * np.where(to["is_weak"].to_numpy(bool), 0.6, 1.0)
            * np.where(to["township"].to_numpy() == cand["own"].map(schools["township"])
                       .to_numpy(), 2.0, 1.0))
    cand["key"] = np.log(pull) + rng.gumbel(size=len(cand))
    cand = cand.sort_values(["teacher_id", "key", "school_id"], ascending=[True, False, True],
                            kind="stable")
    cand["rank"] = cand.groupby("teacher_id").cumcount() + 1
    out = cand[cand["rank"] <= list_length].reset_index(drop=True)

    # Family points toward the first choice; hardship years of rural teachers.
    first = out["rank"].eq(1).to_numpy()
    fam = np.where(rng.random(len(out)) < family_share, rng.choice([4.0, 6.0, 8.0],
                                                                    size=len(out)), 0.0)
    out["family_points"] = np.where(first, fam, 0.0)
    rural = loc[out["teacher_id"]].eq("rural").to_numpy()
    out["hardship_years"] = np.where(rural, t.loc[out["teacher_id"], "years_at_school"]
                                     .to_numpy(), 0).astype(float)
    out = out[cols].astype({"teacher_id": object, "school_id": object, "rank": "int64"})
    return out.sort_values(["teacher_id", "rank"]).reset_index(drop=True)
