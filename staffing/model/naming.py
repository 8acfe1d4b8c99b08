"""Naming the teachers behind the model's group flows, by a fixed, documented rule."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from staffing.balance import education_key
from staffing.model.posts import move_kinds
from staffing.policy import Policy
from staffing.post_levels import post_key
from staffing.staff import is_backbone
from staffing.vocab import SUBJECTS

__all__ = ["name_moves", "name_itinerant", "name_remote", "MOVE_COLUMNS"]

MOVE_COLUMNS = ["teacher_id", "from_school", "to_school", "subject", "backbone", "kind",
                "distance_km", "fte", "reason", "reason_zh"]


def name_moves(
    flows: pd.DataFrame,
    teachers: pd.DataFrame,
    eligible: pd.DataFrame,
    schools: pd.DataFrame,
    gaps: pd.DataFrame,
    keep: pd.DataFrame | None = None,
    with_rules: Iterable[str] = (),
    policy: Policy | None = None,
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
    with_rules : teachers with move rules (:func:`staffing.staff.restricted`): each is a
        group of her own (``rule_key`` in the flows), never named for another group's flow.
    policy : the plan's policy: with post-level caps enforced, senior and intermediate
        teachers are groups of their level (``post_key``); None: no such groups.

    Returns
    -------
    DataFrame with :data:`MOVE_COLUMNS`, ordered by from_school, to_school, teacher_id.
    """
    if flows.empty:
        return pd.DataFrame(columns=MOVE_COLUMNS)
    key = ["school_id", "subject", "backbone", "rule_key", "post_key", "edu_key"]
    pool = teachers.loc[eligible["eligible"].reindex(teachers.index).to_numpy()].copy()
    pool["backbone"] = eligible["backbone"].reindex(pool.index).to_numpy()
    if "rule_key" not in flows:  # flows of a model without move rules
        flows = flows.assign(rule_key="")
    # Senior and intermediate teachers are groups of their level when post-level caps
    # are enforced (staffing.post_levels.post_key): named only for their level's flows.
    if "post_key" not in flows:
        flows = flows.assign(post_key="")
    pool["post_key"] = post_key(pool["title"], policy) if policy is not None else ""
    # Qualification keys (staffing.balance.education_key) where the flows carry them.
    if "edu_key" not in flows:
        flows = flows.assign(edu_key="")
    keyed = flows.loc[flows["edu_key"].ne(""), "school_id"].unique()
    pool["edu_key"] = np.where(pool["school_id"].isin(keyed), education_key(pool, policy), "")
    # A teacher with move rules is a group of her own: rule_key = her id.
    own = pool.index.isin(pd.Index(list(map(str, with_rules))))
    pool["rule_key"] = np.where(own, pool.index.astype(str), "")
    pool = pool.reset_index().sort_values(
        [*key, "years_at_school", "teacher_id"], ascending=[*[True] * len(key), False, True],
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

    kind = move_kinds(named["kind"], named["backbone"], named["target"], schools)
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
        "fte": 1.0,
        "reason": reason,
        "reason_zh": reason_zh,
    })
    return out.sort_values(["from_school", "to_school", "teacher_id"], kind="stable").reset_index(
        drop=True)


