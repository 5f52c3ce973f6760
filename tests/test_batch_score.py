"""``hypefact score`` / ``export`` end to end with the real model (in-process engine), plus the store."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading

import pytest
from batch_support import FakeEngine, FakeSnapshot, check_db, counts, feed_files, write_articles
from typer.testing import CliRunner

from classifier.batch.run import BatchOptions, BatchRun

from classifier.batch.engines import score_texts
from classifier.cli import app
from classifier.batch.store import Store

runner = CliRunner()


def score_cli(*args):
    return runner.invoke(app, ["score", "--jobs", "1", "--no-progress", *map(str, args)])


@pytest.fixture(scope="module")
def feeds_db(tmp_path_factory):
    """Every shared (or fixture) feed scored once; the first run's CLI result alongside."""
    db = tmp_path_factory.mktemp("feeds") / "feeds.db"
    result = score_cli(*feed_files(), "--db", db)
    return db, result


def test_every_feed_is_scored_or_reported(feeds_db):
    db, result = feeds_db
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output  # the broken feeds are reported, and the run completes
    check_db(db)
    with sqlite3.connect(db) as c:
        sources = dict(c.execute("SELECT key, last_status FROM sources"))
        per_source = dict(c.execute("SELECT so.key, COUNT(*) FROM article_sources l JOIN sources so "
                                    "ON so.id = l.source_id GROUP BY so.key"))
        problems = {k for (k,) in c.execute("SELECT DISTINCT source_key FROM problems")}
    for path in feed_files():
        key = str(path.resolve())
        assert key in sources, f"{path.name} missing from the run"
        assert per_source.get(key, 0) > 0 or key in problems, f"{path.name}: neither scored nor reported"
        assert path.name in result.output  # one line per source in the summary table
    assert "error" in result.output and "warning" in result.output


def test_rerun_adds_zero_rows(feeds_db):
    db, _ = feeds_db
    before = counts(db)
    result = score_cli(*feed_files(), "--db", db)
    assert result.exit_code == 1
    assert counts(db) == before
    with sqlite3.connect(db) as c:
        new, updated, skipped = c.execute("SELECT new, updated, skipped FROM runs ORDER BY id DESC").fetchone()
    assert (new, updated) == (0, 0) and skipped == before["articles"]


def test_batched_scores_equal_annotate_text(annotator):
    texts = [t for t in (p.read_text() for p in write_articles_tmp(6))]
    batched = score_texts(annotator, texts)
    for text, got in zip(texts, batched):
        want = annotator.annotate_text(text)
        assert got["verdict"] == want.verdict and got["counts"] == want.counts and got["shares"] == want.shares
        assert [(s[1], s[2], s[3], s[4]) for s in got["sentences"]] == \
               [(s.start, s.end, s.label, s.confidence) for s in want.sentences]


def write_articles_tmp(n):
    import tempfile
    from pathlib import Path

    return write_articles(Path(tempfile.mkdtemp()), n)


def test_changed_article_and_new_model_are_rescored(tmp_path):
    from classifier.model.files import load_model, save_model

    folder = tmp_path / "articles"
    paths = write_articles(folder, 5)
    db = tmp_path / "r.db"
    assert score_cli(folder, "--db", db).exit_code == 0
    paths[2].write_text(paths[2].read_text() + "\nShares could double next year, one analyst speculated.")
    result = score_cli(folder, "--db", db)
    assert result.exit_code == 0
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT new, updated, skipped FROM runs ORDER BY id DESC").fetchone() == (0, 1, 4)
    assert counts(db)["articles"] == 5 and counts(db)["scores"] == 5
    check_db(db)
    # the same estimator saved again is a different file, so a different model hash: everything is rescored
    model = tmp_path / "other.joblib"
    estimator, _ = load_model()
    save_model(estimator, model, {"name": "other"})
    assert score_cli(folder, "--db", db, "--model", model).exit_code == 0
    assert counts(db)["scores"] == 10  # one per article per model
    rows = [json.loads(line) for line in runner.invoke(app, ["export", "--db", str(db), "-f", "jsonl"]).stdout.splitlines()]
    assert len(rows) == 5 and {r["model_name"] for r in rows} == {"other"}  # newest score per article
    all_rows = runner.invoke(app, ["export", "--db", str(db), "-f", "jsonl", "--all-models"]).stdout.splitlines()
    assert len(all_rows) == 10


