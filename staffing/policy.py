"""Every number of the staffing rules, in one frozen dataclass.

Each field carries a comment naming its source: the Chuxiong 2024 action plan
(《楚雄州义务教育强校提质行动方案》, measure numbers as in the seed document), a
national or provincial rule listed in ``POLICY.md`` part B, or — marked
``library default`` — a modelling choice of ours that no text fixes. A county overrides
any of them with :meth:`Policy.from_toml` or :meth:`Policy.replace`; nothing in the
model blocks is hard-coded.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import tomli_w

from staffing import curriculum
from staffing._frozen import FrozenTable, freeze, thaw
from staffing.vocab import LEVELS, LOCATIONS, SUBJECTS, TITLES

__all__ = ["Policy", "PolicyError", "URGENT_SUBJECTS_DEFAULT", "ROUNDING_RULES", "POST_MOVE_KINDS"]

#: Urgent-need subjects named by the Chuxiong plan, measure 9 (紧缺学科).
URGENT_SUBJECTS_DEFAULT: tuple[str, ...] = ("english", "music", "pe", "art", "it")

#: How a school's fractional norm becomes a whole number of posts.
ROUNDING_RULES: tuple[str, ...] = ("half_up", "ceil", "floor")

#: Kinds of teacher move a post may follow (``Policy.post_moves_with``): rotation
#: (交流轮岗), backbone support (骨干支教), learning exchange (跟岗交流) and cross-school
#: competitive hiring (跨校竞聘, settled before the model).
POST_MOVE_KINDS: tuple[str, ...] = ("rotation", "support", "exchange", "transfer")


class PolicyError(ValueError):
    """A policy value or key that the library cannot accept."""


# Kinds of range check: (lower, upper, lower_inclusive, upper_inclusive).
_POSITIVE = (0.0, math.inf, False, True)
_NON_NEGATIVE = (0.0, math.inf, True, True)
_SHARE = (0.0, 1.0, True, True)
_WEIGHT = (0.0, math.inf, True, True)


def _f(default: Any, check: tuple | None = None, choices: tuple | None = None,
       table: str | None = None, required: tuple | None = None, why: str = "") -> Any:
    """A dataclass field with its allowed range, choices or table shape in the metadata.

    ``table`` is ``"numbers"`` (name → name → positive number) or ``"names"`` (name →
    list of subject names); ``required`` names a tuple field's entries that must stay,
    ``why`` says why.
    """
    meta: dict[str, Any] = {}
    if required is not None:
        meta["required"] = required
        meta["why"] = why
    if table is not None:
        meta["table"] = table
    if check is not None:
        meta["range"] = check
    if choices is not None:
        meta["choices"] = choices
    if isinstance(default, (list, dict, set)):
        raise TypeError("Policy fields must be immutable")
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Policy:
    """The staffing rules of a county, with Chuxiong 2024 defaults.

    Every field is a number, a flag or a tuple of names from ``POLICY.md``; the
    comment above each field names its source. Construct with keywords to
    override, e.g. ``Policy(primary_ratio=18.0)``, or load a TOML file.

    Examples
    --------
    >>> from staffing import Policy
    >>> p = Policy()
    >>> p.primary_ratio, p.junior_ratio
    (19.0, 13.5)
    >>> p.replace(primary_ratio=18.0).primary_ratio
    18.0
    """

    # --- A. Quota norms (编制核定), Chuxiong plan measure 10 -------------------------
    # Chuxiong measure 10; national unified standard (2014): primary staff : pupils = 1 : 19.
    primary_ratio: float = _f(19.0, _POSITIVE)
    # Chuxiong measure 10; national unified standard (2014): junior staff : pupils = 1 : 13.5.
    junior_ratio: float = _f(13.5, _POSITIVE)
    # Chuxiong measure 10: village schools and teaching points with fewer than 200 pupils
    # are staffed by class (班师比) rather than by pupils.
    small_school_threshold: int = _f(200, _POSITIVE)
    # Chuxiong measure 10: class : staff about 1 : 2 in those small schools.
    small_school_staff_per_class: float = _f(2.0, _POSITIVE)
    # Chuxiong measure 10 names 村小 (village primary schools) and 教学点: the class rule
    # applies to schools of these levels at these locations (teaching points are rural).
    small_school_levels: tuple[str, ...] = _f(("primary", "teaching_point"), choices=tuple(LEVELS))
    small_school_locations: tuple[str, ...] = _f(("rural",), choices=tuple(LOCATIONS))
    # National practice (中央编办 2014: 生师比与班师比相结合): a small school gets the larger
    # of its pupil-ratio norm and its class norm. Set False to use the class norm alone.
    small_school_take_larger: bool = _f(True)
    # Provincial texts add quota for boarding schools without a common number; library
    # default 0 (off): extra posts per 100 boarding pupils.
    boarding_staff_per_100: float = _f(0.0, _NON_NEGATIVE)
    # Library default: a school's fractional norm is rounded half up (四舍五入) to whole
    # posts; "ceil" and "floor" are the alternatives.
    norm_rounding: str = _f("half_up", choices=ROUNDING_RULES)

    # --- 周转池 turnover pool, Chuxiong measure 10 ---------------------------------------
    # Chuxiong measure 10: each county keeps a staffing turnover pool.
    pool_enabled: bool = _f(True)
    # Chuxiong measure 10 sets no reserve; the Guizhou example (POLICY.md B) held 10%
    # of over-standard quota. Share of the county total kept back in the pool.
    pool_reserve_share: float = _f(0.0, _SHARE)
    # Guizhou 黔西南州 2021 (POLICY.md B): pool loans are repaid by attrition in 3–5 years.
    pool_loan_years: int = _f(3, (1, 10, True, True))

    # --- Quota model weights (library defaults, documented in docs/concepts.md) ---------
    # Cost of one post of shortfall against the norm at an urban or town school.
    weight_shortfall: float = _f(100.0, _WEIGHT)
    # Multipliers on that cost: rural schools, teaching points and weak schools first
    # (Chuxiong measures 7–8: resources flow to rural and weak schools).
    weight_rural: float = _f(1.5, _WEIGHT)
    weight_teaching_point: float = _f(1.5, _WEIGHT)
    weight_weak: float = _f(1.25, _WEIGHT)
    # Cost of one post held above the norm (keeps surplus where it hurts least).
    weight_surplus: float = _f(1.0, _WEIGHT)
    # Cost of one post of quota change: equal plans change as few quotas as possible.
    weight_change: float = _f(0.01, _WEIGHT)
    # Cost of one post of staff in post above the county total. The slack exists only
    # when the staff staying in post exceed the total, and is fixed to that excess, so
    # this weight only prices a fact of the data (named in explain()).
    weight_over_total: float = _f(10_000.0, _WEIGHT)
    # Fair allocation (library defaults; docs/concepts.md shows the curve). A linear
    # cost per post short lets the solver split spare posts between equally weighted
    # schools arbitrarily; instead each post short costs more the further the school is
    # below its norm: relative shortfall is cut into steps of fair_band (share of the
    # norm), and a post in the step around relative shortfall r costs
    # (1 + fair_steepness × r) × its weight. 5% steps are a post or two at a village
    # school and a handful at a large one; steepness 2 makes a post at a school 90%
    # below norm worth 2.8 posts at its norm, strong enough to serve the worst-off
    # school first, weaker than the 1.5 rural and teaching-point multipliers compound.
    fair_band: float = _f(0.05, (0.0, 1.0, False, True))
    fair_steepness: float = _f(2.0, (0.0, 100.0, True, True))
    # The same for unmet subject need (rotation, itinerant cover, hires): steps of this
    # share of the school's need in the subject (four steps: coarser than for posts,
    # as need is counted in FTE and every step adds a variable per school and subject),
    # and a gentler slope: with 0.5 the dearest step (1.44) stays below 1.5 × the
    # cheapest (1.06), so the rural and urgent-subject multipliers (1.5) still come
    # first and labour's worst step (0.5 × 1.44) stays below any named subject's first.
    fair_band_need: float = _f(0.25, (0.0, 1.0, False, True))
    fair_steepness_need: float = _f(0.5, (0.0, 100.0, True, True))
    # Library default: premium, as a share of a school's shortfall cost, that orders
    # otherwise equal schools (lowest share of norm first, then most pupils, highest
    # weight, and school_id only between schools identical in all of these). Far below
    # the 10% between steps, far above the solvers' 1e-7 tolerances.
    tie_break_share: float = _f(1e-4, (0.0, 0.01, True, True))

    # --- 县管校聘 rotation, national rule of 2014 (POLICY.md B) ----------------------------
    # 教育部 财政部 人社部 2014: urban and quality schools rotate ≥ 10% of eligible teachers.
    rotation_share_min: float = _f(0.10, _SHARE)
    # Same text: backbone teachers are ≥ 20% of those rotated.
    rotation_backbone_share_min: float = _f(0.20, _SHARE)
    # Provincial practice (e.g. Anhui): eligible after 6 consecutive years at one school.
    rotation_eligible_years: int = _f(6, (0, 60, True, True))
    # Library switch: add the rotation block (named teacher moves) when teachers are given.
    rotation_enabled: bool = _f(True)
    # Issue "县管校聘" (common provincial practice): teachers in their first years of
    # service (probation and the years after it) are not rotated.
    rotation_exclude_first_years: int = _f(3, (0, 20, True, True))
    # Same practice: teachers within this many years of statutory retirement stay put.
    rotation_exclude_years_to_retirement: float = _f(5.0, _NON_NEGATIVE)
    # Class teachers (班主任) are not moved mid-cycle unless this is set.
    rotation_move_head_teachers: bool = _f(False)
    # Library default: a teacher is moved to fill at least this much uncovered need
    # (FTE) in their subject; smaller gaps are for itinerant teaching (走教), and leaving
    # them out keeps the model small and its relaxation tight.
    rotation_min_gap_fte: float = _f(0.5, _NON_NEGATIVE)
    # 教督〔2017〕6号 (优质均衡): ≥ 1 backbone teacher at county level or above per 100
    # pupils; the rotation block aims for it at rural schools.
    backbone_per_100_pupils_target: float = _f(1.0, _NON_NEGATIVE)
    # Whose post a moving teacher holds (issue 13): the kinds of move whose post (编制)
    # moves with the teacher. Every other kind keeps the post at the home school for the
    # term: the teacher counts toward the home school's quota and covers subject need
    # at the target without a post there (like full-time 走教). Library default from
    # common local practice, which no national or Chuxiong text fixes: a term of 交流轮岗
    # ("rotation", 骨干支教 "support", 跟岗交流 "exchange") is temporary — the teacher
    # returns and the post is kept at the home school, so a school short of its norm
    # never loses quota to its rotation duty — while a cross-school competitive hire
    # (跨校竞聘, "transfer") moves the post for good. Local rules differ, so a county may
    # add "rotation", "support" or "exchange" (the quota then follows those teachers).
    # "transfer" cannot be left out: transfers are settled before the model on posts of
    # the receiving school (vacant, or given up in an exchange; staffing.transfers), so
    # the post always moves with them.
    post_moves_with: tuple[str, ...] = _f(
        ("transfer",), choices=POST_MOVE_KINDS, required=("transfer",),
        why="transfers are settled before the model on posts of the receiving school "
            "(vacant, or given up in an exchange), so the post always moves with the teacher")

    # --- Subject needs (2022 curriculum, provincial loads; see staffing/curriculum.py) --
    # 义务教育课程方案 (2022): weekly periods per class, by grade band and subject.
    periods_per_week: FrozenTable = _f(FrozenTable(curriculum.PERIODS_PER_WEEK),
                                       table="numbers")
    # Provincial example (POLICY.md B): weekly periods one full-time teacher teaches, by
    # school part (primary, junior, small_school = village schools and teaching points).
    teaching_load: FrozenTable = _f(FrozenTable(curriculum.TEACHING_LOAD), table="numbers")
    # Library default: needs a teacher of a subject may cover besides their own; a
    # general (全科) primary teacher covers the primary core subjects.
    subject_cover: FrozenTable = _f(FrozenTable(curriculum.SUBJECT_COVER), table="names")

    # --- Voluntary transfers (跨校竞聘), 县管校聘 practice; see docs/transfers.md --------------
    # Priority at a school = points on the county points scale (积分), highest first.
    # No national or Chuxiong text fixes the items' weights; library defaults in the
    # spirit of common county scales: points per year at the current school (本校任教年限),
    # per year of service (教龄), per backbone level (county 1, prefecture 2,
    # province 3), per family point toward a school (夫妻分居/照顾家庭) and per year of
    # hardship (rural) service.
    priority_weight_years_at_school: float = _f(1.0, _NON_NEGATIVE)
    priority_weight_service_years: float = _f(0.5, _NON_NEGATIVE)  # library default, as above
    priority_weight_backbone: float = _f(2.0, _NON_NEGATIVE)
    # Library defaults, as above: family points and hardship years.
    priority_weight_family: float = _f(1.0, _NON_NEGATIVE)
    priority_weight_hardship: float = _f(1.0, _NON_NEGATIVE)
    # Library default: optimize(preferences=…) settles transfer requests before rotation
    # ("transfers_first", the only mode implemented) or ignores them ("off").
    transfer_mode: str = _f("transfers_first", choices=("transfers_first", "off"))
    # Combe, Tercieux and Terrier (2022): "to_be" (teacher-optimal block exchange); "da"
    # (deferred acceptance with a guaranteed post, the French baseline); "da_to_be".
    transfer_mechanism: str = _f("to_be", choices=("to_be", "da", "da_to_be"))
    # Combe, Tercieux and Terrier (2022), block condition: a teacher takes an occupied
    # post only if she outranks, at that school, the teacher who gives it up.
    transfer_school_consent: bool = _f(True)
    # Library default: posts vacated by moves into vacancies are not offered again in
    # the same round (keeps TO-BE strategy-proof); rotation and hiring fill them.
    transfer_reopen_vacated: bool = _f(False)

    # --- Itinerant teaching (走教), Chuxiong measure 8 and the 2014 rotation forms ---------
    # Library switch: lead and central school teachers of urgent-need subjects may teach
    # part of their week at member schools of their cluster.
    itinerant_enabled: bool = _f(True)
    # Library default: weekly periods one teacher can give to itinerant teaching.
    itinerant_periods_per_teacher: float = _f(6.0, _NON_NEGATIVE)
    # Cost of one FTE of itinerant cover, and of one FTE-km of travel for it.
    weight_itinerant: float = _f(1.0, _WEIGHT)
    weight_itinerant_km: float = _f(0.05, _WEIGHT)

    # --- Rotation model weights (library defaults; lexicographic by magnitude) ---------
    # Cost of one full-time teacher of unmet subject need (urban/town, core subject).
    weight_unmet_need: float = _f(1000.0, _WEIGHT)
    # Multiplier for urgent-need subjects (Chuxiong measure 9); rural schools use
    # weight_rural as well.
    weight_unmet_urgent: float = _f(1.5, _WEIGHT)
    # Multiplier for labour / integrated practice (劳动/综合实践): taught by any teacher with
    # spare periods, its gaps come after those of the named subjects.
    weight_unmet_labour: float = _f(0.5, _WEIGHT)
    # Cost of one backbone teacher short of backbone_per_100_pupils_target at a rural school.
    weight_backbone_deficit: float = _f(30.0, _WEIGHT)
    # Cost of one teacher short of the 10% rotation volume, and of one backbone teacher
    # short of the 20% backbone share (heavy, but below needs and backbone support).
    weight_rotation_shortfall: float = _f(10.0, _WEIGHT)
    # Cost of one move, and of one km of one move (fewest, shortest moves among equals).
    weight_move: float = _f(0.05, _WEIGHT)
    weight_move_km: float = _f(0.002, _WEIGHT)
    # Cost of each move beyond those announced in a previous plan (optimize(previous=…)):
    # replanning keeps announced moves and changes little else.
    weight_replan_change: float = _f(5.0, _WEIGHT)

    # --- Geography and clusters (集团化办学 / 学区制), Chuxiong measure 8 ---------------------
    # Library default: one-way road distance a rotating or itinerant teacher can be asked
    # to travel; edges of the allowed-move graph are no longer than this.
    max_travel_km: float = _f(40.0, _POSITIVE)
    # Library default: road km per great-circle km in mountainous Yunnan.
    road_factor: float = _f(1.35, (1.0, 5.0, True, True))
    # Library default: member schools per cluster lead (urban quality or central school).
    cluster_max_members: int = _f(8, _POSITIVE)
    # Chuxiong measure 8 (学区制): prefer keeping a township's schools with one lead.
    cluster_keep_townships: bool = _f(True)
    # Library default: extra cost, in km, of assigning a school to another township's lead.
    cluster_township_penalty_km: float = _f(5.0, _NON_NEGATIVE)
    # Library default: rotation moves along any edge in the county ("county") or only
    # within partnership clusters ("cluster").
    rotation_scope: str = _f("county", choices=("county", "cluster"))

    # --- Recruitment and training, Chuxiong measures 7 and 9 ---------------------------
    # Chuxiong measure 9: urgent-need subjects ≥ 30% of new hires.
    urgent_share_min: float = _f(0.30, _SHARE)
    # Chuxiong measure 9: English, music, PE, art and IT are named urgent-need subjects.
    urgent_subjects: tuple[str, ...] = _f(URGENT_SUBJECTS_DEFAULT, choices=tuple(SUBJECTS))
    # Chuxiong measure 7: new rural teachers shadow-train ≥ 1 year (跟岗培训).
    shadow_training_years: int = _f(1, (0, 5, True, True))
    # Library default: the school year planned starts on 1 September of this year; ages,
    # tenure and retirements are counted to that day (never to "today", so that the
    # same inputs give the same plan on any day).
    plan_year: int = _f(2026, (2000, 2100, True, True))
    # Statutory retirement reform (全国人大常委会, effective 2025-01-01): women teachers are
    # professional staff on the cadre track (55 → 58); "worker" is the 50 → 55 track.
    female_retirement_track: str = _f("cadre", choices=("cadre", "worker"))
    # Library default: new rural teachers one host school can mentor at a time (跟岗培训).
    mentor_capacity_per_host: int = _f(5, _POSITIVE)
    # Chuxiong measure 12: staff within 5 years of statutory retirement may retire early.
    early_retirement_window_years: int = _f(5, (0, 15, True, True))
    # Library default: a subject gap a multi-year plan may recruit for must reach this
    # many full-time teachers in some year (general 全科 hires count the core subjects
    # they cover); smaller gaps are left to cover by colleagues.
    hire_min_gap_fte: float = _f(0.5, _POSITIVE)
    # Cost of one new hire for each school year they hold a post within the horizon
    # (a salary): a hire must cover a quarter post of urban core need to be worth it.
    weight_hire: float = _f(250.0, _WEIGHT)
    # Guizhou 黔西南州 2021 (POLICY.md B) lends pool quota against attrition; library
    # default cost of one post lent out of the reserve for a year (used only when
    # pool_reserve_share keeps a reserve; loans come before shortfalls, after nothing else).
    weight_pool_loan: float = _f(5.0, _WEIGHT)

    # --- Posts, teaching load and quality goals -----------------------------------------
    # Chuxiong measure 10 (岗位能上能下): professional post levels, highest first.
    post_levels: tuple[str, ...] = _f(("senior", "intermediate", "junior"), choices=tuple(TITLES))
    # Chuxiong measure 14: prefecture-level backbone teachers ≥ 10% of all teachers by 2025.
    backbone_share_target: float = _f(0.10, _SHARE)
    # Chuxiong goals: nine-year retention (巩固率) ≥ 98%, used for enrolment projection.
    retention_rate: float = _f(0.98, _SHARE)
    # Chuxiong goals: 巩固率 is a nine-year rate (pupils finishing grade 9 per pupil
    # entering grade 1), so the yearly survival is retention_rate ** (1/8);
    # "annual" applies retention_rate at every grade step instead.
    retention_basis: str = _f("nine_year", choices=("nine_year", "annual"))
    # Library defaults, direction from Chuxiong measure 5 (乡村人口外流, 缓解"城区挤"):
    # yearly change of grade-1 intake by location (urban +2%, town flat, rural −4%).
    intake_trend_urban: float = _f(0.02, (-1.0, 1.0, False, True))
    intake_trend_town: float = _f(0.0, (-1.0, 1.0, False, True))
    intake_trend_rural: float = _f(-0.04, (-1.0, 1.0, False, True))
    # Chuxiong measure 5 (撤并人数少或离集镇学校近的校点) names no numbers; library
    # defaults for the consolidation scenario: village schools and teaching points below
    # this many pupils, within this many road km of a town school with room, merge;
    # receivers open this many extra classes.
    consolidation_max_pupils: int = _f(100, _NON_NEGATIVE)
    consolidation_max_km: float = _f(10.0, _POSITIVE)
    consolidation_extra_classes: int = _f(0, _NON_NEGATIVE)
    # National class-size norms (POLICY.md B): primary ≤ 45, junior ≤ 50.
    primary_class_size_max: int = _f(45, _POSITIVE)
    junior_class_size_max: int = _f(50, _POSITIVE)

    # --- Plausibility limits for input validation (library defaults) -------------------
    # A school reporting more staff than this many times its pupil norm plus this
    # constant is flagged as implausible data, not planned.
    plausible_staff_factor: float = _f(5.0, _POSITIVE)
    plausible_staff_extra: int = _f(20, _NON_NEGATIVE)
    # Pupils per class above which a row is flagged as implausible (≥ 66 is
    # "extra-large" by the national norm; anything far beyond is a typo).
    plausible_class_size_max: int = _f(120, _POSITIVE)

    def __post_init__(self) -> None:
        for f in fields(self):  # a whole number given for a float field is that float
            value = getattr(self, f.name)
            if type(f.default) is float and type(value) is int:
                object.__setattr__(self, f.name, float(value))
            elif (type(f.default) is int and isinstance(value, float) and value.is_integer()):
                object.__setattr__(self, f.name, int(value))  # 50.0 for a count is 50
        problems = [p for f in fields(self) if (p := _check_field(f, getattr(self, f.name)))]
        if problems:
            raise PolicyError("invalid policy:\n  " + "\n  ".join(problems))

    # ------------------------------------------------------------------ construction
    def replace(self, **changes: Any) -> Policy:
        """Return a copy with some fields changed (``dataclasses.replace``).

        Examples
        --------
        >>> Policy().replace(rotation_share_min=0.15).rotation_share_min
        0.15
        """
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            raise PolicyError(_unknown_message(unknown))
        return dataclasses.replace(self, **{k: freeze(v) for k, v in changes.items()})

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], *, source: str = "policy") -> Policy:
        """Build a Policy from a flat mapping of field names to values.

        Table fields (``periods_per_week``, ``teaching_load``, ``subject_cover``) are
        merged into their defaults: a table given changes only the entries it names.

        Unknown keys and out-of-range values raise :class:`PolicyError` naming the key
        and the allowed range; every problem is listed at once.
        """
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - names)
        problems = [f"{source}: {_unknown_message([k])}" for k in unknown]
        defaults = {f.name: f.default for f in fields(cls)}
        known = {
            k: freeze(_merge(defaults[k], v) if isinstance(defaults[k], FrozenTable) else v)
            for k, v in values.items()
            if k in names
        }
        for f in fields(cls):
            if f.name in known:
                msg = _check_field(f, known[f.name])
                if msg:
                    problems.append(f"{source}: {msg}")
        if problems:
            raise PolicyError("invalid policy:\n  " + "\n  ".join(problems))
        return cls(**known)

    @classmethod
    def from_toml(cls, path: str | Path) -> Policy:
        """Read a policy from a TOML file of ``field = value`` lines.

        Fields not in the file keep their Chuxiong defaults. A ``[policy]`` table is
        accepted as well as top-level keys.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "p.toml"
        >>> _ = p.write_text("primary_ratio = 18.0\\n")
        >>> Policy.from_toml(p).primary_ratio
        18.0
        """
        path = Path(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{path}: not valid TOML: {exc}") from exc
        if set(raw) == {"policy"} and isinstance(raw["policy"], dict):
            raw = raw["policy"]
        return cls.from_dict(raw, source=str(path))

    def to_dict(self) -> dict[str, Any]:
        """The policy as a plain dict (tuples become lists)."""
        return {f.name: thaw(getattr(self, f.name)) for f in fields(self)}

    def to_toml(self, path: str | Path) -> None:
        """Write every field to a TOML file that :meth:`from_toml` reads back equal."""
        from staffing._io import atomic_write_bytes

        atomic_write_bytes(Path(path), tomli_w.dumps(self.to_dict()).encode("utf-8"))

    def fingerprint(self) -> str:
        """A short, stable hash of every field, for manifests and caches."""
        import hashlib

        return hashlib.sha256(tomli_w.dumps(self.to_dict()).encode("utf-8")).hexdigest()[:16]


def _merge(default: Any, given: Any) -> Any:
    """Tables in a file change only the entries they name: ``[teaching_load.junior]
    music = 14`` keeps every other load at its default."""
    if isinstance(default, Mapping) and isinstance(given, Mapping):
        merged = thaw(default)
        for key, value in given.items():
            merged[key] = _merge(default[key], value) if key in default else thaw(value)
        return merged
    return given


def _unknown_message(keys: list[str]) -> str:
    allowed = ", ".join(sorted(f.name for f in fields(Policy)))
    return f"unknown key(s) {', '.join(map(repr, keys))}; allowed keys: {allowed}"


def _describe_range(rng: tuple) -> str:
    lo, hi, lo_in, hi_in = rng
    left = "[" if lo_in else "("
    right = "]" if hi_in else ")"
    hi_txt = "inf" if hi == math.inf else f"{hi:g}"
    return f"{left}{lo:g}, {hi_txt}{right}"


def _check_field(f: dataclasses.Field, value: Any) -> str | None:
    """Return a message if ``value`` is not allowed for field ``f``, else None."""
    default = f.default
    expected = type(default)
    if expected is bool:
        if not isinstance(value, bool):
            return f"{f.name} = {value!r}: expected true or false"
        return None
    if expected in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{f.name} = {value!r}: expected a number"
        if expected is int and not float(value).is_integer():
            return f"{f.name} = {value!r}: expected a whole number"
        if isinstance(value, float) and not math.isfinite(value):
            return f"{f.name} = {value!r}: expected a finite number"
        rng = f.metadata.get("range")
        if rng is not None:
            lo, hi, lo_in, hi_in = rng
            ok_lo = value >= lo if lo_in else value > lo
            ok_hi = value <= hi if hi_in else value < hi
            if not (ok_lo and ok_hi):
                return f"{f.name} = {value!r}: outside the allowed range {_describe_range(rng)}"
        return None
    if expected is str:
        choices = f.metadata.get("choices")
        if not isinstance(value, str) or (choices and value not in choices):
            return f"{f.name} = {value!r}: expected one of {', '.join(choices or ())}"
        return None
    if expected is FrozenTable:
        return _check_table(f.name, value, f.metadata.get("table", "numbers"))
    if expected is tuple:
        if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
            return f"{f.name} = {value!r}: expected a list of names"
        choices = f.metadata.get("choices")
        bad = [v for v in value if choices and v not in choices]
        if bad:
            return f"{f.name}: {', '.join(map(repr, bad))} not allowed; expected names from {', '.join(choices)}"
        missing = [v for v in f.metadata.get("required", ()) if v not in value]
        if missing:
            return (f"{f.name} = {value!r}: must include {', '.join(map(repr, missing))}: "
                    f"{f.metadata.get('why', '')}")
        return None
    return None


def _check_table(name: str, value: Any, shape: str) -> str | None:
    """Check a table field: ``numbers`` = name → name → positive number; ``names`` =
    subject → list of subjects."""
    if not isinstance(value, FrozenTable):
        return f"{name}: expected a table"
    bad = []
    for key, inner in value.items():
        if shape == "names":
            if key not in SUBJECTS or not isinstance(inner, tuple):
                bad.append(f"{key}: expected a subject and a list of subjects")
            else:
                bad += [f"{key}.{v}: unknown subject" for v in inner if v not in SUBJECTS]
            continue
        if not isinstance(inner, FrozenTable):
            bad.append(f"{key}: expected a table of subject = number")
            continue
        for subject, number in inner.items():
            if subject not in SUBJECTS:
                bad.append(f"{key}.{subject}: unknown subject")
            elif isinstance(number, bool) or not isinstance(number, int | float) or number <= 0:
                bad.append(f"{key}.{subject} = {number!r}: expected a number > 0")
    return f"{name}: " + "; ".join(bad) if bad else None
