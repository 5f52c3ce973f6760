"""HTTP against a server the tests start on 127.0.0.1: conditional GET, timeouts, caps, dead URLs,
--fetch-articles. Never the internet."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from batch_support import FakeEngine, FakeSnapshot, counts

from classifier.batch.run import BatchOptions, BatchRun
from classifier.batch import http as http_mod
from classifier.batch.http import FetchError
from classifier.batch.sources import ReadOptions
from classifier.batch.store import Store


def rss(items: list[tuple[str, str, str]]) -> bytes:
    body = "".join(f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid><description>{d}</description></item>"
                   for t, link, d in items)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Local</title>{body}</channel></rss>'.encode()


class Server:
    """A tiny feed server: routes, a request log, per-path concurrency high-water marks."""

    def __init__(self):
        self.feed = rss([("Council sets budget", "http://x.invalid/1", "The council approved the budget, minutes show."),
                         ("Rates may rise", "http://x.invalid/2", "Rates could rise, analysts speculated.")])
        self.etag = '"v1"'
        self.log: list[tuple[str, dict]] = []
        self.active = 0
        self.peak = 0
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args):
                pass

            def send(self, code, body=b"", ctype="application/rss+xml", headers=None):
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                if code != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if code != 304:
                    self.wfile.write(body)

            def do_GET(self):
                server.log.append((self.path, dict(self.headers)))
                p = self.path
                if p == "/feed.xml":
                    if self.headers.get("If-None-Match") == server.etag:
                        return self.send(304, headers={"ETag": server.etag})
                    return self.send(200, server.feed, headers={"ETag": server.etag,
                                                                "Last-Modified": "Mon, 02 Jun 2025 10:00:00 GMT"})
                if p == "/slow.xml":
                    time.sleep(3)
                    return self.send(200, server.feed)
                if p == "/trickle.xml":
                    self.send_response(200)
                    self.end_headers()
                    for _ in range(30):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(0.1)
                    return
                if p == "/huge.xml":  # announces 50 MB
                    self.send_response(200)
                    self.send_header("Content-Length", str(50 * 1024 * 1024))
                    self.end_headers()
                    self.wfile.write(b"<rss>" + b" " * 1000)
                    return
                if p == "/stream.xml":  # no length, more than the cap
                    self.send_response(200)
                    self.end_headers()
                    for _ in range(40):
                        self.wfile.write(b" " * 65536)
                    return
                if p == "/gzip.xml":
                    return self.send(200, gzip.compress(server.feed), headers={"Content-Encoding": "gzip"})
                if p == "/bomb.xml":
                    return self.send(200, gzip.compress(b"\0" * (8 * 1024 * 1024)), headers={"Content-Encoding": "gzip"})
                if p == "/page.html":
                    return self.send(200, b"<!doctype html><html><body><p>Hello</p></body></html>", "text/html; charset=utf-8")
                if p.startswith("/articles/"):
                    # Counted as active until the response is ready, not until it is written: once the
                    # client has read it, it may start the next request before this thread gets back.
                    with server.lock:
                        server.active += 1
                        server.peak = max(server.peak, server.active)
                    try:
                        time.sleep(0.15)
                        name = p.rsplit("/", 1)[1]
                        if name == "pdf":
                            reply = (200, b"%PDF-1.4 \x00\x01binary", "application/pdf")
                        elif name == "gone":
                            reply = (404, b"not found", "text/html")
                        else:
                            html = (f"<html><head><title>Story {name}</title></head><body><nav>Home | World | Sport</nav>"
                                    f"<article><h1>Story {name}</h1><p>The ministry said on Tuesday that {name} new "
                                    "hospitals would open next year, according to a statement.</p><p>Officials told "
                                    "reporters the plan had been approved by parliament in March after a long debate "
                                    "about funding and staffing levels across the regions.</p></article>"
                                    "<footer>Copyright 2025</footer></body></html>")
                            reply = (200, html.encode(), "text/html; charset=utf-8")
                    finally:
                        with server.lock:
                            server.active -= 1
                    return self.send(*reply)
                return self.send(404, b"no", "text/plain")

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # clients that hang up on purpose (timeouts, caps) are the point of these tests

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    s = Server()
    yield s
    s.close()


def fetch(url, **kw):
    """The tests' server is on 127.0.0.1, which the default policy refuses."""
    return http_mod.fetch(url, allow_private=True, **kw)


def dead_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/feed.xml"


