"""The roll-up (classifier.labels): counts, shares and the verdict at and around its thresholds."""

import pytest

from classifier.labels import ANALYSIS_MIN, CLAIM_LABELS, LABELS, REPORTING_MAX, summarize, verdict_of


def labels_with_share(spec: int, other: int, furniture: int = 3) -> list[str]:
    return ["speculation"] * spec + ["sourced_fact"] * other + ["boilerplate"] * furniture


@pytest.mark.parametrize("share,verdict", [
    (0.0, "reporting"), (REPORTING_MAX, "reporting"), (REPORTING_MAX + 0.001, "mixed"),
    (ANALYSIS_MIN - 0.001, "mixed"), (ANALYSIS_MIN, "analysis"), (1.0, "analysis"),
])
def test_verdict_at_the_thresholds(share, verdict):
    assert verdict_of({"speculation": share}, n_claims=10) == verdict


def test_no_claims_is_none_whatever_the_shares_say():
    assert verdict_of({"speculation": 0.0}, n_claims=0) == "none"
    counts, shares, verdict = summarize(["boilerplate"] * 7)
    assert counts["boilerplate"] == 7 and all(v == 0.0 for v in shares.values()) and verdict == "none"


def test_summarize_counts_and_shares_exclude_boilerplate():
    counts, shares, verdict = summarize(labels_with_share(spec=7, other=13, furniture=30))
    assert list(counts) == list(LABELS) and counts["boilerplate"] == 30
    assert set(shares) == set(CLAIM_LABELS)
    assert shares["speculation"] == pytest.approx(0.35) and verdict == "reporting"
    assert summarize(labels_with_share(spec=8, other=12))[2] == "analysis"  # 0.40
    assert summarize(labels_with_share(spec=15, other=25))[2] == "mixed"  # 0.375


def test_unknown_label_is_an_error_not_a_silent_count():
    with pytest.raises(KeyError):
        summarize(["sourced_fact", "opinion"])
