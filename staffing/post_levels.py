"""Professional posts by level (岗位结构, Chuxiong measure 10: 岗位能上能下): one home for
who holds which post level, each school's cap per level, and the table the plan reports.

A teacher's ``title`` (职称: senior 高级, intermediate 中级, junior 初级, none 无) is the
post level she holds. A school's senior and intermediate posts are capped at a share of
its approved quota (``Policy.post_senior_share_*``, ``post_intermediate_share_*``; junior
posts hold the rest, uncapped), the share by school part: primary (and teaching
points) or junior; a nine-year school's quota is split between its parts as
:func:`staffing.staff.level_staff` splits staff. The cap is the whole number of posts
that fits: ``⌊share × quota⌋``.

A move carries its post level only when its post moves with the teacher
(``Policy.post_moves_with``, :mod:`staffing.model.posts`): on a term move she keeps her
post, and its level, at home. Leavers (status ``leaving``) free their post.

* :func:`level_caps` — cap per school and capped level;
* :func:`posts_by_level` — per school and level: posts held before and after the moves,
  the cap, the room under it and whether the school is above, at or below its structure;
* :func:`caps_enforced` — whether the model holds moves to the caps (``post_level_caps``
  and some rotation kind whose post moves);
* :func:`level_limit` — the most holders of each capped level a school may have after
  the moves: its cap, or the holders staying in post where those exceed it already.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.policy import Policy
from staffing.staff import leaving, level_staff
from staffing.vocab import TITLES

__all__ = ["CAPPED_TITLES", "POSTS_BY_LEVEL_COLUMNS", "level_caps", "posts_by_level",
           "caps_enforced", "level_limit", "held_by_level", "carries_post", "post_key"]

#: Post levels with a cap (junior posts hold the rest; ``none`` holds no graded post).
CAPPED_TITLES: tuple[str, ...] = ("senior", "intermediate")

#: Columns of :func:`posts_by_level` (``plan.posts_by_level``).
POSTS_BY_LEVEL_COLUMNS = ["school_id", "title", "before", "after", "cap", "room_before",
                          "room_after", "structure"]

#: Rotation kinds whose post may move with the teacher (transfers are settled before
#: the model, on posts the receiving school has).
_MODEL_KINDS = ("rotation", "support", "exchange")


def level_caps(schools: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Each school's cap on senior and intermediate posts: ⌊share × approved quota⌋.

    Parameters
    ----------
    schools : schools table indexed by school_id (``approved_quota``, ``level``,
        ``pupils_primary``, ``pupils_junior``).
    policy : the ``post_*_share_*`` fields and the pupil ratios (nine-year split).

    Returns
    -------
    DataFrame indexed like ``schools``, columns :data:`CAPPED_TITLES`, whole numbers.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"approved_quota": [40, 25], "level": ["primary", "junior"],
    ...                   "pupils_primary": [700, 0], "pupils_junior": [0, 330]},
    ...                  index=["P", "J"])
    >>> level_caps(s, Policy()).values.tolist()
    [[4, 18], [5, 10]]
    """
    parts = level_staff(schools, schools["approved_quota"].astype(float), policy)
    shares = {"senior": (policy.post_senior_share_primary, policy.post_senior_share_junior),
              "intermediate": (policy.post_intermediate_share_primary,
                               policy.post_intermediate_share_junior)}
    out = {}
    for title, (primary, junior) in shares.items():
        raw = primary * parts["staff_primary"] + junior * parts["staff_junior"]
        out[title] = np.floor(raw.to_numpy(dtype=float) + 1e-9).astype(np.int64)
    return pd.DataFrame(out, index=schools.index, columns=list(CAPPED_TITLES))


def held_by_level(teachers: pd.DataFrame | None, index: pd.Index) -> pd.DataFrame:
    """Teachers holding each post level, per school (schools ``index`` × every title)."""
    if teachers is None or not len(teachers):
        return pd.DataFrame(0, index=index, columns=list(TITLES), dtype="int64")
    return pd.crosstab(teachers["school_id"].astype(object),
                       teachers["title"].astype(object)).reindex(
        index=index, columns=list(TITLES), fill_value=0).astype("int64")


def carries_post(kind: pd.Series, policy: Policy) -> np.ndarray:
    """Whether each move takes the teacher's post, and its level, with her.

    Examples
    --------
    >>> import pandas as pd
    >>> every = Policy(post_moves_with=("rotation", "support", "exchange", "transfer"))
    >>> carries_post(pd.Series(["rotation", "itinerant"]), every).tolist()
    [True, False]
    """
    k = kind.astype(object)
    return (k.isin(policy.post_moves_with) & k.ne("itinerant")).to_numpy(dtype=bool)


def caps_enforced(policy: Policy) -> bool:
    """Whether the model holds moves to the caps: ``post_level_caps`` and at least one
    rotation kind (rotation, support, exchange) whose post moves with the teacher.

    Examples
    --------
    >>> on = Policy(post_level_caps=True)
    >>> caps_enforced(on), caps_enforced(on.replace(post_moves_with=("rotation", "transfer")))
    (False, True)
    """
    return bool(policy.post_level_caps
                and any(k in policy.post_moves_with for k in _MODEL_KINDS))


