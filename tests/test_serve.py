"""``hypefact serve`` and its thin client: same results as a local run, on a UNIX socket and on
127.0.0.1 with a token, under concurrent requests and clients that go away mid-request."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from classifier.annotate import annotate_paths
from classifier.client import ClientError, annotate_paths_remote, call
from classifier.serve import ServeError, make_server

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "harbour-bridge-report.md")


@pytest.fixture()
def unix_server(annotator, tmp_path):
    path = str(tmp_path / "h.sock")
    server = make_server(annotator, socket_path=path)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield path
    server.shutdown()
    server.server_close()


@pytest.fixture()
def tcp_server(annotator):
    server = make_server(annotator, port=0, token="s3cret")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_remote_results_equal_local_ones(annotator, unix_server, tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_text("  \n")
    paths = [EXAMPLE, str(bad), str(tmp_path / "missing.md")]
    local, local_failures = annotate_paths(annotator, paths)
    remote, remote_failures = annotate_paths_remote(unix_server, paths)
    assert [r.to_dict(with_text=True) for r in remote] == [r.to_dict(with_text=True) for r in local]
    assert [(f.path, f.message) for f in remote_failures] == [(f.path, f.message) for f in local_failures]
    assert oct(os.stat(unix_server).st_mode & 0o777) == "0o600"


def test_text_and_bad_requests(annotator, unix_server):
    status, answer = call(unix_server, "POST", "/annotate", {"text": "The mayor said it could fall.", "path": "t"})
    assert status == 200 and answer["result"]["path"] == "t"
    assert answer["result"] == annotator.annotate_text("The mayor said it could fall.", "t").to_dict(with_text=True)
    assert call(unix_server, "POST", "/annotate", {"text": "a", "file": "/x"})[0] == 400
    assert call(unix_server, "POST", "/annotate", {"file": "relative.md"})[0] == 400
    assert call(unix_server, "GET", "/nothing")[0] == 404
    status, health = call(unix_server, "GET", "/health")
    assert status == 200 and health["model"]["sha256"] == annotator.model_info["sha256"]


def test_client_refuses_local_only_options(unix_server):
    from typer.testing import CliRunner

    from classifier.cli import app

    result = CliRunner().invoke(app, ["annotate", "--server", unix_server, "--model", "m.joblib", EXAMPLE])
    assert result.exit_code == 2 and "cannot go to a server" in result.output


def test_url_requests(annotator, unix_server, tmp_path):
    """A URL is fetched by the server (here from a page server on the loopback) and annotated as HTML."""
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    (tmp_path / "a.html").write_text("<html><body><nav>Home | News</nav><p>The council voted 31 to 9. "
                                     "It could rise.</p></body></html>", encoding="utf-8")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None
    pages = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{pages.server_address[1]}"
        # The network policy of `annotate`: a loopback URL is refused, and a client cannot lift that.
        status, answer = call(unix_server, "POST", "/annotate", {"url": f"{base}/a.html", "allow_private": True})
        assert status == 422 and "allow-private" in answer["error"]
        lenient = make_server(annotator, socket_path=str(tmp_path / "lenient.sock"), allow_private=True)
        threading.Thread(target=lenient.serve_forever, daemon=True).start()
        try:
            where = str(tmp_path / "lenient.sock")
            status, answer = call(where, "POST", "/annotate", {"url": f"{base}/a.html"})
            assert status == 200 and "The council voted" in answer["result"]["text"]
            assert "<p>" not in answer["result"]["text"]
            status, answer = call(where, "POST", "/annotate", {"url": f"{base}/missing.html"})
            assert status == 422 and "404" in answer["error"]
        finally:
            lenient.shutdown()
            lenient.server_close()
    finally:
        pages.shutdown()
        pages.server_close()


def test_tcp_needs_the_token(tcp_server):
    with pytest.raises(ClientError, match="token"):
        call(tcp_server, "GET", "/health")
    with pytest.raises(ClientError, match="token"):
        call(tcp_server, "GET", "/health", token="wrong")
    assert call(tcp_server, "GET", "/health", token="s3cret")[0] == 200
    with pytest.raises(ClientError, match="127.0.0.1 only"):
        call("http://example.org:80", "GET", "/health")


def test_tcp_server_binds_loopback_only(annotator):
    with pytest.raises(ServeError, match="token"):
        make_server(annotator, port=0)
    server = make_server(annotator, port=0, token="t")
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


def test_concurrent_requests_and_clients_that_leave(annotator, unix_server):
    texts = [f"Sentence {i} of the test. Officials said it could rise {i} percent." for i in range(8)]
    expected = [annotator.annotate_text(t, f"t{i}").to_dict(with_text=True) for i, t in enumerate(texts)]

    def leave_mid_request(i: int) -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(unix_server)
            if i % 2:  # headers promise a body that never comes
                s.sendall(b"POST /annotate HTTP/1.1\r\nContent-Length: 5000\r\n\r\n{\"text\": ")
            else:  # a whole request, but nobody stays to read the answer
                body = json.dumps({"text": "Some words. " * 2000}).encode()
                s.sendall(b"POST /annotate HTTP/1.1\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    def annotate(i: int) -> dict:
        if i % 3 == 0:
            leave_mid_request(i)
        return call(unix_server, "POST", "/annotate", {"text": texts[i], "path": f"t{i}"})[1]["result"]

    with ThreadPoolExecutor(6) as pool:
        got = list(pool.map(annotate, range(len(texts))))
    assert got == expected
    assert call(unix_server, "GET", "/health")[0] == 200  # still serving


def test_thin_client_imports_neither_spacy_nor_numpy(unix_server, tmp_path):
    out = tmp_path / "out.jsonl"
    code = ("import sys; from classifier.cli import app\n"
            "try:\n    app()\nexcept SystemExit as e:\n    code = e.code\n"
            "print(code, 'spacy' in sys.modules, 'numpy' in sys.modules, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code, "annotate", "--server", unix_server, EXAMPLE, "-f", "jsonl",
                           "-o", str(out)], capture_output=True, text=True, timeout=60)
    assert proc.stderr.split()[-3:] == ["0", "False", "False"], proc.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and rows[0]["path"] == EXAMPLE


def test_serve_command_starts_and_stops_on_loopback(tmp_path):
    """The real command: a fresh process on 127.0.0.1 with a token file, stopped by SIGTERM."""
    token_file = tmp_path / "token"
    env = {k: v for k, v in os.environ.items() if k not in ("HYPEFACT_TOKEN", "HYPEFACT_SERVER")}
    proc = subprocess.Popen([sys.executable, "-m", "classifier.cli", "serve", "--port", "0", "--token-file",
                             str(token_file)], stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stderr.readline()
        assert "listening on http://127.0.0.1:" in line, line
        address = line.split("listening on ")[1].strip()
        token = token_file.read_text().strip()
        assert oct(token_file.stat().st_mode & 0o777) == "0o600"
        cli = subprocess.run([sys.executable, "-m", "classifier.cli", "annotate", "--server", address, EXAMPLE,
                              "-f", "json"], capture_output=True, text=True, env={**env, "HYPEFACT_TOKEN": token},
                             timeout=60)
        assert cli.returncode == 0, cli.stderr
        assert json.loads(cli.stdout)[0]["verdict"] in ("reporting", "mixed", "analysis")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
