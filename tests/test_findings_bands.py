"""Issue 21: bands and verdicts, the other-sign label, the power of the replicates, the
global-minimum and equal-count comparisons, and the network measures (funnel share by
lowest-barrier descent, the top of a partial graph), each against an independent
reference."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aucscape.landscape.disconnectivity import merge_energy
from aucscape.landscape.graph import descent_ends
from aucscape.study.bands import BANDS, Band, classify, power
from aucscape.study.findings import findings
from aucscape.study.findings_more import funnel_share, ts_per_minimum
from aucscape.study.results import LandscapeResult, StudyResults

finite = st.floats(-5, 5, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(finite, finite, finite, finite, st.sampled_from(["above", "below"]))
def test_verdict_is_the_written_rule(a, b, c, d, side):
    lo, hi = sorted((a, b))
    blo, bhi = sorted((c, d))
    band = Band(None, blo, bhi, "")
    v = classify(lo, hi, 0.0, side, band)
    # the rule, spelled out independently: side first, then the band
    on_paper_side = all((x > 0) if side == "above" else (x < 0) for x in (lo, hi))
    on_other_side = all((x < 0) if side == "above" else (x > 0) for x in (lo, hi))
    if on_other_side:
        assert v == "contradicted"
    elif not on_paper_side:
        assert v == "undecided"
    elif blo - 1e-9 * max(1, abs(blo)) <= lo and hi <= bhi + 1e-9 * max(1, abs(bhi)):
        assert v == "reproduced"  # a closed band, edges allowed their rounding
    else:
        assert v == "same direction"


def test_every_band_is_an_interval_with_its_paper_value_inside():
    for key, b in BANDS.items():
        assert b.low < b.high, key
        if b.paper is not None:
            assert b.low <= b.paper <= b.high, key
        assert b.why, key


def test_power_grows_with_replicates_and_falls_with_spread():
    b = Band(2.0, 1.5, 2.5, "")
    p3, p10 = power(b, 0.3, 3, 1.0, "above"), power(b, 0.3, 10, 1.0, "above")
    assert p3 < p10
    assert power(b, 0.05, 3, 1.0, "above") > power(b, 0.3, 3, 1.0, "above")
    # check one value against the sampling distribution drawn independently
    rng = np.random.default_rng(7)
    from scipy.stats import t

    q = 2.0 + 0.3 * rng.standard_normal((20000, 3))
    half = t.ppf(0.95, 2) * q.std(axis=1, ddof=1) / math.sqrt(3)
    ref = np.mean((q.mean(axis=1) - half >= 1.5) & (q.mean(axis=1) + half <= 2.5))
    assert p3 == pytest.approx(ref, abs=0.03)
    assert power(b, None, 3, 1.0, "above") is None


# -- hand-made results ------------------------------------------------------------------------
def _land(key, loss, energies, auc, *, replicate=0, ts=(), ts_search=True, part="main"):
    n = len(energies)
    order = np.argsort(energies, kind="stable")
    e = [float(energies[k]) for k in order]
    a = [float(auc[k]) for k in order]
    ids = [10 + int(k) for k in order]
    return LandscapeResult(
        key=f"{key}-r{replicate}", label=key, dataset="spiral", loss=loss, hidden=3, n_in=2,
        lam=1e-5, beta=None, margin=None, parts=[part], db="x", steps=50, n_eval=500,
        replicate=replicate, group=key, ts_search=ts_search,
        discovery=[[k + 1, 10 + k] for k in range(n)],
        minima={"id": ids, "energy": e, "train_auc": [0.8] * n, "test_auc": a,
                "ce_loss": e, "app_auc": [0.8] * n, "lpphe": [-100.0] * n, "hits": [1] * n},
        ts=[[float(t), 10 + i, 10 + j] for t, i, j in ts],
        summary={"best_test_auc": max(a), "mean_test_auc": float(np.mean(a)),
                 "mean_lpphe": -100.0, "energy_test_auc": {"r": None}})


def _results(lands):
    parts = {}
    for x in lands:
        parts.setdefault(x.parts[0], []).append(x.key)
    return StudyResults(config={"name": "t", "replicates": 3},
                        landscapes={x.key: x for x in lands}, parts=parts)


def test_best_of_all_minima_against_the_global_minimum_and_equal_counts():
    """The appAUC landscape has 40 minima, CE 4: its best of all is high by number alone,
    while its global minimum and its best of the 4 lowest are worse than CE's."""
    lands = []
    for r in range(3):
        rng = np.random.default_rng(r)
        ce_auc = [0.70, 0.69, 0.68, 0.67]
        sg_auc = np.r_[[0.60, 0.61, 0.62, 0.63], 0.5 + 0.4 * rng.random(36)]
        sg_auc[10] = 0.9  # one high-AUC minimum far up the landscape
        lands += [_land("ce", "ce", np.linspace(0.1, 0.4, 4), ce_auc, replicate=r),
                  _land("sg", "sigmoid", np.linspace(0.1, 0.5, 40), sg_auc, replicate=r)]
    f = {x.id: x for x in findings(_results(lands))}
    assert f["main.best_auc"].estimate == pytest.approx(0.9 - 0.70)
    assert f["main.best_auc"].verdict == "same direction"
    # brute force: lowest-energy minimum of each; best of the k = 4 lowest of each
    assert f["main.gmin_auc"].estimate == pytest.approx(0.60 - 0.70)
    assert f["main.gmin_auc"].verdict == "contradicted"
    assert f["main.lowest_k_auc"].estimate == pytest.approx(0.63 - 0.70)
    assert f["main.lowest_k_auc"].verdict == "contradicted"


