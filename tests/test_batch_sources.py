"""Reading sources: every shared (or fixture) feed, dumps, folders, ids, dates. No model needed."""

from __future__ import annotations

import gzip
import json

import pytest
from batch_support import feed_files, feed_manifest, feeds_dir

from classifier.batch.sources import (Article, Problem, ReadOptions, Skipped, SourceStatus, article_id, compose_text,
                                iter_source, normalize_url, parse_date, resolve_source)


def read_all(path, **opts):
    status = SourceStatus()
    items = list(iter_source(resolve_source(str(path)), ReadOptions(**opts), status))
    return items, status


@pytest.mark.parametrize("entry", feed_manifest(), ids=lambda e: e["file"])
def test_every_feed_is_read_or_reported(entry):
    path = feeds_dir() / entry["file"]
    items, status = read_all(path)
    articles = [i for i in items if isinstance(i, Article)]
    problems = [i for i in items if isinstance(i, Problem)]
    assert articles or problems, "a feed must give articles or a reason"
    note = entry["note"].upper()
    if "ILL-FORMED" in note or "GZIP" in note:
        assert problems, f"{entry['file']} is broken on purpose ({entry['note']}); that must be reported"
    else:
        assert status.state == "ok" and articles, [str(p) for p in problems]
    for a in articles:
        assert a.text.strip() and len(a.id) == 32 and a.source == resolve_source(str(path)).key
    assert len({a.id for a in articles}) == len(articles), "ids must be unique within a feed"
    if status.state == "failed":
        assert not articles and any(p.item is None and p.level == "error" for p in problems)


def test_koi8r_feed_is_decoded_not_mojibake():
    path = next(p for p in feed_files() if "koi8" in p.name.lower())
    items, _ = read_all(path)
    [article] = [i for i in items if isinstance(i, Article)]
    assert "Новый год" in article.text
    assert any("koi8" in p.message.lower() for p in items if isinstance(p, Problem))


def test_gzip_under_xml_name_is_inflated():
    path = next(p for p in feed_files() if "gzip" in p.name.lower())
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    items, status = read_all(path)
    assert status.state == "ok"
    assert sum(isinstance(i, Article) for i in items) >= 3
    assert any("gzip" in i.message for i in items if isinstance(i, Problem))


def test_ids_are_stable_and_scoped():
    path = feed_files()[0]
    first = [i.id for i in read_all(path)[0] if isinstance(i, Article)]
    again = [i.id for i in read_all(path)[0] if isinstance(i, Article)]
    assert first == again
    # a URL-like guid is global; a bare guid is scoped to its feed
    assert article_id("feed-a", "https://x.example/1") == article_id("feed-b", "https://x.example/1")
    assert article_id("feed-a", "123") != article_id("feed-b", "123")
    assert article_id("s", url="https://X.example/a?utm_source=rss#top") == article_id("t", url="https://x.example/a")
    assert normalize_url("HTTPS://Example.COM/a?b=1&utm_medium=x#frag") == "https://example.com/a?b=1"


def test_jsonl_dump_good_and_bad_lines(tmp_path):
    dump = tmp_path / "dump.jsonl"
    lines = [
        json.dumps({"id": "1", "url": "https://d.example/1", "title": "Rates rise", "text": "The bank raised rates.",
                    "published": "2025-05-02T10:00:00+02:00"}),
        json.dumps({"id": "2", "html": "<p>Shares <b>could</b> soar.</p>", "published": "Fri, 02 May 2025 12:00:00 GMT"}),
        '{"id": "3", "text": ',
        json.dumps({"id": "4", "title": "Headline only"}),
        json.dumps([1, 2]),
        "   ",
        json.dumps({"id": "6", "text": "x" * 5000}),
        json.dumps({"text": "No id or url, still scored.", "published": "someday"}),
    ]
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items, status = read_all(dump, max_bytes=2000)
    kinds = [type(i).__name__ for i in items]
    assert kinds.count("Article") == 3
    articles = [i for i in items if isinstance(i, Article)]
    assert articles[0].published == "2025-05-02T08:00:00Z" and articles[0].text.startswith("Rates rise\n")
    assert articles[1].text == "Shares could soar." and articles[1].published == "2025-05-02T12:00:00Z"
    assert any("unreadable date" in n for n in articles[2].notes)
    messages = " | ".join(p.message for p in items if isinstance(p, Problem))
    assert "not valid JSON" in messages and "no text" in messages and "expected a JSON object" in messages
    assert "over the" in messages  # the 5000-character line with a 2000-byte cap
    # the same dump gzipped, under a .jsonl.gz name
    gz = tmp_path / "dump.jsonl.gz"
    gz.write_bytes(gzip.compress(dump.read_bytes()))
    assert [type(i).__name__ for i in read_all(gz, max_bytes=2000)[0]] == kinds
    # --since
    items, _ = read_all(dump, since="2025-05-02T09:00:00Z")
    assert sum(isinstance(i, Skipped) and i.reason == "older" for i in items) == 1


