"""Naming the teachers behind the model's group flows, by a fixed, documented rule."""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.vocab import SUBJECTS

__all__ = ["name_moves", "MOVE_COLUMNS"]

MOVE_COLUMNS = ["teacher_id", "from_school", "to_school", "subject", "backbone", "kind",
                "distance_km", "reason", "reason_zh"]


def name_moves(
    flows: pd.DataFrame,
    teachers: pd.DataFrame,
    eligible: pd.DataFrame,
    schools: pd.DataFrame,
    gaps: pd.DataFrame,
    keep: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Turn solved group flows into named teacher moves.

    **Rule.** Teachers named in ``keep`` (moves announced in a previous plan) take
    their announced move where the flow has room. The rest of each (school, subject,
    backbone) group's flows, in order of target ``school_id``, go to the longest
    serving at the school, then by ``teacher_id``. The same flows and teachers always
    give the same names.

    Parameters
    ----------
    flows : solved flows (school_id, subject, backbone, target, km, kind, count).
    teachers : the county's teachers table.
    eligible : :func:`~staffing.model.eligibility.eligibility` output.
    schools : the model's school table (names).
    gaps : uncovered need before the plan by school × subject (for the reason text).
    keep : previous moves (teacher_id, to_school) to name first where they fit.

    Returns
    -------
    DataFrame with :data:`MOVE_COLUMNS`, ordered by from_school, to_school, teacher_id.
    """
    if flows.empty:
        return pd.DataFrame(columns=MOVE_COLUMNS)
    key = ["school_id", "subject", "backbone"]
    pool = teachers.loc[eligible["eligible"].reindex(teachers.index).to_numpy()].copy()
    pool["backbone"] = eligible["backbone"].reindex(pool.index).to_numpy()
    pool = pool.reset_index().sort_values(
        [*key, "years_at_school", "teacher_id"], ascending=[True, True, True, False, True],
        kind="stable")
    f = flows.sort_values([*key, "target"], kind="stable").reset_index(drop=True)

    # 1. Announced moves first: each kept teacher on the flow to their announced target.
    kept = pd.DataFrame(columns=[*key, "target", "teacher_id"])
    if keep is not None and len(keep):
        announced = pool.merge(keep[["teacher_id", "to_school"]].rename(
            columns={"to_school": "target"}), on="teacher_id")
        announced = announced.merge(f[[*key, "target", "count"]], on=[*key, "target"])
        announced["rank"] = announced.groupby([*key, "target"]).cumcount()
        kept = announced.loc[announced["rank"] < announced["count"], [*key, "target",
                                                                      "teacher_id"]]
        used = kept.groupby([*key, "target"]).size().rename("used")
        f = f.join(used, on=[*key, "target"])
        f["count"] = f["count"] - f["used"].fillna(0).astype(int)
        pool = pool[~pool["teacher_id"].isin(kept["teacher_id"])]

    # 2. The rest by the rule: longest service at the school, then teacher_id.
    pool = pool.assign(rank=pool.groupby(key).cumcount())
    f["start"] = f.groupby(key)["count"].cumsum() - f["count"]
    rows = f.loc[f.index.repeat(f["count"])].copy()
    rows["rank"] = rows["start"] + rows.groupby(level=0).cumcount()
    named = rows.merge(pool[[*key, "rank", "teacher_id"]], on=[*key, "rank"], how="left",
                       validate="one_to_one")
    if named["teacher_id"].isna().any():  # the model never moves more than a group holds
        raise AssertionError("a flow exceeds its group's eligible teachers")
    if len(kept):
        extra = kept.merge(flows[[*key, "target", "km", "kind"]], on=[*key, "target"])
        named = pd.concat([named, extra], ignore_index=True)

    rural = schools["location"].eq("rural") | schools["is_weak"].astype(bool)
    kind = named["kind"].where(
        ~(named["kind"].eq("rotation") & named["backbone"] & named["target"].map(rural)),
        "support")
    gap = gaps.stack()
    gap.index.names = ["target", "subject"]
    gap_at = named.join(gap.rename("gap"), on=["target", "subject"])["gap"].fillna(0.0)
    target_name = named["target"].map(schools["name"])
    subject_zh = named["subject"].map(SUBJECTS)
    reason = np.where(
        kind.eq("exchange"),
        "exchange: learns at " + target_name + ", which needs " + named["subject"],
        np.where(gap_at > 1e-9,
                 "fills " + named["subject"] + " need at " + target_name + " ("
                 + gap_at.round(1).astype(str) + " FTE uncovered before)",
                 "backbone support for " + target_name),
    )
    reason_zh = np.where(
        kind.eq("exchange"),
        "交流学习:到" + target_name + "任教" + subject_zh,
        np.where(gap_at > 1e-9,
                 "补充" + target_name + subject_zh + "缺口(原缺" + gap_at.round(1).astype(str)
                 + "人)",
                 "骨干教师支援" + target_name),
    )
    out = pd.DataFrame({
        "teacher_id": named["teacher_id"].astype(str),
        "from_school": named["school_id"],
        "to_school": named["target"],
        "subject": named["subject"],
        "backbone": named["backbone"].astype(bool),
        "kind": kind,
        "distance_km": named["km"].astype(float).round(1),
        "reason": reason,
        "reason_zh": reason_zh,
    })
    return out.sort_values(["from_school", "to_school", "teacher_id"], kind="stable").reset_index(
        drop=True)
