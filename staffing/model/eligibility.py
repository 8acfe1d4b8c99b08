"""Who may rotate (交流轮岗 eligibility), and the groups the rotation block moves."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from staffing.data.county import County
from staffing.policy import Policy
from staffing.retirement import retirement_dates, school_year_of
from staffing.staff import is_backbone

__all__ = ["eligibility", "REASONS"]

#: Why a teacher is not eligible, in English and Chinese (first reason that applies).
REASONS: dict[str, tuple[str, str]] = {
    "status": ("not in post this year", "本学年不在岗"),
    "pinned": ("pinned", "固定不参与交流"),
    "tenure": ("fewer years at the school than the eligibility threshold", "本校任教年限不足"),
    "new": ("in the first years of service", "入职年限不足"),
    "retiring": ("within the years before statutory retirement", "临近法定退休年龄"),
    "head_teacher": ("class teacher (班主任) this cycle", "本轮担任班主任"),
}


def eligibility(
    county: County, policy: Policy, pinned: Iterable[str] = (), *, horizon: int = 0
) -> pd.DataFrame:
    """Each teacher's rotation eligibility and the first reason when not eligible.

    A teacher may rotate when in post, not pinned (``pinned`` column or argument), at
    the school at least ``rotation_eligible_years``, past the first
    ``rotation_exclude_first_years`` of service, more than
    ``rotation_exclude_years_to_retirement`` years from statutory retirement (2025
    reform), and not a class teacher unless ``rotation_move_head_teachers``. In a
    multi-year plan (``horizon`` later years) a teacher who retires within the plan
    does not rotate either: the post she would leave at her new school would be
    planned at her old one.

    Returns
    -------
    DataFrame indexed by ``teacher_id``: ``eligible`` (bool), ``reason`` (a key of
    :data:`REASONS`, empty when eligible), ``backbone`` (county level or above),
    ``years_to_retirement``.
    """
    t = county.teachers
    if t is None:
        return pd.DataFrame(columns=["eligible", "reason", "backbone", "years_to_retirement"])
    pinned_set = set(map(str, pinned))
    retire = retirement_dates(t, policy)
    service = policy.plan_year - t["hire_year"]
    checks = [  # (reason, True where the rule excludes the teacher), first match wins
        ("status", t["status"].ne("in_post")),
        ("pinned", t["pinned"].astype(bool) | t.index.isin(pinned_set)),
        ("tenure", t["years_at_school"] < policy.rotation_eligible_years),
        ("new", service < policy.rotation_exclude_first_years),
        ("retiring", (retire["years_to_retirement"] < policy.rotation_exclude_years_to_retirement)
         | (school_year_of(retire["retirement_date"], policy.plan_year) <= horizon)),
        ("head_teacher", t["is_head_teacher"].astype(bool) & (not policy.rotation_move_head_teachers)),
    ]
    reason = np.select([mask.to_numpy() for _, mask in checks], [r for r, _ in checks], "")
    return pd.DataFrame(
        {
            "eligible": reason == "",
            "reason": reason,
            "backbone": is_backbone(t["backbone"]),
            "years_to_retirement": retire["years_to_retirement"].to_numpy(),
        },
        index=t.index,
    )
