"""Claims as code: a chapter's sentence that the evidence contradicts fails the book build.

A chapter makes one checker, ``claim = Claims("summary")``, and backs every comparative or causal
sentence that it does not glue from the rule with a hidden check:

- ``claim.expect(sentence, comparison, "higher")``: the sentence says the first variant is higher
  (the verdict of :func:`pooldemo.stats.compare` must be exactly that);
- ``claim.check(sentence, condition, evidence)``: any other fact the sentence states.

A false claim raises :class:`ClaimError`, whose message names the chapter, quotes the sentence and
gives the evidence, so the strict build fails there instead of publishing it.

Used in: every chapter with a verdict.
"""

from __future__ import annotations

from .stats import HIGHER, LOWER, UNCLEAR, Comparison

__all__ = ["Claims", "ClaimError"]


class ClaimError(AssertionError):
    """A sentence of the book that its own evidence contradicts."""


class Claims:
    """Checks for the sentences of one chapter.

    Examples
    --------
    >>> claim = Claims("demo")
    >>> claim.check("two is more than one", 2 > 1, "2 vs 1")
    >>> claim.check("one is more than two", 1 > 2, "1 vs 2")
    Traceback (most recent call last):
    ...
    pooldemo.claims.ClaimError: chapter 'demo': the evidence contradicts the sentence "one is more \
than two" (1 vs 2)
    """

    def __init__(self, chapter):
        if not isinstance(chapter, str) or not chapter:
            raise ValueError(f"chapter must be a non-empty str, got {chapter!r}")
        self.chapter = chapter
        self.checked = []   # the sentences checked so far (tests read it)

    def check(self, sentence, holds, evidence=""):
        """Fail with :class:`ClaimError` unless ``holds`` is true."""
        if not isinstance(sentence, str) or not sentence:
            raise ValueError(f"sentence must be a non-empty str, got {sentence!r}")
        numpy_bool = type(holds).__module__ == "numpy" and type(holds).__name__ in ("bool", "bool_")
        if not isinstance(holds, bool) and not numpy_bool:
            raise TypeError(f"holds must be a bool, got {holds!r} ({type(holds).__name__})")
        self.checked.append(sentence)
        if not holds:
            detail = f" ({evidence})" if evidence else ""
            raise ClaimError(f"chapter {self.chapter!r}: the evidence contradicts the sentence "
                             f"\"{sentence}\"{detail}")

    def expect(self, sentence, comparison, verdict):
        """Fail unless ``comparison`` (:func:`pooldemo.stats.compare`) gives ``verdict``."""
        if not isinstance(comparison, Comparison):
            raise TypeError(f"comparison must be a pooldemo.stats.Comparison, got "
                            f"{type(comparison).__name__}")
        if verdict not in (HIGHER, LOWER, UNCLEAR):
            raise ValueError(f"verdict must be one of {(HIGHER, LOWER, UNCLEAR)}, got {verdict!r}")
        self.check(sentence, comparison.verdict == verdict,
                   f"the rule says {comparison.verdict!r}: mean paired difference "
                   f"{comparison.mean:+.4g}, 95 % interval {comparison.lo:+.4g} to "
                   f"{comparison.hi:+.4g}, n = {comparison.n}")
