"""Reference formulations for checking the model: small, slow, written separately.

:func:`teacher_level_model` states the quota + rotation problem with one binary per
(eligible teacher, candidate target) instead of integer flows per group, without
the model's valid inequalities, and with its own code for every constraint. On small
counties its optimum must equal :func:`staffing.optimize`'s objective — the tests
check that, and ``benchmarks/bench_rotation.py`` times both.

:func:`plan_violations` and :func:`assert_plan_legal` check every hard rule of a
returned plan against the county's input tables and the Policy's numbers only — not
the model's rows, its inputs or :func:`teacher_level_model` — so that no bug of the
model can pass its own check.

:func:`school`, :func:`teachers` and :func:`county_of` build hand-made counties for
tests, every column given; :func:`assert_plan_equal` says two plans are the same.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pulp

from staffing.data.county import County
from staffing.model.inputs import prepare_inputs
from staffing.model.quota import reserve_minimum
from staffing.policy import Policy
from staffing.vocab import LEAVING_STATUSES, SUBJECTS

__all__ = ["teacher_level_model", "plan_violations", "assert_plan_legal", "school", "teachers",
           "without_teachers",
           "county_of", "assert_plan_equal", "SCHOOL_DEFAULTS", "TEACHER_DEFAULTS"]

#: Every column of a schools-table row, for hand-built test counties: an empty urban
#: primary school in 城关镇 (override what the test is about).
SCHOOL_DEFAULTS: dict[str, object] = {
    "township": "城关镇", "level": "primary", "location": "urban", "is_central": False,
    "is_quality": False, "is_weak": False, "pupils_primary": 0, "pupils_junior": 0,
    "classes_primary": 0, "classes_junior": 0, "approved_quota": 0, "staff_in_post": 0,
    "lat": 25.03, "lon": 101.55}

#: Every column of a teachers-table row but the ids and subject: a teacher in post,
#: born 1980, hired 2004, two years at the school, no backbone title.
TEACHER_DEFAULTS: dict[str, object] = {
    "sex": "female", "birth_year": 1980, "hire_year": 2004, "years_at_school": 2,
    "title": "intermediate", "backbone": "none", "is_head_teacher": False,
    "status": "in_post", "pinned": False}


def school(sid: str, **columns: object) -> dict:
    """One schools-table row: :data:`SCHOOL_DEFAULTS`, named ``sid``, with ``columns``.

    Examples
    --------
    >>> school("R", location="rural")["location"], school("R")["name"]
    ('rural', 'R')
    """
    return {"school_id": sid, "name": sid, **SCHOOL_DEFAULTS, **columns}


def teachers(sid: str, subjects: dict[str, int], start: int = 0, **columns: object
             ) -> list[dict]:
    """Teachers-table rows at ``sid``: ``subjects`` maps subject → how many; ids are
    ``<sid>-<nnn>`` counting from ``start``; ``columns`` override :data:`TEACHER_DEFAULTS`.

    Examples
    --------
    >>> [t["teacher_id"] for t in teachers("U", {"music": 2}, start=7)]
    ['U-007', 'U-008']
    """
    ids = range(start, start + sum(subjects.values()))
    names = [x for subject, n in subjects.items() for x in [subject] * n]
    return [{**TEACHER_DEFAULTS, "teacher_id": f"{sid}-{i:03d}", "school_id": sid,
             "subject": subject, **columns} for i, subject in zip(ids, names, strict=True)]


def county_of(schools: list[dict], teacher_rows: list[dict] | None = None,
              name: str = "hand-built") -> County:
    """A County from rows of :func:`school` and :func:`teachers`."""
    return County(pd.DataFrame(schools), pd.DataFrame(teacher_rows) if teacher_rows else None,
                  name=name)


def without_teachers(county: County, every: int) -> County:
    """``county`` with every ``every``-th teacher (by id) gone — retired, say — and
    each school's staff in post reduced to match: a small change to the data, for
    re-planning tests and benchmarks (warm starts)."""
    staff = county.teachers.sort_index()
    gone = staff.index[::every]
    schools = county.schools.copy()
    lost = staff.loc[gone, "school_id"].value_counts()
    schools["staff_in_post"] -= lost.reindex(schools.index, fill_value=0)
    return County(schools.reset_index(), staff.drop(gone).reset_index(), name=county.name,
                  county_total=county.county_total)


def assert_plan_equal(a, b) -> None:
    """Fail unless two plans have equal quotas, moves and hires tables (and objectives
    within 1e-6 relative).

    Examples
    --------
    >>> import staffing as st
    >>> county = st.synth.county(seed=1, n_schools=8, teachers=False)
    >>> assert_plan_equal(st.optimize(county), st.optimize(county))
    """
    for table in ("quotas", "moves", "hires"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table), obj=f"plan.{table}")
    assert math.isclose(a.objective, b.objective, rel_tol=1e-6, abs_tol=1e-6), (
        f"objectives differ: {a.objective} != {b.objective}")


def teacher_level_model(county: County, policy: Policy | None = None, *,
                        clusters: pd.DataFrame | None = None) -> pulp.LpProblem:
    """The joint quota + rotation problem with teacher-level binaries.

    Same data, candidate moves and objective as :func:`staffing.build_model`; a
    different formulation (binaries per teacher, no cuts), so equal optima on the same
    county are evidence that the aggregated model is right. Posts follow
    ``policy.post_moves_with`` by its own reading: every school's posts held after the
    moves (term movers counted at home) fit its quota. ``clusters`` as given to
    :func:`staffing.optimize`.
    """
    policy = policy or Policy()
    data = prepare_inputs(county, policy, clusters=clusters)
    s = data.schools
    ids = list(s.index)
    prob = pulp.LpProblem("teacher_level", pulp.LpMinimize)
    terms = []

    # Quotas: integer per school, slack against norm and approved, county total. With
    # the pool, no lower bound here: every school's posts-held row below bounds it.
    lows = 0 * s["approved_quota"] if policy.pool_enabled else s["approved_quota"]
    q = {i: prob.add_variable(f"q_{n}", lowBound=int(lows[i]),
                              upBound=None if policy.pool_enabled else int(s.at[i, "approved_quota"]),
                              cat=pulp.LpInteger) for n, i in enumerate(ids)}
    premium = _tie_break(s, county, policy)
    for n, i in enumerate(ids):
        below = prob.add_variable(f"below_{n}", lowBound=0)
        above = prob.add_variable(f"above_{n}", lowBound=0)
        prob += below >= int(s.at[i, "norm"]) - q[i]
        prob += above >= q[i] - int(s.at[i, "norm"])
        change = prob.add_variable(f"chg_{n}", lowBound=0)
        prob += change >= q[i] - int(s.at[i, "approved_quota"])
        prob += change >= int(s.at[i, "approved_quota"]) - q[i]
        terms += _convex_by_excess(prob, f"below_{n}", below, int(s.at[i, "norm"]),
                                   float(s.at[i, "shortfall_weight"]) * premium[i],
                                   policy.fair_band, policy.fair_steepness, whole=True)
        terms += [policy.weight_surplus * above, policy.weight_change * change]
    # Staff staying in post (or, with the pool off, the approved quotas) above the total
    # are over it whatever the plan does; otherwise the total is hard and the reserve
    # keeps its minimum or all the room the staff leave.
    staying_total = int((s["floor"] if policy.pool_enabled else s["approved_quota"]).sum())
    excess = max(0, staying_total - data.county_total)
    room = max(0, data.county_total - staying_total)
    reserve = prob.add_variable("reserve", lowBound=min(
        reserve_minimum(data.county_total, policy), room))
    over = prob.add_variable("over", lowBound=excess, upBound=excess)
    prob += pulp.lpSum(q.values()) + reserve - over == data.county_total
    terms.append(policy.weight_over_total * over)
    staying = (s["staff_in_post"] - s["leavers"]).clip(lower=0)
    if data.rotation is None:
        for i in ids:  # staff staying in post keep their posts
            prob += int(staying[i]) <= q[i]
        prob.setObjective(pulp.lpSum(terms))
        return prob

    r = data.rotation
    teachers = county.teachers
    elig = data.eligibility
    movers = teachers[elig["eligible"].reindex(teachers.index).to_numpy()
                      & teachers["status"].eq("in_post").to_numpy()]
    if "role" in movers:  # heads exchange in their own block, never as rotation movers
        role = movers["role"].astype(object).where(movers["role"].notna(), "teacher")
        movers = movers[role.isin(["teacher", "", "nan", "None"]).to_numpy()]
    movers = movers.assign(backbone=elig["backbone"].reindex(movers.index).to_numpy())
    keyed = movers.index.isin(set(county.move_rules["teacher_id"]))  # own groups
    movers = movers.assign(rule_key=np.where(keyed, movers.index.astype(str), ""))
    candidates = r.flows[["school_id", "subject", "backbone", "rule_key", "target", "km",
                          "kind"]].merge(
        movers.reset_index()[["teacher_id", "school_id", "subject", "backbone", "rule_key",
                              "title"]],
        on=["school_id", "subject", "backbone", "rule_key"]
    ).drop_duplicates(["teacher_id", "target"])  # groups split by post level share targets
    # Whose post a mover holds: a backbone teacher rotating to a rural or weak school is
    # on backbone support (骨干支教); the post goes with her only for the kinds listed
    # in policy.post_moves_with, else it stays at home (a term move).
    rural_or_weak = (s["location"] == "rural") | s["is_weak"].astype(bool)
    to_rural = np.array([bool(rural_or_weak[t]) for t in candidates["target"]], dtype=bool)
    kind = np.where((candidates["kind"].to_numpy() == "rotation")
                    & candidates["backbone"].to_numpy(dtype=bool) & to_rural,
                    "support", candidates["kind"].to_numpy())
    candidates["carries_post"] = [k in policy.post_moves_with for k in kind]
    level_limits = _level_limits_by_hand(county, policy) if policy.post_level_caps else None
    y = [prob.add_variable(f"y_{n}", cat=pulp.LpBinary) for n in range(len(candidates))]
    candidates = candidates.assign(var=y)
    for _, block in candidates.groupby("teacher_id")["var"]:
        prob += pulp.lpSum(block) <= 1  # one move per teacher at most
    terms += [(policy.weight_move + policy.weight_move_km * km) * v
              for km, v in zip(candidates["km"], candidates["var"], strict=True)]

    def moved(**match) -> list[pulp.LpVariable]:
        mask = np.ones(len(candidates), dtype=bool)
        for col, value in match.items():
            mask &= candidates[col].to_numpy() == value
        return candidates.loc[mask, "var"].tolist()

    # Itinerant cover: the same candidate arcs, one continuous FTE each.
    from staffing.model.itinerant import arcs_for_model

    arcs = arcs_for_model(county, policy, data.clusters, r)
    z = [prob.add_variable(f"z_{n}", lowBound=0) for n in range(len(arcs))]
    arcs = arcs.assign(var=z)
    terms += [(policy.weight_itinerant + policy.weight_itinerant_km * km) * v
              for km, v in zip(arcs["km"], arcs["var"], strict=True)]

    def visits(**match) -> list[pulp.LpVariable]:
        mask = np.ones(len(arcs), dtype=bool)
        for col, value in match.items():
            mask &= arcs[col].to_numpy() == value
        return arcs.loc[mask, "var"].tolist()

    # Remote lessons (专递课堂): the same candidate arcs, one continuous FTE each, bounded
    # per lead and subject by its streaming capacity; the site counts quality × FTE.
    from staffing.model.remote import remote_arcs_for_model

    rarcs = remote_arcs_for_model(county, policy, data.clusters, r)
    w = [prob.add_variable(f"w_{n}", lowBound=0) for n in range(len(rarcs))]
    rarcs = rarcs.assign(var=w)
    terms += [policy.weight_remote * v for v in w]
    for _, block in rarcs.groupby(["source", "subject"]):
        prob += pulp.lpSum(block["var"].tolist()) <= float(block["cap_fte"].iloc[0])

    def streams(**match) -> list[pulp.LpVariable]:
        mask = np.ones(len(rarcs), dtype=bool)
        for col, value in match.items():
            mask &= rarcs[col].to_numpy() == value
        return rarcs.loc[mask, "var"].tolist()

    head_cover, head_terms, head_moves = _teacher_level_heads(prob, county, policy, data)
    terms += head_terms

    urgent = set(policy.urgent_subjects)
    cover_of = {j: [j] if j != "general" else [] for j in SUBJECTS}
    for k, js in policy.subject_cover.items():
        for j in js:
            if k not in cover_of[j]:
                cover_of[j].append(k)
    for n, i in enumerate(ids):
        rural = s.at[i, "location"] == "rural"
        after = {k: int(r.staff.at[i, k]) - pulp.lpSum(moved(school_id=i, subject=k))
                 + pulp.lpSum(moved(target=i, subject=k)) for k in SUBJECTS}
        share = {(k, j): prob.add_variable(f"share_{n}_{k}_{j}", lowBound=0)
                 for j in SUBJECTS for k in cover_of[j] if r.needs.at[i, j] > 0}
        for k in SUBJECTS:
            parts = ([v for (kk, _), v in share.items() if kk == k] + visits(source=i, subject=k)
                     + streams(source=i, subject=k))
            if parts:
                prob += pulp.lpSum(parts) <= after[k]
            away = visits(source=i, subject=k)
            if away:
                cap = float(arcs.loc[arcs["source"].eq(i) & arcs["subject"].eq(k),
                                     "cap_fte"].iloc[0])
                prob += pulp.lpSum(away) <= cap * after[k]
        # Part-time cover (兼职) of mental health by other subjects: at most a part-time
        # teacher's share (Policy.mental_health_part_time_fte), read here on its own.
        borrowed = [v for (k, j), v in share.items() if j == "mental_health" and k != j]
        if borrowed:
            prob += pulp.lpSum(borrowed) <= policy.mental_health_part_time_fte
        for j in SUBJECTS:
            need = float(r.needs.at[i, j])
            if need <= 0:
                continue
            gap = prob.add_variable(f"gap_{n}_{j}", lowBound=0)
            prob += gap >= need - pulp.lpSum(v for (_, jj), v in share.items() if jj == j) \
                - pulp.lpSum(visits(target=i, subject=j)) \
                - policy.remote_quality * pulp.lpSum(streams(target=i, subject=j)) \
                - pulp.lpSum(head_cover.get((i, j), []))
            w = policy.weight_unmet_need * (policy.weight_unmet_urgent if j in urgent else 1.0)
            w *= (policy.weight_rural if rural else 1.0)
            w *= (policy.weight_unmet_labour if j == "labour" else 1.0)
            terms += _convex_by_excess(prob, f"gap_{n}_{j}", gap, need, w * premium[i],
                                       policy.fair_band_need, policy.fair_steepness_need,
                                       whole=False)
        # Posts held here after the moves: staying staff, less those who took their post
        # away, plus those who brought one; a teacher on a term move counts at home.
        holding = (int(staying[i]) - pulp.lpSum(moved(school_id=i, carries_post=True))
                   + pulp.lpSum(moved(target=i, carries_post=True)))
        if policy.pool_enabled:
            prob += holding <= q[i]
        elif moved(school_id=i, carries_post=True) or moved(target=i, carries_post=True):
            prob += holding <= max(int(s.at[i, "approved_quota"]), int(staying[i]))
        # Post levels (岗位结构比例): a teacher carrying her post takes its level along;
        # a school's senior / intermediate holders stay within max(cap, those staying).
        for level in (level_limits.columns if level_limits is not None else ()):
            arriving = moved(target=i, carries_post=True, title=level)
            if arriving:
                stay, limit = level_limits.at[i, level]
                prob += (stay - pulp.lpSum(moved(school_id=i, carries_post=True, title=level))
                         + pulp.lpSum(arriving) <= limit)
        if rural or bool(s.at[i, "is_weak"]):
            pupils = int(county.schools.at[i, "pupils_primary"] + county.schools.at[i, "pupils_junior"])
            target = policy.backbone_per_100_pupils_target * pupils / 100.0
            if target > 0:
                deficit = prob.add_variable(f"bbdef_{n}", lowBound=0)
                prob += deficit >= target - (
                    int(r.backbone_staff.at[i]) - pulp.lpSum(moved(school_id=i, backbone=True))
                    + pulp.lpSum(moved(target=i, backbone=True)))
                terms.append(policy.weight_backbone_deficit * deficit)

    terms += _balance_terms(prob, county, policy, moved)
    terms += _no_harm_terms(prob, county, policy, candidates, head_moves)

    duty_out, duty_bb = [], []
    for n, (i, eligible) in enumerate(r.duty["eligible"].items()):
        goal = policy.rotation_share_min * int(eligible)
        if goal <= 0:
            continue
        short = prob.add_variable(f"volshort_{n}", lowBound=0)
        prob += pulp.lpSum(moved(school_id=i)) + short >= goal
        terms.append(policy.weight_rotation_shortfall * short)
        duty_out += moved(school_id=i)
        duty_bb += moved(school_id=i, backbone=True)
    if duty_out and policy.rotation_backbone_share_min > 0:
        short = prob.add_variable("bbshare_short", lowBound=0)
        prob += pulp.lpSum(duty_bb) + short >= policy.rotation_backbone_share_min * pulp.lpSum(
            duty_out)
        terms.append(policy.weight_rotation_shortfall * short)
    prob.setObjective(pulp.lpSum(terms))
    return prob


def _balance_terms(prob: pulp.LpProblem, county: County, policy: Policy, moved) -> list:
    """The 优质均衡 staff shortfalls, worked from the 办法's wording: per evaluated school
    (teaching points below ``balance_teaching_point_min_pupils`` left out), PE, music
    and art teachers after the moves so that each part with pupils has
    ``balance_pe_arts_per100`` per 100 of its pupils, counting its share of the staff
    (:func:`staffing.staff.level_staff`); ⌈classes / ``balance_music_art_classes``⌉
    music and art teachers."""
    from staffing.staff import level_staff

    if not (policy.weight_balance_pe_arts > 0 or policy.weight_balance_music_art > 0):
        return []
    sch = county.schools
    t = county.teachers
    t = t[~t["status"].isin(LEAVING_STATUSES)]
    held = t.groupby(["school_id", "subject"]).size()
    share = level_staff(sch, pd.Series(1.0, index=sch.index), policy)
    out = []
    for n, i in enumerate(sch.index):
        p, j = float(sch.at[i, "pupils_primary"]), float(sch.at[i, "pupils_junior"])
        if p + j <= 0 or (sch.at[i, "level"] == "teaching_point"
                          and p + j < policy.balance_teaching_point_min_pupils):
            continue

        def after(subjects, i=i):
            return (sum(int(held.get((i, k), 0)) for k in subjects)
                    - pulp.lpSum(v for k in subjects for v in moved(school_id=i, subject=k))
                    + pulp.lpSum(v for k in subjects for v in moved(target=i, subject=k)))

        wanted = max(policy.balance_pe_arts_per100 * pupils / (100.0 * share.at[i, f"staff_{part}"])
                     for part, pupils in (("primary", p), ("junior", j)) if pupils > 0)
        if policy.weight_balance_pe_arts > 0:
            d = prob.add_variable(f"pe_arts_short_{n}", lowBound=0)
            prob += d >= wanted - after(("pe", "music", "art"))
            out.append(policy.weight_balance_pe_arts * d)
        classes = int(sch.at[i, "classes_primary"] + sch.at[i, "classes_junior"])
        needed = math.ceil(classes / policy.balance_music_art_classes)
        if policy.weight_balance_music_art > 0 and needed > 0:
            for k in ("music", "art"):
                d = prob.add_variable(f"music_art_short_{n}_{k}", lowBound=0)
                prob += d >= needed - after((k,))
                out.append(policy.weight_balance_music_art * d)
    return out


def _no_harm_terms(prob: pulp.LpProblem, county: County, policy: Policy,
                   candidates: pd.DataFrame, head_moves: list) -> list:
    """Do no harm (优质均衡), worked from the 办法's wording and docs/balance.md: every
    evaluated school part (pupils in it; teaching points below
    ``balance_teaching_point_min_pupils`` left out) whose teachers above the
    qualification of its level (本科 and up for junior, 专科 and up for primary by
    default), backbone teachers (county level or above) or PE, music and art teachers
    per 100 pupils reach the requirement — or ``balance_near_share`` of it — keep at
    least that many per 100 pupils after the moves, counting its share of the school's
    staff (:func:`staffing.staff.level_staff`); each teacher short costs
    ``weight_balance_no_harm``. Moves here are one per teacher (and per due head)."""
    from staffing.staff import level_staff

    if policy.weight_balance_no_harm <= 0:
        return []
    sch, t = county.schools, county.teachers
    t = t[~t["status"].isin(LEAVING_STATUSES)]
    order = ["high_school", "secondary", "associate", "bachelor", "master"]
    has_edu = "education" in t.columns

    def counts(rows: pd.DataFrame, what: str, part: str) -> np.ndarray:
        if what == "backbone":
            return rows["backbone"].isin(["county", "prefecture", "province"]).to_numpy()
        if what == "pe_arts":
            return rows["subject"].isin(["pe", "music", "art"]).to_numpy()
        floor = order.index(policy.balance_above_qualification_primary if part == "primary"
                            else policy.balance_above_qualification_junior)
        return rows["education"].map(lambda e: e in order and order.index(e) >= floor
                                     ).to_numpy(dtype=bool)

    cand = candidates.merge(county.teachers[["subject", "backbone"]
                                            + (["education"] if has_edu else [])]
                            .rename(columns={"subject": "t_subject", "backbone": "level"}),
                            left_on="teacher_id", right_index=True)
    cand = cand.assign(subject=cand["t_subject"], backbone=cand["level"])
    heads = pd.DataFrame([(h, county.teachers.at[h, "school_id"], tgt, v)
                          for h, tgt, v in head_moves],
                         columns=["teacher_id", "school_id", "target", "var"])
    heads = heads.join(county.teachers[["subject", "backbone"]
                                       + (["education"] if has_edu else [])], on="teacher_id")
    movers = pd.concat([cand[["school_id", "target", "var", "subject", "backbone"]
                             + (["education"] if has_edu else [])], heads], ignore_index=True)
    share = level_staff(sch, pd.Series(1.0, index=sch.index), policy)
    required = {"backbone": (policy.backbone_per_100_pupils_target,) * 2,
                "pe_arts": (policy.balance_pe_arts_per100,) * 2,
                "qualified": (policy.balance_qualified_per100_primary,
                              policy.balance_qualified_per100_junior)}
    short: dict[tuple[int, str], pulp.LpVariable] = {}
    for n, i in enumerate(sch.index):
        p, j = float(sch.at[i, "pupils_primary"]), float(sch.at[i, "pupils_junior"])
        if sch.at[i, "level"] == "teaching_point" and p + j < policy.balance_teaching_point_min_pupils:
            continue
        here = t[t["school_id"] == i]
        passes = {part: _passes_rule(sch.loc[i], here, part, float(share.at[i, f"staff_{part}"]),
                                     policy, order) for part in ("primary", "junior")}
        for what, req in required.items():
            if what == "qualified" and (not has_edu or not here["education"].isin(order).all()):
                continue  # the indicator has no data: nothing to keep
            for k, (part, pupils) in enumerate((("primary", p), ("junior", j))):
                sh = float(share.at[i, f"staff_{part}"])
                if pupils <= 0 or sh <= 0 or not passes[part]:
                    continue
                now = int(counts(here, what, part).sum())
                value = now * sh * 100.0 / pupils
                line = next((x for x in (req[k], policy.balance_near_share * req[k])
                             if value >= x * (1 - 1e-9)), None)
                if line is None:
                    continue
                keep = 0  # the fewest teachers whose value still reaches the line
                while keep * sh * 100.0 / pupils < line * (1 - 1e-9):
                    keep += 1
                if keep == 0:
                    continue
                leave = movers[(movers["school_id"] == i).to_numpy()
                               & counts(movers, what, part)]["var"].tolist()
                # arrivals count toward the backbone and PE/arts lines, not toward a
                # qualification line (docs/balance.md, "Do no harm")
                come = [] if what == "qualified" else movers[
                    (movers["target"] == i).to_numpy() & counts(movers, what, part)]["var"].tolist()
                # a nine-year school's parts share its backbone and PE/arts teachers:
                # one shortfall per school for those, the larger line binding it
                label = f"{what}_{part}" if what == "qualified" else what
                if (n, label) not in short:
                    short[(n, label)] = prob.add_variable(f"no_harm_{n}_{label}", lowBound=0)
                prob += short[(n, label)] >= keep - (now - pulp.lpSum(leave)
                                                     + pulp.lpSum(come))
    return [policy.weight_balance_no_harm * d for d in short.values()]


def _passes_rule(row: pd.Series, here: pd.DataFrame, part: str, share: float,
                 policy: Policy, order: list[str]) -> bool:
    """Whether a school part passes the 办法's rule before the plan, or could once its
    missing data came (at least ``balance_indicators_required`` of the seven met if
    every missing one were, none below ``balance_near_share`` of its requirement).
    Facilities are the school's, split between a nine-year school's parts by pupils
    weighted primary : junior = 1 : ``balance_junior_resource_weight``."""
    p, j = float(row["pupils_primary"]), float(row["pupils_junior"])
    pupils = p if part == "primary" else j
    if pupils <= 0:
        return False
    junior = part == "junior"
    weight = policy.balance_junior_resource_weight
    resource = (weight * j if junior else p) / (p + weight * j)
    floor = order.index(policy.balance_above_qualification_junior if junior
                        else policy.balance_above_qualification_primary)
    known = here["education"].isin(order).all() if "education" in here else False
    qualified = (here["education"].map(lambda e: e in order and order.index(e) >= floor).sum()
                 if known else None)
    staff = {"qualified": qualified,
             "backbone": here["backbone"].isin(["county", "prefecture", "province"]).sum(),
             "pe_arts": here["subject"].isin(["pe", "music", "art"]).sum()}
    values = [None if n is None else n * share * 100.0 / pupils for n in staff.values()]
    required = [policy.balance_qualified_per100_junior if junior
                else policy.balance_qualified_per100_primary,
                policy.backbone_per_100_pupils_target, policy.balance_pe_arts_per100]
    facilities = [("teaching_area_m2", 1.0, policy.balance_teaching_area_junior if junior
                   else policy.balance_teaching_area_primary),
                  ("sports_area_m2", 1.0, policy.balance_sports_area_junior if junior
                   else policy.balance_sports_area_primary),
                  ("equipment_value_yuan", 1.0, policy.balance_equipment_junior if junior
                   else policy.balance_equipment_primary),
                  ("multimedia_classrooms", 100.0, policy.balance_multimedia_per100_junior
                   if junior else policy.balance_multimedia_per100_primary)]
    for column, per, need in facilities:
        x = row.get(column, np.nan)
        values.append(None if pd.isna(x) else per * float(x) * resource / pupils)
        required.append(need)
    met = missing = 0
    for v, r in zip(values, required, strict=True):
        if v is None:
            missing += 1
        elif v >= r * (1 - 1e-9):
            met += 1
        elif v < policy.balance_near_share * r * (1 - 1e-9):
            return False
    return met + missing >= policy.balance_indicators_required


def _teacher_level_heads(prob: pulp.LpProblem, county: County, policy: Policy, data
                         ) -> tuple[dict, list]:
    """Heads in the teacher-level model, read from docs/concepts.md ("Heads teach and
    exchange"): a head covers her role's minimum periods ÷ her subject's weekly load
    (small-school table at small village schools and teaching points, junior at junior
    schools, else primary; a general head the first need general teachers cover) where
    she is after the exchange; a due head (exchange role, ``principal_exchange_years``
    or more at her school, not pinned) may take one candidate post, never beyond the
    posts of her role at the target (one principal, one party secretary, the vice
    principals there now) counting who leaves; unexchanged due heads cost the shortfall
    weight. Candidate targets are the model's, like the rotation's ``flows``."""
    from staffing.norms import small_school_mask
    from staffing.training import new_rural_teachers

    t = county.teachers
    cover: dict[tuple[str, str], list] = {}
    if t is None or "role" not in t or data.rotation is None:
        return cover, [], []
    role = t["role"].astype(object).where(t["role"].notna(), "teacher").astype(str)
    role = role.where(~role.isin(["", "nan", "None"]), "teacher")
    training = set(new_rural_teachers(county, policy).index)
    keep = (role.ne("teacher").to_numpy(dtype=bool) & t["status"].eq("in_post").to_numpy(dtype=bool)
            & ~t.index.isin(training))
    heads = t.loc[keep].assign(role=role[keep])
    if not len(heads):
        return cover, [], []
    periods = {"principal": policy.principal_teaching_periods,
               "vice_principal": policy.vice_principal_teaching_periods,
               "party_secretary": policy.party_secretary_teaching_periods}
    small = small_school_mask(county.schools, policy)
    loads = policy.teaching_load
    first_general = (list(policy.subject_cover.get("general", [])) or ["general"])[0]
    fte, need = {}, {}
    for h, row in heads.iterrows():
        j = first_general if row["subject"] == "general" else row["subject"]
        level = county.schools.at[row["school_id"], "level"]
        order = ([loads.get("small_school", {})] if bool(small.get(row["school_id"])) else [])
        order += [loads["junior"], loads["primary"]] if level == "junior" else \
            [loads["primary"], loads["junior"]]
        load = next((float(tab[j]) for tab in order if j in tab), math.inf)
        fte[h] = min(periods[row["role"]] / load, 1.0) if 0 < load < math.inf else 0.0
        need[h] = j

    pinned = data.eligibility["reason"].reindex(heads.index).eq("pinned")
    due = (policy.principal_exchange_enabled
           & heads["role"].isin(policy.principal_exchange_roles)
           & (heads["years_at_school"] >= policy.principal_exchange_years) & ~pinned)
    arcs = data.rotation.principals.arcs if data.rotation.principals is not None else None
    arcs = arcs[arcs["head"].isin(heads.index[due])] if arcs is not None else []
    y = {(h, tgt): prob.add_variable(f"hx_{n}", cat=pulp.LpBinary)
         for n, (h, tgt) in enumerate(zip(arcs["head"], arcs["target"], strict=True))} \
        if len(arcs) else {}
    km = {(h, tgt): float(d) for h, tgt, d in zip(arcs["head"], arcs["target"], arcs["km"],
                                                  strict=True)} if len(arcs) else {}
    terms = [(policy.weight_move + policy.weight_move_km * float(km[k])) * v
             for k, v in y.items()]
    for h in heads.index:
        leaving = [v for (hh, _), v in y.items() if hh == h]
        if leaving:
            prob += pulp.lpSum(leaving) <= 1
        if fte[h] > 0:
            home = (heads.at[h, "school_id"], need[h])
            cover.setdefault(home, []).append(fte[h] * (1 - pulp.lpSum(leaving)))
            for (hh, tgt), v in y.items():
                if hh == h:
                    cover.setdefault((tgt, need[h]), []).append(fte[h] * v)
    for r in policy.principal_exchange_roles:
        for sid in county.schools.index:
            now = int(((heads["school_id"] == sid) & (heads["role"] == r)).sum())
            posts = max(now, 1) if r in ("principal", "party_secretary") else now
            into = [v for (h, tgt), v in y.items() if tgt == sid and heads.at[h, "role"] == r]
            if into:
                out = [v for (h, _), v in y.items()
                       if heads.at[h, "school_id"] == sid and heads.at[h, "role"] == r]
                prob += now - pulp.lpSum(out) + pulp.lpSum(into) <= posts
    goal = policy.principal_exchange_share_min * int(due.sum())
    if goal > 0:
        short = prob.add_variable("head_exchange_short", lowBound=0)
        prob += pulp.lpSum(y.values()) + short >= goal
        terms.append(policy.weight_principal_exchange_shortfall * short)
    return cover, terms, [(h, tgt, v) for (h, tgt), v in y.items()]


def _tie_break(s, county: County, policy: Policy) -> dict:
    """1 + tie_break_share × priority per school: priority 1 for the first of equal
    schools (lowest approved/norm, most pupils, highest weight, then id) down to 0."""
    pupils = county.schools["pupils_primary"] + county.schools["pupils_junior"]
    keyed = []
    for i in s.index:
        norm = int(s.at[i, "norm"])
        share = s.at[i, "approved_quota"] / norm if norm > 0 else float("inf")
        keyed.append((share, -int(pupils[i]), -float(s.at[i, "shortfall_weight"]), str(i), i))
    keyed.sort()
    n = len(keyed)
    return {k[-1]: 1.0 + policy.tie_break_share * ((1.0 - rank / (n - 1)) if n > 1 else 1.0)
            for rank, k in enumerate(keyed)}


def _convex_by_excess(prob, name, amount, scale, weight, band, steepness, *, whole) -> list:
    """Convex piecewise-linear cost of ``amount`` (≥ 0), written as the first slope on the
    whole amount plus each later slope's rise on the excess over the step before it —
    a second formulation of :func:`staffing.model.fair.add_convex_cost`'s steps.

    Step b covers relative shortfall ((b − 1)·band, b·band] and costs
    1 + steepness × (b − ½) × band per unit; with ``whole`` the step ends are rounded
    half up to whole posts."""
    import math

    steps = math.ceil(1.0 / band - 1e-9)
    slope = [1.0 + steepness * min((b - 0.5) * band, 1.0) for b in range(1, steps + 1)]
    ends = [scale * band * b for b in range(1, steps + 1)]
    if whole:
        ends = [math.floor(e + 0.5) for e in ends]
    terms = [weight * slope[0] * amount]
    for b in range(1, steps):
        rise = slope[b] - slope[b - 1]
        if ends[b - 1] >= scale or rise <= 0:
            continue
        excess = prob.add_variable(f"{name}_over_{b}", lowBound=0)
        prob += excess >= amount - ends[b - 1]
        terms.append(weight * rise * excess)
    return terms


# ---------------------------------------------------------------------------------------
# Hard rules of a returned plan, checked against the input tables only.
#
# Everything below reads ``county.schools``, ``county.teachers``, ``county.county_total``,
# the Policy's numbers and the plan's output tables. It never calls the model, its
# inputs (``ModelInputs``), its eligibility or distance helpers or the reference
# formulation above: each rule is recomputed here from the documents' wording, so a
# bug in the model cannot hide itself in the check.
# ---------------------------------------------------------------------------------------

#: Kinds of move whose post moves with the teacher when the Policy has no
#: ``post_moves_with`` field (every kind, as the model did before that field).
_ALL_POST_KINDS: tuple[str, ...] = ("rotation", "support", "exchange", "transfer")

#: Statutory retirement under the 2025 reform (POLICY.md B), written out again here:
#: (old age in years, first birth year delayed, months of birth per month of delay,
#: most months of delay). Men 60 → 63 and women cadres 55 → 58 by one month per four
#: months of birth from January of the first delayed year; women workers 50 → 55 by one
#: month per two months.
_RETIREMENT_RULES: dict[str, tuple[int, int, int, int]] = {
    "male": (60, 1965, 4, 36),
    "cadre": (55, 1970, 4, 36),
    "worker": (50, 1975, 2, 60),
}

#: Road distances are compared after rounding to 10 m (docs of staffing.geo); a pair
#: this much above the limit is still treated as within it.
_KM_TOLERANCE = 0.006

#: Days of slack on date rules (leap days, day-of-month clipping): a teacher is called
#: too close to retirement only when clearly so, never on a boundary day.
_DAY_TOLERANCE = 3


def _retirement_dates(teachers: pd.DataFrame, policy: Policy) -> pd.Series:
    """Statutory retirement date of each teacher, by the reform rule of POLICY.md B.

    A teacher with only a birth year is taken as born on 1 July (the data convention
    of docs/data.md and staffing.retirement; the middle of the year).
    """
    birth = pd.to_datetime(teachers["birth_date"], errors="coerce")
    mid_year = pd.to_datetime(
        teachers["birth_year"].astype("Int64").astype("string") + "-07-01", errors="coerce")
    birth = birth.fillna(mid_year)
    track = np.where(teachers["sex"].eq("male"), "male",
                     getattr(policy, "female_retirement_track", "cadre"))
    age = np.zeros(len(teachers), dtype=np.int64)
    for name, (old, first, per, cap) in _RETIREMENT_RULES.items():
        mine = track == name
        months_since = ((birth.dt.year.to_numpy() - first) * 12 + birth.dt.month.to_numpy() - 1)
        delay = np.where(months_since < 0, 0, np.minimum(months_since // per + 1, cap))
        age = np.where(mine, old * 12 + delay, age)
    month_index = birth.dt.year.to_numpy() * 12 + (birth.dt.month.to_numpy() - 1) + age
    first_of_month = pd.to_datetime(pd.DataFrame(
        {"year": month_index // 12, "month": month_index % 12 + 1, "day": 1}))
    day = np.minimum(birth.dt.day.to_numpy(), first_of_month.dt.days_in_month.to_numpy())
    dates = first_of_month + pd.to_timedelta(day - 1, unit="D")
    return pd.Series(dates.to_numpy(), index=teachers.index, name="retirement_date")


def _pinned(teachers: pd.DataFrame, extra: Iterable[str]) -> pd.Series:
    col = teachers["pinned"] if "pinned" in teachers else pd.Series(False, index=teachers.index)
    return col.fillna(False).astype(bool) | teachers.index.isin(set(map(str, extra)))


def _not_eligible(teachers: pd.DataFrame, policy: Policy, horizon: int,
                  pinned: Iterable[str]) -> pd.Series:
    """Why each teacher may not rotate ('' when they may), from the Policy's numbers."""
    start = pd.Timestamp(year=policy.plan_year, month=9, day=1)
    retire = _retirement_dates(teachers, policy)
    days_left = (retire - start).dt.days
    window = policy.rotation_exclude_years_to_retirement * 365.25 - _DAY_TOLERANCE
    # A multi-year plan does not move a teacher whose post falls vacant by retirement
    # within it (the school year starting on or after the retirement date).
    last_start = pd.Timestamp(year=policy.plan_year + horizon, month=9, day=1)
    retires_in_plan = (retire <= last_start) if horizon > 0 else pd.Series(False, index=retire.index)
    rules = [
        ("status is not in_post", teachers["status"].ne("in_post")),
        ("pinned", _pinned(teachers, pinned)),
        (f"fewer than {policy.rotation_eligible_years} years at the school",
         teachers["years_at_school"] < policy.rotation_eligible_years),
        (f"within the first {policy.rotation_exclude_first_years} years of service",
         (policy.plan_year - teachers["hire_year"]) < policy.rotation_exclude_first_years),
        (f"within {policy.rotation_exclude_years_to_retirement:g} years of retirement "
         "(or retiring within the plan)", (days_left < window) | retires_in_plan),
        ("class teacher (班主任)", teachers["is_head_teacher"].fillna(False).astype(bool)
         & (not policy.rotation_move_head_teachers)),
    ]
    why = pd.Series("", index=teachers.index, dtype=object)
    for text, mask in reversed(rules):  # the first rule that applies wins
        why = why.mask(mask.to_numpy(), text)
    return why


def _road_km(schools: pd.DataFrame, a: pd.Series, b: pd.Series, policy: Policy,
             county: County) -> np.ndarray:
    """Road km between schools ``a`` and ``b``: a listed distance, else haversine × factor."""
    lat = np.radians(schools["lat"].astype(float))
    lon = np.radians(schools["lon"].astype(float))
    p1, p2 = lat.reindex(a).to_numpy(), lat.reindex(b).to_numpy()
    l1, l2 = lon.reindex(a).to_numpy(), lon.reindex(b).to_numpy()
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    km = 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))) * policy.road_factor
    table = getattr(county, "distances", None)
    if table is not None and len(table):
        cols = {str(c).lower(): c for c in table.columns}
        f = table[cols.get("from", cols.get("from_school"))].astype(str)
        t = table[cols.get("to", cols.get("to_school"))].astype(str)
        listed = dict(zip(zip(f, t, strict=True), table[cols.get("km", cols.get("road_km"))],
                          strict=True))
        listed.update({(y, x): k for (x, y), k in list(listed.items())})
        given = np.array([listed.get((x, y), np.nan) for x, y in zip(a, b, strict=True)],
                         dtype=float)
        km = np.where(np.isnan(given), km, given)
    return km


