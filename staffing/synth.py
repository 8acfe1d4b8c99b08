"""Synthetic counties calibrated to public statistics of Chuxiong Prefecture, Yunnan.

:func:`county` builds one realistic county — urban schools in the county seat, a
central school per township, village primary schools and teaching points — with its
approved quotas, staff in post and (optionally) one row per named teacher.
:func:`prefecture` builds the ten county-level units of Chuxiong, each sized by its
share of the 2020 census population. Both are deterministic: the same ``seed`` and
``name`` give equal tables in every process and on every machine (the name enters the
seed through a CRC-32 of its UTF-8 bytes, never Python's salted ``hash()``; the tables
were checked identical under numpy 1.24 / pandas 2.0 and numpy 2.4 / pandas 3.1).

What the generator is calibrated to, and where the number comes from:

* primary pupil–teacher ratio near 16.8, Yunnan's provincial figure
  (云南省2016/2017学年初全省教育事业发展统计公报: 小学生师比 16.80:1);
* staffing norms of the Chuxiong 2024 plan, measure 10 (1 : 19 primary, 1 : 13.5
  junior, two staff per class in village schools and teaching points with 200
  pupils or fewer): declining rural schools hold more quota than their norm, growing urban
  schools less, and small village schools fall short of the class rule;
* about 21 teachers per school, 3,000–3,300 in a 150-school county; 60% women; 8–12%
  backbone teachers at county level or above, most of them in urban and quality
  schools; urgent-need subjects (English, music, PE, art, IT; measure 9) scarce in
  rural schools.

All other shapes (school-size ranges, class sizes, tenure, age structure, boarding
shares) are plausible library choices documented beside each constant, not facts
about any real school. Township, village and school names are made up from syllable
lists; coordinates are scattered around the real county seat.

:func:`calibration_summary` reports the figures above for any county, synthetic or
real, so the calibration can be checked (``tests/test_synth.py`` does).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.data.county import County
from staffing.policy import Policy
from staffing.staff import is_backbone, leaving, level_staff

__all__ = [
    "CountyFacts",
    "CHUXIONG_COUNTIES",
    "PREFECTURE_POPULATION_2020",
    "REFERENCE_YEAR",
    "county",
    "prefecture",
    "default_n_schools",
    "calibration_summary",
    "demo_county",
    "DEMO_NAME",
    "DEMO_SEED",
    "DEMO_N_SCHOOLS",
]

#: The school year the synthetic data describes: the one a default Policy plans
#: (``Policy.plan_year``). Ages, service years and retirements are counted to this
#: year, never to today's date.
REFERENCE_YEAR: int = Policy().plan_year


@dataclass(frozen=True)
class CountyFacts:
    """Public facts about one county-level unit used to size and place a synthetic county.

    Attributes
    ----------
    name : official name (县/市).
    code : administrative division code (行政区划代码); prefixes school and teacher ids.
    population : resident population, 2020 census (第七次全国人口普查).
    lat, lon : approximate WGS84 position of the county seat (县城).
    townships : number of townships and towns (乡镇/街道), approximate.
    """

    name: str
    code: str
    population: int
    lat: float
    lon: float
    townships: int


#: Resident population of Chuxiong Prefecture, 2020 census (楚雄州第七次全国人口普查主要
#: 数据公报, 2021-07: 2,416,747; the two largest units together hold 41.30%).
PREFECTURE_POPULATION_2020: int = 2_416_747

#: The ten county-level units of Chuxiong in official order.
#:
#: Population, 2020 census. Sources: county census bulletins of July 2021 for 双柏县
#: (133,884), 南华县 (203,704), 姚安县 (164,165) and 永仁县 (97,985); 《中国人口普查分县
#: 资料 2020》 as cited by Wikipedia for 楚雄市 (631,530), 元谋县 (201,510) and 武定县
#: (239,059). Derived here, not read from a table: 禄丰市 = 41.30% of the prefecture
#: (the prefecture bulletin's share of the two largest units) − 楚雄市 = 366,587
#: (± ~120 from the rounded share); 牟定县 and 大姚县 split the remaining 378,323 in
#: their 2010-census proportion (208,726 : 273,315), so those two are estimates within
#: a few thousand. The ten add up to the prefecture total exactly.
#: Seat coordinates are approximate (to ~0.01°); township counts follow the 2020s
#: divisions (the prefecture lists 104 乡镇/街道 in all) and are approximate too.
CHUXIONG_COUNTIES: tuple[CountyFacts, ...] = (
    CountyFacts("楚雄市", "532301", 631_530, 25.036, 101.545, 15),
    CountyFacts("双柏县", "532322", 133_884, 24.686, 101.642, 8),
    CountyFacts("牟定县", "532323", 163_816, 25.313, 101.540, 7),
    CountyFacts("南华县", "532324", 203_704, 25.192, 101.274, 10),
    CountyFacts("姚安县", "532325", 164_165, 25.505, 101.241, 9),
    CountyFacts("大姚县", "532326", 214_507, 25.729, 101.324, 12),
    CountyFacts("永仁县", "532327", 97_985, 26.056, 101.671, 7),
    CountyFacts("元谋县", "532328", 201_510, 25.706, 101.869, 10),
    CountyFacts("武定县", "532329", 239_059, 25.533, 102.403, 11),
    CountyFacts("禄丰市", "532302", 366_587, 25.150, 102.079, 14),
)
_FACTS: dict[str, CountyFacts] = {c.name: c for c in CHUXIONG_COUNTIES}
_LARGEST = max(c.population for c in CHUXIONG_COUNTIES)

# ---------------------------------------------------------------------------------------
# Calibration constants (library choices unless a source is named).

#: Schools in the largest county (楚雄市), teaching points included; others scale by
#: population ** _SIZE_EXPONENT, so rural counties keep more (and smaller) schools per
#: head: 楚雄市 150, 禄丰市 ~108, 永仁县 ~49, 双柏县 ~59.
_SCHOOLS_LARGEST = 150
_SIZE_EXPONENT = 0.6

#: Share of a county's schools in the county seat's urban area (at least 1, at most 14).
_URBAN_SHARE = 0.07
#: Share of the village-level schools that are teaching points (教学点) rather than
#: village primary schools (村小).
_TEACHING_POINT_SHARE = 0.5
#: Probability that a township central school is a nine-year school (Chuxiong measure 5
#: encourages nine-year schools in township seats); otherwise it is a primary school
#: and the township also has a junior secondary school.
_CENTRAL_NINE_YEAR = 0.45

#: Pupils (low, high) by school kind; drawn uniformly, village and teaching-point sizes
#: skewed towards the small end with a beta draw. Urban ranges are those of 楚雄市 and
#: shrink with (population / 楚雄市's) ** 0.25, to no less than 60%, in smaller counties.
_PUPILS = {
    "urban_primary": (1_500, 3_000),
    "urban_junior": (1_500, 2_300),
    "urban_nine_primary": (900, 1_800),
    "urban_nine_junior": (500, 1_000),
    "central_primary": (300, 950),
    "central_nine_primary": (250, 800),
    "central_nine_junior": (200, 650),
    "town_junior": (300, 900),
    "village": (50, 400),
    "teaching_point": (10, 80),
}

#: Pupil–teacher ratio (low, high) the staff in post is drawn to, by location and
#: level. Urban schools are growing and short of the 1:19 / 1:13.5 norm; town and
#: larger village schools are declining and hold more staff than their pupils need.
_PTR_PRIMARY = {"urban": (19.2, 22.5), "town": (15.0, 18.5), "rural": (12.5, 17.0)}
_PTR_JUNIOR = {"urban": (13.5, 16.0), "town": (11.0, 14.0), "rural": (11.0, 14.0)}
#: Staff per class in village schools at or under the small-school threshold and in teaching
#: points: mostly short of the plan's 2 per class (measure 10), a few village schools
#: above it; a library choice.
_STAFF_PER_CLASS_SMALL = (1.1, 2.1)
_STAFF_PER_CLASS_TP = (0.8, 1.4)

#: Primary teachers by main subject (shares of teachers, not of periods: Chinese and
#: maths teachers carry fewer periods and most class-teacher duties). Order matters:
#: subjects are dealt in this order, so a school with few teachers gets the first ones.
_PRIMARY_SUBJECTS: dict[str, float] = {
    "chinese": 0.28, "maths": 0.20, "general": 0.07, "english": 0.07, "pe": 0.09,
    "science": 0.07, "morality_law": 0.05, "music": 0.05, "art": 0.05, "it": 0.03,
    "labour": 0.04,
}
_JUNIOR_SUBJECTS: dict[str, float] = {
    "chinese": 0.16, "maths": 0.16, "english": 0.14, "physics": 0.07, "chemistry": 0.05,
    "morality_law": 0.06, "history": 0.06, "biology": 0.05, "geography": 0.05, "pe": 0.08,
    "music": 0.03, "art": 0.03, "it": 0.03, "labour": 0.03,
}
_TEACHING_POINT_SUBJECTS: dict[str, float] = {
    "general": 0.40, "chinese": 0.28, "maths": 0.27, "english": 0.05,
}
#: Urgent-need subjects (Chuxiong measure 9) are scarce outside the county seat: their
#: shares are multiplied by these factors before renormalising.
_URGENT = ("english", "music", "pe", "art", "it")
_URGENT_FACTOR = {"urban": 1.15, "town": 0.75, "rural": 0.45}

_SUBJECT_ORDER: tuple[str, ...] = tuple(
    dict.fromkeys([*_PRIMARY_SUBJECTS, *_JUNIOR_SUBJECTS, *_TEACHING_POINT_SUBJECTS])
)

#: Syllables for made-up place names (Yunnan-flavoured: 箐 gully, 哨 post, 甸 flat,
#: 苴 and 么 from Yi place names).
_FIRST = tuple("大小新老东西南北上中高石龙马鹿凤白黑青红金三五六八双平安太永兴长沙松柏桂碧麦竹芦云清羊牛水")
_SECOND = tuple("山河坝街营庄场林田坡箐哨甸冲塘关岭溪湾川平和兴安阳华宁丰铺苴么厂井桥")
_CN_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
                "十一", "十二", "十三", "十四", "十五")


# ---------------------------------------------------------------------------------------
# Public functions


def default_n_schools(name: str) -> int:
    """Number of schools (teaching points included) a synthetic county gets by default.

    Scales with the 2020 census population: 150 for 楚雄市, fewer for smaller counties
    but not proportionally (rural counties have more, smaller schools per head). A
    name outside Chuxiong gets the size of an average Chuxiong county.

    Examples
    --------
    >>> default_n_schools("楚雄市"), default_n_schools("永仁县")
    (150, 49)
    """
    facts = _facts(name)
    return int(round(_SCHOOLS_LARGEST * (facts.population / _LARGEST) ** _SIZE_EXPONENT))


def county(
    seed: int = 0,
    *,
    name: str = "楚雄市",
    n_schools: int | None = None,
    teachers: bool = True,
    policy: Policy | None = None,
    balance_data: bool = True,
    heads: bool = False,
) -> County:
    """A realistic synthetic county: schools, quotas, staff and named teachers.

    Parameters
    ----------
    seed : int
        Random seed. Same ``seed`` and ``name`` → equal tables; the school table does
        not depend on ``teachers``.
    name : str
        County name. One of the ten Chuxiong units (:data:`CHUXIONG_COUNTIES`) places
        the county at its real seat and sizes it by population; any other name gets an
        average-sized county near the prefecture seat with a code derived from the name.
    n_schools : int, optional
        Number of schools including teaching points (at least 3). Defaults to
        :func:`default_n_schools`.
    teachers : bool
        Whether to generate the teacher table (one row per staff in post).
    policy : Policy, optional
        Passed to :class:`~staffing.County` for its plausibility checks. The staffing
        draw itself follows the public statistics, not the policy, so changing a policy
        ratio changes the norms of the same county rather than the county.
    balance_data : bool
        Whether to add the optional 优质均衡 data (:func:`_add_balance_data`): the
        facilities columns of the schools (``teaching_area_m2``, ``sports_area_m2``,
        ``equipment_value_yuan``, ``multimedia_classrooms``) and the teachers'
        ``education``. Drawn from a random stream of their own, so every other column
        is the same with or without them. The distributions are illustrative only.
    heads : bool
        Add a ``role`` column (:func:`_assign_heads`): a principal at most schools, some
        vice principals and party secretaries, some of them due for exchange. Drawn
        from a separate random stream, so the rest of the county is the same as without
        heads. Illustrative only: no public statistics of heads' numbers or tenure were
        used. Needs ``teachers``.

    Returns
    -------
    County
        Validated; ``county_total`` is the sum of approved quotas (the default).

    Examples
    --------
    >>> from staffing import synth
    >>> c = synth.county(seed=1, name="双柏县", n_schools=20)
    >>> c.n_schools, c.n_teachers == int(c.schools.staff_in_post.sum())
    (20, True)
    >>> synth.county(seed=1, name="双柏县", n_schools=20) == c
    True
    """
    facts = _facts(name)
    n = default_n_schools(name) if n_schools is None else int(n_schools)
    if n < 3:
        raise ValueError(f"n_schools = {n_schools!r}: a synthetic county needs at least 3 schools")
    school_ss, teacher_ss = np.random.SeedSequence([int(seed), _stable_hash(name)]).spawn(2)
    schools = _make_schools(np.random.default_rng(school_ss), facts, n)
    table = None
    if teachers:
        table = _make_teachers(np.random.default_rng(teacher_ss), schools, facts.code)
    if balance_data:  # its own stream: the tables above do not change
        rng = np.random.default_rng(
            np.random.SeedSequence([int(seed), _stable_hash(name), _BALANCE_STREAM]))
        schools, table = _add_balance_data(rng, schools, table)
    if heads:
        if table is None:
            raise ValueError("synth.county(heads=True) needs teachers=True")
        heads_ss = np.random.SeedSequence([int(seed), _stable_hash(name)]).spawn(3)[2]
        table = _assign_heads(np.random.default_rng(heads_ss), schools, table)
    return County(schools, table, name=name, policy=policy, source=f"synth.county({seed}, {name})")


def _assign_heads(rng: np.random.Generator, schools: pd.DataFrame,
                  teachers: pd.DataFrame) -> pd.DataFrame:
    """Give ``teachers`` a ``role`` column: illustrative heads, not calibrated.

    Each school other than a teaching point gets a principal with probability 0.85
    (else its post is vacant); schools with 30 or more staff a vice principal with
    probability 0.6, and with 20 or more a party secretary with probability 0.3. A head
    is a teacher in post with 10 or more years of service, drawn at random; her years
    at the school are redrawn uniformly from 0 … 12 (at most her service), so about
    half have served the six years that make a principal due for exchange.
    """
    t = teachers.copy()
    role = np.full(len(t), "teacher", dtype=object)
    service = (REFERENCE_YEAR - t["hire_year"]).to_numpy()
    level = t["school_id"].map(schools.set_index("school_id")["level"]).to_numpy()
    staff = t.groupby("school_id")["school_id"].transform("size").to_numpy()
    able = (t["status"].eq("in_post").to_numpy() & (service >= 10)
            & (level != "teaching_point"))
    draws = (("principal", 0, 0.85), ("vice_principal", 30, 0.6), ("party_secretary", 20, 0.3))
    for r, min_staff, p in draws:
        # One random able teacher still without a role per school, kept with chance p.
        key = np.where(able & (role == "teacher") & (staff >= min_staff), rng.random(len(t)),
                       np.inf)
        first = pd.Series(key).groupby(t["school_id"].to_numpy()).idxmin()
        first = first[np.isfinite(key[first.to_numpy()])]
        keep = first.to_numpy()[rng.random(len(first)) < p]
        role[keep] = r
    head = role != "teacher"
    years = t["years_at_school"].to_numpy().copy()
    years[head] = np.minimum(rng.integers(0, 13, int(head.sum())), service[head])
    t["years_at_school"] = years
    t["role"] = role
    return t


def prefecture(seed: int = 0, *, teachers: bool = True) -> dict[str, County]:
    """The ten county-level units of Chuxiong Prefecture as synthetic counties.

    Keys follow the official order (楚雄市, 双柏县, …, 禄丰市); each county is
    ``county(seed, name=key)``, sized by its 2020 census population. Teacher ids are
    prefixed by the county code, so they are unique across the prefecture.

    Examples
    --------
    >>> from staffing import synth
    >>> pref = synth.prefecture(0, teachers=False)
    >>> list(pref)[:3], max(pref, key=lambda k: pref[k].n_schools)
    (['楚雄市', '双柏县', '牟定县'], '楚雄市')
    """
    return {c.name: county(seed, name=c.name, teachers=teachers) for c in CHUXIONG_COUNTIES}


#: The bundled demo county (``examples/data/demo_county.xlsx``): name, seed and size.
DEMO_NAME, DEMO_SEED, DEMO_N_SCHOOLS = "禄丰市", 2024, 36


def demo_county() -> County:
    """The demo county of ``staffing demo``: 36 made-up schools named after 禄丰市.

    Equal to what ``examples/make_demo_data.py`` writes to the demo workbook.

    Examples
    --------
    >>> demo_county().n_schools
    36
    """
    return county(seed=DEMO_SEED, name=DEMO_NAME, n_schools=DEMO_N_SCHOOLS)


def calibration_summary(c: County, policy: Policy | None = None) -> pd.Series:
    """The figures the synthetic data is calibrated to, for any county.

    Staff of a nine-year school are attributed to its primary and junior parts by
    :func:`staffing.staff.level_staff`; the pupil–teacher ratios use staff in post.

    Returns
    -------
    Series with ``schools``, ``teachers`` (staff in post), ``primary_ptr``,
    ``junior_ptr``, ``share_over_norm`` and ``share_under_norm`` (approved quota above
    or below the norm of :func:`staffing.norms.quota_norms`), ``vacancy_rate``, and,
    when there is a teacher table, ``female_share``, ``backbone_share`` (county level
    or above), ``leaving_share`` and ``head_teacher_per_class``.

    Examples
    --------
    >>> from staffing import synth
    >>> s = synth.calibration_summary(synth.county(seed=3, n_schools=40))
    >>> bool(15.0 < s["primary_ptr"] < 19.0), int(s["schools"])
    (True, 40)
    """
    from staffing.norms import quota_norms
    from staffing.policy import Policy

    policy = policy or Policy()
    s = c.schools
    norms = quota_norms(c, policy)
    staff = s["staff_in_post"]
    parts = level_staff(s, staff, policy).sum()
    staff_primary, staff_junior = parts["staff_primary"], parts["staff_junior"]
    out = {
        "schools": float(len(s)),
        "teachers": float(staff.sum()),
        "primary_ptr": s["pupils_primary"].sum() / staff_primary if staff_primary else np.nan,
        "junior_ptr": s["pupils_junior"].sum() / staff_junior if staff_junior else np.nan,
        "share_over_norm": float((norms["quota_gap"] > 0).mean()),
        "share_under_norm": float((norms["quota_gap"] < 0).mean()),
        "vacancy_rate": float(1 - staff.sum() / max(int(s["approved_quota"].sum()), 1)),
    }
    t = c.teachers
    if t is not None and len(t):
        classes = int((s["classes_primary"] + s["classes_junior"]).sum())
        out["female_share"] = float((t["sex"] == "female").mean())
        out["backbone_share"] = float(is_backbone(t["backbone"]).mean())
        out["leaving_share"] = float(leaving(t).mean())
        out["head_teacher_per_class"] = float(t["is_head_teacher"].sum() / max(classes, 1))
    return pd.Series(out, name=c.name, dtype=float)


# ---------------------------------------------------------------------------------------
# Helpers


def _stable_hash(text: str) -> int:
    """CRC-32 of the UTF-8 bytes: stable across processes, unlike ``hash()``."""
    return zlib.crc32(text.encode("utf-8"))


def _facts(name: str) -> CountyFacts:
    """Facts of a Chuxiong unit, or made-up but stable ones for any other name."""
    if name in _FACTS:
        return _FACTS[name]
    h = _stable_hash(name)
    mean_pop = PREFECTURE_POPULATION_2020 // len(CHUXIONG_COUNTIES)
    # A made-up seat within ~0.5° of the prefecture seat, and a code outside the real
    # ones (real codes start with 53); ids stay unique between distinct names unless
    # their CRC-32 values collide modulo 10^4.
    lat = 25.036 + ((h >> 8) % 1000 - 500) / 1000
    lon = 101.545 + ((h >> 18) % 1000 - 500) / 1000
    return CountyFacts(name, f"99{h % 10_000:04d}", mean_pop, round(lat, 3), round(lon, 3), 10)


def _offsets(rng: np.random.Generator, lat: np.ndarray, lo_km: float | np.ndarray,
             hi_km: float | np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Random (dlat, dlon) in degrees at a distance between lo_km and hi_km."""
    dist = rng.uniform(lo_km, hi_km, size)
    bearing = rng.uniform(0.0, 2 * np.pi, size)
    dlat = dist * np.cos(bearing) / 111.0
    dlon = dist * np.sin(bearing) / (111.0 * np.cos(np.radians(lat)))
    return dlat, dlon


