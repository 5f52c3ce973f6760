"""Each output format on its own, from a hand-built result (no model, no splitter)."""

import csv
import io
import json

from classifier.annotate import DocumentResult, Sentence
from classifier.labels import LABELS, summarize
from classifier.render import CSV_COLUMNS, FORMATS, print_pretty, render

TEXT = 'Menu\nThe bridge closed on Monday. "It is safe," the mayor said. It may never reopen <soon> & that is a scandal.'


def result() -> DocumentResult:
    spans = [("Menu", "boilerplate"), ("The bridge closed on Monday.", "sourced_fact"),
             ('"It is safe," the mayor said.', "attributed_claim"),
             ("It may never reopen <soon> & that is a scandal.", "speculation")]
    sentences = []
    for i, (text, label) in enumerate(spans):
        start = TEXT.index(text)
        scores = {lab: (0.7 if lab == label else 0.1) for lab in LABELS}
        sentences.append(Sentence(i, start, start + len(text), text, label, 0.7, scores))
    counts, shares, verdict = summarize([lab for _, lab in spans])
    return DocumentResult("story.md", verdict, counts, shares, sentences, TEXT)


def test_json_has_offsets_into_the_text():
    [doc] = json.loads(render([result()], "json"))
    assert doc["path"] == "story.md" and doc["verdict"] == "reporting"  # 1 of 3 claims is speculation
    for s in doc["sentences"]:
        assert TEXT[s["start"]:s["end"]] == s["text"]


def test_jsonl_is_one_object_per_sentence():
    rows = [json.loads(line) for line in render([result(), result()], "jsonl").splitlines()]
    assert len(rows) == 8 and {r["label"] for r in rows} == set(LABELS)
    assert all(set(r["scores"]) == set(LABELS) for r in rows)


def test_csv_has_the_documented_columns_and_round_trips_text():
    rows = list(csv.reader(io.StringIO(render([result()], "csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r[-1] for r in rows[1:]] == [s.text for s in result().sentences]


def test_html_is_one_escaped_self_contained_page():
    page = render([result()], "html")
    assert page.count("<html") == 1 and "&lt;soon&gt;" in page and "<soon>" not in page
    assert "speculation" in page and "story.md" in page


def test_pretty_prints_every_sentence_and_the_verdict():
    from rich.console import Console

    out = io.StringIO()
    print_pretty([result()], Console(file=out, width=120, force_terminal=False))
    text = out.getvalue()
    assert "Verdict: reporting" in text and all(s.text in text for s in result().sentences)


def test_formats_are_the_documented_ones():
    assert set(FORMATS) == {"pretty", "json", "jsonl", "csv", "html"}
