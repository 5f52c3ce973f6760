"""Attacks on CPU and memory: runs of punctuation that make the tokenizer quadratic, an article that
would take forever, a million one-word lines (issue 16, items 7 and 9)."""

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/ for the shared helpers

from classifier.segment import load_pipeline, segment  # noqa: E402


def seconds(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


@pytest.mark.parametrize("char", [")", "!", "\u20ac"])
def test_a_run_of_punctuation_is_linear(char):
    """8 KB of ')' took 8 s before (16 KB 40 s, 32 KB 154 s: quadratic); now well under a second."""
    nlp = load_pipeline()
    segment("warm up.", nlp)
    took = seconds(lambda: segment(char * 8000, nlp))
    print(f"8,000 x {char!r}: {took:.2f} s")
    assert took < 1.0


def test_split_runs_keep_offsets_and_normal_text():
    text = "He said so. " + ")" * 450 + " Then he left. (Really!)"
    units = segment(text)
    assert all(text[u.start:u.end] == u.text for u in units)
    assert "".join(u.text for u in units).replace(" ", "") == text.replace(" ", "")  # nothing lost or doubled
    assert units[0].text == "He said so." and units[-1].text.endswith("Really!)")
    normal = "The council voted. It was close (31 to 9).\nShare this."
    assert [u.text for u in segment(normal)] == ["The council voted.", "It was close (31 to 9).", "Share this."]


def test_one_slow_article_is_reported_and_the_rest_scored(annotator):
    """The per-article time budget of batch runs: the slow article is an error, the others are scored."""
    from classifier.batch.engines import score_texts

    slow = "The council met. " * 20_000  # ~340 KB: several chunks, well over a 0.05 s budget
    quick = "The council voted 31 to 9 on Thursday."
    results = score_texts(annotator, [quick, slow, quick], seconds_per_text=0.05)
    assert "error" in results[1] and "--article-seconds" in results[1]["error"]
    assert results[0]["verdict"] and results[2]["verdict"]


def test_a_million_one_word_lines_is_refused_not_classified(annotator, tmp_path):
    """Memory grows with units (~4 KB each: 1M lines took 2.37 GB); past MAX_UNITS the text is refused
    as soon as the limit is crossed, before anything is classified."""
    from classifier.annotate import MAX_UNITS, annotate_paths

    path = tmp_path / "words.txt"
    path.write_text("word\n" * (MAX_UNITS + 10), encoding="utf-8")
    took = seconds(lambda: annotate_paths(annotator, [str(path)]))
    results, failures = annotate_paths(annotator, [str(path)])
    assert not results and "sentences" in failures[0].message
    assert took < 10


def test_a_refused_article_in_batch_leaves_the_others(annotator, monkeypatch):
    from classifier import annotate
    from classifier.batch.engines import score_texts

    monkeypatch.setattr(annotate, "MAX_UNITS", 50)
    results = score_texts(annotator, ["One line.\n" * 60, "The council voted 31 to 9 on Thursday."])
    assert "error" in results[0] and results[1]["verdict"]