def _holding_after_moves(county: County, plan, policy: Policy) -> tuple[pd.Series, pd.Series]:
    """(staff staying in post, staff holding a post after the moves) per school.

    Staying = staff in post − teachers whose status says they leave. A move carries
    the post when its kind is in ``policy.post_moves_with`` (every kind when the Policy
    has no such field); itinerant teaching (走教) never does.
    """
    s = county.schools
    t = county.teachers
    leavers = pd.Series(0, index=s.index)
    if t is not None and len(t):
        leavers = t.loc[t["status"].isin(LEAVING_STATUSES), "school_id"].value_counts()
        leavers = leavers.reindex(s.index, fill_value=0)
    staying = (s["staff_in_post"] - leavers).clip(lower=0).astype("int64")
    kinds = set(getattr(policy, "post_moves_with", _ALL_POST_KINDS))
    m = plan.moves
    carry = m[m["kind"].isin(kinds)] if len(m) else m
    out = carry["from_school"].value_counts().reindex(s.index, fill_value=0) if len(carry) \
        else pd.Series(0, index=s.index)
    into = carry["to_school"].value_counts().reindex(s.index, fill_value=0) if len(carry) \
        else pd.Series(0, index=s.index)
    return staying, (staying - out + into).astype("int64")


def plan_violations(county: County, policy: Policy, plan, *,
                    pinned: Iterable[str] = ()) -> list[str]:
    """Every hard rule a returned plan breaks, checked against the input tables.

    Reads only ``county`` (schools, teachers, county total), the Policy's numbers and
    the plan's output tables (``quotas``, ``pool``, ``moves``, ``hires``,
    ``quota_path``); every rule is recomputed here, independently of the model.

    Rules checked:

    * quotas are whole numbers ≥ 0, one per school of the county;
    * with ``pool_enabled`` False, every quota equals the approved one;
    * when the staff staying in post (staff in post − teachers whose status leaves)
      fit within the county total: Σ new quota ≤ county total, and the pool keeps at
      least ``⌈pool_reserve_share × total⌉`` when that fits too (single-year plans;
      a multi-year plan may lend the reserve); the pool ledger closes at the total
      minus the quotas; when the staff exceed the total, no post is added beyond them
      and ``plan.over_county_total`` is exactly the excess;
    * each school's new quota ≥ the staff holding a post there after the moves (a
      move carries its post when its kind is in ``policy.post_moves_with``);
    * each teacher moves at most once (itinerant rows aside), from the school and in
      the subject of the teachers table, and only if eligible: in post, not pinned,
      ≥ ``rotation_eligible_years`` at the school, past the first
      ``rotation_exclude_first_years`` of service, more than
      ``rotation_exclude_years_to_retirement`` years from statutory retirement (2025
      reform) and, in a multi-year plan, not retiring within it; not a class teacher
      unless ``rotation_move_head_teachers``;
    * each move's kind matches the tables (exchange: rural → quality school; support:
      a backbone teacher to a rural or weak school; rotation: anyone else), since the
      kind decides whose post the mover holds;
    * every move and itinerant visit is within ``max_travel_km`` road km
      (haversine × ``road_factor``, or the county's distance table);
    * remote lessons (kind ``remote``, 专递课堂) only with ``remote_enabled``, in a subject
      of ``remote_subjects`` that is urgent, to a village school or teaching point of at
      most ``small_school_threshold`` pupils, from a school with a teacher of the subject,
      and within ``remote_periods_per_lead`` ÷ load FTE per lead school and subject;
    * planner controls (schools columns and the move-rules table): a school with a
      ``locked_quota`` gets exactly that quota (every year of a multi-year plan); a
      teacher with ``allowed`` rows moves only to those schools, never to a
      ``forbidden`` one, and gives no itinerant cover; moves (rotation, support,
      exchange) into and out of a school stay within ``max_moves_in`` and
      ``max_moves_out``;
    * post levels (``post_level_caps``): a move whose post goes with the teacher never
      takes a school's senior or intermediate posts above ⌊share × approved quota⌋,
      nor above the holders staying where those exceed it already;
    * multi-year plans: hires are whole numbers ≥ 0 for years 1 … horizon, urgent-need
      subjects are ≥ ``urgent_share_min`` of each year's hires, each year's quotas fit
      the county total, and staff holding a post (after retirements and moves) plus
      hires so far ≤ that year's quota.

    Parameters
    ----------
    county : the county the plan was made for (``plan.county`` after transfers).
    policy : the policy it was made with.
    plan : a :class:`staffing.Plan` with a solution (``optimal`` or ``feasible``).
    pinned : teacher ids pinned by ``optimize(pinned=…)`` besides the ``pinned`` column.

    Returns
    -------
    list of str
        One line per violation; empty for a legal plan.

    Examples
    --------
    >>> import staffing as st
    >>> county = st.synth.county(seed=3, n_schools=15, teachers=False)
    >>> plan = st.optimize(county)
    >>> plan_violations(county, st.Policy(), plan)
    []
    """
    problems: list[str] = []
    s = county.schools
    total = int(county.county_total)
    q = plan.quotas
    missing = s.index.difference(q.index)
    extra = q.index.difference(s.index)
    if len(missing) or len(extra):
        problems.append(f"quota table schools differ from the county's: missing "
                        f"{list(missing)[:5]}, unknown {list(extra)[:5]}")
        return problems
    new = q["new_quota"].reindex(s.index)
    as_float = pd.to_numeric(new, errors="coerce").astype(float)
    bad = as_float.isna() | (as_float < 0) | (as_float != np.round(as_float))
    problems += [f"school {i}: new quota {new[i]!r} is not a whole number ≥ 0"
                 for i in s.index[bad.to_numpy()]]
    new = as_float.fillna(0).round().astype("int64")
    approved = s["approved_quota"].astype("int64")

    staying, holding = _holding_after_moves(county, plan, policy)
    if not policy.pool_enabled:
        differs = new.ne(approved)
        problems += [f"school {i}: pool disabled but new quota {new[i]} ≠ approved {approved[i]}"
                     for i in s.index[differs.to_numpy()]]
    fits = int(staying.sum()) <= total
    reserve_min = (math.ceil(policy.pool_reserve_share * total - 1e-9)
                   if policy.pool_enabled else 0)
    horizon = int(getattr(plan, "horizon", 0) or 0)
    if policy.pool_enabled and fits and int(new.sum()) > total:
        problems.append(f"county total broken: Σ new quota {int(new.sum())} > county total "
                        f"{total} although the {int(staying.sum())} staff staying in post fit")
    if policy.pool_enabled and not fits and int(new.sum()) > int(staying.sum()):
        problems.append(f"staff staying in post ({int(staying.sum())}) exceed the county total "
                        f"{total}, yet Σ new quota {int(new.sum())} adds posts beyond them")
    excess = max(int(staying.sum()) - total, 0)
    reported = getattr(plan, "over_county_total", None)
    if policy.pool_enabled and reported is not None and int(reported) != excess:
        problems.append(f"plan reports {int(reported)} staff above the county total; the input "
                        f"tables say {excess}")
    if policy.pool_enabled and horizon == 0 and int(staying.sum()) + reserve_min <= total \
            and total - int(new.sum()) < reserve_min:
        problems.append(f"pool reserve {total - int(new.sum())} < the minimum {reserve_min} "
                        f"(⌈{policy.pool_reserve_share} × {total}⌉)")
    pool = plan.pool
    if len(pool) and horizon == 0:
        closing = int(pool["balance"].iloc[-1])
        if closing != total - int(new.sum()):
            problems.append(f"pool ledger closes at {closing}, not county total − Σ new quota "
                            f"= {total - int(new.sum())}")
    over = holding > new
    if not policy.pool_enabled:  # quotas are fixed; moves may not push a school over it
        over &= holding > staying
    problems += [f"school {i}: new quota {new[i]} < {holding[i]} staff holding a post "
                 f"after the moves" for i in s.index[over.to_numpy()]]

    problems += _remote_violations(county, policy, plan)
    problems += _move_violations(county, policy, plan, horizon, pinned)
    problems += _head_violations(county, policy, plan, pinned)
    problems += _post_level_violations(county, policy, plan)
    problems += _control_violations(county, plan, new, horizon)
    if horizon > 0:
        problems += _year_violations(county, policy, plan, horizon, fits)
    return problems


