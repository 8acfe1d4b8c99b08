"""Audit a transfer round: individual rationality, justified envy, moves and ranks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from staffing.staff import in_post
from staffing.transfers.core import TransferPlan, read_preferences, voluntary_transfers

__all__ = ["TransferAudit", "audit", "blocking_pairs"]

_MECHANISMS = ("to_be", "da", "da_to_be")


@dataclass
class TransferAudit:
    """Audit figures of one or more mechanisms on the same data.

    Attributes
    ----------
    summary : one row per figure, one column per mechanism:
        ``requesting``, ``moved``, ``moved_by_exchange``, ``moved_to_vacancy``,
        ``first_choice``, ``worse_off`` (teachers placed below their current post: 0
        for an individually rational mechanism), ``blocking_pairs`` (justified envy on
        the points scale: a teacher wants a school where someone of her subject with
        fewer points has a post, or a post is vacant), ``blocking_pairs_tenure`` (the
        same, leaving out envy of teachers who never left their post — what a
        guaranteed-post rule protects), ``envy_of_vacant_posts``,
        ``schools_worse_off`` ((school, subject) markets that took in a teacher with
        fewer points than one who left, or lost a teacher to a vacancy elsewhere),
        ``posts_conserved`` (1 when every (school, subject) has as many posts after
        as before).
    rank_distribution : requesting teachers by the choice they got (``1``, ``2``, …)
        or ``stayed``; one column per mechanism.
    blocking : mechanism → the blocking pairs (teacher_id, school_id, subject,
        envied_teacher_id — <NA> for a vacant post —, envied_incumbent).
    plans : mechanism → :class:`~staffing.transfers.TransferPlan`.
    """

    summary: pd.DataFrame
    rank_distribution: pd.DataFrame
    blocking: dict[str, pd.DataFrame] = field(default_factory=dict)
    plans: dict[str, TransferPlan] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return f"TransferAudit\n{self.summary.to_string()}"


def _score_at(plan: TransferPlan, teacher: pd.Series, school: pd.Series) -> np.ndarray:
    """Points of each teacher at the paired school (base + family bonus toward it)."""
    base = plan.points["base"].reindex(teacher).to_numpy()
    p = plan.preferences
    b = p.loc[p["family_points"].fillna(0) > 0, ["teacher_id", "school_id", "family_points"]]
    bonus = (pd.MultiIndex.from_arrays([teacher, school])
             .map(b.set_index(["teacher_id", "school_id"])["family_points"])).to_numpy(float)
    return np.round(base + plan.settings.priority_weight_family * np.nan_to_num(bonus), 6)


def _outranks(score_a: np.ndarray, id_a: np.ndarray, score_b: np.ndarray,
              id_b: np.ndarray) -> np.ndarray:
    """a ≻ b at the school: more points, or equal points and the smaller id."""
    return (score_a > score_b) | ((score_a == score_b) & (id_a.astype(str) < id_b.astype(str)))


def _final_posts(plan: TransferPlan) -> pd.DataFrame:
    """Every teacher holding a post after the round: teacher_id, school_id, subject,
    moved_in."""
    t = plan.county.teachers
    t = in_post(t)
    school = t["school_id"].copy()
    moved = plan.assignment.loc[plan.assignment["moved"], "to_school"]
    school.loc[moved.index] = moved.to_numpy()
    return pd.DataFrame({"teacher_id": t.index.to_numpy(), "school_id": school.to_numpy(),
                         "subject": t["subject"].to_numpy(),
                         "moved_in": t.index.isin(moved.index)})


def blocking_pairs(plan: TransferPlan, preferences: pd.DataFrame | None = None) -> pd.DataFrame:
    """Justified envy after a round: (teacher, school) pairs that would rather match.

    A pair is a requesting teacher *t* and a school *s* she lists above the post she
    got, where either a teacher of her subject holding a post at *s* has fewer points
    there than *t* (ties: the larger teacher id loses), or a post of her subject at
    *s* is vacant.

    Parameters
    ----------
    plan : the round to audit.
    preferences : the preferences to audit against (default: those of the round).

    Returns
    -------
    DataFrame: teacher_id, school_id, subject, envied_teacher_id (<NA> for a vacant
    post), envied_incumbent (the envied teacher held that post before the round).

    Examples
    --------
    >>> import staffing as st
    >>> from staffing.transfers import synthetic_preferences, voluntary_transfers
    >>> county = st.synth.county(seed=2, n_schools=30)
    >>> prefs = synthetic_preferences(county, seed=2)
    >>> da = voluntary_transfers(county, st.Policy(), prefs, mechanism="da")
    >>> int((~blocking_pairs(da)["envied_incumbent"]).sum())   # DA* is stable
    0
    """
    cols = ["teacher_id", "school_id", "subject", "envied_teacher_id", "envied_incumbent"]
    prefs = plan.preferences if preferences is None else read_preferences(preferences,
                                                                          plan.county)
    a = plan.assignment
    rows = prefs.merge(a[["subject", "from_school", "rank_got"]], left_on="teacher_id",
                       right_index=True)
    # Schools she prefers to what she got: above her own school, and above rank_got.
    own_pos = rows["school_id"].eq(rows["from_school"]).astype("int64").groupby(
        rows["teacher_id"]).cumsum()
    got = rows["rank_got"].astype("Float64").fillna(np.inf).to_numpy(float)
    wanted = rows[(own_pos.to_numpy() == 0) & (rows["choice"].to_numpy() < got)]
    occupants = _final_posts(plan)
    pairs = wanted[["teacher_id", "school_id", "subject"]].merge(
        occupants.rename(columns={"teacher_id": "envied_teacher_id"}), on=["school_id",
                                                                          "subject"])
    pairs = pairs[pairs["teacher_id"].ne(pairs["envied_teacher_id"])]
    mine = _score_at(plan, pairs["teacher_id"], pairs["school_id"])
    theirs = _score_at(plan, pairs["envied_teacher_id"], pairs["school_id"])
    pairs = pairs[_outranks(mine, pairs["teacher_id"].to_numpy(), theirs,
                            pairs["envied_teacher_id"].to_numpy())]
    pairs = pairs.assign(envied_incumbent=~pairs["moved_in"].to_numpy(bool))
    vac = plan.vacancies_after
    empty = wanted[["teacher_id", "school_id", "subject"]].merge(
        vac[["school_id", "subject"]], on=["school_id", "subject"])
    empty = empty.assign(envied_teacher_id=pd.NA, envied_incumbent=False)
    out = pd.concat([pairs[cols], empty[cols]], ignore_index=True)
    out["envied_teacher_id"] = out["envied_teacher_id"].astype(object)
    out["envied_incumbent"] = out["envied_incumbent"].astype(bool)
    return out.sort_values(["teacher_id", "school_id", "envied_teacher_id"],
                           na_position="last").reset_index(drop=True)


def _schools_worse_off(plan: TransferPlan) -> int:
    """(school, subject) markets that lost a teacher without replacement, or took in
    teachers who cannot each be matched to a distinct leaver with fewer points."""
    a = plan.assignment[plan.assignment["moved"]].reset_index()
    if a.empty:
        return 0
    out_ = a[["teacher_id", "from_school", "subject"]].rename(columns={"from_school": "school"})
    in_ = a[["teacher_id", "to_school", "subject"]].rename(columns={"to_school": "school"})
    out_ = out_.assign(score=_score_at(plan, out_["teacher_id"], out_["school"]))
    in_ = in_.assign(score=_score_at(plan, in_["teacher_id"], in_["school"]))
    comers = dict(tuple(in_.groupby(["school", "subject"])))
    bad = 0
    for key, lv in out_.groupby(["school", "subject"]):  # schools that lost someone
        cm = comers.get(key)
        if cm is None or len(cm) < len(lv):
            bad += 1
            continue
        # The best len(lv) entrants, in order, must each outrank the leaver in that place.
        order = ["score", "teacher_id"]
        e = cm.sort_values(order, ascending=[False, True]).iloc[:len(lv)].iloc[::-1]
        v = lv.sort_values(order, ascending=[False, True]).iloc[::-1]
        if not _outranks(e["score"].to_numpy(), e["teacher_id"].to_numpy(),
                         v["score"].to_numpy(), v["teacher_id"].to_numpy()).all():
            bad += 1
    return bad


def _posts_conserved(plan: TransferPlan) -> bool:
    t = plan.county.teachers
    held = in_post(t).groupby(["school_id", "subject"]).size()
    if plan.vacancies_before is not None and len(plan.vacancies_before):
        before = held.add(plan.vacancies_before.set_index(["school_id", "subject"])["posts"],
                          fill_value=0)
    else:
        before = held
    f = _final_posts(plan).groupby(["school_id", "subject"]).size()
    after = f.add(plan.vacancies_after.set_index(["school_id", "subject"])["posts"],
                  fill_value=0) if len(plan.vacancies_after) else f
    return bool(before.sort_index().astype(int).equals(after.sort_index().astype(int)))


def _figures(plan: TransferPlan, bp: pd.DataFrame) -> dict[str, int]:
    a = plan.assignment
    worse = a["moved"] & a["rank_got"].isna()
    return {
        "requesting": len(a),
        "moved": int(a["moved"].sum()),
        "moved_by_exchange": int(a["via"].eq("exchange").sum()),
        "moved_to_vacancy": int(a["via"].eq("vacancy").sum()),
        "first_choice": int(a["rank_got"].eq(1).sum()),
        "worse_off": int(worse.sum()),
        "blocking_pairs": len(bp),
        "blocking_pairs_tenure": int((~bp["envied_incumbent"]).sum()),
        "envy_of_vacant_posts": int(bp["envied_teacher_id"].isna().sum()),
        "schools_worse_off": _schools_worse_off(plan),
        "posts_conserved": int(_posts_conserved(plan)),
    }


def audit(
    plan: TransferPlan,
    preferences: pd.DataFrame | None = None,
    *,
    compare: bool | Iterable[str] = True,
) -> TransferAudit:
    """Audit a transfer round, side by side with the other mechanism on the same data.

    Parameters
    ----------
    plan : the round (:func:`~staffing.transfers.voluntary_transfers`).
    preferences : preferences to audit against (default: those of the round). When
        given, the comparison round is run on them.
    compare : also run other mechanisms with the same county, vacancies, points and
        settings: ``True`` for ``"da"`` (or ``"to_be"`` when the round is ``"da"``), or
        the names of the mechanisms to run, e.g. ``("da", "da_to_be")``.

    Returns
    -------
    TransferAudit

    Examples
    --------
    >>> import staffing as st
    >>> from staffing.transfers import synthetic_preferences, voluntary_transfers
    >>> county = st.synth.county(seed=2, n_schools=30)
    >>> prefs = synthetic_preferences(county, seed=2)
    >>> report = audit(voluntary_transfers(county, st.Policy(), prefs, vacancies="leaving"))
    >>> list(report.summary.columns), int(report.summary.loc["worse_off"].sum())
    (['to_be', 'da'], 0)
    """
    plans = {plan.mechanism: plan}
    if compare is True:
        others: tuple[str, ...] = ("to_be",) if plan.mechanism == "da" else ("da",)
    else:
        others = tuple(compare or ())
    inp = plan.inputs
    for other in others:
        if other in plans:
            continue
        plans[other] = voluntary_transfers(
            plan.county, plan.policy, inp["preferences"] if preferences is None else preferences,
            vacancies=inp["vacancies"], points=inp["points"], settings=plan.settings,
            mechanism=other, pinned=inp["pinned"])
    plans = {m: plans[m] for m in _MECHANISMS if m in plans}
    blocking = {m: blocking_pairs(p, preferences if m == plan.mechanism else None)
                for m, p in plans.items()}
    summary = pd.DataFrame({m: _figures(p, blocking[m]) for m, p in plans.items()})
    summary.index.name = "figure"
    ranks = {}
    for m, p in plans.items():
        got = p.assignment["rank_got"]
        counts = got.dropna().astype(int).value_counts().sort_index()
        counts.index = counts.index.astype(str)
        counts["stayed"] = int(got.isna().sum())
        ranks[m] = counts
    dist = pd.DataFrame(ranks).fillna(0).astype("int64")
    dist.index.name = "choice_got"
    return TransferAudit(summary=summary, rank_distribution=dist, blocking=blocking,
                         plans=plans)