def post_key(titles: pd.Series, policy: Policy) -> np.ndarray:
    """The model's grouping key for post levels: a capped title (senior, intermediate)
    when :func:`caps_enforced`, else ``""``; the rotation block groups teachers by it,
    so that a flow knows the level it carries.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.Series(["senior", "junior", "intermediate"])
    >>> post_key(t, Policy(post_level_caps=True, post_moves_with=("rotation", "transfer"))
    ...          ).tolist()
    ['senior', '', 'intermediate']
    >>> post_key(t, Policy()).tolist()
    ['', '', '']
    """
    t = titles.astype(object)
    keep = caps_enforced(policy) & t.isin(CAPPED_TITLES).to_numpy(dtype=bool)
    return np.where(keep, t.to_numpy(dtype=object), "").astype(object)


def level_limit(schools: pd.DataFrame, teachers: pd.DataFrame | None,
                policy: Policy) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(holders staying in post, the most holders allowed after the moves) per school
    and capped level: the cap, or the holders staying where they exceed it already (a
    move never takes a school above its structure, nor further above).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"approved_quota": [20], "level": ["primary"],
    ...                   "pupils_primary": [380], "pupils_junior": [0]}, index=["B"])
    >>> t = pd.DataFrame({"school_id": ["B"] * 3, "title": ["senior"] * 3,
    ...                   "status": ["in_post", "in_post", "leaving"]})
    >>> staying, limit = level_limit(s, t, Policy())
    >>> staying.loc["B", "senior"], limit.loc["B", "senior"]
    (np.int64(2), np.int64(2))
    """
    caps = level_caps(schools, policy)
    stay = teachers[~leaving(teachers)] if teachers is not None and len(teachers) else teachers
    staying = held_by_level(stay, schools.index)[list(CAPPED_TITLES)]
    return staying, np.maximum(caps, staying)


def posts_by_level(schools: pd.DataFrame, teachers: pd.DataFrame | None,
                   moves: pd.DataFrame | None, policy: Policy) -> pd.DataFrame:
    """Posts by level per school, before and after the plan's moves, against the caps.

    ``before``: teachers of the table holding that level at the school (leavers too:
    they hold it until they go); ``after``: those staying, less movers whose post leaves
    with them, plus movers whose post comes with them (:func:`carries_post`). ``cap``
    (senior and intermediate only; NaN for the others), ``room_before`` /
    ``room_after`` = cap − before / after (negative: above the structure) and
    ``structure`` after the moves: ``above``, ``at`` or ``below`` the cap ("" uncapped).

    Parameters
    ----------
    schools : schools table indexed by school_id.
    teachers : teachers table indexed by teacher_id (``school_id``, ``title``,
        ``status``), or None.
    moves : the plan's moves (teacher_id, from_school, to_school, kind), or None.
    policy : post_moves_with and the shares.

    Returns
    -------
    DataFrame with :data:`POSTS_BY_LEVEL_COLUMNS`, one row per school and title
    (senior, intermediate, junior, none), ordered by school_id then title; empty
    without a teachers table.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"approved_quota": [20, 20], "level": ["primary", "primary"],
    ...                   "pupils_primary": [380, 380], "pupils_junior": [0, 0]},
    ...                  index=["A", "B"])
    >>> t = pd.DataFrame({"school_id": ["A", "B"], "title": ["senior", "senior"],
    ...                   "status": ["in_post", "in_post"]}, index=["T1", "T2"])
    >>> m = pd.DataFrame({"teacher_id": ["T1"], "from_school": ["A"], "to_school": ["B"],
    ...                   "kind": ["rotation"]})
    >>> every = Policy(post_moves_with=("rotation", "support", "exchange", "transfer"))
    >>> p = posts_by_level(s, t, m, every)
    >>> p[p.title.eq("senior")][["school_id", "before", "after", "cap", "structure"]
    ...                         ].values.tolist()
    [['A', 1, 0, 2.0, 'below'], ['B', 1, 2, 2.0, 'at']]
    """
    if teachers is None or not len(teachers):
        return pd.DataFrame(columns=POSTS_BY_LEVEL_COLUMNS)
    index = schools.index
    before = held_by_level(teachers, index)
    stay = teachers[~leaving(teachers)] if teachers is not None and len(teachers) else None
    after = held_by_level(stay, index)
    if moves is not None and len(moves) and teachers is not None and len(teachers):
        m = moves[carries_post(moves["kind"], policy)]
        title = m["teacher_id"].astype(str).map(teachers["title"].astype(object))
        out = pd.crosstab(m["from_school"].astype(object), title).reindex(
            index=index, columns=list(TITLES), fill_value=0)
        into = pd.crosstab(m["to_school"].astype(object), title).reindex(
            index=index, columns=list(TITLES), fill_value=0)
        after = after - out + into
    caps = level_caps(schools, policy).reindex(columns=list(TITLES)).astype(float)
    long = pd.DataFrame({
        "school_id": np.repeat(index.to_numpy(dtype=object), len(TITLES)),
        "title": np.tile(np.array(list(TITLES), dtype=object), len(index)),
        "before": before.to_numpy().ravel(), "after": after.to_numpy().ravel(),
        "cap": caps.to_numpy().ravel()})
    long["room_before"] = long["cap"] - long["before"]
    long["room_after"] = long["cap"] - long["after"]
    structure = np.select([long["room_after"] < 0, long["room_after"] == 0,
                           long["room_after"] > 0], ["above", "at", "below"], "")
    long["structure"] = structure
    return long[POSTS_BY_LEVEL_COLUMNS].astype({"before": "int64", "after": "int64"})
