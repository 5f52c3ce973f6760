"""hypefact import: Prodigy, doccano and CSV exports into label files, atomically, never half-written."""

from __future__ import annotations

import json
import os

from typer.testing import CliRunner

from classifier.cli import app
from classifier.training.corpus import read_labels
from retrain_helpers import write_jsonl

runner = CliRunner()

EXISTING = ('{"text": "Share this article", "label": "boilerplate", "doc": "old"}\n'
            '{"text":"Shares fell 4% on Friday.","label":"sourced_fact","doc":"old","note":"kept as written"}\n')


def _import(*args):
    return runner.invoke(app, ["import", *args])


def test_prodigy_choice_and_binary_answers(tmp_path):
    export = write_jsonl(tmp_path / "prodigy.jsonl", [
        {"text": "Shares fell 4% on Friday.", "accept": ["sourced_fact"], "answer": "accept",
         "meta": {"doc_id": "story-1"}},
        {"text": "Analysts said the stock could double.", "accept": ["ATTRIBUTED_CLAIM"], "answer": "accept",
         "meta": {"doc_id": "story-1"}},
        {"text": "The rally may not last.", "label": "speculation", "answer": "accept"},  # textcat.teach
        {"text": "Read more", "label": "sourced_fact", "answer": "reject"},  # says what it is not: skipped
        {"text": "Subscribe now", "accept": ["boilerplate"], "answer": "ignore"},
    ])
    into = tmp_path / "labels" / "mine.jsonl"
    result = _import(str(export), "--from", "prodigy", "--into", str(into))
    assert result.exit_code == 0, result.output
    assert "imported 3 units" in result.output and "answer 'reject'" in result.output
    units = read_labels([into])
    assert [(u.text, u.label) for u in units] == [
        ("Shares fell 4% on Friday.", "sourced_fact"),
        ("Analysts said the stock could double.", "attributed_claim"),
        ("The rally may not last.", "speculation")]
    assert units[0].doc == units[1].doc == "story-1"
    assert units[2].doc != units[0].doc  # no document id: a document of its own, no invented neighbours


def test_doccano_with_label_mapping_appends_and_keeps_old_lines_byte_for_byte(tmp_path):
    into = tmp_path / "mine.jsonl"
    into.write_text(EXISTING, encoding="utf-8")
    os.chmod(into, 0o640)
    export = write_jsonl(tmp_path / "doccano.jsonl", [
        {"id": 7, "text": "Shares fell 4% on Friday.", "label": ["Fact"]},  # already there, same label
        {"id": 8, "text": "The minister said the plan was fully funded.", "label": ["Claim"]},
        {"id": 9, "text": "This could be the start of a long decline.", "label": ["speculation"]},
        {"id": 10, "text": "Cookie settings", "label": ["furniture"]},
    ])
    result = _import(str(export), "--from", "doccano", "--into", str(into), "--map", "Fact=sourced_fact",
                     "--map", "claim=attributed_claim", "--map", "Furniture=boilerplate")
    assert result.exit_code == 0, result.output
    text = into.read_text(encoding="utf-8")
    assert text.startswith(EXISTING)
    new = [json.loads(line) for line in text[len(EXISTING):].splitlines()]
    assert [(r["label"], r["doccano_id"]) for r in new] == [("attributed_claim", 8), ("speculation", 9),
                                                            ("boilerplate", 10)]
    assert "1 (already in the target)" in result.output
    assert os.stat(into).st_mode & 0o777 == 0o640


def test_unknown_label_is_rejected_and_nothing_is_written(tmp_path):
    into = tmp_path / "mine.jsonl"
    into.write_text(EXISTING, encoding="utf-8")
    before = into.read_bytes()
    export = write_jsonl(tmp_path / "doccano.jsonl", [
        {"text": "The minister said the plan was fully funded.", "label": ["attributed_claim"]},
        {"text": "Cookie settings", "label": ["furniture"]},
    ])
    result = _import(str(export), "--from", "doccano", "--into", str(into))
    assert result.exit_code == 1
    assert f"{export}:2: unknown label 'furniture'" in result.output
    assert "nothing was written" in result.output
    assert into.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left

    # Asked to, it drops them instead.
    result = _import(str(export), "--from", "doccano", "--into", str(into), "--skip-unknown")
    assert result.exit_code == 0, result.output
    assert [u.label for u in read_labels([into])][-1] == "attributed_claim"
    assert "unknown label 'furniture'" in result.output


def test_broken_line_in_the_middle_stops_the_import(tmp_path):
    export = tmp_path / "prodigy.jsonl"
    export.write_text(
        json.dumps({"text": "Shares fell 4% on Friday.", "accept": ["sourced_fact"], "answer": "accept"}) + "\n"
        + '{"text": "A line cut off, "accept": [\n'
        + json.dumps({"text": "", "accept": ["boilerplate"], "answer": "accept"}) + "\n"
        + json.dumps({"text": "Two labels.", "accept": ["speculation", "boilerplate"], "answer": "accept"}) + "\n",
        encoding="utf-8")
    into = tmp_path / "mine.jsonl"
    result = _import(str(export), "--from", "prodigy", "--into", str(into))
    assert result.exit_code == 1
    assert f"{export}:2: not valid JSON" in result.output
    assert f"{export}:3: missing or empty text" in result.output
    assert f"{export}:4: 2 labels" in result.output
    assert not into.exists()


def test_csv_with_quoted_multiline_text_and_conflicts_with_the_target(tmp_path):
    export = tmp_path / "sheet.csv"
    export.write_text('label,text,doc\n'
                      'sourced_fact,"The council approved the plan, 31 votes to 12.",s1\n'
                      'attributed_claim,"""We will finish by 2027,""\nthe leader said.",s1\n'
                      'Speculation,It could run late.,s1\n', encoding="utf-8")
    into = tmp_path / "mine.jsonl"
    result = _import(str(export), "--from", "csv", "--into", str(into))
    assert result.exit_code == 0, result.output
    units = read_labels([into])
    assert [u.label for u in units] == ["sourced_fact", "attributed_claim", "speculation"]
    assert units[1].text == '"We will finish by 2027,"\nthe leader said.' and units[1].doc == "s1"

    # The same text with another label than the target has: stop, name both places.
    before = into.read_bytes()
    other = tmp_path / "other.csv"
    other.write_text("text,label\nIt could run late.,sourced_fact\n", encoding="utf-8")
    result = _import(str(other), "--from", "csv", "--into", str(into))
    assert result.exit_code == 1
    assert f"other.csv:2: same text as {into}:3" in result.output
    assert into.read_bytes() == before

    bad = tmp_path / "bad.csv"
    bad.write_text("sentence,category\nHello,boilerplate\n", encoding="utf-8")
    result = _import(str(bad), "--from", "csv", "--into", str(into))
    assert result.exit_code == 1 and "header must name a text and a label column" in result.output
