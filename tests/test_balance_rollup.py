"""Prefecture roll-up of a batch (staffing.rollup): the county rows are the
county figures recomputed here from each plan's own tables, the prefecture row is
summed / pupil-weighted from the schools of every county, and the files are text-safe."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import openpyxl
import pandas as pd
import pytest

import staffing as st
from staffing.batch import plan_many
from staffing.rollup import ROLLUP_CSV, ROLLUP_XLSX, county_record, rollup_table, write_rollup

NAMES = ("=c0", "c1", "c2")  # "=c0": a county name that would be a formula


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    for i, name in enumerate(NAMES):
        st.synth.county(seed=i, n_schools=10, name=name).to_excel(data / f"{name}.xlsx")
    out = data / "out"
    with ThreadPoolExecutor(1) as pool:
        result = plan_many(data, out_dir=out, executor=pool, progress=False, lang="zh")
    assert sorted(result.ok) == sorted(NAMES)
    plans = {name: st.optimize(st.load_county(data / f"{name}.xlsx")) for name in NAMES}
    return out, plans


def _records(out):
    import json
    return {n: json.loads((out / n / "summary.json").read_text("utf-8"))["rollup"]
            for n in NAMES}


def _wmean(p, x):
    has = ~np.isnan(x)
    return (p[has] * x[has]).sum() / p[has].sum() if p[has].sum() else math.nan


def _wcv(p, x):
    """The 办法's formula written out: X̄ = Σpx/Σp, S = √(Σp(x − X̄)²/Σp), CV = S/X̄."""
    has = ~np.isnan(x)
    p, x = p[has], x[has]
    if not p.sum():
        return math.nan
    mean = (p * x).sum() / p.sum()
    return math.sqrt((p * (x - mean) ** 2).sum() / p.sum()) / mean if mean else math.nan


@pytest.fixture(scope="module")
def prefecture_plans():
    """The ten counties of ``synth.prefecture(0)``, planned, and their roll-up table (the
    records as the batch worker makes them, through JSON as summary.json carries them)."""
    import json

    plans = {name: st.optimize(county) for name, county in st.synth.prefecture(0).items()}
    records = {name: json.loads(json.dumps(county_record(plan)))
               for name, plan in plans.items()}
    return rollup_table(records).set_index("county"), plans


def test_county_rows_equal_figures_recomputed_from_each_plan(batch):
    out, plans = batch
    _check_county_rows(rollup_table(_records(out)).set_index("county"), plans)


def test_prefecture_rows_of_synth_prefecture_0_equal_each_county_recomputed(prefecture_plans):
    table, plans = prefecture_plans
    assert len(table) == len(plans) + 1  # ten counties and the prefecture row
    _check_county_rows(table, plans)
    _check_prefecture_row(table, plans)
    hand = {name: _staffing_by_hand(plan) for name, plan in plans.items()}
    for key in hand[next(iter(hand))]:
        assert [table.loc[n, key] for n in hand] == [f[key] for f in hand.values()], key
        assert table.loc["Prefecture", key] == sum(f[key] for f in hand.values()), key


def _check_county_rows(table, plans):
    for name, plan in plans.items():
        b = plan.balance
        row = table.loc[name]
        for part in ("primary", "junior"):
            sel = b[b.index.get_level_values("part") == part]
            p = sel["pupils"].to_numpy(float)
            for when in ("before", "after"):
                assert row[f"met_{part}_{when}"] == (sel[f"rule_{when}"] == "met").sum()
                assert row[f"all_met_{part}_{when}"] == (sel[f"met_{when}"] == 7).sum()
                for key in ("backbone_per100", "pe_arts_per100", "teaching_area"):
                    x = sel[f"{key}_{when}"].to_numpy(float)
                    np.testing.assert_allclose(row[f"mean_{key}_{part}_{when}"],
                                               _wmean(p, x), equal_nan=True)
                    np.testing.assert_allclose(row[f"cv_{key}_{part}_{when}"],
                                               _wcv(p, x), rtol=1e-7, atol=1e-6,
                                               equal_nan=True)
            assert row[f"not_assessable_{part}"] == (sel["rule_after"] == "not_assessable").sum()
        assert row["moves"] == len(plan.moves)
        assert row["hires"] == plan.hires["count"].sum()
        urgent = plan.hires.loc[plan.hires["urgent"].astype(bool), "count"].sum()
        n = plan.hires["count"].sum()
        np.testing.assert_allclose(row["urgent_share"], urgent / n if n else math.nan,
                                   equal_nan=True)
        t = plan.county.teachers
        t = t[t["status"].astype(str) != "leaving"] if "status" in t else t
        pref = t["backbone"].astype(str).isin(["prefecture", "province"]).sum()
        np.testing.assert_allclose(row["backbone_share_before"], pref / len(t))


