"""Paired statistics for `tokenwood compare`: one council against another on the same seeds.

    per-seed values a, b -> differences d = a - b -> effect (mean d), bootstrap 95% interval, sign-flip p
        -> "ahead" / "behind" / "not enough evidence", and about how many seeds the effect would need

Every function is pure and seeded: the same differences give the same interval and p. docs/EVAL.md
("The paired test") defines each figure with a worked example. `sign_test_p` is the exact sign test of
`tokenwood probe` (docs/EVAL.md, "Responsiveness probes"); `fisher_p` and `rate_p` are the exact tests of
the distillation judge's decision measures, one model's share or count against another's (docs/EVAL.md,
"Sense: needs, sanity, voice").
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from itertools import product

import numpy as np

RESAMPLES = 10_000
"""Bootstrap resamples, and random sign patterns when there are too many seeds to try them all."""
SEED = 0
"""The generator's seed: an interval or p is reproducible from the differences alone."""
EXACT_UP_TO = 16
"""Up to this many seeds the sign-flip test tries every one of the 2^n sign patterns."""
ALPHA = 0.05
"""The level: a 95% interval, and p below 0.05."""
Z_ALPHA, Z_POWER = 1.959964, 0.841621
"""Normal quantiles for a two-sided 5% test and 80% power."""
MIN_SEEDS = 6
"""The fewest seeds with which a sign-flip test can give p < 0.05 (2 / 2^6 = 0.031)."""


def bootstrap_ci(diffs, *, level: float = 1 - ALPHA, resamples: int = RESAMPLES,
                 seed: int = SEED) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of `diffs`: resample them with replacement.

    >>> bootstrap_ci([0.5, 0.5, 0.5])
    (0.5, 0.5)
    """
    d = np.asarray(diffs, dtype=float)
    if d.size == 0:
        raise ValueError("no differences to resample")
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, d.size, size=(resamples, d.size))].mean(axis=1)
    tail = (1 - level) / 2
    lo, hi = np.quantile(means, [tail, 1 - tail])
    return float(lo), float(hi)


def sign_flip_p(diffs, *, resamples: int = RESAMPLES, seed: int = SEED) -> float:
    """Two-sided paired permutation p: the share of sign patterns whose mean is as far from 0 as the observed.

    Exact (every pattern) up to `EXACT_UP_TO` differences, else `resamples` random patterns with
    p = (1 + hits) / (1 + resamples). All differences 0 give p = 1.

    >>> sign_flip_p([1.0, 2.0, 3.0])  # only +++ and --- reach |mean| 2: 2 of 8
    0.25
    """
    d = np.asarray(diffs, dtype=float)
    if d.size == 0:
        raise ValueError("no differences to test")
    observed = abs(d.mean())
    tol = 1e-12 * max(1.0, float(np.abs(d).max()))
    if d.size <= EXACT_UP_TO:
        signs = np.array(list(product((1.0, -1.0), repeat=d.size)))
        means = np.abs(signs @ d) / d.size
        return float(np.mean(means >= observed - tol))
    rng = np.random.default_rng(seed)
    signs = rng.choice((1.0, -1.0), size=(resamples, d.size))
    hits = int(np.sum(np.abs(signs @ d) / d.size >= observed - tol))
    return (1 + hits) / (1 + resamples)


def seeds_needed(diffs) -> int | None:
    """About how many seeds a paired test needs for this mean difference at this spread (80% power, 5% level).

    n = ((1.96 + 0.84) x sd / |mean|)^2, rounded up, and at least `MIN_SEEDS`; None when the mean is 0
    (no effect to detect).

    >>> seeds_needed([1.0, 3.0])  # mean 2, sd 1.41: (2.8 x 0.71)^2 = 3.9 -> at least 6
    6
    """
    d = np.asarray(diffs, dtype=float)
    mean = float(d.mean()) if d.size else 0.0
    if mean == 0.0:
        return None
    sd = float(d.std(ddof=1)) if d.size > 1 else 0.0
    return max(MIN_SEEDS, math.ceil(((Z_ALPHA + Z_POWER) * sd / abs(mean)) ** 2))


@dataclass(frozen=True)
class Paired:
    """One measure compared on paired seeds: a - b."""

    n: int
    """Seeds (pairs)."""
    effect: float
    """Mean of the paired differences."""
    lo: float
    """Lower end of the 95% bootstrap interval of that mean."""
    hi: float
    """Upper end."""
    p: float
    """Two-sided sign-flip p."""
    base: float
    """Mean of b (what the effect is relative to)."""
    needed: int | None
    """About how many seeds this effect would need (None: no effect)."""

    @property
    def call(self) -> str:
        """ "ahead" (interval above 0, p < 0.05), "behind" (below 0, p < 0.05), else "not enough evidence"."""
        if self.p < ALPHA and self.lo > 0:
            return "ahead"
        if self.p < ALPHA and self.hi < 0:
            return "behind"
        return "not enough evidence"

    def as_dict(self) -> dict:
        """The figures and the call, for JSON."""
        return asdict(self) | {"call": self.call}


def paired(a, b) -> Paired:
    """Compare per-seed values `a` against `b` (same seeds, same order).

    >>> r = paired([2, 3, 4, 5, 6, 7], [1, 1, 1, 1, 1, 1])
    >>> (r.effect, r.p, r.call)
    (3.5, 0.03125, 'ahead')
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"paired values need the same seeds on both sides, got {a.size} and {b.size}")
    d = a - b
    lo, hi = bootstrap_ci(d)
    return Paired(n=int(d.size), effect=float(d.mean()), lo=lo, hi=hi, p=sign_flip_p(d), base=float(b.mean()),
                  needed=seeds_needed(d))


