"""hypefact check: problems in label files, with file:line, and likely label errors."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
from typer.testing import CliRunner

from classifier.training.check import confident_learning_issues
from classifier.cli import app
from classifier.training.corpus import read_labels
from retrain_helpers import shipped_files, write_jsonl

runner = CliRunner()

GOOD = [
    {"text": "The council approved the budget on Tuesday.", "label": "sourced_fact", "doc": "a"},
    {"text": "The leader said the road would cut journey times by a third.", "label": "attributed_claim", "doc": "a"},
    {"text": "The plan could cost far more than the council expects.", "label": "speculation", "doc": "a"},
    {"text": "Share this article", "label": "boilerplate", "doc": "a"},
]


def _check(*args):
    result = runner.invoke(app, ["check", *args])
    return result, (json.loads(result.stdout) if "--json" in args and result.stdout.strip() else None)


def test_every_problem_is_reported_with_its_line_and_blocks(tmp_path):
    lines = [json.dumps(r) for r in GOOD]
    lines.append('{"text": "A line cut off in the middle, "label": "sourc')  # line 5: broken JSON mid-file
    lines.append(json.dumps({"text": "Read more", "label": "headline", "doc": "a"}))  # 6: unknown label
    lines.append(json.dumps({"text": "   ", "label": "boilerplate", "doc": "a"}))  # 7: empty text
    lines.append(json.dumps({**GOOD[0], "label": "attributed_claim"}))  # 8: conflicting duplicate of 1
    lines.append(json.dumps(GOOD[1]))  # 9: exact duplicate of 2
    lines.append(json.dumps({**GOOD[2], "text": "The plan could cost far more than the council expects!"}))  # 10
    lines.append(json.dumps(GOOD[3]))  # 11: duplicate of 4, same label
    f = tmp_path / "mine.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result, report = _check(str(f), "--no-model", "--json")
    assert result.exit_code == 1
    found = {(int(x["where"].rsplit(":", 1)[1]), x["kind"]) for x in report["findings"]}
    assert found == {(5, "json"), (6, "unknown_label"), (7, "empty_text"), (8, "conflict"), (9, "duplicate"),
                     (10, "near_duplicate"), (11, "duplicate")}
    assert report["blocking"] == 4
    conflict = next(x for x in report["findings"] if x["kind"] == "conflict")
    assert conflict["related"] == [f"{f}:1"] and conflict["blocking"]

    # The human form reads like compiler output: file:line: severity: kind: message.
    text, _ = _check(str(f), "--no-model")
    assert f"{f}:5: error: json: not valid JSON" in text.stdout
    assert f"{f}:8: error: conflict: same text as {f}:1" in text.stdout
    assert f"{f}:10: warning: near_duplicate: near-duplicate of {f}:3" in text.stdout
    assert "4 blocking" in text.stdout


def test_warnings_alone_do_not_block(tmp_path):
    rows = GOOD + [{**GOOD[3], "doc": "b"},  # the same boilerplate in another document
                   {**GOOD[0], "label": "boilerplate", "doc": "b"}]  # same text, other label, other document
    f = write_jsonl(tmp_path / "ok.jsonl", rows)
    result, report = _check(str(f), "--no-model", "--json")
    assert result.exit_code == 0, result.output
    kinds = sorted(x["kind"] for x in report["findings"])
    assert kinds == ["conflict_across_docs", "duplicate"]
    assert report["blocking"] == 0


def test_missing_file_is_a_usage_error(tmp_path):
    result, _ = _check(str(tmp_path / "nope.jsonl"), "--no-model")
    assert result.exit_code == 2
    assert "nope.jsonl: no such file" in result.output


def test_confident_learning_rule():
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    P = np.array([[0.9, 0.1],
                  [0.9, 0.1],
                  [0.3, 0.7],   # labeled 0, confidently 1: an issue
                  [0.55, 0.45],  # below both thresholds: not confident of anything
                  [0.2, 0.8],
                  [0.4, 0.6],
                  [0.95, 0.05],  # labeled 1, confidently 0: an issue, and the likelier one
                  [0.6, 0.4]])  # argmax disagrees with the label, but 0.6 is under class 0's threshold
    # Thresholds are the mean self-confidence per class: 0.6625 for class 0, 0.4625 for class 1.
    assert confident_learning_issues(labels, P).tolist() == [6, 2]


def test_planted_label_errors_are_found(tmp_path):
    units = read_labels(shipped_files(45))
    rows = [{"text": u.text, "label": u.label, "doc": u.doc} for u in units]
    # Flip eight unmistakable units: short page furniture (a word of the furniture lexicon: share,
    # subscribe, sign in...) labeled as if it were sourced fact. Section headings ("Climate crisis")
    # are furniture too, but not unmistakably so to a model that reads one line.
    from classifier.features.cues import load_lexicon, tokenize

    furniture = set(load_lexicon("boilerplate"))
    once = Counter(r["text"] for r in rows)
    planted = [i for i, r in enumerate(rows)
               if r["label"] == "boilerplate" and len(r["text"].split()) <= 4 and once[r["text"]] == 1
               and furniture.intersection(tokenize(r["text"]))][:8]
    assert len(planted) == 8
    for i in planted:
        rows[i]["label"] = "sourced_fact"
    f = write_jsonl(tmp_path / "flipped.jsonl", rows)
    result, report = _check(str(f), "--folds", "3", "--jobs", "1", "--json")
    assert result.exit_code == 0, result.output  # likely errors are warnings, not blocking
    flagged = {int(x["where"].rsplit(":", 1)[1]) - 1: x for x in report["findings"] if x["kind"] == "likely_mislabeled"}
    caught = [i for i in planted if i in flagged]
    assert len(caught) >= 6, (len(caught), report["model_pass"])
    assert sum(flagged[i]["suggested"] == "boilerplate" for i in caught) >= 6, [flagged[i]["message"] for i in caught]
    # A list to read through, not the whole file.
    assert len(flagged) < 0.25 * len(rows)
