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


def test_nothing_copied_from_dev_or_dev2(units):
    from conftest import shared_path

    dev = read_labels([shared_path("dev", "labels.jsonl"), shared_path("dev2", "labels.jsonl")])
    # six words or more: shorter furniture ("Skip to main content") is on every site
    ours = {u.text.strip().lower() for u in units if len(u.text.split()) >= 6}
    copied = [d.text for d in dev if d.text.strip().lower() in ours]
    assert not copied, copied[:5]


#: A training document whose TF-IDF cosine (word 1-2-grams, English stop words dropped) with
#: any dev or dev2 document reaches this is treated as a retelling. Measured when the rule was
#: set: every document kept scored at most 0.091 against its nearest dev/dev2 document, while the
#: ten confirmed twins removed in round 8 (dev stories retold under new names) scored 0.117-0.304.
TWIN_COSINE = 0.11


def _documents(units) -> dict[str, str]:
    docs: dict[str, list[str]] = {}
    for u in units:
        docs.setdefault(u.doc, []).append(u.text)
    return {doc: " ".join(texts) for doc, texts in docs.items()}


def test_no_document_retells_a_dev_or_dev2_story(units):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    from conftest import shared_path

    ref = _documents(read_labels([shared_path("dev", "labels.jsonl"), shared_path("dev2", "labels.jsonl")]))
    ours = _documents(units)
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english")
    vec.fit(list(ours.values()) + list(ref.values()))
    sims = cosine_similarity(vec.transform(list(ours.values())), vec.transform(list(ref.values())))
    refs = list(ref)
    twins = [(doc, refs[row.argmax()], round(float(row.max()), 3)) for doc, row in zip(ours, sims)
             if row.max() >= TWIN_COSINE]
    assert not twins, f"documents too close to a dev/dev2 story (cosine >= {TWIN_COSINE}): {twins}"


def test_twin_rule_catches_a_retelling():
    """The rule itself: a story retold with new names is caught, an unrelated one is not."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    original = ("The harbour authority closed the northern breakwater after winter storms cracked its concrete "
                "apron; engineers said repairs to the breakwater apron would take six months and cost the "
                "authority four million, and fishing boats were moved to the southern basin.")
    retold = ("Winter storms cracked the concrete apron of the eastern breakwater, and the port authority closed "
              "it; repairs to the apron will take six months, engineers said, and fishing boats moved to the "
              "western basin at a cost to the authority of four million.")
    unrelated = "The festival sold out its opening night and the headline band played for two hours."
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english").fit([original, retold, unrelated])
    sims = cosine_similarity(vec.transform([retold, unrelated]), vec.transform([original]))[:, 0]
    assert sims[0] >= TWIN_COSINE > sims[1]