def name_itinerant(
    arcs: pd.DataFrame,
    teachers: pd.DataFrame,
    moves: pd.DataFrame,
    schools: pd.DataFrame,
    not_teaching: pd.Index,
    with_rules: Iterable[str] = (),
) -> pd.DataFrame:
    """Name the teachers who give the solved itinerant cover (走教).

    **Rule.** For each source school and subject, its teachers of that subject who
    stay and teach there this year (teachers with move rules aside) take the cover in order — backbone teachers first,
    then the longest serving at the school, then by ``teacher_id`` — each up to the
    arc's per-teacher FTE; arcs are served in order of target ``school_id``. An arc
    may be shared by two teachers, one row each.

    Parameters
    ----------
    arcs : solved arcs (source, target, subject, km, cap_fte, fte > 0).
    teachers : the county's teachers table.
    moves : the plan's moves (teachers who leave cannot teach itinerant).
    schools : the model's school table (names).
    not_teaching : teacher ids away this year (e.g. shadow training).
    with_rules : teachers with move rules: they give no itinerant cover.
    """
    if arcs.empty:
        return pd.DataFrame(columns=MOVE_COLUMNS)
    staying = teachers[teachers["status"].eq("in_post")
                       & ~teachers.index.isin(moves["teacher_id"])
                       & ~teachers.index.isin(not_teaching)
                       & ~teachers.index.isin(pd.Index(list(map(str, with_rules))))].reset_index()
    staying["is_backbone"] = is_backbone(staying["backbone"])
    staying = staying.sort_values(["school_id", "subject", "is_backbone", "years_at_school",
                                   "teacher_id"], ascending=[True, True, False, False, True])
    roster = staying.groupby(["school_id", "subject"], sort=False)["teacher_id"].agg(
        list).to_dict()  # each list in the order just sorted
    backbone = staying.set_index("teacher_id")["is_backbone"]
    rows = []
    for (source, subject), block in arcs.sort_values(["source", "subject", "target"]).groupby(
            ["source", "subject"], sort=True):
        names = roster.get((source, subject), [])
        cap = float(block["cap_fte"].iloc[0])
        used = dict.fromkeys(names, 0.0)
        for target, km, fte in zip(block["target"], block["km"], block["fte"], strict=True):
            left = float(fte)
            for name in names:
                if left <= 1e-6:
                    break
                take = min(cap - used[name], left)
                if take <= 1e-6:
                    continue
                used[name] += take
                left -= take
                rows.append((name, source, target, subject, bool(backbone[name]), km, take))
    out = pd.DataFrame(rows, columns=["teacher_id", "from_school", "to_school", "subject",
                                      "backbone", "distance_km", "fte"])
    target_name = out["to_school"].map(schools["name"])
    out["kind"] = "itinerant"
    out["distance_km"] = out["distance_km"].astype(float).round(1)
    # Shown to 3 decimals so that a teacher's pieces add up to her total rounded once
    # (cumulative rounding), never to more than her cap (0.167 × 3 would show 0.501).
    done = out.groupby("teacher_id", sort=False)["fte"].cumsum().round(3)
    out["fte"] = (done - done.groupby(out["teacher_id"], sort=False).shift(fill_value=0.0)
                  ).round(3)
    out["reason"] = ("itinerant: teaches " + out["subject"] + " at " + target_name + " ("
                     + out["fte"].astype(str) + " FTE)")
    out["reason_zh"] = ("走教:到" + target_name + "任教" + out["subject"].map(SUBJECTS) + "("
                        + out["fte"].astype(str) + "人)")
    return out[MOVE_COLUMNS]


def name_remote(arcs: pd.DataFrame, schools: pd.DataFrame, policy) -> pd.DataFrame:
    """One ``remote`` row (专递课堂) per solved remote arc with a streamed FTE > 0.

    ``from_school`` is the lead school streaming, ``to_school`` the site; ``teacher_id``
    is blank (the lead school decides which of its teachers streams) and ``fte`` is
    the lead's teaching time; the site counts ``policy.remote_quality`` × ``fte``.
    """
    fte = pd.Series([float(v.varValue or 0.0) for v in arcs["var"]], index=arcs.index)
    arcs = arcs.assign(fte=fte.round(6))
    arcs = arcs[arcs["fte"] > 1e-6]
    if arcs.empty:
        return pd.DataFrame(columns=MOVE_COLUMNS)
    out = pd.DataFrame({"teacher_id": "", "from_school": arcs["source"].to_numpy(),
                        "to_school": arcs["target"].to_numpy(),
                        "subject": arcs["subject"].to_numpy(), "backbone": False,
                        "kind": "remote", "distance_km": np.nan,
                        "fte": arcs["fte"].round(3).to_numpy()})
    lead = out["from_school"].map(schools["name"])
    site = out["to_school"].map(schools["name"])
    counted = (out["fte"] * float(policy.remote_quality)).round(3).astype(str)
    out["reason"] = ("remote: " + lead + " streams " + out["subject"] + " to " + site + " ("
                     + out["fte"].astype(str) + " FTE of the lead's time, counted as "
                     + counted + " FTE)")
    out["reason_zh"] = ("专递课堂:" + lead + "向" + site + "直播" + out["subject"].map(SUBJECTS)
                        + "课(" + out["fte"].astype(str) + "人,折算" + counted + "人)")
    return out[MOVE_COLUMNS]
