"""The matching algorithms on one subject market, over plain Python mappings.

Two mechanisms, both individually rational (no teacher ends below her current post):

* :func:`to_be` — Teacher Optimal Block Exchange (Combe, Tercieux and Terrier, *The
  Design of Teacher Assignment: Theory and Evidence*, Review of Economic Studies 2022),
  extended with vacant posts in the manner of "you request my house, I get your turn"
  (Abdulkadiroğlu and Sönmez 1999).
* :func:`modified_da` — teacher-proposing deferred acceptance in which every school
  ranks its own teachers first for their own posts (the French ``DA*``, the baseline of
  the paper).

A *market* is one subject of one county: teachers of that subject who ask to move
(the participants), the schools with posts in the subject, and the vacant posts. A
teacher who asks for nothing, is pinned or is not in post is not a participant: she
keeps her post and no participant can take it (the audit still counts envy towards
her). Everything here is deterministic; ties are broken by the sort order of ids.

The functions take and return plain dicts so that they can be tested on hand-made
markets; :func:`staffing.transfers.voluntary_transfers` builds the markets of a county.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["MarketOutcome", "to_be", "modified_da", "da_then_to_be"]


@dataclass
class MarketOutcome:
    """What a mechanism decided on one market.

    Attributes
    ----------
    assignment : teacher → school after the mechanism (every participant).
    via : teacher → ``"exchange"`` (took the post of a teacher who left),
        ``"vacancy"`` (took a vacant post) or ``"stay"``; ``"da"`` for movers under
        :func:`modified_da`, which does not tell the two apart.
    vacancies : school → vacant posts after the mechanism (only schools with some).
    steps : rounds of the algorithm (pointing rounds for TO-BE, proposal rounds for DA).
    """

    assignment: dict[str, str]
    via: dict[str, str]
    vacancies: dict[str, int] = field(default_factory=dict)
    steps: int = 0


def _lists(current: Mapping[str, str],
           preferences: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Each participant's list, cut at her own school (what she ranks below staying
    is irrelevant) and without repeats."""
    out: dict[str, list[str]] = {}
    for t in sorted(current):
        own, seen, kept = current[t], set(), []
        for s in preferences.get(t, ()):
            if s == own:
                break
            if s not in seen:
                seen.add(s)
                kept.append(s)
        out[t] = kept
    return out


def _ranks(priority: Mapping[str, Sequence[str]], teachers: list[str]
           ) -> dict[str, dict[str, int]]:
    """school → teacher → rank (0 = highest priority). Teachers a school does not list
    come after those it does, in id order."""
    ranks: dict[str, dict[str, int]] = {}
    for s, order in priority.items():
        r = {t: i for i, t in enumerate(order)}
        n = len(r)
        for t in teachers:
            if t not in r:
                r[t] = n
                n += 1
        ranks[s] = r
    return ranks


