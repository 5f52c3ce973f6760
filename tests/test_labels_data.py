"""The shipped labeled data: valid, large enough, balanced, varied, free of copies."""

from collections import Counter
from pathlib import Path

import pytest

from classifier.labels import LABELS
from classifier.training.corpus import find_duplicates, read_labels

DATA = Path(__file__).resolve().parent.parent / "data" / "labels"


@pytest.fixture(scope="module")
def units():
    return read_labels([DATA])  # raises on any malformed line


def test_size_and_balance(units):
    assert len(units) >= 4000
    counts = Counter(u.label for u in units)
    for label in LABELS:
        assert counts[label] / len(units) >= 0.15, (label, counts[label])


def test_written_as_whole_documents_across_topics(units):
    docs = Counter(u.doc for u in units)
    assert len(docs) >= 100
    assert min(docs.values()) >= 5  # documents, not loose sentences
    domains = {u.extra.get("domain") for u in units}
    assert len(domains - {None}) >= 10


def test_no_duplicates_or_near_copies(units):
    pairs = find_duplicates(units)
    shown = [f"{units[i].doc}: {units[i].text[:50]!r} ~ {units[j].doc}: {units[j].text[:50]!r}" for i, j, _ in pairs]
    assert not shown, "\n".join(shown[:20])


def test_duplicate_finder_catches_near_copies():
    from classifier.training.corpus import LabeledUnit

    a = LabeledUnit("The council voted on Thursday to spend 48 million pounds on the old harbour bridge.", "sourced_fact", "x")
    b = LabeledUnit("The council voted on Thursday to spend 48 million pounds on the old harbour bridges.", "sourced_fact", "y")
    c = LabeledUnit("Shares in the miner rose sharply after it reported record copper output.", "sourced_fact", "z")
    assert [(i, j) for i, j, _ in find_duplicates([a, b, c])] == [(0, 1)]


def test_nothing_copied_from_the_dev_set(units):
    from conftest import shared_path

    dev = read_labels([shared_path("dev", "labels.jsonl")])
    # six words or more: shorter furniture ("Skip to main content") is on every site
    ours = {u.text.strip().lower() for u in units if len(u.text.split()) >= 6}
    copied = [d.text for d in dev if d.text.strip().lower() in ours]
    assert not copied, copied[:5]