def test_folder_reports_bad_files_and_skips_hidden(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("The council met on Monday. It voted 7-2.", encoding="utf-8")
    (tmp_path / "sub" / "b.html").write_text("<html><body><p>Police said three roads closed.</p></body></html>")
    (tmp_path / "c.md").write_bytes("Caf\xe9 prices rose 3%, the office said.".encode("cp1252"))
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.html").write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    (tmp_path / "markup-only.html").write_text("<html><body><script>x()</script></body></html>")
    (tmp_path / ".hidden.txt").write_text("not me")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    items, status = read_all(tmp_path)
    articles = {i.guid: i for i in items if isinstance(i, Article)}
    assert set(articles) == {"a.txt", "sub/b.html", "c.md"}
    assert articles["sub/b.html"].text == "Police said three roads closed."
    assert "Café" in articles["c.md"].text and articles["c.md"].notes
    problems = {p.item: p.message for p in items if isinstance(p, Problem)}
    assert set(problems) == {"empty.txt", "binary.html", "markup-only.html"}
    assert "binary" in problems["binary.html"]


def test_missing_and_unsupported_sources(tmp_path):
    items, status = read_all(tmp_path / "nope.xml")
    assert status.state == "failed" and "no such file" in items[0].message
    items, status = read_all("ftp://example.com/feed.xml")
    assert status.state == "failed" and "unsupported" in items[0].message
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"  \n")
    items, status = read_all(empty)
    assert status.state == "failed" and "empty" in items[0].message
    big = tmp_path / "big.xml"
    big.write_bytes(b"<rss>" + b" " * 5000 + b"</rss>")
    items, status = read_all(big, max_bytes=1000)
    assert status.state == "failed" and "limit" in items[0].message


def test_dates_and_titles():
    assert parse_date("2025-01-02") == "2025-01-02T00:00:00Z"
    assert parse_date("2025-01-02T03:04:05Z") == "2025-01-02T03:04:05Z"
    assert parse_date("Thu, 02 Jan 2025 03:04:05 -0100") == "2025-01-02T04:04:05Z"
    assert parse_date(0) == "1970-01-01T00:00:00Z"
    assert parse_date("not a date") is None and parse_date(None) is None and parse_date(True) is None
    assert compose_text("Headline", "Body text.") == "Headline\nBody text."
    assert compose_text("Headline", "Headline\nBody text.") == "Headline\nBody text."
    assert compose_text("Новый год", "Новый год наступит.") == "Новый год\nНовый год наступит."
    assert compose_text("Only a title", "") == ""


def test_a_folder_of_feeds_is_read_as_feeds(tmp_path):
    from pathlib import Path

    from classifier.batch.sources import expand_sources

    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "a.xml").write_text("<rss/>")
    (tmp_path / "feeds" / "b.atom").write_text("<feed/>")
    (tmp_path / "mixed").mkdir()
    (tmp_path / "mixed" / "story.md").write_text("The council voted.")
    (tmp_path / "mixed" / "dump.jsonl").write_text("{}\n")
    kinds = [(s.kind, Path(s.arg).name) for s in expand_sources([str(tmp_path / "feeds"), str(tmp_path / "mixed")])]
    assert kinds == [("feed_file", "a.xml"), ("feed_file", "b.atom"), ("folder", "mixed"), ("jsonl", "dump.jsonl")]