def sign_test_p(toward: int, against: int) -> float:
    """Two-sided exact sign test: p of a split at least this uneven if each move were a fair coin.

    Ties (no change) are dropped before it is called. With n = toward + against and k the smaller of the
    two, p = min(1, 2 x P(X <= k)) for X ~ Binomial(n, 1/2); p = 1 when nothing moved (n = 0).

    >>> sign_test_p(9, 1)  # 2 x (1 + 10) / 1024
    0.021484375
    """
    if toward < 0 or against < 0:
        raise ValueError(f"counts must be 0 or more, got {toward} and {against}")
    n, k = toward + against, min(toward, against)
    tail = sum(math.comb(n, i) for i in range(k + 1))
    return min(1.0, 2 * tail / 2 ** n)


def _minlike(probs: list[float], observed: int) -> float:
    """Two-sided exact p: the total probability of the outcomes no likelier than the observed one (the
    "minimum likelihood" rule of Fisher's test), with a relative tolerance for floating-point ties."""
    cut = probs[observed] * (1 + 1e-7)
    return min(1.0, sum(q for q in probs if q <= cut))


def fisher_p(a: int, n: int, b: int, m: int) -> float:
    """Two-sided Fisher exact p for the shares a / n and b / m: under "one share for both", the chance of a
    split of the a + b hits between the two at least as uneven (hypergeometric, every table with the same
    margins whose probability is no higher than the observed one's). p = 1 where either whole is 0.

    >>> fisher_p(1, 144, 0, 141), round(fisher_p(9, 10, 5, 10), 4)
    (1.0, 0.1409)
    """
    if not (0 <= a <= n and 0 <= b <= m):
        raise ValueError(f"need 0 <= count <= whole, got {a}/{n} and {b}/{m}")
    if n == 0 or m == 0:
        return 1.0
    k, total = a + b, math.comb(n + m, a + b)
    probs = [math.comb(n, i) * math.comb(m, k - i) / total if 0 <= k - i <= m else 0.0 for i in range(k + 1)]
    return _minlike(probs, a)


def rate_p(a: int, exposure_a: int, b: int, exposure_b: int) -> float:
    """Two-sided exact p for two counts of events over their exposures (e.g. meals missed over
    creature-turns): given a + b events, under "one rate for both" each falls on the first side with chance
    exposure_a / (exposure_a + exposure_b) (the conditional binomial test of two Poisson rates). p = 1
    where there is no event or no exposure.

    >>> rate_p(7, 144, 118, 141) < 1e-20, rate_p(1, 144, 1, 141)
    (True, 1.0)
    """
    if min(a, b) < 0 or min(exposure_a, exposure_b) < 0:
        raise ValueError(f"counts and exposures must be 0 or more, got {a}/{exposure_a} and {b}/{exposure_b}")
    k = a + b
    if k == 0 or exposure_a == 0 or exposure_b == 0:
        return 1.0
    q = exposure_a / (exposure_a + exposure_b)
    probs = [math.comb(k, i) * q ** i * (1 - q) ** (k - i) for i in range(k + 1)]
    return _minlike(probs, a)
