"""The label set and the roll-up: counts, shares and the verdict of a document.

This is the last stage of the pipeline (read -> segment -> featurize -> classify
-> roll up) and the vocabulary of all the others, so it imports nothing of ours.
"""

from __future__ import annotations

#: The four labels of ``LABELING.md``, in a fixed order used everywhere.
LABELS = ("sourced_fact", "attributed_claim", "speculation", "boilerplate")
#: Labels of units that make a claim about the world (the denominator of the shares).
CLAIM_LABELS = tuple(lab for lab in LABELS if lab != "boilerplate")
#: Document verdicts, from least to most speculative, then ``none``: nothing to judge.
VERDICTS = ("reporting", "mixed", "analysis", "none")
#: The verdict of a document with no claim-making unit at all (a menu, a page of links).
NO_VERDICT = "none"
#: Below this many claim-making units a verdict is marked ``low_evidence``. Chosen on our
#: data by benchmarks/min_claims.py: 5 random claims of a labeled document give its
#: speculation share within 0.12 on average (twice the 0.06 asked of a page) and its
#: verdict 85% of the time; 3 claims, 0.16 and 80%. See docs/accuracy.md.
DEFAULT_MIN_CLAIMS = 5

#: Verdict thresholds on the share of ``speculation`` among claim-making units.
#: At or below REPORTING_MAX the piece is reporting; at or above ANALYSIS_MIN it is
#: analysis; in between it is mixed. Chosen on the project's own data by
#: benchmarks/verdict_thresholds.py (out-of-fold predictions, clear-cut documents).
REPORTING_MAX = 0.35
ANALYSIS_MIN = 0.40


def verdict_of(shares: dict[str, float], n_claims: int) -> str:
    """reporting / analysis / mixed from the share of speculation among claim-making units.

    A document with no claim-making unit at all (a menu, a page of links) gets
    ``none``: there is nothing to judge either way.
    """
    if n_claims == 0:
        return NO_VERDICT
    spec = shares.get("speculation", 0.0)
    if spec <= REPORTING_MAX:
        return "reporting"
    if spec >= ANALYSIS_MIN:
        return "analysis"
    return "mixed"


def summarize(labels: list[str]) -> tuple[dict[str, int], dict[str, float], str]:
    """Counts per label, shares among claim-making units, and the verdict."""
    counts = {lab: 0 for lab in LABELS}
    for lab in labels:
        counts[lab] += 1
    claims = sum(counts[lab] for lab in CLAIM_LABELS)
    shares = {lab: round(counts[lab] / claims, 4) if claims else 0.0 for lab in CLAIM_LABELS}
    return counts, shares, verdict_of(shares, claims)