def to_be(
    current: Mapping[str, str],
    preferences: Mapping[str, Sequence[str]],
    priority: Mapping[str, Sequence[str]],
    vacancies: Mapping[str, int] | None = None,
    *,
    school_consent: bool = True,
    reopen_vacated: bool = False,
) -> MarketOutcome:
    """Teacher Optimal Block Exchange (TO-BE) on one market, with vacant posts.

    The algorithm of Combe, Tercieux and Terrier (2022), run in rounds until every
    participant is assigned:

    1. Each school points to its *lowest-priority* participant still in the market —
       the one whose post it would give up first. Each school with a vacant post also
       points, through the vacancy, to the *highest-priority* participant still in the
       market (the vacancy is a seat in the TTC sense, owned by priority).
    2. Each participant points to her most preferred school that can take her: one
       with a vacant post, or (the block condition) one whose lowest-priority remaining
       participant ranks below her there. A participant for whom no listed school is
       available keeps her post and leaves the market.
    3. Every cycle is carried out: each teacher in it takes the post she points to —
       the post of the teacher the school points to, or a vacant post. A teacher
       reached through a vacancy leaves her own post vacant. Teachers in cycles leave
       the market.

    The result is individually rational, and every teacher who takes an occupied post
    outranks, at that school, the teacher who gave it up (schools are never worse off
    through an exchange). Posts per school are conserved: teachers plus vacant posts.
    With ``reopen_vacated=False`` (default) a post left vacant by a teacher who moved
    into a vacancy is not offered again in the same run (it goes to the rotation block
    or to hiring); this keeps the mechanism strategy-proof, since the set of posts a
    teacher can reach only shrinks as the rounds go on.

    Parameters
    ----------
    current : participant → her school now.
    preferences : participant → schools, most preferred first. Schools ranked at or
        below her own school are ignored; a participant whose own school is not listed
        prefers every listed school to staying.
    priority : school → teachers, highest priority first. Teachers a school does not
        list rank below those it does, in id order.
    vacancies : school → vacant posts in this subject.
    school_consent : the block condition (default). ``False`` drops it: schools point
        in the same order but accept anyone (top trading cycles from the current
        posts; more moves, more justified envy).
    reopen_vacated : offer posts left vacant during the run to others (vacancy
        chains). Moves more teachers, but a teacher may then gain by waiting, so the
        mechanism is no longer strategy-proof.

    Returns
    -------
    MarketOutcome

    Examples
    --------
    Two teachers who want each other's school swap when each outranks the other at
    the school she enters (a family bonus makes priorities differ by school):

    >>> out = to_be({"a": "X", "b": "Y"}, {"a": ["Y"], "b": ["X"]},
    ...             {"X": ["b", "a"], "Y": ["a", "b"]})
    >>> out.assignment
    {'a': 'Y', 'b': 'X'}

    With one priority order for both schools the swap would make one school worse
    off, so nobody moves:

    >>> to_be({"a": "X", "b": "Y"}, {"a": ["Y"], "b": ["X"]},
    ...       {"X": ["a", "b"], "Y": ["a", "b"]}).assignment
    {'a': 'X', 'b': 'Y'}

    A vacant post can be taken by anyone; the mover's own post is left vacant:

    >>> out = to_be({"a": "X"}, {"a": ["Y"]}, {"X": ["a"], "Y": ["a"]}, {"Y": 1})
    >>> out.assignment, out.vacancies
    ({'a': 'Y'}, {'X': 1})
    """
    teachers = sorted(current)
    lists = _lists(current, preferences)
    schools = set(current.values()) | set(priority) | {s for v in lists.values() for s in v}
    vac = {s: int(n) for s, n in (vacancies or {}).items() if int(n) > 0}
    schools |= set(vac)
    ranks = _ranks({s: priority.get(s, ()) for s in schools}, teachers)

    remaining = set(teachers)
    assignment = dict(current)
    via = dict.fromkeys(teachers, "stay")
    # Lowest priority first among a school's participants; highest first among all.
    worst_queue = {s: [] for s in schools}
    for t in teachers:
        worst_queue[current[t]].append(t)
    for s in schools:
        worst_queue[s].sort(key=lambda t, r=ranks[s]: -r[t])
    worst_pos = dict.fromkeys(schools, 0)
    best_queue: dict[str, list[str]] = {}
    best_pos: dict[str, int] = {}
    pos = dict.fromkeys(teachers, 0)  # first list entry not yet known to be unavailable

    def worst(s: str) -> str | None:
        q, i = worst_queue[s], worst_pos[s]
        while i < len(q) and q[i] not in remaining:
            i += 1
        worst_pos[s] = i
        return q[i] if i < len(q) else None

    def best(s: str) -> str:
        if s not in best_queue:
            best_queue[s] = sorted(teachers, key=lambda t, r=ranks[s]: r[t])
            best_pos[s] = 0
        q, i = best_queue[s], best_pos[s]
        while q[i] not in remaining:
            i += 1
        best_pos[s] = i
        return q[i]

    def available(t: str, s: str) -> bool:
        if vac.get(s, 0) > 0:
            return True
        w = worst(s)
        return w is not None and (not school_consent or ranks[s][t] < ranks[s][w])

    released: dict[str, int] = {}
    steps = 0
    while remaining:
        steps += 1
        # Pointing, until nobody else drops out (a drop-out can close schools to others).
        while True:
            target: dict[str, str] = {}
            leaving = []
            for t in sorted(remaining):
                lst = lists[t]
                i = 0 if reopen_vacated else pos[t]
                while i < len(lst) and not available(t, lst[i]):
                    i += 1
                if not reopen_vacated:
                    pos[t] = i
                if i < len(lst):
                    target[t] = lst[i]
                else:
                    leaving.append(t)
            if not leaving:
                break
            remaining.difference_update(leaving)
            if not remaining:
                break
        if not remaining:
            break

        # The pointing graph: teacher → ("v"|"s", school) → teacher. Find its cycles.
        def succ(node: tuple[str, str], target: dict[str, str] = target) -> tuple[str, str]:
            kind, name = node
            if kind == "t":
                s = target[name]
                return ("v", s) if vac.get(s, 0) > 0 else ("s", s)
            return ("t", best(name) if kind == "v" else worst(name))  # type: ignore[arg-type]

        state: dict[tuple[str, str], int] = {}
        cycles: list[list[tuple[str, str]]] = []
        for t in sorted(remaining):
            path: list[tuple[str, str]] = []
            node = ("t", t)
            while node not in state:
                state[node] = 1
                path.append(node)
                node = succ(node)
            if state[node] == 1:  # closed a new cycle
                cycles.append(path[path.index(node):])
            for n in path:
                state[n] = 2

        freed: list[str] = []
        for cycle in cycles:
            k = len(cycle)
            for i, (kind, name) in enumerate(cycle):
                if kind != "t":
                    continue
                nxt_kind, s = cycle[(i + 1) % k]
                prev_kind, _ = cycle[i - 1]
                if prev_kind == "v":  # reached through a vacancy: her own post is freed
                    freed.append(current[name])
                assignment[name] = s
                via[name] = "vacancy" if nxt_kind == "v" else "exchange"
                if nxt_kind == "v":
                    vac[s] -= 1
                remaining.discard(name)
        for s in freed:  # offered again next round, or only counted at the end
            pool = vac if reopen_vacated else released
            pool[s] = pool.get(s, 0) + 1
    for s, k in released.items():
        vac[s] = vac.get(s, 0) + k
    return MarketOutcome(assignment, via, {s: n for s, n in sorted(vac.items()) if n > 0},
                         steps)