def test_export_round_trip(feeds_db, tmp_path):
    pa = pytest.importorskip("pyarrow.parquet")
    db, _ = feeds_db
    with sqlite3.connect(db) as c:
        c.row_factory = sqlite3.Row
        stored = {r["article_id"]: dict(r) for r in c.execute("SELECT * FROM scores")}
        n_sent = dict(c.execute("SELECT article_id, COUNT(*) FROM sentences GROUP BY article_id"))
    out = {}
    for fmt in ("csv", "jsonl", "parquet"):
        path = tmp_path / f"all.{fmt}"
        res = runner.invoke(app, ["export", "--db", str(db), "-f", fmt, "-o", str(path)])
        assert res.exit_code == 0, res.output
        if fmt == "csv":
            out[fmt] = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        elif fmt == "jsonl":
            out[fmt] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        else:
            out[fmt] = pa.read_table(path).to_pylist()
    for fmt, rows in out.items():
        assert len(rows) == len(stored), fmt
        for row in rows:
            want = stored[row["article_id"]]
            assert row["verdict"] == want["verdict"], fmt
            assert int(row["count_speculation"]) == want["count_speculation"]
            assert float(row["share_speculation"]) == pytest.approx(want["share_speculation"])
            assert row["content_hash"] == want["content_hash"] and row["model_sha256"] == want["model_sha256"]
            assert int(row["n_sentences"]) == n_sent.get(row["article_id"], 0)
    assert [r["article_id"] for r in out["csv"]] == [r["article_id"] for r in out["jsonl"]] == \
           [r["article_id"] for r in out["parquet"]]
    # filters
    analysis = [json.loads(x) for x in runner.invoke(app, ["export", "--db", str(db), "-f", "jsonl", "--verdict",
                                                           "analysis"]).stdout.splitlines()]
    assert analysis and {r["verdict"] for r in analysis} == {"analysis"}
    assert len(analysis) == sum(1 for r in stored.values() if r["verdict"] == "analysis")
    one = max(feed_files(), key=lambda p: sum(str(p.resolve()) in r["sources"] for r in out["jsonl"]))
    by_source = [json.loads(x) for x in runner.invoke(app, ["export", "--db", str(db), "-f", "jsonl", "--source",
                                                            one.name]).stdout.splitlines()]
    assert by_source and all(str(one.resolve()) in r["sources"] for r in by_source)
    assert len(by_source) == sum(str(one.resolve()) in r["sources"] for r in out["jsonl"])
    dated = [r for r in out["jsonl"] if r["published"]]
    if dated:
        cut = sorted(r["published"] for r in dated)[len(dated) // 2]
        since = [json.loads(x) for x in runner.invoke(app, ["export", "--db", str(db), "-f", "jsonl", "--since",
                                                            cut]).stdout.splitlines()]
        assert since and all((r["published"] or r["first_seen"]) >= cut for r in since)
        assert len(since) < len(out["jsonl"])
    # sentences travel with their text
    sent = [json.loads(x) for x in runner.invoke(app, ["export", "--db", str(db), "-f", "jsonl", "--sentences",
                                                       "--text"]).stdout.splitlines()]
    for r in sent[:20]:
        for s in r["sentences"]:
            assert r["text"][s["start"]:s["end"]] == s["text"]
    bad = runner.invoke(app, ["export", "--db", str(db), "-f", "csv", "--sentences"])
    assert bad.exit_code == 2 and "jsonl or parquet" in bad.output
    assert runner.invoke(app, ["export", "--db", str(db), "-f", "xml"]).exit_code == 2


def test_parquet_without_pyarrow_is_a_clear_error(feeds_db, tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError("no pyarrow here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    res = runner.invoke(app, ["export", "--db", str(feeds_db[0]), "-f", "parquet", "-o", str(tmp_path / "x.parquet")])
    assert res.exit_code == 2 and "hypefact[parquet]" in res.output
    assert not (tmp_path / "x.parquet").exists()


def test_two_runs_at_once_do_not_corrupt_or_duplicate(tmp_path):
    folder = tmp_path / "articles"
    write_articles(folder, 60)
    db = tmp_path / "c.db"
    Store(db).close()
    results, errors = [], []

    def one():
        try:
            with Store(db) as store:
                run = BatchRun(store, FakeEngine(delay=0.002), FakeSnapshot(), BatchOptions(chunk_articles=4))
                results.append(run.run([str(folder)]))
        except Exception as exc:  # pragma: no cover - the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    check_db(db)
    c = counts(db)
    assert c["articles"] == c["scores"] == 60 and c["article_sources"] == 60 and c["sources"] == 1
    assert sum(r.total("new") for r in results) == 60  # each article was new exactly once
    assert all(r.total("failed") == 0 for r in results)


def test_kill_safe_write_is_all_or_nothing(tmp_path):
    """A write that fails half-way (here: a bad sentence row) leaves no trace of the article."""
    db = tmp_path / "a.db"
    from classifier.batch.sources import Article

    with Store(db) as store:
        sid = store.source_id("k", "folder")
        art = Article("id1", "k", "Some text.", guid="x")
        result = {"verdict": "reporting", "counts": {}, "shares": {}, "sentences": [(0, 0, 10, "sourced_fact", 0.9, {}),
                                                                                   (0, 0, 10, "dup-index", 0.9, {})]}
        with pytest.raises(sqlite3.IntegrityError):
            store.write_scored(art, sid, result, FakeSnapshot().id, None)
    assert counts(db)["articles"] == 0 and counts(db)["scores"] == 0


def test_score_usage_errors(tmp_path):
    assert score_cli(tmp_path, "--db", tmp_path / "x.db", "--since", "last tuesday").exit_code == 2
    assert score_cli(tmp_path, "--db", tmp_path / "x.db", "--engine", "spark").exit_code == 2
    res = score_cli(tmp_path, "--db", tmp_path / "x.db", "--model", tmp_path / "none.joblib")
    assert res.exit_code == 1 and "no such model" in res.output
    (tmp_path / "junk.db").write_bytes(b"this is not sqlite" * 100)
    res = score_cli(tmp_path, "--db", tmp_path / "junk.db")
    assert res.exit_code == 1 and "not a usable SQLite database" in res.output


def test_progress_total_is_known_once_sources_are_read_and_matches_what_is_reported(tmp_path):
    import io as _io

    from classifier.batch.report import LogListener, RichListener, time_left
    from classifier.batch.summary import Listener

    folder = tmp_path / "articles"
    write_articles(folder, 7)
    (folder / "empty.md").write_text("", encoding="utf-8")  # a bad item: reported, counted, not scored
    db = tmp_path / "p.db"

    class Recorder(Listener):
        def __init__(self):
            self.events = []

        def article_done(self, summary, status):
            self.events.append(status)

        def articles_known(self, total):
            self.events.append(("total", total))

    for attempt in ("first", "rerun"):  # a re-run reports the unchanged articles against the same total
        rec = Recorder()
        with Store(db) as store:
            BatchRun(store, FakeEngine(), FakeSnapshot(), BatchOptions(chunk_articles=3), rec).run([str(folder)])
        (total,) = [e[1] for e in rec.events if isinstance(e, tuple)]
        done = [e for e in rec.events if not isinstance(e, tuple)]
        assert total == len(done) == 8, attempt
    assert time_left(2, 8, 10.0) == "0:30" and time_left(0, 8, 1.0) is None
    # The bar shows N of a known total and a time-left column.
    from rich.console import Console

    out = _io.StringIO()
    rich = RichListener(Console(file=out, force_terminal=True, width=160))
    with Store(db) as store:
        BatchRun(store, FakeEngine(), FakeSnapshot("e" * 64), BatchOptions(), rich).run([str(folder)])
    assert "8/8" in out.getvalue() and "left" in out.getvalue()
    log = _io.StringIO()
    listener = LogListener(log, every=0.0)
    with Store(db) as store:
        BatchRun(store, FakeEngine(), FakeSnapshot("d" * 64), BatchOptions(), listener).run([str(folder)])
    assert "all sources read: 8 articles" in log.getvalue() and "of 8 done" in log.getvalue()


def test_an_article_not_in_english_is_reported_not_scored_unless_any_language(tmp_path):
    """As `hypefact annotate` refuses it: a French article in a folder is one reported error and the
    English one is scored; with --any-language both are scored, the French one noted out of scope."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "en.txt").write_text("The council voted 31 to 9 on Thursday to repair the harbour bridge. "
                                   "Work starts in June, the council said.", encoding="utf-8")
    (folder / "fr.txt").write_text("Le conseil municipal a voté jeudi la réparation du pont du port. Les travaux "
                                   "commenceront en juin et dureront vingt mois, selon la mairie.", encoding="utf-8")
    db = tmp_path / "a.db"
    result = score_cli(folder, "--db", db)
    assert "fr.txt" in result.output and "French (fr), not English" in result.output
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT COUNT(*) FROM scores").fetchone()[0] == 1
    db2 = tmp_path / "b.db"
    score_cli(folder, "--db", db2, "--any-language")
    with sqlite3.connect(db2) as c:
        notes = [n for (n,) in c.execute("SELECT notes FROM scores") if n]
        assert c.execute("SELECT COUNT(*) FROM scores").fetchone()[0] == 2
        assert any("out of scope" in n for n in notes)