def _remote_violations(county: County, policy: Policy, plan) -> list[str]:
    """Remote lessons (专递课堂, kind ``remote``), from the input tables: only with
    ``remote_enabled``; only in a subject of ``remote_subjects`` that is urgent; only to
    a village school or teaching point of at most ``small_school_threshold`` pupils
    (levels and locations of ``small_school_levels`` / ``_locations``); from another
    school of the county with a teacher of the subject in post; and per lead school and
    subject, Σ fte ≤ ``remote_periods_per_lead`` ÷ that school's weekly load."""
    m = plan.moves
    if m is None or not len(m):
        return []
    m = m[m["kind"].eq("remote")]
    if not len(m):
        return []
    if not policy.remote_enabled:
        return [f"{len(m)} remote lessons although remote_enabled is False"]
    s = county.schools
    problems: list[str] = []
    allowed = set(policy.remote_subjects) & set(policy.urgent_subjects)
    odd = ~m["subject"].isin(allowed)
    problems += [f"remote lessons in {k} ({a} → {b}): not a subject remote lessons may cover"
                 for k, a, b in zip(m.loc[odd, "subject"], m.loc[odd, "from_school"],
                                    m.loc[odd, "to_school"], strict=True)]
    unknown = ~m["from_school"].isin(s.index) | ~m["to_school"].isin(s.index) \
        | m["from_school"].eq(m["to_school"])
    problems += [f"remote lessons {a} → {b}: not two schools of the county"
                 for a, b in zip(m.loc[unknown, "from_school"], m.loc[unknown, "to_school"],
                                 strict=True)]
    m = m[~unknown]
    pupils = s["pupils_primary"] + s["pupils_junior"]
    small = (s["level"].isin(policy.small_school_levels)
             & s["location"].isin(policy.small_school_locations)
             & (pupils <= policy.small_school_threshold))
    big = ~m["to_school"].map(small).astype(bool)
    problems += [f"remote lessons to {b}: not a village school or teaching point of at most "
                 f"{policy.small_school_threshold} pupils" for b in m.loc[big, "to_school"]]
    t = county.teachers
    held = (set(zip(t.loc[t["status"].eq("in_post"), "school_id"],
                    t.loc[t["status"].eq("in_post"), "subject"], strict=True))
            if t is not None and len(t) else set())
    held |= {(b, k) for b, k, kind in zip(plan.moves["to_school"], plan.moves["subject"],
                                          plan.moves["kind"], strict=True)
             if kind in ("rotation", "support", "exchange")}
    none = [(a, k) not in held for a, k in zip(m["from_school"], m["subject"], strict=True)]
    problems += [f"remote lessons in {k} from {a}, which has no {k} teacher"
                 for (a, k) in m.loc[none, ["from_school", "subject"]].itertuples(index=False)]
    fte = pd.to_numeric(m["fte"], errors="coerce")
    problems += [f"remote lessons {a} → {b}: fte {f!r} is not a number > 0"
                 for a, b, f in zip(m["from_school"], m["to_school"], m["fte"], strict=True)
                 if not (float(f) > 0 if pd.notna(pd.to_numeric(f, errors="coerce")) else False)]
    keys = [m["from_school"], m["subject"]]
    total, rows = fte.groupby(keys).sum(), fte.groupby(keys).size()
    for (a, k), f in total.items():
        small_load = bool(small[a])
        part = ("small_school" if small_load else
                "junior" if s.at[a, "pupils_junior"] > s.at[a, "pupils_primary"] else "primary")
        load = policy.teaching_load[part].get(k)
        cap = policy.remote_periods_per_lead / load if load else math.inf
        if f > cap + 5e-4 * rows[(a, k)] + 1e-4:  # each row's fte is rounded to 3 places
            problems.append(f"remote lessons in {k} from {a}: {f:.3f} FTE > capacity "
                            f"{policy.remote_periods_per_lead:g} periods ÷ {load} = {cap:.3f}")
    return problems


