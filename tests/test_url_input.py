"""URLs and pages: the network policy, charsets, and one code path for `annotate` and `score --fetch-articles`.

Every server here is started on 127.0.0.1 by the test itself; since the default policy
refuses loopback addresses, fetches that should succeed pass ``allow_private``.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifier.batch import http as http_mod
from classifier.batch.http import FetchError, NetworkPolicyError, fetch, is_public_address
from classifier.cli import app
from classifier.fetch import read_url

PAGES = Path(__file__).parent / "fixtures" / "pages"
RU_TEXT = ("<html><head><title>t</title></head><body><h1>\u041d\u043e\u0432\u043e\u0441\u0442\u0438</h1><p>"
           "\u041f\u0440\u0430\u0432\u0438\u0442\u0435\u043b\u044c\u0441\u0442\u0432\u043e \u043e\u0431\u044a\u044f"
           "\u0432\u0438\u043b\u043e \u043e \u043d\u043e\u0432\u043e\u0439 \u0440\u0435\u0444\u043e\u0440\u043c"
           "\u0435.</p></body></html>")
RU_WORD = "\u041f\u0440\u0430\u0432\u0438\u0442\u0435\u043b\u044c\u0441\u0442\u0432\u043e"
LATIN_PAGE = ("<html><head><meta charset='windows-1252'></head><body><p>The caf\u00e9 on the quay \u2013 "
              "closed since May \u2013 reopened on Friday, the owner said.</p></body></html>")


class Server:
    """A page server with the awkward cases: redirects, wrong charsets, gzip, size, slowness."""

    def __init__(self):
        server = self
        self.hits: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def send(self, body: bytes, ctype="text/html; charset=utf-8", status=200, headers=()):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def redirect(self, where: str, code=302):
                self.send_response(code)
                self.send_header("Location", where)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self):
                p = self.path
                server.hits.append(p)
                if p == "/ferry":
                    return self.send((PAGES / "ferry-report.html").read_bytes())
                if p == "/hop":
                    return self.redirect("/ferry")
                if p.startswith("/chain/"):
                    n = int(p.rsplit("/", 1)[1])
                    return self.redirect(f"/chain/{n + 1}")
                if p == "/to-file":
                    return self.redirect("file:///etc/passwd")
                if p == "/to-ftp":
                    return self.redirect("ftp://example.org/x")
                if p == "/to-loopback":
                    return self.redirect(f"http://127.0.0.2:{server.port}/ferry")
                if p == "/cp1251-says-utf8":  # the header lies: the bytes are windows-1251
                    return self.send(RU_TEXT.encode("cp1251"), "text/html; charset=utf-8")
                if p == "/cp1251-meta":  # only <meta> declares it
                    body = RU_TEXT.replace("<title>", "<meta charset='windows-1251'><title>")
                    return self.send(body.encode("cp1251"), "text/html")
                if p == "/latin":  # a single-byte charset declared in <meta>, honoured over a guess
                    return self.send(LATIN_PAGE.encode("cp1252"), "text/html")
                if p == "/gzip":
                    body = gzip.compress((PAGES / "ferry-report.html").read_bytes())
                    return self.send(body, headers=[("Content-Encoding", "gzip")])
                if p == "/big":
                    return self.send(b"<html><body>" + b"<p>word</p>" * 200_000 + b"</body></html>")
                if p == "/pdf":
                    return self.send(b"%PDF-1.4 binary", "application/pdf")
                if p == "/trickle-status":  # the status line a byte at a time: socket timeouts never fire
                    try:
                        for ch in b"HTTP/1.1 200 OK\r\n":
                            self.wfile.write(bytes([ch]))
                            self.wfile.flush()
                            time.sleep(0.15)
                    except OSError:
                        pass
                    return None
                return self.send(b"not here", "text/plain", 404)

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)


def get(url, **kw):
    return fetch(url, allow_private=True, **kw)


@pytest.mark.parametrize("address, public", [
    ("127.0.0.1", False), ("127.9.9.9", False), ("10.1.2.3", False), ("172.16.0.1", False),
    ("192.168.1.1", False), ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False),
    ("224.0.0.1", False), ("240.0.0.1", False), ("::1", False), ("fe80::1%eth0", False), ("fc00::1", False),
    ("::ffff:127.0.0.1", False), ("::ffff:10.0.0.1", False), ("2002:7f00:1::", False), ("::", False),
    ("93.184.216.34", True), ("8.8.8.8", True), ("2606:4700:4700::1111", True), ("not-an-ip", False),
])
def test_address_ranges(address, public):
    assert is_public_address(address) is public


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "2130706433", "0x7f000001", "[::ffff:127.0.0.1]",
                                  "localhost", "[::1]"])
def test_loopback_in_any_spelling_is_refused_before_connecting(server, host):
    port = server.port
    before = len(server.hits)
    with pytest.raises(NetworkPolicyError, match="private, loopback or reserved"):
        fetch(f"http://{host}:{port}/ferry", timeout=3)
    assert len(server.hits) == before  # refused before any request was sent


def test_only_http_urls_at_every_hop(server):
    for url in ("file:///etc/passwd", "ftp://example.org/x", "data:text/html,<p>hi</p>"):
        with pytest.raises(NetworkPolicyError, match="only http"):
            fetch(url)
    with pytest.raises(NetworkPolicyError, match="only http"):
        get(server.base + "/to-file")
    with pytest.raises(NetworkPolicyError, match="only http"):
        get(server.base + "/to-ftp")


def test_redirects_followed_and_limited(server):
    resp = get(server.base + "/hop")
    assert resp.url.endswith("/ferry") and b"Kessock" in resp.data
    with pytest.raises(NetworkPolicyError, match="redirect not followed"):
        get(server.base + "/chain/0")
    assert max(int(h.rsplit("/", 1)[1]) for h in server.hits if h.startswith("/chain/")) <= http_mod.MAX_REDIRECTS


def test_a_redirect_to_loopback_is_checked_too(server, monkeypatch):
    """The first hop is allowed (as if public); the 302 points at another loopback address: refused."""
    real = http_mod.is_public_address
    monkeypatch.setattr(http_mod, "is_public_address", lambda a: a == "127.0.0.1" or real(a))
    assert b"Kessock" in fetch(server.base + "/ferry").data  # the stand-in "public" server answers
    with pytest.raises(NetworkPolicyError, match="127.0.0.2"):
        fetch(server.base + "/to-loopback")


def test_one_deadline_for_the_whole_request(server):
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        get(server.base + "/trickle-status", timeout=1.0)
    assert time.monotonic() - t0 < 2.0


def test_a_stalled_name_lookup_is_inside_the_deadline(monkeypatch):
    real = socket.getaddrinfo

    def stalled(host, *args, **kw):
        if host == "stalled.invalid":
            time.sleep(3)
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", stalled)
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetch("http://stalled.invalid/page", timeout=0.5)
    assert time.monotonic() - t0 < 1.5


def test_size_cap_and_gzip(server):
    with pytest.raises(FetchError, match="over the"):
        get(server.base + "/big", max_bytes=500_000)
    assert get(server.base + "/gzip").data == (PAGES / "ferry-report.html").read_bytes()


def test_declared_charset_honoured_and_sniffing_only_as_fallback(server):
    src = read_url(server.base + "/cp1251-says-utf8", allow_private=True)
    assert RU_WORD in src.text
    assert any("declares utf-8" in n and "detected" in n for n in src.notes)
    src = read_url(server.base + "/cp1251-meta", allow_private=True)
    assert RU_WORD in src.text and not src.notes
    src = read_url(server.base + "/latin", allow_private=True)
    assert "caf\u00e9 on the quay \u2013 closed" in src.text and not src.notes


def test_annotate_url_cli(server, tmp_path):
    runner = CliRunner()
    refused = runner.invoke(app, ["annotate", server.base + "/ferry", "-f", "json"])
    assert refused.exit_code == 1 and "use --allow-private" in refused.output
    ok = runner.invoke(app, ["annotate", server.base + "/hop", server.base + "/pdf", "-f", "json",
                             "--allow-private", "-o", str(tmp_path / "out.json")])
    assert ok.exit_code == 1 and "not an HTML page" in ok.output  # the PDF fails, the page is annotated
    (doc,) = json.loads((tmp_path / "out.json").read_text())
    assert doc["path"].endswith("/hop") and any("redirected to" in n for n in doc["notes"])
    assert "Traceback" not in ok.output


def test_annotate_page_and_score_fetch_articles_agree(server, tmp_path, annotator):
    """One code path: the saved page, the URL and the page fetched from a feed give the same sentences and verdict."""
    from classifier.batch.run import BatchOptions, score_sources
    from classifier.batch.engines import InlineEngine
    from classifier.batch.sources import ReadOptions
    from classifier.batch.store import Store

    saved = annotator.annotate_file(str(PAGES / "ferry-report.html"))
    fetched = annotator.annotate_file(server.base + "/ferry", allow_private=True)
    feed = tmp_path / "feed.xml"
    feed.write_text(f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Courier</title>
        <item><title>Ferry cuts</title><link>{server.base}/ferry</link><guid>ferry-1</guid>
        <description>Short summary.</description></item></channel></rss>""", encoding="utf-8")
    db = tmp_path / "s.db"
    options = BatchOptions(read=ReadOptions(fetch_articles=True, allow_private=True))
    score_sources([str(feed)], db, engine=InlineEngine(), options=options)
    with Store(db) as store:
        aid, text = store.conn.execute("SELECT id, text FROM articles").fetchone()
        verdict = store.conn.execute("SELECT verdict FROM scores WHERE article_id = ?", (aid,)).fetchone()[0]
        stored = store.conn.execute("SELECT start, end, label FROM sentences WHERE article_id = ? ORDER BY idx",
                                    (aid,)).fetchall()
    assert text == saved.text == fetched.text
    assert [(s.start, s.end, s.label) for s in saved.sentences] == [tuple(r) for r in stored]
    assert [(s.text, s.label) for s in saved.sentences] == [(s.text, s.label) for s in fetched.sentences]
    assert verdict == saved.verdict == fetched.verdict


def test_score_refuses_private_feed_urls_unless_allowed(server, tmp_path):
    from batch_support import FakeEngine, FakeSnapshot

    from classifier.batch.run import BatchOptions, BatchRun
    from classifier.batch.sources import ReadOptions
    from classifier.batch.store import Store

    with Store(tmp_path / "p.db") as store:
        summary = BatchRun(store, FakeEngine(), FakeSnapshot(), BatchOptions(read=ReadOptions())).run(
            [server.base + "/feed.xml"])
    (src,) = summary.sources
    assert src.state == "failed" and "use --allow-private" in src.message
    assert "/feed.xml" not in server.hits  # refused before any request
