"""Mean, spread, 95 % intervals and the book's decision rule for comparing two variants.

Every verdict in the book ("higher", "lower", "no clear difference") comes from :func:`compare`,
applied to *paired* runs: run ``i`` of variant A and run ``i`` of variant B share the data fold
and the seed, so the difference ``a[i] - b[i]`` cancels what the two runs have in common. The rule
(:data:`RULE`): take the 95 % Student-t interval of the mean paired difference; "higher" if it
lies above 0, "lower" if it lies below 0, otherwise "no clear difference at this sample size".

Used in: every chapter that compares trained networks, and the preface (the rule).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["RULE", "HIGHER", "LOWER", "UNCLEAR", "Summary", "Comparison", "summarize",
           "compare", "t_quantile"]

HIGHER, LOWER, UNCLEAR = "higher", "lower", "no clear difference at this sample size"

RULE = ("Two variants are compared on paired runs (same data fold, same seed). We take the 95 % "
        "Student-t interval of the mean paired difference: the first variant is \"higher\" when "
        "the whole interval lies above 0, \"lower\" when it lies below 0, and otherwise there is "
        "\"no clear difference at this sample size\".")

# two-sided 95 % quantiles t(0.975, df) for df = 1..30 (standard tables)
_T975 = (12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
         2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
         2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423)


def t_quantile(df):
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom (two-sided 95 %).

    A table for df <= 30, the Cornish-Fisher expansion above (error below 1e-5 there).

    Examples
    --------
    >>> t_quantile(4), round(t_quantile(1000), 3)
    (2.7764, 1.962)
    """
    if isinstance(df, bool) or not isinstance(df, (int, np.integer)) or df < 1:
        raise ValueError(f"df must be a positive integer, got {df!r}")
    if df <= len(_T975):
        return _T975[df - 1]
    z, v = 1.959963984540054, float(df)
    return (z + (z ** 3 + z) / (4 * v) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * v ** 2)
            + (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * v ** 3))


@dataclass(frozen=True)
class Summary:
    """Mean, sample standard deviation and 95 % t interval of the mean of ``n`` runs."""

    n: int
    mean: float
    sd: float
    lo: float
    hi: float

    def text(self, scale=1.0, digits=1, unit=""):
        """``"96.1 ± 0.6 % (95 % interval 95.4 to 96.8)"``-style text, values times ``scale``."""
        f = f"{{:.{digits}f}}"
        return (f"{f.format(scale * self.mean)} ± {f.format(scale * self.sd)}{unit} (95 % interval "
                f"{f.format(scale * self.lo)} to {f.format(scale * self.hi)}{unit})")


@dataclass(frozen=True)
class Comparison(Summary):
    """:class:`Summary` of the paired differences ``a - b``, with the rule's verdict on them."""

    verdict: str

    def words(self, higher=HIGHER, lower=LOWER, unclear=UNCLEAR):
        """The verdict in the caller's words, e.g. ``words("more", "less", "about as")``."""
        return {HIGHER: higher, LOWER: lower, UNCLEAR: unclear}[self.verdict]


def _values(values, name):
    try:
        v = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a sequence of numbers, got {values!r}") from None
    if v.ndim != 1 or v.size < 2:
        raise ValueError(f"{name} must hold at least 2 runs in a flat sequence, got {values!r}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite numbers, got {values!r}")
    return v


def summarize(values):
    """:class:`Summary` of a sequence of at least two run results.

    Examples
    --------
    >>> s = summarize([0.95, 0.96, 0.97])
    >>> round(s.mean, 3), round(s.sd, 3), round(s.lo, 4), round(s.hi, 4)
    (0.96, 0.01, 0.9352, 0.9848)
    """
    v = _values(values, "values")
    mean, sd = float(v.mean()), float(v.std(ddof=1))
    half = t_quantile(v.size - 1) * sd / math.sqrt(v.size)
    return Summary(int(v.size), mean, sd, mean - half, mean + half)


def compare(a, b):
    """Compare paired runs ``a[i]`` and ``b[i]`` under :data:`RULE`.

    Parameters
    ----------
    a, b : sequences of float, same length >= 2
        One result per run; position ``i`` of both must come from the same fold and seed.

    Returns
    -------
    Comparison
        The summary of ``a - b`` and the verdict ``"higher"`` (a above b), ``"lower"`` or
        ``"no clear difference at this sample size"``.

    Examples
    --------
    >>> compare([0.96, 0.97, 0.95, 0.96, 0.97], [0.94, 0.95, 0.94, 0.93, 0.95]).verdict
    'higher'
    >>> compare([0.96, 0.93, 0.95], [0.95, 0.95, 0.94]).verdict
    'no clear difference at this sample size'
    """
    va, vb = _values(a, "a"), _values(b, "b")
    if va.shape != vb.shape:
        raise ValueError(f"a and b must pair up run by run, got {va.size} and {vb.size} runs")
    s = summarize(va - vb)
    if s.lo > 0:
        verdict = HIGHER
    elif s.hi < 0:
        verdict = LOWER
    else:
        verdict = UNCLEAR
    return Comparison(s.n, s.mean, s.sd, s.lo, s.hi, verdict)