def _place_names(rng: np.random.Generator, k: int) -> list[str]:
    """``k`` distinct two-syllable place names, deterministic for the generator."""
    pool = np.array([a + b for a in _FIRST for b in _SECOND if a != b])
    if k > len(pool):
        raise ValueError(f"cannot make {k} distinct place names (at most {len(pool)})")
    return pool[rng.permutation(len(pool))[:k]].tolist()


def _codes(prefix: str, n: int, width: int) -> np.ndarray:
    """``prefix`` + 1..n zero-padded to ``width`` digits, without a Python loop."""
    numbers = np.char.zfill(np.arange(1, n + 1).astype(str), width)
    return np.char.add(prefix, numbers).astype(object)


def _make_schools(rng: np.random.Generator, facts: CountyFacts, n: int) -> pd.DataFrame:
    """The school table of a county with ``n`` schools (canonical English columns)."""
    # --- how many schools of each kind ------------------------------------------------
    n_town = int(np.clip(int(n / 8 + 0.5), 2, facts.townships))
    n_urban = int(np.clip(round(_URBAN_SHARE * n), 1, 14))
    n_nine_urban = 2 if n_urban >= 8 else (1 if n_urban >= 3 else 0)
    n_junior_urban = max(1 if n_urban >= 2 else 0, int(round(0.35 * (n_urban - n_nine_urban))))
    n_primary_urban = n_urban - n_nine_urban - n_junior_urban

    rest = n - n_urban
    n_central = min(n_town - 1, rest)
    central_nine = rng.random(n_central) < _CENTRAL_NINE_YEAR
    rest -= n_central
    # A township whose central school is primary also gets a junior school, budget
    # permitting (the first ones in township order).
    want_junior = np.flatnonzero(~central_nine)
    junior_towns = want_junior[: max(0, min(len(want_junior), rest - 1))] + 1
    rest -= len(junior_towns)
    n_tp = int(round(_TEACHING_POINT_SHARE * rest))
    n_village = rest - n_tp

    # --- names and places --------------------------------------------------------------
    names = _place_names(rng, n_town + n_village + n_tp)
    town_suffix = np.where(rng.random(n_town) < 0.6, "镇", "乡")
    town_suffix[0] = "镇"  # the county seat is a town
    townships = [f"{p}{s}" for p, s in zip(names[:n_town], town_suffix, strict=True)]
    villages = names[n_town:]

    t_dlat, t_dlon = _offsets(rng, np.full(n_town, facts.lat), 5.0, 50.0, n_town)
    t_dlat[0] = t_dlon[0] = 0.0
    town_lat, town_lon = facts.lat + t_dlat, facts.lon + t_dlon

    # Village-level schools go to townships with Dirichlet weights (the seat's outskirts
    # included); teaching points after village schools, so each keeps its own name.
    weights = rng.dirichlet(np.full(n_town, 2.0))
    village_town = np.sort(rng.choice(n_town, size=n_village, p=weights))
    tp_town = np.sort(rng.choice(n_town, size=n_tp, p=weights))

    seat = facts.name
    rows: list[tuple[str, str, int, str, str, bool]] = []  # name, kind, township, level, loc, central
    for i in range(n_primary_urban):
        rows.append((f"{seat}第{_CN_NUMERALS[i]}小学", "urban_primary", 0, "primary", "urban", False))
    for i in range(n_junior_urban):
        rows.append((f"{seat}第{_CN_NUMERALS[i]}中学", "urban_junior", 0, "junior", "urban", False))
    for i in range(n_nine_urban):
        label = "实验学校" if i == 0 else f"第{_CN_NUMERALS[i]}实验学校"
        rows.append((f"{seat}{label}", "urban_nine", 0, "nine_year", "urban", False))
    for k in range(n_central):
        t = k + 1
        if central_nine[k]:
            rows.append((f"{townships[t]}中心学校", "central_nine", t, "nine_year", "town", True))
        else:
            rows.append((f"{townships[t]}中心小学", "central_primary", t, "primary", "town", True))
    for t in junior_towns:
        rows.append((f"{townships[t]}中学", "town_junior", int(t), "junior", "town", False))
    for v, t in enumerate(village_town):
        rows.append((f"{villages[v]}村小学", "village", int(t), "primary", "rural", False))
    for v, t in enumerate(tp_town):
        rows.append((f"{villages[n_village + v]}教学点", "teaching_point", int(t),
                     "teaching_point", "rural", False))

    name_col, kind, town_idx, level, location, is_central = (np.array(x) for x in zip(*rows, strict=True))
    town_idx = town_idx.astype(np.int64)
    m = len(rows)

    # --- pupils ------------------------------------------------------------------------------
    # Seat schools of a small county are smaller than those of 楚雄市.
    seat_scale = float(np.clip((facts.population / _LARGEST) ** 0.25, 0.6, 1.0))

    def uni(key: str) -> np.ndarray:
        lo, hi = _PUPILS[key]
        scale = seat_scale if key.startswith("urban") else 1.0
        return rng.uniform(lo * scale, hi * scale, m)

    def skew(key: str, a: float, b: float) -> np.ndarray:
        lo, hi = _PUPILS[key]
        return lo + (hi - lo) * rng.beta(a, b, m)

    pp = np.select(
        [kind == "urban_primary", kind == "urban_nine", kind == "central_primary",
         kind == "central_nine", kind == "village", kind == "teaching_point"],
        [uni("urban_primary"), uni("urban_nine_primary"), uni("central_primary"),
         uni("central_nine_primary"), skew("village", 1.4, 3.2), skew("teaching_point", 1.5, 2.5)],
        0.0,
    ).astype(np.int64)
    pj = np.select(
        [kind == "urban_junior", kind == "urban_nine", kind == "central_nine", kind == "town_junior"],
        [uni("urban_junior"), uni("urban_nine_junior"), uni("central_nine_junior"), uni("town_junior")],
        0.0,
    ).astype(np.int64)

    # --- classes ------------------------------------------------------------------------------
    cs_primary = np.select([location == "urban", location == "town"],
                           [rng.uniform(44, 50, m), rng.uniform(38, 46, m)], rng.uniform(26, 40, m))
    cs_junior = np.where(location == "urban", rng.uniform(45, 50, m), rng.uniform(42, 50, m))
    classes_p = np.where(pp > 0, np.maximum(6, np.ceil(pp / cs_primary)), 0).astype(np.int64)
    is_tp = level == "teaching_point"
    classes_p[is_tp] = np.clip(np.ceil(pp[is_tp] / rng.uniform(12, 25, is_tp.sum())), 1, 4)
    classes_j = np.where(pj > 0, np.maximum(3, np.ceil(pj / cs_junior)), 0).astype(np.int64)

    # --- boarding ------------------------------------------------------------------------------
    board_j = np.where(location == "urban", rng.uniform(0.0, 0.25, m), rng.uniform(0.55, 0.9, m))
    board_p = np.where(is_central, rng.uniform(0.10, 0.35, m), 0.0)
    boarding = np.floor(pj * board_j + pp * board_p).astype(np.int64)

    # --- staff in post and approved quota ---------------------------------------------------
    ptr_p = np.empty(m)
    ptr_j = np.empty(m)
    for loc in ("urban", "town", "rural"):
        at = location == loc
        ptr_p[at] = rng.uniform(*_PTR_PRIMARY[loc], at.sum())
        ptr_j[at] = rng.uniform(*_PTR_JUNIOR[loc], at.sum())
    staff_exact = pp / ptr_p + pj / ptr_j
    small = (kind == "village") & (pp <= 200)  # "200人以下" includes 200
    per_class = np.where(is_tp, rng.uniform(*_STAFF_PER_CLASS_TP, m),
                         rng.uniform(*_STAFF_PER_CLASS_SMALL, m))
    staff_exact = np.where(small | is_tp, classes_p * per_class, staff_exact)
    staff = np.maximum(1, np.round(staff_exact)).astype(np.int64)
    # Vacancies: quota filed but not filled — a few posts at larger schools, often none
    # at small ones; rural posts are the hardest to fill.
    vac_rate = np.select([location == "urban", location == "town"], [0.02, 0.04], 0.05)
    vacancies = rng.poisson(vac_rate * staff + 0.1)
    # A few shrinking town and village schools hold more staff than their quota (超编).
    over_quota = (location != "urban") & (staff >= 3) & (rng.random(m) < 0.04)
    quota = np.where(over_quota, staff - 1 - (staff >= 20), staff + vacancies)

    # --- flags and coordinates ---------------------------------------------------------------
    urban = location == "urban"
    is_quality = urban & (rng.random(m) < 0.45)
    if urban.any() and not is_quality.any():
        is_quality[np.flatnonzero(urban)[0]] = True
    weak_p = np.select([kind == "teaching_point", kind == "village", location == "town"],
                       [0.30, 0.20, 0.08], 0.0)
    is_weak = rng.random(m) < weak_p

    lo_km = np.select([urban, kind == "village", is_tp], [0.2, 1.5, 3.0], 0.0)
    hi_km = np.select([urban, kind == "village", is_tp], [3.0, 8.0, 12.0], 1.0)
    s_dlat, s_dlon = _offsets(rng, town_lat[town_idx], lo_km, hi_km, m)

    return pd.DataFrame(
        {
            "school_id": _codes(facts.code, m, 3),
            "name": name_col.tolist(),
            "township": [townships[t] for t in town_idx],
            "level": level.tolist(),
            "location": location.tolist(),
            "is_central": is_central.astype(bool),
            "is_quality": is_quality,
            "is_weak": is_weak,
            "pupils_primary": pp,
            "pupils_junior": pj,
            "classes_primary": classes_p,
            "classes_junior": classes_j,
            "approved_quota": quota.astype(np.int64),
            "staff_in_post": staff,
            "lat": np.round(town_lat[town_idx] + s_dlat, 5),
            "lon": np.round(town_lon[town_idx] + s_dlon, 5),
            "boarding_pupils": boarding,
        }
    )