def _move_violations(county: County, policy: Policy, plan, horizon: int,
                     pinned: Iterable[str]) -> list[str]:
    """Who moved, from where, how far, and whether they were eligible."""
    m = plan.moves
    if m is None or not len(m):
        return []
    problems: list[str] = []
    m = m[m["kind"].ne("remote")]  # no teacher moves: see _remote_violations
    if not len(m):
        return []
    t = county.teachers
    s = county.schools
    if t is None or not len(t):
        return [f"{len(m)} moves in a county without a teachers table"]
    unknown = ~m["teacher_id"].astype(str).isin(t.index)
    problems += [f"move of unknown teacher {x}" for x in m.loc[unknown, "teacher_id"]]
    m = m.loc[~unknown]
    tid = m["teacher_id"].astype(str)
    home = tid.map(t["school_id"])
    wrong_home = m["from_school"].ne(home)
    problems += [f"teacher {x}: moves from {a}, but holds a post at {b}"
                 for x, a, b in zip(tid[wrong_home], m.loc[wrong_home, "from_school"],
                                    home[wrong_home], strict=True)]
    bad_target = ~m["to_school"].isin(s.index) | m["to_school"].eq(m["from_school"])
    problems += [f"teacher {x}: target {y!r} is not another school of the county"
                 for x, y in zip(tid[bad_target], m.loc[bad_target, "to_school"], strict=True)]
    km = _road_km(s, m["from_school"], m["to_school"], policy, county)
    far = ~(km <= policy.max_travel_km + _KM_TOLERANCE)  # NaN (no coordinates) is too far
    problems += [f"teacher {x}: {a} → {b} is {k:.2f} road km > max_travel_km "
                 f"{policy.max_travel_km:g}"
                 for x, a, b, k in zip(tid[far], m.loc[far, "from_school"],
                                       m.loc[far, "to_school"], km[far], strict=True)]

    # The kind decides whose post a mover holds, so it must match the input tables: an
    # exchange takes a rural teacher to a quality school; a backbone teacher sent to a
    # rural or weak school is on support (骨干支教), anyone else on rotation.
    known = {"rotation", "support", "exchange", "itinerant", "transfer", "principal_exchange"}
    odd = ~m["kind"].isin(known)
    problems += [f"teacher {x}: unknown kind of move {k!r}"
                 for x, k in zip(tid[odd], m.loc[odd, "kind"], strict=True)]
    backbone = tid.map(t["backbone"]).ne("none").to_numpy()
    to_rural = (m["to_school"].map(s["location"]).eq("rural")
                | m["to_school"].map(s["is_weak"]).fillna(False).astype(bool)).to_numpy()
    from_rural = m["from_school"].map(s["location"]).eq("rural").to_numpy()
    to_quality = m["to_school"].map(s["is_quality"]).fillna(False).astype(bool).to_numpy()
    kind = m["kind"].to_numpy()
    mislabelled = (((kind == "exchange") & ~(from_rural & to_quality))
                   | ((kind == "support") & ~(backbone & to_rural))
                   | ((kind == "rotation") & backbone & to_rural))
    problems += [f"teacher {x}: kind {k!r} does not match the tables ({a} → {b})"
                 for x, k, a, b in zip(tid[mislabelled], kind[mislabelled],
                                       m.loc[mislabelled, "from_school"],
                                       m.loc[mislabelled, "to_school"], strict=True)]

    full = m["kind"].ne("itinerant")
    movers = tid[full]
    twice = movers[movers.duplicated()].unique()
    problems += [f"teacher {x} moves more than once" for x in twice]
    wrong_subject = full & m["subject"].ne(tid.map(t["subject"]))
    problems += [f"teacher {x}: moves as {k}, but teaches {tid.map(t['subject'])[i]}"
                 for i, x, k in zip(m.index[wrong_subject], tid[wrong_subject],
                                    m.loc[wrong_subject, "subject"], strict=True)]
    why = _not_eligible(t, policy, horizon, pinned)
    teacher = full & m["kind"].ne("principal_exchange")  # heads: _head_violations
    reasons = tid[teacher].map(why)
    problems += [f"teacher {x} moves ({k}) but is not eligible: {r}"
                 for x, k, r in zip(tid[teacher][reasons.ne("")],
                                    m.loc[teacher, "kind"][reasons.ne("")],
                                    reasons[reasons.ne("")], strict=True)]
    visiting = tid[~full]
    absent = visiting.map(t["status"]).ne("in_post") | visiting.isin(set(movers))
    problems += [f"teacher {x} teaches itinerant but is not in post at home this year"
                 for x in visiting[absent].unique()]
    return problems


