"""The paired statistics of `tokenwood compare`, pinned against hand-computed small examples."""

from __future__ import annotations

import pytest

from engine.lab.evaluation import stats
from engine.lab.evaluation.stats import bootstrap_ci, paired, seeds_needed, sign_flip_p


@pytest.mark.parametrize(("diffs", "p"), [
    ([1.0, 2.0, 3.0], 2 / 8),      # only +++ and --- reach |mean| 2
    ([3.0, 1.0], 2 / 4),           # ++ and -- reach 2; +- and -+ give 1
    ([1.0, -1.0], 1.0),            # observed mean 0: every pattern is as far
    ([0.0, 0.0, 0.0], 1.0),
    ([0.1, 0.2, 0.3, 0.4], 2 / 16),  # docs/EVAL.md's example
    ([1.0] * 6, 2 / 64),           # six seeds all one way: the smallest p six seeds can give
    ([1.0, 1.0, 1.0, 1.0, 1.0, -1.0], 14 / 64),  # |mean| >= 4/6: at most one minus sign: 2 x (1 + 6)
])
def test_sign_flip_p_exact(diffs, p):
    assert sign_flip_p(diffs) == pytest.approx(p)


def test_sign_flip_is_symmetric_and_cannot_reach_5_percent_below_six_seeds():
    d = [0.3, -0.1, 0.7, 0.2, 0.5]
    assert sign_flip_p(d) == sign_flip_p([-x for x in d])
    assert sign_flip_p([1.0] * 5) == pytest.approx(2 / 32) and sign_flip_p([1.0] * 5) >= stats.ALPHA
    assert stats.MIN_SEEDS == 6


def test_sign_flip_beyond_exact_samples_patterns():
    d = [float(i) for i in range(1, 21)]  # 20 seeds, all positive: no random pattern reaches the all-plus mean
    assert len(d) > stats.EXACT_UP_TO
    assert sign_flip_p(d) == pytest.approx(1 / (1 + stats.RESAMPLES))
    noise = [(-1) ** i * 1.0 for i in range(20)]  # mean 0: every pattern is as far
    assert sign_flip_p(noise) == pytest.approx(1.0)


def test_bootstrap_interval_properties():
    assert bootstrap_ci([0.5, 0.5, 0.5]) == (0.5, 0.5)
    lo, hi = bootstrap_ci([0.1, 0.2, 0.3, 0.4])
    assert (lo, hi) == pytest.approx((0.15, 0.35))  # docs/EVAL.md's example
    assert bootstrap_ci([0.1, 0.2, 0.3, 0.4]) == (lo, hi)  # seeded: the same interval every time
    shifted = bootstrap_ci([x + 10 for x in [0.1, 0.2, 0.3, 0.4]])
    assert shifted == pytest.approx((lo + 10, hi + 10))
    neg = bootstrap_ci([-0.1, -0.2, -0.3, -0.4])
    assert neg == pytest.approx((-hi, -lo))
    wide = bootstrap_ci([-1.0, 0.0, 2.0, 5.0, -3.0, 4.0])
    assert wide[0] < 7 / 6 < wide[1]  # the mean lies inside
    assert min(-1.0, 0.0, 2.0, 5.0, -3.0, 4.0) <= wide[0] and wide[1] <= 5.0
    with pytest.raises(ValueError):
        bootstrap_ci([])


@pytest.mark.parametrize(("diffs", "n"), [
    ([1.0, 3.0], 6),            # (2.80 x 1.414 / 2)^2 = 3.9, but never below six
    ([0.0, 2.0, 0.0, 2.0], 11),  # mean 1, sd 1.1547: (2.8016 x 1.1547)^2 = 10.47
    ([0.0, 0.0], None),          # no effect to detect
])
def test_seeds_needed(diffs, n):
    assert seeds_needed(diffs) == n


def test_paired_calls_ahead_behind_and_not_enough_evidence():
    up = paired([2, 3, 4, 5, 6, 7], [1] * 6)
    assert (up.n, up.effect, up.base, up.p, up.call) == (6, 3.5, 1.0, pytest.approx(1 / 32), "ahead")
    assert up.lo > 0
    down = paired([1] * 6, [2, 3, 4, 5, 6, 7])
    assert (down.effect, down.call) == (-3.5, "behind") and down.hi < 0
    few = paired([1.1, 1.2, 1.3, 1.4], [1.0] * 4)  # consistent, but four seeds cannot reach p < 0.05
    assert few.lo > 0 and few.call == "not enough evidence"
    assert few.as_dict()["call"] == "not enough evidence" and few.as_dict()["n"] == 4
    with pytest.raises(ValueError, match="same seeds"):
        paired([1, 2], [1])


@pytest.mark.parametrize(("a", "n", "b", "m", "p"), [
    (9, 10, 5, 10, 0.14086687),   # hypergeometric by hand: tables as or less likely than 9/1 vs 5/5
    (3, 10, 8, 10, 0.06977852),
    (1, 144, 0, 141, 1.0),        # one answer in 144: every split of a single hit is as likely or likelier
    (0, 10, 10, 10, 2 / 184756),  # all hits on one side: the two extreme tables of C(20, 10)
    (3, 3, 119, 139, 1.0),
    (2, 0, 0, 0, None),
])
def test_fisher_p(a, n, b, m, p):
    if p is None:
        with pytest.raises(ValueError, match="count <= whole"):
            stats.fisher_p(a, n, b, m)
    else:
        assert stats.fisher_p(a, n, b, m) == pytest.approx(p, rel=1e-6)
        assert stats.fisher_p(b, m, a, n) == pytest.approx(p, rel=1e-6)  # symmetric


def test_rate_p_is_a_binomial_split_of_the_events():
    assert stats.rate_p(0, 10, 4, 10) == pytest.approx(2 / 16)  # 4 events, each side 1/2: 0000 or 1111
    assert stats.rate_p(2, 10, 2, 10) == 1.0
    # exposure counts: 3 events on 30 turns against 1 on 10 is the same rate; p = 1
    assert stats.rate_p(3, 30, 1, 10) == pytest.approx(1.0)
    assert stats.rate_p(0, 5, 0, 5) == stats.rate_p(4, 0, 1, 5) == 1.0
    assert stats.rate_p(11, 144, 149, 141) < 1e-20 < stats.rate_p(6, 141, 7, 144)
    with pytest.raises(ValueError, match="0 or more"):
        stats.rate_p(-1, 5, 0, 5)
