"""Attacks through feeds and dumps: lone surrogates, a bad character reference in one feed entry,
JSON nested 100,000 deep, duplicate guids, read-only and damaged databases (issue 16, items 6 and 15)."""

import json
import sqlite3
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/ for the shared helpers
from batch_support import FakeEngine, FakeSnapshot, check_db  # noqa: E402

from classifier.batch.run import BatchRun  # noqa: E402
from classifier.batch.sources import ReadOptions, SourceStatus, expand_sources, iter_source  # noqa: E402
from classifier.batch.store import Store  # noqa: E402
from classifier.cli import app  # noqa: E402

runner = CliRunner()
TEXT = "The council voted 31 to 9 on Thursday.\nThe repairs could easily overrun."


def items_of(path):
    (spec,) = expand_sources([str(path)])
    return list(iter_source(spec, ReadOptions(), SourceStatus()))


def fake_run(db, sources):
    with Store(db) as store:
        return BatchRun(store, FakeEngine(), FakeSnapshot()).run([str(s) for s in sources])


# -- item 6: lone surrogates, bad character references, deep JSON ----------------------


@pytest.mark.parametrize("field", ["id", "url", "title", "text"])
def test_a_lone_surrogate_in_a_dump_is_scored_and_rerun(tmp_path, field):
    dump = tmp_path / "dump.jsonl"
    record = {"id": "a-1", "url": "https://example.org/a", "title": "Council votes", "text": TEXT}
    record[field] = record[field][:5] + "\ud800" + record[field][5:]
    dump.write_text(json.dumps(record) + "\n" + json.dumps({"id": "a-2", "text": TEXT + " Again."}) + "\n",
                    encoding="utf-8")
    db = tmp_path / "x.db"
    for _ in range(2):  # the first run and every rerun
        summary = fake_run(db, [dump])
        assert summary.total("failed") == 0, [str(p) for p in summary.problems]
    check_db(db)
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT COUNT(*) FROM scores").fetchone()[0] == 2


def test_a_bad_character_reference_spoils_only_its_entry(tmp_path):
    feed = tmp_path / "feed.xml"
    entries = "".join(f"<item><guid>g{n}</guid><title>Story {n}</title><description>{body}</description></item>"
                      for n, body in enumerate(["Council votes on the bridge.", "Bad &#xD800; character here.",
                                                "Traders fear delays."]))
    feed.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{entries}</channel></rss>',
                    encoding="utf-8")
    items = items_of(feed)
    texts = [getattr(i, "text", "") for i in items]
    assert any("Council votes" in t for t in texts) and any("Traders fear" in t for t in texts), items
    assert not any("\ud800" in t for t in texts)


def test_json_nested_100000_deep_is_one_bad_line(tmp_path):
    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps({"id": "a", "text": TEXT}) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n"
                    + json.dumps({"id": "b", "text": TEXT + " More."}) + "\n", encoding="utf-8")
    items = items_of(dump)
    assert [type(i).__name__ for i in items] == ["Article", "Problem", "Article"]
    assert "line 2" in str(items[1]) and "nested too deeply" in str(items[1])


# -- item 15: duplicate guids ----------------------------------------------------------------


def test_duplicate_guids_are_not_rescored_on_every_run(tmp_path):
    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps({"id": "same", "text": TEXT}) + "\n"
                    + json.dumps({"id": "same", "text": "Another story entirely, with its own words."}) + "\n",
                    encoding="utf-8")
    db = tmp_path / "x.db"
    first = fake_run(db, [dump])
    assert first.total("new") == 1
    assert any("duplicate" in p.message for p in first.problems)
    second = fake_run(db, [dump])
    assert second.total("new") + second.total("updated") == 0, "the duplicate guid was scored again"


# -- item 15: read-only and damaged databases --------------------------------------------------


def test_a_read_only_database_is_one_line(tmp_path, monkeypatch):
    from classifier.batch import store as store_module
    from classifier.batch.run import BatchError, score_sources

    db = tmp_path / "x.db"
    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps({"id": "a", "text": TEXT}) + "\n", encoding="utf-8")
    fake_run(db, [dump])
    real_connect = sqlite3.connect

    def read_only(path, *args, **kwargs):  # a read-only file (the tests run as root, who may write anything)
        kwargs.pop("uri", None)
        path = str(path)
        uri = path if path.startswith("file:") else Path(path).absolute().as_uri()
        return real_connect(uri + ("&" if "?" in uri else "?") + "mode=ro", *args, uri=True, **kwargs)

    monkeypatch.setattr(store_module.sqlite3, "connect", read_only)
    with pytest.raises(BatchError, match="read-only"):
        score_sources([str(dump)], db, engine=FakeEngine())
    # export only reads: it works on a read-only database
    result = runner.invoke(app, ["export", "--db", str(db), "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    assert '"article_id"' in result.output


def test_export_on_a_damaged_database_is_one_line(tmp_path):
    db = tmp_path / "x.db"
    dump = tmp_path / "dump.jsonl"
    dump.write_text("".join(json.dumps({"id": f"a{n}", "text": f"{TEXT} Number {n}. " + "More words. " * 300}) + "\n"
                            for n in range(40)), encoding="utf-8")
    fake_run(db, [dump])
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db.read_bytes())
    page = 4096
    for start in range(page * 3, len(data) - page, page * 2):  # scribble over every other page
        data[start + 8:start + 400] = b"\xff" * 392
    db.write_bytes(bytes(data))
    result = runner.invoke(app, ["export", "--db", str(db), "-f", "csv", "--text"])
    assert result.exit_code == 1, result.output
    assert "damaged" in result.output or "not a usable" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