def _head_violations(county: County, policy: Policy, plan, pinned: Iterable[str]) -> list[str]:
    """Heads' exchanges (kind ``principal_exchange``, Chuxiong measure 8), from the tables.

    The mover's ``role`` is one of ``principal_exchange_roles``; she is in post, not
    pinned, with ≥ ``principal_exchange_years`` at her school; from an urban, town or
    quality school she goes only to a rural or weak one; and no school ends with more
    holders of a role than its posts: one principal and one party secretary per school
    (an empty post is a vacancy), vice principals as many as there are now. Every other
    teacher's move is a teacher's: only a head may make a head's move, and no head any
    other.
    """
    m = plan.moves
    t = county.teachers
    if m is None or not len(m) or t is None or not len(t):
        return []
    s = county.schools
    problems: list[str] = []
    role = (t["role"].astype(object).where(t["role"].notna(), "teacher")
            .replace({"": "teacher", "nan": "teacher"}) if "role" in t
            else pd.Series("teacher", index=t.index))
    tid = m["teacher_id"].astype(str)
    known = tid.isin(t.index)
    m, tid = m[known.to_numpy()], tid[known]
    is_head_move = m["kind"].eq("principal_exchange").to_numpy()
    mover_role = tid.map(role)
    problems += [f"teacher {x} ({r}) makes a head's exchange but is no head of "
                 f"{list(policy.principal_exchange_roles)}"
                 for x, r in zip(tid[is_head_move], mover_role[is_head_move], strict=True)
                 if r not in policy.principal_exchange_roles]
    problems += [f"head {x} ({r}) moves as an ordinary teacher ({k})"
                 for x, r, k in zip(tid[~is_head_move], mover_role[~is_head_move],
                                    m.loc[~is_head_move, "kind"], strict=True)
                 if r != "teacher" and k != "itinerant"]
    heads = m[is_head_move]
    ids = tid[is_head_move]
    pinned_set = set(map(str, pinned))
    for x, a, b in zip(ids, heads["from_school"], heads["to_school"], strict=True):
        if t.at[x, "status"] != "in_post":
            problems.append(f"head {x} exchanges but is not in post")
        if bool(t.at[x, "pinned"]) or x in pinned_set:
            problems.append(f"head {x} exchanges but is pinned")
        if int(t.at[x, "years_at_school"]) < policy.principal_exchange_years:
            problems.append(f"head {x} exchanges after {int(t.at[x, 'years_at_school'])} years "
                            f"< principal_exchange_years {policy.principal_exchange_years}")
        urban_or_quality = s.at[a, "location"] in ("urban", "town") or bool(s.at[a, "is_quality"])
        toward = s.at[b, "location"] == "rural" or bool(s.at[b, "is_weak"])
        if urban_or_quality and not toward:
            problems.append(f"head {x}: {a} → {b} leaves an urban, town or quality school for "
                            "one neither rural nor weak")
    in_post = t[t["status"].eq("in_post")]
    where = in_post["school_id"].astype(object).copy()
    where.loc[ids.to_numpy()] = heads["to_school"].to_numpy()
    for r in policy.principal_exchange_roles:
        now = in_post["school_id"][role.reindex(in_post.index).eq(r)].value_counts()
        after = where[role.reindex(in_post.index).eq(r)].value_counts()
        posts = now.reindex(s.index, fill_value=0)
        if r in ("principal", "party_secretary"):
            posts = posts.clip(lower=1)
        over = after.reindex(s.index, fill_value=0) > posts
        problems += [f"school {i}: {int(after[i])} {r}s after the exchange, but "
                     f"{int(posts[i])} post(s) for the role: no vacancy"
                     for i in s.index[over.to_numpy()]]
    return problems