def _staffing_by_hand(plan):
    """County total, staff in post, norm, and posts / schools short of the norm (quota
    below norm) before and after, from the county's schools table and the plan's quota
    table with this test's own arithmetic."""
    q = plan.quotas
    short = {"before": np.maximum(q["norm"].to_numpy() - q["approved_quota"].to_numpy(), 0),
             "after": np.maximum(q["norm"].to_numpy() - q["new_quota"].to_numpy(), 0)}
    return {"county_total": plan.county.county_total,
            "staff_in_post": int(plan.county.schools["staff_in_post"].sum()),
            "quota_norm": int(q["norm"].sum()),
            **{f"posts_short_{w}": int(short[w].sum()) for w in short},
            **{f"schools_short_{w}": int((short[w] > 0).sum()) for w in short}}


def test_staffing_columns_of_each_county_and_the_prefecture_recomputed(batch):
    out, plans = batch
    import json

    table = rollup_table(_records(out)).set_index("county")
    hand = {name: _staffing_by_hand(plan) for name, plan in plans.items()}
    for name, figures in hand.items():
        for key, value in figures.items():
            assert table.loc[name, key] == value, (name, key)
        summary = json.loads((out / name / "summary.json").read_text("utf-8"))
        # the worker's own counts and summary rows say the same
        assert summary["counts"]["schools_short_after"] == figures["schools_short_after"]
        assert summary["counts"]["county_total"] == figures["county_total"]
        rows = {r["key"]: r for r in summary["summary"]}
        assert rows["posts_short"]["before"] == figures["posts_short_before"]
        assert rows["posts_short"]["after"] == figures["posts_short_after"]
        assert rows["schools_below_norm"]["before"] == figures["schools_short_before"]
    assert any(f["posts_short_before"] for f in hand.values())  # a test that can fail
    for key in hand[NAMES[0]]:
        assert table.loc["Prefecture", key] == sum(f[key] for f in hand.values()), key
    # first after the county, as a bureau reads them
    assert list(table.columns[:7]) == list(hand[NAMES[0]])


def test_staffing_headers_in_both_languages(batch):
    out, _ = batch
    write_rollup(out, lang="zh")
    zh = pd.read_csv(out / ROLLUP_CSV, encoding="utf-8-sig")
    assert list(zh.columns[:8]) == ["县(市)", "核定编制总量", "在编在岗教职工数", "编制标准数",
                                    "缺编数(调整前)", "缺编数(调整后)",
                                    "低于编制标准的学校数(调整前)",
                                    "低于编制标准的学校数(调整后)"]
    write_rollup(out, lang="en")
    en = pd.read_csv(out / ROLLUP_CSV, encoding="utf-8-sig")
    assert "Posts short of norm, after" in en.columns
    assert "Approved county staffing total (核定编制总量)" in en.columns
    back = st.rollup.rollup_frame(out / ROLLUP_CSV)  # headers map back to keys
    assert "schools_short_after" in back.columns


def test_prefecture_row_sums_counts_and_recomputes_from_all_schools(batch):
    out, plans = batch
    _check_prefecture_row(rollup_table(_records(out)).set_index("county"), plans)


def _check_prefecture_row(table, plans):
    total, counties = table.loc["Prefecture"], table.drop(index="Prefecture")
    for col in ("moves", "hires", "met_primary_after", "met_junior_before",
                "parts_primary", "not_assessable_junior", "pupils_primary"):
        assert total[col] == counties[col].sum()
    allb = pd.concat([p.balance for p in plans.values()])
    for part in ("primary", "junior"):
        sel = allb[allb.index.get_level_values("part") == part]
        p = sel["pupils"].to_numpy(float)
        for key in ("backbone_per100", "pe_arts_per100"):
            x = sel[f"{key}_after"].to_numpy(float)
            np.testing.assert_allclose(total[f"mean_{key}_{part}_after"], _wmean(p, x))
            np.testing.assert_allclose(total[f"cv_{key}_{part}_after"], _wcv(p, x), rtol=1e-7,
                                       atol=1e-6)
    hires = pd.concat([p.hires for p in plans.values()])
    n = hires["count"].sum()
    urgent = hires.loc[hires["urgent"].astype(bool), "count"].sum()
    # (small synthetic counties may hire no one: the planted test checks a real share)
    np.testing.assert_allclose(total["urgent_share"], urgent / n if n else math.nan,
                               equal_nan=True)
    assert np.isnan(total["randomness_primary_after"])  # no prefecture 1 − R²