def test_other_sign_in_every_replicate_is_labelled_even_when_undecided():
    lands = []
    for r, d in enumerate([-0.001, -0.002, -0.2]):  # every replicate below the paper's sign
        lands += [_land("ce", "ce", [0.1, 0.2], [0.7, 0.7], replicate=r),
                  _land("sg", "sigmoid", [0.1, 0.2], [0.7 + d, 0.7 + d], replicate=r)]
    f = {x.id: x for x in findings(_results(lands))}["main.mean_auc"]
    assert f.low < 0 < f.high and f.verdict == "undecided"
    assert f.against_every_replicate
    assert f.verdict_text == ("undecided; other sign than the paper's in every replicate "
                              "(3 of 3)")


# -- network measures ---------------------------------------------------------------------------
def _random_network(seed, n=9):
    rng = np.random.default_rng(seed)
    e = rng.random(n)
    pairs = [(i, int(rng.integers(0, i))) for i in range(1, n)]  # a spanning tree
    pairs += [tuple(int(v) for v in rng.choice(n, 2, replace=False)) for _ in range(n)]
    ts = np.array([max(e[a], e[b]) + rng.random() for a, b in pairs])
    return e, ts, np.array(pairs)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000))
def test_descent_ends_follow_the_lowest_barrier_by_hand(seed):
    e, ts, pairs = _random_network(seed)
    end = descent_ends(e, ts, pairs)
    for i in range(e.size):  # walk by hand: lowest TS among those to lower neighbours
        k = i
        while True:
            down = [(t, b if a == k else a) for t, (a, b) in zip(ts, pairs, strict=True)
                    if k in (a, b) and e[b if a == k else a] < e[k]]
            if not down:
                break
            k = min(down)[1]
        assert end[i] == k


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6))
def test_merge_energy_is_the_largest_minimax_barrier(seed, k):
    e, ts, pairs = _random_network(seed)
    n = e.size
    # minimax barrier by Floyd-Warshall on the bottleneck semiring
    b = np.full((n, n), np.inf)
    np.fill_diagonal(b, e)
    for t, (x, y) in zip(ts, pairs, strict=True):
        b[x, y] = b[y, x] = min(b[x, y], t)
    for m in range(n):
        b = np.minimum(b, np.maximum(b[:, [m]], b[[m], :]))
    members = np.argsort(e)[:k]
    ref = max(max(b[i, j] for i, j in itertools.combinations(members, 2)), e[members].max())
    assert merge_energy(e, ts, pairs, members) == pytest.approx(ref)