def _level_caps_by_hand(schools: pd.DataFrame, policy: Policy) -> dict[str, pd.Series]:
    """⌊share × approved quota⌋ per school for senior and intermediate posts, the share
    of the school's part: junior schools junior, nine-year schools split by their pupil
    norms (pupils / ratio), every other school primary."""
    s = schools
    p_norm = s["pupils_primary"] / policy.primary_ratio
    j_norm = s["pupils_junior"] / policy.junior_ratio
    junior_part = pd.Series(np.where(s["level"].eq("junior"), 1.0, 0.0), index=s.index)
    both = p_norm + j_norm
    junior_part = junior_part.where(both == 0, j_norm / both.where(both > 0, 1.0))
    q = s["approved_quota"].astype(float)
    shares = {"senior": (policy.post_senior_share_primary, policy.post_senior_share_junior),
              "intermediate": (policy.post_intermediate_share_primary,
                               policy.post_intermediate_share_junior)}
    return {level: np.floor(q * ((1 - junior_part) * p + junior_part * j) + 1e-9)
            for level, (p, j) in shares.items()}


def _level_limits_by_hand(county: County, policy: Policy) -> pd.DataFrame:
    """(holders staying, most allowed after the moves) per school × capped level."""
    s = county.schools
    t = county.teachers
    staying = t[~t["status"].isin(LEAVING_STATUSES)]
    out = {}
    for level, cap in _level_caps_by_hand(s, policy).items():
        stay = staying[staying["title"].eq(level)]["school_id"].value_counts().reindex(
            s.index, fill_value=0)
        out[level] = [(int(a), int(max(a, c))) for a, c in zip(stay, cap, strict=True)]
    return pd.DataFrame(out, index=s.index)


