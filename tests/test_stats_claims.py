"""pooldemo.stats (the decision rule) and pooldemo.claims (sentences checked against evidence)."""

import numpy as np
import pytest
from scipy import stats as sps

from pooldemo import stats
from pooldemo.claims import ClaimError, Claims


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 9, 29, 30, 31, 45, 100, 10_000])
def test_t_quantile_matches_scipy(df):
    assert stats.t_quantile(df) == pytest.approx(sps.t.ppf(0.975, df), abs=2e-4)


@pytest.mark.parametrize("values", [[0.9, 0.95, 0.97, 0.91, 0.93], [1.0, 2.0], list(range(40))])
def test_summarize_matches_scipy_interval(values):
    s = stats.summarize(values)
    lo, hi = sps.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=sps.sem(values))
    assert (s.n, s.mean, s.sd) == (len(values), pytest.approx(np.mean(values)),
                                   pytest.approx(np.std(values, ddof=1)))
    assert (s.lo, s.hi) == (pytest.approx(lo, abs=1e-4), pytest.approx(hi, abs=1e-4))


def test_compare_is_paired_and_applies_the_rule():
    rng = np.random.default_rng(0)
    base = rng.normal(0.9, 0.05, 5)              # large spread between runs ...
    better = base + np.array([0.01, 0.012, 0.011, 0.009, 0.01])  # ... small consistent gain
    assert stats.compare(better, base).verdict == stats.HIGHER
    assert stats.compare(base, better).verdict == stats.LOWER
    noisy = base + np.array([0.02, -0.02, 0.01, -0.015, 0.004])
    assert stats.compare(noisy, base).verdict == stats.UNCLEAR
    c = stats.compare(better, base)
    assert c.lo > 0 and c.mean == pytest.approx(0.0104)
    assert c.words("more", "less", "as much") == "more"
    # unpaired, the same gain would be lost in the spread between runs
    assert stats.summarize(better).lo < stats.summarize(base).hi


def test_interval_on_the_boundary_is_unclear():
    assert stats.compare([1.0, 2.0, 3.0], [1.0, 1.0, 1.0]).verdict == stats.UNCLEAR
    assert stats.compare([1.0, 1.0], [1.0, 1.0]).verdict == stats.UNCLEAR  # zero difference


@pytest.mark.parametrize("a, b, match", [
    ([1.0], [1.0], "at least 2 runs"),
    ([1.0, 2.0], [1.0, 2.0, 3.0], "pair up run by run"),
    ([1.0, float("nan")], [1.0, 2.0], "finite"),
    (["x", "y"], [1.0, 2.0], "sequence of numbers"),
    ([[1.0, 2.0]], [[1.0, 2.0]], "flat sequence"),
])
def test_compare_rejects_bad_input(a, b, match):
    with pytest.raises((ValueError, TypeError), match=match):
        stats.compare(a, b)


@pytest.mark.parametrize("df", [0, -1, 2.5, True])
def test_t_quantile_rejects_bad_df(df):
    with pytest.raises(ValueError, match="df must be a positive integer"):
        stats.t_quantile(df)


def test_rule_text_states_the_three_verdicts():
    for word in ("higher", "lower", stats.UNCLEAR):
        assert word in stats.RULE


def test_claim_passes_and_fails_naming_chapter_and_sentence():
    claim = Claims("summary")
    claim.check("pooling makes the model smaller", True)
    claim.expect("pooled is more accurate", stats.compare([2, 3, 4], [1, 2, 3]), stats.HIGHER)
    assert claim.checked == ["pooling makes the model smaller", "pooled is more accurate"]
    with pytest.raises(ClaimError) as err:
        claim.expect("pooled is less accurate", stats.compare([2, 3, 4], [1, 2, 3]), stats.LOWER)
    msg = str(err.value)
    assert "'summary'" in msg and '"pooled is less accurate"' in msg and "'higher'" in msg


@pytest.mark.parametrize("call, match", [
    (lambda c: c.check("", True), "sentence must be a non-empty str"),
    (lambda c: c.check("s", 1), "holds must be a bool"),
    (lambda c: c.expect("s", 0.5, stats.HIGHER), "must be a pooldemo.stats.Comparison"),
    (lambda c: c.expect("s", stats.compare([1, 2], [0, 1]), "better"), "verdict must be one of"),
])
def test_claims_reject_bad_input(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call(Claims("x"))
    with pytest.raises(ValueError, match="chapter must be"):
        Claims("")


def test_preface_states_the_rule_the_code_applies():
    from conftest import BOOK

    assert stats.RULE in (BOOK / "index.md").read_text()


def test_runs_plot_draws_a_dot_per_run_and_the_interval():
    from pooldemo import plot

    fig, ax = plot.new_axes(1)
    art = plot.runs({"a": [0.90, 0.92, 0.91], "b": [0.95, 0.96, 0.94, 0.97, 0.95]}, ax=ax,
                    scale=100, ylabel="test accuracy (%)")
    assert [len(d.get_offsets()) for d in art["dots"]] == [3, 5]
    s = stats.summarize([0.90, 0.92, 0.91])
    (_, caps, _) = art["means"][0].lines
    ys = sorted(float(c.get_ydata()[0]) for c in caps)
    assert ys == [pytest.approx(100 * s.lo), pytest.approx(100 * s.hi)]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    with pytest.raises(ValueError, match="groups must be a non-empty dict"):
        plot.runs({})
    with pytest.raises(ValueError, match="at least 2 runs"):
        plot.runs({"a": [1.0]})