def _planted(p, x, met):
    """A county record: one indicator (sports_area, primary) over given school parts."""
    p, x = np.asarray(p, float), np.asarray(x, float)
    figs = {"parts_primary": len(p), "met_primary": met, "not_assessable_primary": 0,
            "all_met_primary": 0, "parts_junior": 0, "met_junior": 0,
            "not_assessable_junior": 0, "all_met_junior": 0, "randomness_primary": 0.25,
            "randomness_junior": None, "backbone_pref": 3, "teachers": 40}
    for part in ("primary", "junior"):
        for key in st.balance.INDICATORS:
            on = part == "primary" and key == "sports_area"
            figs[f"p_{key}_{part}"] = float(p.sum()) if on else 0.0
            figs[f"px_{key}_{part}"] = float((p * x).sum()) if on else 0.0
            figs[f"pxx_{key}_{part}"] = float((p * x * x).sum()) if on else 0.0
    return {"before": figs, "after": dict(figs), "moves": 2, "hires": 4, "urgent_hires": 1,
            "pupils_primary": int(p.sum()), "pupils_junior": 0}


def _with_staffing(rec, total, staff, norm, short_before, short_after):
    """``rec`` with the staffing counts; ``short_*``: posts short per school."""
    rec = dict(rec)
    rec["staffing"] = {"county_total": total, "staff_in_post": staff, "quota_norm": norm,
                       "posts_short_before": sum(short_before),
                       "posts_short_after": sum(short_after),
                       "schools_short_before": sum(x > 0 for x in short_before),
                       "schools_short_after": sum(x > 0 for x in short_after)}
    return rec


def test_planted_staffing_counts_sum_to_the_prefecture():
    a = _with_staffing(_planted([100], [2], 1), 120, 110, 118, [3, 0, 5], [1, 0, 0])
    b = _with_staffing(_planted([200], [3], 1), 80, 81, 79, [0, 2], [0, 0])
    table = rollup_table({"A": a, "B": b}).set_index("county")
    assert table.loc["A", "posts_short_before"] == 8
    assert table.loc["A", "schools_short_before"] == 2
    total = table.loc["Prefecture"]
    assert (total["county_total"], total["staff_in_post"], total["quota_norm"]) == (200, 191, 197)
    assert (total["posts_short_before"], total["posts_short_after"]) == (10, 1)
    assert (total["schools_short_before"], total["schools_short_after"]) == (3, 1)


def test_summary_of_an_older_version_leaves_staffing_cells_blank():
    # a county kept from an earlier run (skipped) whose summary.json has no staffing counts
    a = _with_staffing(_planted([100], [2], 1), 120, 110, 118, [3], [1])
    old = _planted([200], [3], 1)
    table = rollup_table({"A": a, "B": old}).set_index("county")
    assert table.loc["A", "county_total"] == 120
    assert np.isnan(table.loc["B", "county_total"])
    assert np.isnan(table.loc["Prefecture", "posts_short_after"])  # not a partial sum
    assert table.loc["Prefecture", "moves"] == 4


def test_planted_counties_with_known_figures():
    # A: pupils 100, 300 with 2 and 6 m²: mean 2000/400 = 5, S² = (100·9 + 300·1)/400 = 3.
    # B: pupils 200 with 11 m². Prefecture: mean (2000 + 2200)/600 = 7;
    # S² = (100·25 + 300·1 + 200·16)/600 = 10, CV = √10/7 (not the mean of √3/5 and 0).
    table = rollup_table({"A": _planted([100, 300], [2, 6], 1),
                          "B": _planted([200], [11], 1)}).set_index("county")
    assert table.loc["A", "mean_sports_area_primary_before"] == pytest.approx(5)
    assert table.loc["A", "cv_sports_area_primary_after"] == pytest.approx(math.sqrt(3) / 5)
    assert table.loc["B", "cv_sports_area_primary_after"] == pytest.approx(0)
    assert table.loc["Prefecture", "mean_sports_area_primary_after"] == pytest.approx(7)
    assert table.loc["Prefecture", "cv_sports_area_primary_after"] == pytest.approx(
        math.sqrt(10) / 7)
    assert table.loc["Prefecture", "met_primary_after"] == 2
    assert table.loc["Prefecture", "urgent_share"] == pytest.approx(2 / 8)
    assert table.loc["Prefecture", "backbone_share_after"] == pytest.approx(6 / 80)
    assert table.loc["A", "randomness_primary_after"] == 0.25
    assert table.loc["Prefecture", "backbone_share_target"] == st.Policy().backbone_share_target
    assert np.isnan(table.loc["A", "mean_teaching_area_primary_after"])  # no data: blank


