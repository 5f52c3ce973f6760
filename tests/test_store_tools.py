"""The results database for other tools: sentence text, foreign keys and indexes (Datasette,
sqlite-utils), in-place migration of a database made by hypefact 0.2.0, and the Prodigy / doccano loop.

``tests/fixtures/store-v1.db`` was written by hypefact 0.2.0 (schema 1, before sentences
kept their text): ``hypefact score FOLDER --db store-v1.db --jobs 1`` over two short
articles of our own writing.
"""

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifier.batch.store import SCHEMA_VERSION, Store
from classifier.cli import app

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "store-v1.db"
runner = CliRunner()


@pytest.fixture
def old_db(tmp_path):
    db = tmp_path / "news.db"
    shutil.copy(FIXTURE, db)
    return db


def _snapshot(db):
    with sqlite3.connect(db) as c:
        version = c.execute("PRAGMA user_version").fetchone()[0]
        rows = c.execute("SELECT s.article_id, s.model_sha256, s.idx, s.start, s.end, s.label, s.confidence, s.scores, "
                         "substr(a.text, s.start + 1, s.end - s.start) FROM sentences s "
                         "JOIN articles a ON a.id = s.article_id ORDER BY 1, 2, 3").fetchall()
        columns = [r[1] for r in c.execute("PRAGMA table_info(sentences)")]
    return version, rows, columns


def test_an_old_database_is_migrated_in_place_and_keeps_everything(old_db):
    version, before, columns = _snapshot(old_db)
    assert version == 1 and "text" not in columns and len(before) >= 8  # really made by the old code
    with Store(old_db) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        after = store.conn.execute("SELECT article_id, model_sha256, idx, start, end, label, confidence, scores, text "
                                   "FROM sentences ORDER BY 1, 2, 3").fetchall()
        assert after == before  # same rows, and each sentence's text is the slice of its article
        assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Store(old_db) as store:  # opening again is a no-op
        assert store.count("sentences") == len(before)


def test_the_schema_is_browsable(old_db, tmp_path):
    Store(old_db).close()
    with sqlite3.connect(old_db) as c:
        fks = {(r[2], r[3], r[4]) for r in c.execute("PRAGMA foreign_key_list(sentences)")}
        assert ("articles", "article_id", "id") in fks  # single-column: Datasette links it
        indexed = {r[1] for r in c.execute("PRAGMA index_list(sentences)")}
        assert "sentences_by_label" in indexed
        views = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
        assert "latest_verdicts" in views
        latest = c.execute("SELECT article, verdict FROM latest_verdicts ORDER BY article").fetchall()
        assert [a for a, _ in latest] == ["council-vote.md", "rates-outlook.txt"]
    meta = tmp_path / "metadata.json"
    res = runner.invoke(app, ["export", "--db", str(old_db), "-f", "datasette-metadata", "-o", str(meta)])
    assert res.exit_code == 0, res.output
    tables = json.loads(meta.read_text())["databases"]["news"]["tables"]
    with sqlite3.connect(old_db) as c:
        for name, spec in tables.items():
            cols = {r[1] for r in c.execute(f"PRAGMA table_info({name})")}
            assert cols, f"metadata describes {name}, which the database does not have"
            assert set(spec.get("columns", {})) <= cols and set(spec.get("facets", [])) <= cols


def test_new_scores_store_sentence_text(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.md").write_text("# Héadline\n\nThe mayor said the bridge would reopen. It may not.\n", encoding="utf-8")
    db = tmp_path / "new.db"
    assert runner.invoke(app, ["score", str(folder), "--db", str(db), "--jobs", "1", "--no-progress"]).exit_code == 0
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT s.text, substr(a.text, s.start + 1, s.end - s.start) FROM sentences s "
                         "JOIN articles a ON a.id = s.article_id ORDER BY s.idx").fetchall()
    assert rows and all(text == cut for text, cut in rows) and rows[0][0] == "# Héadline"


def _first_label(task, fmt):
    return {"prodigy": lambda t: t["accept"][0], "doccano": lambda t: t["label"][0],
            "prodigy-spans": lambda t: t["spans"][0]["label"], "doccano-spans": lambda t: t["label"][0][2]}[fmt](task)


def _edit_first(path, fmt, new_label):
    """What a person does in the tool: change the first unit's label (and accept the tasks)."""
    tasks = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    first = tasks[0]
    if fmt == "prodigy":
        first["accept"] = [new_label]
        text = first["text"]
    elif fmt == "doccano":
        first["label"] = [new_label]
        text = first["text"]
    elif fmt == "prodigy-spans":
        first["spans"][0]["label"] = new_label
        text = first["text"][first["spans"][0]["start"]:first["spans"][0]["end"]]
    else:
        first["label"][0][2] = new_label
        text = first["text"][first["label"][0][0]:first["label"][0][1]]
    for task in tasks:
        if fmt.startswith("prodigy"):
            task["answer"] = "accept"  # what db-out writes for an accepted task
    path.write_text("".join(json.dumps(x) + "\n" for x in tasks), encoding="utf-8")
    return text


@pytest.mark.parametrize("fmt", ["prodigy", "doccano", "prodigy-spans", "doccano-spans"])
def test_export_correct_import_round_trip(old_db, tmp_path, fmt):
    tasks = tmp_path / f"{fmt}.jsonl"
    res = runner.invoke(app, ["export", "--db", str(old_db), "-f", fmt, "-o", str(tasks)])
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in tasks.read_text(encoding="utf-8").splitlines()]
    first = lines[0]
    with sqlite3.connect(old_db) as c:
        stored = {t: (d, lab) for t, d, lab in c.execute("SELECT text, article_id, label FROM sentences")}
    if fmt == "prodigy":  # a choice task: options for every label, the guess pre-selected
        assert [o["id"] for o in first["options"]] == ["sourced_fact", "attributed_claim", "speculation", "boilerplate"]
        assert len(first["accept"]) == 1 and first["meta"]["doc_id"] and len(lines) == len(stored)
    elif fmt == "doccano":
        assert isinstance(first["label"], list) and len(first["label"]) == 1 and len(lines) == len(stored)
    elif fmt == "prodigy-spans":  # one task per article; spans sit on its tokens
        assert len(lines) == 2
        for task in lines:
            for span in task["spans"]:
                toks = task["tokens"]
                assert toks[span["token_start"]]["start"] == span["start"]
                assert toks[span["token_end"]]["end"] == span["end"]
                assert stored[task["text"][span["start"]:span["end"]]][1] == span["label"]
    else:
        assert len(lines) == 2 and all(stored[t["text"][a:b]][1] == lab for t in lines for a, b, lab in t["label"])
    old = _first_label(first, fmt)
    new_label = "sourced_fact" if old != "sourced_fact" else "boilerplate"
    text = _edit_first(tasks, fmt, new_label)
    into = tmp_path / "labels" / "mine.jsonl"
    res = runner.invoke(app, ["import", str(tasks), "--from", fmt.split("-")[0], "--into", str(into)])
    assert res.exit_code == 0, res.output
    records = [json.loads(x) for x in into.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(stored)
    by_text = {r["text"]: r for r in records}
    assert by_text[text]["label"] == new_label != old
    for r in records:  # everything else as the model had it, and units of one article stay together
        assert r["doc"] == stored[r["text"]][0]
        if r["text"] != text:
            assert r["label"] == stored[r["text"]][1]
