"""Whose post (编制) a moving teacher holds: one home for the rule, used by every block.

``Policy.post_moves_with`` lists the kinds of move whose post moves with the teacher.
Every other kind is a *term move*: the teacher teaches at the target (and counts in its
subject cover) but keeps the post at the home school, whose quota must still hold
them, and needs no post at the target — like full-time itinerant teaching (走教).

* :func:`move_kinds`: the kind of each move or flow — ``rotation``, ``support``
  (a backbone teacher's rotation to a rural or weak school, 骨干支教) or ``exchange``;
* :func:`post_moves`: whether the post moves with each of them;
* :func:`posts_held`: per school, staff holding a post there after the moves, with the
  teachers away on a term move and those here on one.

Itinerant cover (kind ``itinerant``) never moves a post.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.policy import Policy
from staffing.staff import moves_by_school

__all__ = ["move_kinds", "post_moves", "posts_held", "POSTS_HELD_COLUMNS"]

#: Columns :func:`posts_held` adds to ``plan.quotas``.
POSTS_HELD_COLUMNS = ["away_on_term", "here_on_term", "posts_held"]


def move_kinds(kind: pd.Series, backbone: pd.Series, target: pd.Series,
               schools: pd.DataFrame) -> pd.Series:
    """The kind of each move: an edge's kind, with a backbone teacher's rotation to a
    rural or weak school called ``support`` (骨干支教).

    Parameters
    ----------
    kind : the edge kind (``rotation`` or ``exchange``) of each move.
    backbone : whether each moving teacher is a backbone teacher.
    target : the school each teacher moves to.
    schools : the model's school table (``location``, ``is_weak``), by school_id.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"location": ["urban", "rural"], "is_weak": [False, False]},
    ...                  index=["U", "R"])
    >>> move_kinds(pd.Series(["rotation", "rotation"]), pd.Series([True, False]),
    ...            pd.Series(["R", "R"]), s).tolist()
    ['support', 'rotation']
    """
    rural = schools["location"].eq("rural") | schools["is_weak"].astype(bool)
    at_rural = target.map(rural).fillna(False).to_numpy(dtype=bool)
    support = kind.eq("rotation").to_numpy() & backbone.astype(bool).to_numpy() & at_rural
    return kind.where(~support, "support")


def post_moves(kind: pd.Series, policy: Policy) -> np.ndarray:
    """Whether each move's post moves with the teacher (``policy.post_moves_with``).

    Examples
    --------
    >>> import pandas as pd
    >>> post_moves(pd.Series(["rotation", "support", "itinerant"]), Policy()).tolist()
    [False, False, False]
    >>> every = Policy(post_moves_with=("rotation", "support", "exchange", "transfer"))
    >>> post_moves(pd.Series(["rotation", "itinerant"]), every).tolist()
    [True, False]
    """
    return kind.isin(policy.post_moves_with).to_numpy(dtype=bool)


def posts_held(floor: pd.Series, moves: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Per school: teachers away on a term move, teachers here on one, and posts held.

    ``posts_held`` = ``floor`` (staff staying in post) − teachers who left with their
    post + teachers who came with theirs. A teacher on a term move counts at home.

    Parameters
    ----------
    floor : staff staying in post per school (staff in post − leavers).
    moves : the plan's moves (from_school, to_school, kind); itinerant rows ignored.
    policy : ``post_moves_with``.

    Returns
    -------
    DataFrame indexed like ``floor`` with :data:`POSTS_HELD_COLUMNS`.

    Examples
    --------
    >>> import pandas as pd
    >>> floor = pd.Series([10, 5], index=["U", "R"])
    >>> m = pd.DataFrame({"from_school": ["U"], "to_school": ["R"], "kind": ["rotation"]})
    >>> posts_held(floor, m, Policy())["posts_held"].tolist()
    [10, 5]
    >>> every = Policy(post_moves_with=("rotation", "support", "exchange", "transfer"))
    >>> posts_held(floor, m, every)["posts_held"].tolist()
    [9, 6]
    """
    index = floor.index
    if moves is None or moves.empty:
        zero = pd.Series(0, index=index, dtype="int64")
        return pd.DataFrame({"away_on_term": zero, "here_on_term": zero,
                             "posts_held": floor.astype("int64")})
    moving = post_moves(moves["kind"].astype(object), policy)
    here_on_term, away_on_term = moves_by_school(moves[~moving], index)
    came, left = moves_by_school(moves[moving], index)
    return pd.DataFrame({"away_on_term": away_on_term, "here_on_term": here_on_term,
                         "posts_held": floor.astype("int64") - left + came})