@pytest.mark.parametrize("lang,total,county_header", [("zh", "全州", "县(市)"),
                                                      ("en", "Prefecture", "County")])
def test_csv_and_sheet_read_back_as_text(batch, lang, total, county_header):
    out, _ = batch
    write_rollup(out, lang=lang)
    csv = pd.read_csv(out / ROLLUP_CSV, encoding="utf-8-sig")
    names = list(csv[county_header])
    assert names[-1] == total and len(names) == len(NAMES) + 1
    assert "'=c0" in names  # escaped in the CSV, never a formula
    wb = openpyxl.load_workbook(out / ROLLUP_XLSX)
    ws = wb.worksheets[0]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    col = [c.value for c in next(ws.iter_cols(min_col=1, max_col=1))]
    assert col[0] == county_header and "=c0" in col and col[-1] == total
    assert wb.sheetnames[0] == ("州汇总" if lang == "zh" else "Prefecture")


def test_compare_two_batch_outputs_folder_and_csv(batch):
    out, plans = batch
    write_rollup(out, lang="zh")
    table = st.compare({"folder": out, "csv": out / ROLLUP_CSV}, index="key")
    assert table.loc["counties", "folder"] == len(NAMES)
    assert table.loc["moves", "folder"] == sum(len(p.moves) for p in plans.values())
    met = sum(int((p.balance.xs("primary", level="part")["rule_after"] == "met").sum())
              for p in plans.values())
    assert table.loc["met_primary_after", "folder"] == met
    for key in table.index:  # the CSV read back gives the folder's figures
        np.testing.assert_allclose(float(table.loc[key, "csv"]), float(table.loc[key, "folder"]),
                                   rtol=1e-12, equal_nan=True)
    zh = st.compare({"a": out, "b": out}, lang="zh")
    assert "州级及以上骨干教师占比(调整后)" in zh.index
    with pytest.raises(ValueError, match="not both"):
        st.compare({"plan": next(iter(plans.values())), "batch": out})


def test_compare_of_plans_has_the_balance_rows(batch):
    _, plans = batch
    table = st.compare(plans, index="key")
    for name, plan in plans.items():
        for part in ("primary", "junior"):
            sel = plan.balance.xs(part, level="part")
            assert table.loc[f"balance_met_{part}", name] == (sel["rule_after"] == "met").sum()
            assert (table.loc[f"balance_not_assessable_{part}", name]
                    == (sel["rule_after"] == "not_assessable").sum())


FACILITIES = ["teaching_area_m2", "sports_area_m2", "equipment_value_yuan",
              "multimedia_classrooms"]


@pytest.mark.parametrize("seed,name,n", [(0, "双柏县", 20), (5, "禄丰市", 36), (9, "某县", 12)])
def test_synth_balance_data_leaves_every_other_column_unchanged(seed, name, n):
    with_data = st.synth.county(seed, name=name, n_schools=n)
    without = st.synth.county(seed, name=name, n_schools=n, balance_data=False)
    assert without.schools[FACILITIES].isna().all().all()
    assert with_data.schools[FACILITIES].notna().all().all()
    assert with_data.teachers["education"].notna().all()
    pd.testing.assert_frame_equal(with_data.schools.drop(columns=FACILITIES),
                                  without.schools.drop(columns=FACILITIES))
    pd.testing.assert_frame_equal(with_data.teachers.drop(columns=["education"]),
                                  without.teachers.drop(columns=["education"], errors="ignore"))


def test_synth_county_has_schools_that_pass_and_fail():
    rules = st.balance.school_balance(st.synth.county(2, n_schools=30))["rule"]
    assert (rules == "met").sum() >= 1 and (rules == "not_met").sum() >= 1