def modified_da(
    current: Mapping[str, str],
    preferences: Mapping[str, Sequence[str]],
    priority: Mapping[str, Sequence[str]],
    vacancies: Mapping[str, int] | None = None,
) -> MarketOutcome:
    """Deferred acceptance with a guaranteed post: the French ``DA*`` baseline.

    Teachers propose down their lists, ending with their own school; each school holds
    the applicants it ranks highest up to its posts (its participants now plus its
    vacant posts), ranking its own teachers first and everyone else by ``priority``.
    Since a teacher's own school always ranks her first, nobody ends below her current
    post. Among individually rational assignments that respect these tenure-adjusted
    priorities it is the best for every teacher, and it is strategy-proof.

    Parameters and return value as :func:`to_be`; ``via`` is ``"da"`` for movers.

    Examples
    --------
    Two teachers who want each other's school swap whatever the priorities, since
    each school's own teacher has left:

    >>> modified_da({"a": "X", "b": "Y"}, {"a": ["Y"], "b": ["X"]},
    ...             {"X": ["a", "b"], "Y": ["a", "b"]}).assignment
    {'a': 'Y', 'b': 'X'}
    """
    teachers = sorted(current)
    lists = {t: [*lst, current[t]] for t, lst in _lists(current, preferences).items()}
    schools = set(current.values()) | set(priority) | {s for v in lists.values() for s in v}
    vac = {s: int(n) for s, n in (vacancies or {}).items() if int(n) > 0}
    schools |= set(vac)
    ranks = _ranks({s: priority.get(s, ()) for s in schools}, teachers)
    n = len(teachers) + 1
    capacity = dict.fromkeys(schools, 0)
    for t in teachers:
        capacity[current[t]] += 1
    for s, k in vac.items():
        capacity[s] += k

    def key(s: str, t: str) -> int:  # smaller is better; own teachers first
        return ranks[s][t] - (n if current[t] == s else 0)

    held: dict[str, list[tuple[int, str]]] = {s: [] for s in schools}  # max-heap by key
    nxt = dict.fromkeys(teachers, 0)
    free = sorted(teachers, reverse=True)
    steps = 0
    while free:
        steps += 1
        t = free.pop()
        s = lists[t][nxt[t]]
        nxt[t] += 1
        if capacity[s] == 0:
            free.append(t)
            continue
        heapq.heappush(held[s], (-key(s, t), t))
        if len(held[s]) > capacity[s]:
            _, out = heapq.heappop(held[s])
            free.append(out)
    assignment = {t: s for s, h in held.items() for _, t in h}
    assignment = {t: assignment[t] for t in teachers}
    via = {t: "stay" if assignment[t] == current[t] else "da" for t in teachers}
    left = {s: capacity[s] - len(held[s]) for s in sorted(schools)}
    return MarketOutcome(assignment, via, {s: k for s, k in left.items() if k > 0}, steps)


def da_then_to_be(
    current: Mapping[str, str],
    preferences: Mapping[str, Sequence[str]],
    priority: Mapping[str, Sequence[str]],
    vacancies: Mapping[str, int] | None = None,
    *,
    school_consent: bool = True,
) -> MarketOutcome:
    """:func:`modified_da`, then :func:`to_be` from its outcome.

    Every teacher who moves under ``DA*`` moves here too, to a school she likes at
    least as much, and no school takes in, through the second stage, a teacher with
    fewer points than the one it gives up: the outcome improves on ``DA*`` for
    teachers and schools alike. The price is strategy-proofness: no strategy-proof
    mechanism Pareto-improves on deferred acceptance (Kesten 2010; Alva and Manjunath
    2019), so a teacher can sometimes gain by misreporting.

    Examples
    --------
    >>> out = da_then_to_be({"a": "X", "b": "Y"}, {"a": ["Y"], "b": ["X"]},
    ...                     {"X": ["a", "b"], "Y": ["a", "b"]})
    >>> out.assignment, out.via
    ({'a': 'Y', 'b': 'X'}, {'a': 'da', 'b': 'da'})
    """
    first = modified_da(current, preferences, priority, vacancies)
    # Lists cut at the DA school: only improvements on it count in the second stage.
    second = to_be(first.assignment, {t: list(preferences.get(t, ())) for t in current},
                   priority, first.vacancies, school_consent=school_consent)
    via = {t: second.via[t] if second.via[t] != "stay" else first.via[t] for t in current}
    return MarketOutcome(second.assignment, via, second.vacancies, first.steps + second.steps)