def _post_level_violations(county: County, policy: Policy, plan) -> list[str]:
    """Post levels (岗位结构比例): a move whose post goes with the teacher never takes a
    school's senior or intermediate posts above ⌊share × approved quota⌋ (the share of
    the school's part: junior schools junior, nine-year schools split by their pupil
    norms, every other school primary), nor above the holders staying in post where
    those exceed that already. Written out again from the Policy's wording."""
    if not getattr(policy, "post_level_caps", False):
        return []
    t = county.teachers
    m = plan.moves
    if t is None or not len(t) or m is None or not len(m):
        return []
    s = county.schools
    kinds = set(getattr(policy, "post_moves_with", _ALL_POST_KINDS)) - {"itinerant"}
    carry = m[m["kind"].isin(kinds)]
    if not len(carry):
        return []
    staying = t[~t["status"].isin(LEAVING_STATUSES)]
    title_of = carry["teacher_id"].astype(str).map(t["title"])
    problems = []
    for level, cap in _level_caps_by_hand(s, policy).items():
        stay = staying[staying["title"].eq(level)]["school_id"].value_counts().reindex(
            s.index, fill_value=0)
        mine = carry[title_of.eq(level).to_numpy()]
        after = (stay - mine["from_school"].value_counts().reindex(s.index, fill_value=0)
                 + mine["to_school"].value_counts().reindex(s.index, fill_value=0))
        over = after > np.maximum(cap, stay)
        problems += [f"school {i}: {int(after[i])} {level} posts after the moves > its cap "
                     f"{int(cap[i])} (staying {int(stay[i])})" for i in s.index[over.to_numpy()]]
    return problems


