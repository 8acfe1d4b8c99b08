"""Shadow training (跟岗培训) for new rural teachers: who trains where, Chuxiong measure 7."""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.data.county import County
from staffing.geo import road_edges
from staffing.policy import Policy

__all__ = ["new_rural_teachers", "shadow_hosts", "SHADOW_COLUMNS"]

SHADOW_COLUMNS = ["teacher_id", "school_id", "host_school", "distance_km", "basis", "until"]


def new_rural_teachers(county: County, policy: Policy) -> pd.DataFrame:
    """Teachers at rural schools still within their shadow-training years.

    A teacher hired in year ``h`` trains in school years ``h … h + shadow_training_years
    − 1``; the planned school year starts in ``policy.plan_year``.
    """
    t = county.teachers
    if t is None or policy.shadow_training_years <= 0:
        return pd.DataFrame(columns=["school_id", "hire_year"])
    rural = t["school_id"].map(county.schools["location"]).eq("rural")
    new = t["hire_year"] > policy.plan_year - policy.shadow_training_years
    return t.loc[rural & new & t["status"].eq("in_post"), ["school_id", "hire_year"]]


def shadow_hosts(
    county: County,
    policy: Policy | None = None,
    *,
    clusters: pd.DataFrame | None = None,
    trainees: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Assign each new rural teacher a host school for shadow training.

    The host is an urban quality school or a township central school (Chuxiong
    measure 7): the trainee's cluster lead when that lead is one and has room, else
    the nearest such school within ``max_travel_km`` with room. A host mentors at most
    ``mentor_capacity_per_host`` trainees; trainees are placed in order of
    ``teacher_id``, so the result is deterministic. A trainee no host can take is
    listed with ``host_school`` empty and ``basis = "no host within reach"`` — never
    dropped.

    Parameters
    ----------
    county : County with a teachers table.
    policy : Policy, optional
    clusters : :func:`staffing.clusters.form_clusters` output, optional.
    trainees : rows indexed by teacher_id with ``school_id`` and ``hire_year``;
        defaults to :func:`new_rural_teachers` (hires planned later can be passed).

    Returns
    -------
    DataFrame with teacher_id, school_id, host_school, distance_km, basis
    (``cluster lead`` | ``nearest host``) and until (the last school year of training).
    """
    policy = policy or Policy()
    trainees = new_rural_teachers(county, policy) if trainees is None else trainees
    if trainees.empty:
        return pd.DataFrame(columns=SHADOW_COLUMNS)
    s = county.schools
    hosts = s.index[(s["is_quality"] & s["location"].eq("urban")) | s["is_central"]]
    schools = trainees["school_id"].unique()
    edges = road_edges(county, policy, between=(pd.Index(sorted(schools)), hosts))
    edges = edges.rename(columns={"from": "school_id", "to": "host_school"})
    if clusters is not None:
        lead = edges["school_id"].map(clusters["lead_school"])
        edges["is_lead"] = edges["host_school"].eq(lead).to_numpy()
    else:
        edges["is_lead"] = False
    # Preference order per school: own cluster lead first, then nearest, then id.
    edges = edges.sort_values(["school_id", "is_lead", "km", "host_school"],
                              ascending=[True, False, True, True], kind="stable")
    options = {sid: list(zip(g["host_school"], g["km"], g["is_lead"], strict=True))
               for sid, g in edges.groupby("school_id", sort=False)}
    room = dict.fromkeys(hosts, policy.mentor_capacity_per_host)
    rows = []
    for teacher_id, row in trainees.sort_index().iterrows():  # trainees are few per county
        choice = next(((h, km, is_lead) for h, km, is_lead in options.get(row["school_id"], [])
                       if room[h] > 0), None)
        if choice is None:
            rows.append((teacher_id, row["school_id"], "", np.nan, "no host within reach"))
            continue
        host, km, is_lead = choice
        room[host] -= 1
        rows.append((teacher_id, row["school_id"], host, km,
                     "cluster lead" if is_lead else "nearest host"))
    out = pd.DataFrame(rows, columns=SHADOW_COLUMNS[:-1])
    hire = trainees["hire_year"].reindex(out["teacher_id"]).to_numpy()
    out["until"] = (hire + policy.shadow_training_years - 1).astype(int)
    return out