def _subject_matrix(schools: pd.DataFrame) -> np.ndarray:
    """Per-school probabilities over :data:`_SUBJECT_ORDER` (rows sum to 1)."""
    order = {s: k for k, s in enumerate(_SUBJECT_ORDER)}

    def vec(shares: dict[str, float]) -> np.ndarray:
        v = np.zeros(len(_SUBJECT_ORDER))
        for s, p in shares.items():
            v[order[s]] = p
        return v

    primary, junior, tp = vec(_PRIMARY_SUBJECTS), vec(_JUNIOR_SUBJECTS), vec(_TEACHING_POINT_SUBJECTS)
    pn = schools["pupils_primary"].to_numpy() / 19.0
    jn = schools["pupils_junior"].to_numpy() / 13.5
    w_j = np.divide(jn, pn + jn, out=np.zeros(len(pn)), where=(pn + jn) > 0)[:, None]
    probs = (1 - w_j) * primary + w_j * junior
    is_tp = (schools["level"] == "teaching_point").to_numpy()
    probs[is_tp] = tp
    urgent = np.isin(np.array(_SUBJECT_ORDER), _URGENT)
    factor = schools["location"].map(_URGENT_FACTOR).to_numpy(dtype=float)[:, None]
    probs = np.where(urgent, probs * factor, probs)
    return probs / probs.sum(axis=1, keepdims=True)