def _control_violations(county: County, plan, new: pd.Series, horizon: int) -> list[str]:
    """The planner's controls, read from the input tables: locks, move rules, caps."""
    problems: list[str] = []
    s = county.schools
    if "locked_quota" in s:
        lock = s["locked_quota"].dropna()
        problems += [f"school {i}: new quota {int(new[i])} ≠ its locked quota {int(v)}"
                     for i, v in lock.items() if int(new[i]) != int(v)]
        path = getattr(plan, "quota_path", None)
        if horizon > 0 and path is not None and len(path) and len(lock):
            years = path["quota"].reindex(index=lock.index)
            for year in years.columns:
                problems += [f"{year}: school {i} quota {int(years.at[i, year])} ≠ its locked "
                             f"quota {int(v)}" for i, v in lock.items()
                             if int(years.at[i, year]) != int(v)]
    m = plan.moves
    if m is None or not len(m):
        return problems
    tid = m["teacher_id"].astype(str)
    full = m["kind"].isin(["rotation", "support", "exchange"]).to_numpy()
    rules = getattr(county, "move_rules", None)
    if rules is not None and len(rules):
        allowed: dict[str, set[str]] = {}
        forbidden: dict[str, set[str]] = {}
        for t, sch, rule in zip(rules["teacher_id"], rules["school_id"], rules["rule"],
                                strict=True):
            (allowed if rule == "allowed" else forbidden).setdefault(str(t), set()).add(str(sch))
        for t, to, kind in zip(tid, m["to_school"].astype(str), m["kind"], strict=True):
            if t not in allowed and t not in forbidden:
                continue
            if kind == "itinerant":
                problems.append(f"teacher {t} has move rules but teaches itinerant at {to}")
            elif t in allowed and to not in allowed[t]:
                problems.append(f"teacher {t} moves to {to}, not one of her allowed schools "
                                f"{sorted(allowed[t])}")
            elif to in forbidden.get(t, set()):
                problems.append(f"teacher {t} moves to {to}, which her move rules forbid")
    for column, side, word in (("max_moves_in", "to_school", "into"),
                               ("max_moves_out", "from_school", "out of")):
        if column not in s:
            continue
        counts = m.loc[full, side].value_counts()
        for i, cap in s[column].dropna().items():
            if int(counts.get(i, 0)) > int(cap):
                problems.append(f"school {i}: {int(counts[i])} moves {word} it > its cap "
                                f"{column} = {int(cap)}")
    return problems


def _year_violations(county: County, policy: Policy, plan, horizon: int,
                     fits: bool) -> list[str]:
    """Quotas, hires and staff of the later years of a multi-year plan."""
    problems: list[str] = []
    s = county.schools
    total = int(county.county_total)
    path = plan.quota_path
    years = [policy.plan_year + k for k in range(horizon + 1)]
    if path is None or not len(path) or "quota" not in path.columns.get_level_values(0):
        return [f"multi-year plan (horizon {horizon}) without a quota_path"]
    quota = path["quota"].reindex(index=s.index)
    quota.columns = [int(c) for c in quota.columns]
    if sorted(quota.columns) != years:
        return [f"quota_path years {sorted(quota.columns)} ≠ {years}"]
    hires = plan.hires
    counts = pd.to_numeric(hires["count"], errors="coerce") if len(hires) else pd.Series(
        dtype=float)
    bad = counts.isna() | (counts < 0) | (counts != counts.round())
    problems += [f"hire row {i}: count {hires.at[i, 'count']!r} is not a whole number ≥ 0"
                 for i in hires.index[bad.to_numpy()]]
    if len(hires):
        off = ~hires["year"].astype(int).isin(years[1:])
        problems += [f"hire row {i}: year {hires.at[i, 'year']} is not one of {years[1:]}"
                     for i in hires.index[off.to_numpy()]]
    urgent = set(policy.urgent_subjects)

    _, after_moves = _holding_after_moves(county, plan, policy)
    t = county.teachers
    gone_year = pd.Series(dtype="int64")
    if t is not None and len(t):
        staying = t[~t["status"].isin(LEAVING_STATUSES)]
        retire = _retirement_dates(staying, policy)
        kinds = set(getattr(policy, "post_moves_with", _ALL_POST_KINDS))
        m = plan.moves
        post_at = staying["school_id"].copy()
        if len(m):
            carry = m[m["kind"].isin(kinds)]
            moved = carry.set_index(carry["teacher_id"].astype(str))["to_school"]
            moved = moved[~moved.index.duplicated()]
            post_at.update(moved.reindex(post_at.index).dropna())
        gone_year = pd.DataFrame({"school_id": post_at, "date": retire})
    for k, year in enumerate(years):
        q = quota[year]
        if policy.pool_enabled and fits and int(q.sum()) > total:
            problems.append(f"{year}: Σ quota {int(q.sum())} > county total {total}")
        if k == 0:
            continue
        start = pd.Timestamp(year=year, month=9, day=1)
        holding = after_moves.copy()
        if len(gone_year):
            # A post falls vacant for the school year starting on or after the retirement
            # date; counted as vacant a few days early too, so that a boundary day never
            # overstates the staff (the check errs towards passing, not failing).
            gone = gone_year[gone_year["date"] <= start + pd.Timedelta(days=_DAY_TOLERANCE)]
            holding = holding - gone["school_id"].value_counts().reindex(s.index, fill_value=0)
        these = hires[hires["year"].astype(int) <= year] if len(hires) else hires
        hired = (these.groupby("school_id")["count"].sum().reindex(s.index, fill_value=0)
                 if len(these) else pd.Series(0, index=s.index))
        need = holding.clip(lower=0) + hired
        over = need > q
        problems += [f"{year}: school {i} holds {int(need[i])} posts (staff after retirements "
                     f"and moves + hires) > its quota {int(q[i])}" for i in s.index[over]]
        if not policy.pool_enabled:
            off = (q < s["approved_quota"]) | (q > np.maximum(s["approved_quota"], need))
            problems += [f"{year}: pool disabled but school {i} quota {int(q[i])} ≠ approved "
                         f"{int(s.at[i, 'approved_quota'])}" for i in s.index[off]]
        this = hires[hires["year"].astype(int) == year] if len(hires) else hires
        n_all = int(this["count"].sum()) if len(this) else 0
        n_urgent = int(this.loc[this["subject"].isin(urgent), "count"].sum()) if n_all else 0
        if n_urgent < policy.urgent_share_min * n_all - 1e-9:
            problems.append(f"{year}: {n_urgent} of {n_all} hires in urgent-need subjects < "
                            f"{policy.urgent_share_min:.0%}")
    return problems


def assert_plan_legal(county: County, policy: Policy, plan, *,
                      pinned: Iterable[str] = ()) -> None:
    """Raise AssertionError listing every hard rule the plan breaks (see
    :func:`plan_violations`).

    Examples
    --------
    >>> import staffing as st
    >>> county = st.synth.county(seed=3, n_schools=15, teachers=False)
    >>> assert_plan_legal(county, st.Policy(), st.optimize(county))
    """
    problems = plan_violations(county, policy, plan, pinned=pinned)
    if problems:
        shown = "\n  ".join(problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise AssertionError(f"plan breaks {len(problems)} hard rule(s) (status "
                             f"{getattr(plan, 'status', '?')}):\n  {shown}{more}")