def test_fetch_conditional_get_returns_304(server):
    first = fetch(server.base + "/feed.xml")
    assert first.status == 200 and first.etag == '"v1"' and first.last_modified
    again = fetch(server.base + "/feed.xml", etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.data == b""
    assert server.log[-1][1].get("If-None-Match") == '"v1"'
    assert server.log[-1][1].get("User-Agent", "").startswith("hypefact/")


def test_fetch_refuses_slow_big_and_broken(server):
    with pytest.raises(FetchError, match="timed out"):
        fetch(server.base + "/slow.xml", timeout=0.5)
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetch(server.base + "/trickle.xml", timeout=0.8)  # bytes keep coming, the deadline still holds
    assert time.monotonic() - t0 < 2.5
    with pytest.raises(FetchError, match=r"52\.4 MB, over the 1\.0 MB limit"):
        fetch(server.base + "/huge.xml", max_bytes=1024 * 1024)
    with pytest.raises(FetchError, match="over the"):
        fetch(server.base + "/stream.xml", max_bytes=1024 * 1024)
    with pytest.raises(FetchError, match="decompresses to over"):
        fetch(server.base + "/bomb.xml", max_bytes=1024 * 1024)
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(server.base + "/nothing-here")
    with pytest.raises(FetchError, match="cannot connect"):
        fetch(dead_url(), timeout=2)
    assert fetch(server.base + "/gzip.xml").data == server.feed


def run(db, sources, engine=None, **read):
    with Store(db) as store:
        return BatchRun(store, engine or FakeEngine(), FakeSnapshot(), BatchOptions(read=ReadOptions(**{"allow_private": True, **read}))).run(sources)


def test_feed_url_unchanged_is_a_cheap_304(server, tmp_path):
    db = tmp_path / "h.db"
    url = server.base + "/feed.xml"
    s1 = run(db, [url])
    assert s1.sources[0].state == "ok" and s1.total("new") == 2
    before = counts(db)
    s2 = run(db, [url])
    assert server.log[-1][1].get("If-None-Match") == '"v1"'
    assert s2.sources[0].state == "not_modified" and s2.total("new") == 0 and s2.total("skipped") == 0
    assert counts(db) == before
    # the feed changes: one new entry, the old ones are unchanged
    server.feed = rss([("Council sets budget", "http://x.invalid/1", "The council approved the budget, minutes show."),
                       ("Rates may rise", "http://x.invalid/2", "Rates could rise, analysts speculated."),
                       ("Bridge reopens", "http://x.invalid/3", "The bridge reopened on Friday, police said.")])
    server.etag = '"v2"'
    s3 = run(db, [url])
    assert (s3.total("new"), s3.total("skipped")) == (1, 2)
    assert counts(db)["articles"] == 3


def test_validators_are_kept_only_when_every_entry_is_stored(server, tmp_path):
    db = tmp_path / "h.db"
    url = server.base + "/feed.xml"
    from classifier.batch.sources import article_id

    failing = FakeEngine(fail_ids={article_id("x", "http://x.invalid/2")})
    s1 = run(db, [url], engine=failing)
    assert (s1.total("new"), s1.total("failed")) == (1, 1)
    s2 = run(db, [url])  # no 304: the failed entry must get another chance
    assert s2.sources[0].state == "ok" and (s2.total("new"), s2.total("skipped")) == (1, 1)
    s3 = run(db, [url])
    assert s3.sources[0].state == "not_modified"


def test_bad_urls_are_reported_and_the_run_goes_on(server, tmp_path):
    db = tmp_path / "h.db"
    sources = [dead_url(), server.base + "/slow.xml", server.base + "/huge.xml", server.base + "/page.html",
               server.base + "/missing.xml", server.base + "/gzip.xml"]
    s = run(db, sources, timeout=0.5, max_bytes=1024 * 1024)
    by = {x.arg: x for x in s.sources}
    assert [by[u].state for u in sources] == ["failed"] * 5 + ["ok"]
    assert "cannot connect" in by[sources[0]].message
    assert "timed out" in by[sources[1]].message
    assert "over the" in by[sources[2]].message
    assert "not a feed" in by[sources[3]].message
    assert "HTTP 404" in by[sources[4]].message
    assert by[sources[5]].new == 2


def test_fetch_articles_polite_and_forgiving(server, tmp_path):
    db = tmp_path / "h.db"
    b = server.base
    items = [(f"Story {i}", f"{b}/articles/{i}", "") for i in range(6)]
    items += [("A PDF", f"{b}/articles/pdf", "The feed's own summary of the PDF story, officials said."),
              ("Gone", f"{b}/articles/gone", "")]
    server.feed = rss(items)
    s = run(db, [b + "/feed.xml"], fetch_articles=True, per_host=2)
    src = s.sources[0]
    assert (src.new, src.failed) == (7, 1)
    assert server.peak <= 2, f"{server.peak} requests at once to one host"
    messages = [p.message for p in s.problems]
    assert any("not an HTML page" in m and p.level == "warning" for m, p in zip(messages, s.problems))
    assert any("HTTP 404" in m and p.level == "error" for m, p in zip(messages, s.problems))
    with Store(db) as store:
        text = store.conn.execute("SELECT text FROM articles WHERE title = 'Story 3'").fetchone()[0]
        # the whole page, as `annotate URL` reads it: the menu stays, for the model to label
        assert "3 new hospitals" in text and "Home | World" in text
    # a re-run does not download pages it has already scored (the feed is a 304 anyway, so change it)
    server.etag = '"v9"'
    n = len([p for p, _ in server.log if p.startswith("/articles/")])
    s2 = run(db, [b + "/feed.xml"], fetch_articles=True)
    assert s2.total("new") == 0
    assert len([p for p, _ in server.log if p.startswith("/articles/")]) - n == 1  # only the 404 is retried