def test_funnel_share_and_ts_per_minimum_on_known_networks():
    # one funnel: a chain 0.1 < 0.2 < ... every minimum descends to the lowest
    n = 12
    e = np.linspace(0.1, 1.2, n)
    chain = [(float(e[i + 1]) + 0.05, i, i + 1) for i in range(n - 1)]
    one = _land("ce", "ce", e, [0.7] * n, ts=chain)
    assert funnel_share(one) == pytest.approx(1.0)
    assert ts_per_minimum(one) == pytest.approx((n - 1) / n)
    # two funnels of 6: bottoms 0.1 and 0.15, joined only between their top minima
    # (0.6 and 0.65) over a high barrier; the second funnel's minima descend to 0.15
    e2 = np.r_[0.1 + 0.1 * np.arange(6), 0.15 + 0.1 * np.arange(6)]
    ts2 = [(float(e2[i + 1]) + 0.01, i, i + 1) for i in range(5)]
    ts2 += [(float(e2[i + 1]) + 0.01, i, i + 1) for i in range(6, 11)]
    ts2 += [(5.0, 5, 11)]
    two = _land("sg", "sigmoid", e2, [0.7] * 12, ts=ts2)
    assert funnel_share(two) == pytest.approx(6 / 12)
    # too small a network, or none: no measure
    assert funnel_share(_land("x", "ce", e[:5], [0.7] * 5, ts=chain[:4])) is None
    assert ts_per_minimum(_land("x", "ce", e, [0.7] * n, ts_search=False)) is None


def test_network_findings_wait_for_saturated_growth():
    """TS per minimum and the funnel are properties of a whole landscape: undecided while a
    replicate's growth has not saturated, decided (a verdict other than the growth
    reason) once every replicate has."""
    from dataclasses import replace

    from aucscape.study.findings_more import more_findings

    n = 12
    e = np.linspace(0.1, 1.2, n)
    chain = [(float(e[i + 1]) + 0.05, i, i + 1) for i in range(n - 1)]
    lands = [_land(k, k, e + 0.01 * r, [0.7 + 0.01 * r] * n, replicate=r, ts=chain)
             for k in ("ce", "sigmoid") for r in range(3)]

    def network_rows(ls):
        return {f.claim: f for f in more_findings(_results(ls))
                if "transition states per minimum" in f.claim or "funnelled" in f.claim}

    partial = [replace(x, grow_stopped="saturated" if x.replicate else "attempts")
               for x in lands]
    rows = network_rows(partial)
    assert len(rows) == 3
    assert all(f.verdict == "undecided" and "not grown to saturation" in f.measured
               for f in rows.values())
    rows = network_rows([replace(x, grow_stopped="saturated") for x in lands])
    assert not any("saturation" in f.measured for f in rows.values())
    assert all(f.estimate is not None for f in rows.values())


def test_the_hinge_as_written_leads_and_the_smoothed_one_is_in_the_sensitivity_table():
    from aucscape.study.setup import sensitivity_table

    lands = []
    for loss, n in (("sigmoid", 4), ("tanh", 4), ("hinge", 12), ("smooth_hinge", 3)):
        for r in range(3):
            e = np.linspace(0.1, 0.5, n)
            lands.append(_land(loss, loss, e, np.linspace(0.6, 0.7, n) - 0.01 * r,
                               replicate=r, part="surrogates"))
    res = _results(lands)
    f = {x.id: x for x in findings(res)}
    assert "here the hinge (max(0, m − βz))" in f["sur.hinge_minima"].claim
    # brute force: 12 / 4 minima at equal quenches (every minimum found once, by quench 12)
    assert "ratio hinge / largest other of minima found in 50 quenches = 3.00" in \
        f["sur.hinge_minima"].measured
    table = sensitivity_table(res)
    rows = [r for r in table.rows if "smoothed" in r[0]]
    assert len(rows) == 2 and "findings lead with the hinge (max(0, m − βz))" in rows[0][0]
    assert rows[0][1].startswith("contradicted")  # 3 minima against 4: the other sign