def _rank_within(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """0-based rank of each row within its group, by ascending ``key`` (groups sorted)."""
    order = np.lexsort((key, group))
    starts = np.searchsorted(group[order], group[order], side="left")
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = np.arange(len(group)) - starts
    return rank


#: Extra entropy word of the 优质均衡 data's random stream (any fixed number; issue 16).
_BALANCE_STREAM = 16
#: Illustrative only, not calibrated to statistics: per-pupil facility levels a school
#: is drawn around, (primary, junior), set near the lines of 教督〔2017〕6号 so that a
#: county has schools above and below them — teaching area m², sports ground m²,
#: equipment yuan, networked multimedia classrooms per 100 pupils.
_FACILITY_BASE: dict[str, tuple[float, float]] = {
    "teaching_area_m2": (4.5, 5.8), "sports_area_m2": (7.5, 10.2),
    "equipment_value_yuan": (2000.0, 2500.0), "multimedia_classrooms": (0.023, 0.024)}
#: Illustrative: log of a school's level ÷ base ~ Normal(mean, 0.25); most schools above
#: the base (mean +0.35: about 8% below), urban schools short of ground (sports area
#: mean −0.1: about 65% below).
_FACILITY_LOG_SD, _FACILITY_LOG_MEAN, _URBAN_SPORTS_LOG_MEAN = 0.25, 0.35, -0.1
#: Illustrative shares of highest education (vocab.EDUCATION order) of teachers at
#: schools with / without junior pupils.
_EDUCATION_SHARES = {"junior": (0.0, 0.02, 0.15, 0.80, 0.03),
                     "primary": (0.0, 0.04, 0.36, 0.58, 0.02)}


def _add_balance_data(rng: np.random.Generator, schools: pd.DataFrame,
                      teachers: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Facilities columns and teachers' ``education`` (illustrative distributions)."""
    from staffing.vocab import EDUCATION

    schools = schools.copy()
    pp = schools["pupils_primary"].to_numpy(float)
    pj = schools["pupils_junior"].to_numpy(float)
    urban = (schools["location"] == "urban").to_numpy()
    for col, (base_p, base_j) in _FACILITY_BASE.items():
        mean = np.where(urban & (col == "sports_area_m2"), _URBAN_SPORTS_LOG_MEAN,
                        _FACILITY_LOG_MEAN)
        factor = np.exp(rng.normal(mean, _FACILITY_LOG_SD, len(schools)))
        value = (base_p * pp + base_j * pj) * factor
        schools[col] = (np.round(value).astype(int) if col == "multimedia_classrooms"
                        else np.round(value, -1 if col == "equipment_value_yuan" else 0))
    if teachers is not None:
        teachers = teachers.copy()
        has_junior = schools["pupils_junior"].reindex(teachers["school_id"]).to_numpy() > 0
        levels = np.array(list(EDUCATION))
        draw = np.where(has_junior,
                        rng.choice(levels, len(teachers), p=_EDUCATION_SHARES["junior"]),
                        rng.choice(levels, len(teachers), p=_EDUCATION_SHARES["primary"]))
        teachers["education"] = draw
    return schools, teachers


def _make_teachers(rng: np.random.Generator, schools: pd.DataFrame, code: str) -> pd.DataFrame:
    """Exactly ``staff_in_post`` teachers per school, drawn in one vectorised pass."""
    staff = schools["staff_in_post"].to_numpy()
    n = int(staff.sum())
    sch = np.repeat(np.arange(len(schools)), staff)  # school index of each teacher, sorted
    starts = np.cumsum(staff) - staff
    rank = np.arange(n) - starts[sch]

    loc = schools["location"].to_numpy()[sch]
    urban, rural = loc == "urban", loc == "rural"
    is_tp = (schools["level"] == "teaching_point").to_numpy()[sch]
    quality = schools["is_quality"].to_numpy()[sch]
    weak = schools["is_weak"].to_numpy()[sch]

    # Subjects: stratified draw within each school (teacher k of N takes the quantile
    # (k + U)/N of the school's subject mix), so a school's subject counts match its
    # mix to within one teacher and small schools get Chinese and maths first.
    cum = np.cumsum(_subject_matrix(schools), axis=1)
    u = (rank + rng.random(n)) / staff[sch]
    subj_idx = np.minimum((u[:, None] >= cum[sch]).sum(axis=1), len(_SUBJECT_ORDER) - 1)
    subject = np.array(_SUBJECT_ORDER)[subj_idx]

    # Age: rural schools hold many young teachers (特岗 and new hires) and an older
    # cohort; urban schools are mid-career. Mixture weights (young, mid, old).
    mix = np.where(urban[:, None], [0.15, 0.60, 0.25],
                   np.where(rural[:, None], [0.45, 0.20, 0.35], [0.30, 0.40, 0.30]))
    comp = np.minimum((rng.random(n)[:, None] > np.cumsum(mix, axis=1)).sum(axis=1), 2)
    age = np.choose(comp, [rng.normal(28, 4, n), rng.normal(40, 6, n), rng.normal(51, 4, n)])
    age = np.clip(np.round(age), REFERENCE_YEAR - 2002, REFERENCE_YEAR - 1966).astype(np.int64)

    # Sex: ~60% women overall, fewer in rural schools and PE, more in languages and arts.
    p_female = np.select([urban, rural], [0.70, 0.50], 0.60)
    p_female = p_female * np.select(
        [subject == "pe", np.isin(subject, ["physics", "it"]),
         np.isin(subject, ["chinese", "english", "music", "art"])], [0.45, 0.8, 1.15], 1.0)
    female = rng.random(n) < np.clip(p_female, 0.05, 0.95)
    # Women retire at 55 (POLICY.md B, before the 2025 reform): none older in post.
    too_old = female & (age > 55)
    age[too_old] = rng.integers(40, 56, too_old.sum())
    birth_year = REFERENCE_YEAR - age
    birth_date = pd.to_datetime(pd.DataFrame({"year": birth_year, "month": 1, "day": 1})) + \
        pd.to_timedelta(rng.integers(0, 365, n), unit="D")

    hire_age = np.minimum(rng.integers(21, 27, n), age)
    hire_year = birth_year + hire_age
    service = REFERENCE_YEAR - hire_year
    # Tenure at this school: short in rural schools (turnover, new hires posted there
    # first), long in urban schools.
    frac = np.select([urban, rural], [rng.beta(3.0, 1.5, n), rng.beta(1.2, 2.5, n)],
                     rng.beta(1.8, 1.8, n))
    years_at_school = np.minimum(np.round(frac * service), 50).astype(np.int64)

    # Title by service years; senior posts are scarcer outside the county seat.
    u = rng.random(n)
    senior_cap = np.select([urban, rural], [0.45, 0.20], 0.30)
    p_senior = np.clip((service - 15) / 20, 0, 1) * senior_cap
    p_inter = np.clip((service - 5) / 10, 0, 0.85) * (1 - p_senior)
    title = np.where(service < 1, "none",
                     np.where(u < p_senior, "senior",
                              np.where(u < p_senior + p_inter, "intermediate",
                                       np.where(u < 0.97, "junior", "none"))))

    # Backbone teachers (县级 and above), concentrated in urban and quality schools.
    p_bb = np.select([urban, rural & is_tp, rural], [0.12, 0.02, 0.04], 0.08)
    p_bb = p_bb * np.where(quality, 1.7, 1.0) * np.where(weak, 0.6, 1.0)
    p_bb = p_bb * np.select([service < 3, service < 8], [0.0, 0.6], 1.25)
    is_bb = rng.random(n) < p_bb
    level_u = rng.random(n)
    backbone = np.where(~is_bb, "none",
                        np.where(level_u < 0.6, "county",
                                 np.where(level_u < 0.9, "prefecture", "province")))

    # Status: women of 55 and men close to 60 retire (or take early retirement, measure
    # 12); a few on long leave (more among young mothers) or seconded.
    s_u = rng.random(n)
    p_leave = np.select([female & (age >= 55), ~female & (age >= 58), age >= 53],
                        [0.7, 0.2, 0.015], 0.002)
    p_on_leave = np.where(female & (age >= 25) & (age <= 38), 0.04, 0.008)
    p_seconded = np.where(rural, 0.004, 0.01)
    status = np.select(
        [s_u < p_leave, s_u < p_leave + p_on_leave, s_u < p_leave + p_on_leave + p_seconded],
        ["leaving", "on_leave", "seconded"], "in_post")

    # Class teachers: one per class, up to the staff, chosen among teachers in post,
    # Chinese/maths/general teachers first.
    classes = (schools["classes_primary"] + schools["classes_junior"]).to_numpy()
    score = (np.isin(subject, ["chinese", "maths", "general"]) * 2.0
             + (subject == "english") * 1.0 + (status == "in_post") * 4.0 + rng.random(n))
    head = _rank_within(sch, -score) < np.minimum(classes, staff)[sch]

    # Shuffle teachers within each school so ids do not follow subject order.
    order = np.lexsort((rng.random(n), sch))
    out = pd.DataFrame(
        {
            "school_id": schools["school_id"].to_numpy()[sch],
            "subject": subject,
            "sex": np.where(female, "female", "male"),
            "birth_date": birth_date.to_numpy(),
            "hire_year": hire_year,
            "years_at_school": years_at_school,
            "title": title,
            "backbone": backbone,
            "is_head_teacher": head,
            "status": status,
            "pinned": np.zeros(n, dtype=bool),
        }
    ).iloc[order].reset_index(drop=True)
    out.insert(0, "teacher_id", _codes(f"{code}T", n, 5))
    return out
