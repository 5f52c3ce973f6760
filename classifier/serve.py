"""``hypefact serve``: a resident process that keeps the model and the spaCy pipeline loaded.

Why: ``import spacy`` alone takes about a second in a fresh process, so a tool that annotates
many small files, or calls hypefact from another program, pays that on every call. The server
loads once and answers a small JSON API over HTTP, on a UNIX socket (file mode 0600: only its
owner can connect, no token needed) or on 127.0.0.1 only, where every request must carry the
server's token (``Authorization: Bearer TOKEN``). The client side is :mod:`classifier.client`.

API (every body is JSON):

* ``GET /health``: ``{"hypefact": version, "model": {...}}``
* ``POST /annotate`` with one of ``{"text", "path"}``, ``{"data": base64 bytes, "name"}``,
  ``{"file": absolute path}`` or ``{"url": http(s) URL}``, and optionally ``"max_bytes"`` and
  ``"encoding"``: ``{"result": document}``, the same object as ``hypefact annotate -f json``
  gives, with ``"text"`` (the classified text) and ``"notes"``; a bad input is a 422
  ``{"error": message}``.

Requests are read and answered in threads; annotation itself runs one at a time (spaCy's
pipeline is not thread-safe). A client that goes away mid-request costs the server nothing
but that request.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import socket
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .about import HypefactError, __version__
from .read import InputError

#: Largest request body accepted (a base64 file of the default 20 MB limit fits).
MAX_REQUEST_BYTES = 32 * 1024 * 1024


class ServeError(HypefactError):
    """The server cannot start (address in use, not a loopback address...)."""


class _Handler(BaseHTTPRequestHandler):
    server_version = f"hypefact/{__version__}"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        if self.server.verbose:
            sys.stderr.write(f"hypefact serve: {format % args}\n")

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError, socket.timeout, TimeoutError):
            pass  # the client went away: nothing to answer

    def _send(self, status: int, payload: dict) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self) -> bool:
        token = self.server.token
        if token is None:
            return True
        given = self.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
        self._send(401, {"error": "missing or wrong token (Authorization: Bearer TOKEN)"})
        return False

    def do_GET(self):
        if not self._authorised():
            return
        if self.path != "/health":
            return self._send(404, {"error": f"no such endpoint: GET {self.path}"})
        info = self.server.annotator.model_info
        self._send(200, {"hypefact": __version__,
                         "model": {k: info.get(k) for k in ("name", "sha256", "compiled_sha256")}})

    def do_POST(self):
        if not self._authorised():
            return
        if self.path != "/annotate":
            return self._send(404, {"error": f"no such endpoint: POST {self.path}"})
        length = self.headers.get("Content-Length", "")
        if not length.isdigit():
            return self._send(411, {"error": "Content-Length required"})
        if int(length) > MAX_REQUEST_BYTES:
            return self._send(413, {"error": f"request over {MAX_REQUEST_BYTES // 2**20} MB"})
        body = self.rfile.read(int(length))
        if len(body) < int(length):
            return  # the client disconnected mid-request
        try:
            request = json.loads(body)
            if not isinstance(request, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            return self._send(400, {"error": f"the body is not a JSON object: {exc}"})
        try:
            result = annotate_request(self.server.annotator, request, self.server.lock, self.server.allow_private)
        except RequestError as exc:
            return self._send(400, {"error": str(exc)})
        except (InputError, HypefactError, ValueError) as exc:  # bad input: the user's to fix
            return self._send(422, {"error": str(exc)})
        except Exception as exc:  # a bug: say so, and keep serving the other clients
            return self._send(500, {"error": f"internal error: {type(exc).__name__}: {exc}"})
        self._send(200, {"result": result})


class RequestError(ValueError):
    """A request that names no input, or more than one."""


def annotate_request(annotator, request: dict, lock: threading.Lock | None = None,
                     allow_private: bool = False) -> dict:
    """Answer one ``/annotate`` request: read the input it names, annotate it, return the document
    as JSON-ready data (with ``text``). Raises ``InputError``/``FetchError`` for bad input."""
    from .read import DEFAULT_MAX_BYTES, InputError, SourceText, read_source, text_from_bytes

    kinds = [k for k in ("text", "data", "file", "url") if k in request]
    if len(kinds) != 1:
        raise RequestError("give exactly one of text, data, file or url")
    max_bytes = int(request.get("max_bytes") or DEFAULT_MAX_BYTES)
    encoding = request.get("encoding")
    kind = kinds[0]
    if kind == "text":
        text, path = str(request["text"]), str(request.get("path") or "<text>")
        if len(text.encode("utf-8")) > max_bytes:
            raise InputError(f"{path}: over the {max_bytes / 1e6:.0f} MB limit (raise it with --max-mb)")
        src = SourceText(path, text, "text", [])
    elif kind == "data":
        name = str(request.get("name") or "<data>")
        try:
            data = base64.b64decode(request["data"], validate=True)
        except ValueError:
            raise RequestError("data is not base64") from None
        if len(data) > max_bytes:
            raise InputError(f"{name}: over the {max_bytes / 1e6:.0f} MB limit (raise it with --max-mb)")
        if not data.strip():
            raise InputError(f"{name}: empty file")
        src = text_from_bytes(data, name, None, encoding)
    elif kind == "file":
        file = str(request["file"])
        if not os.path.isabs(file):
            raise RequestError("file must be an absolute path (the server has its own working folder)")
        shown = str(request.get("path") or file)  # the path as the user wrote it, in results and errors
        try:
            src = read_source(file, max_bytes, encoding)
        except InputError as exc:
            raise InputError(str(exc).replace(file, shown, 1)) from None
        src.path = shown
    else:
        from .fetch import read_url  # the network policy of annotate and score (no private addresses)

        src = read_url(str(request["url"]), max_bytes, allow_private=allow_private)
    with lock or threading.Lock():
        doc = annotator.annotate_source(src)  # language check and article region, as `hypefact annotate`
    return doc.to_dict(with_text=True)


class _TCPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64  # clients that connect while the server is busy wait in line


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64

    def get_request(self):
        conn, _ = super().get_request()
        return conn, ("unix", 0)  # http.server logs client_address[0]


def make_server(annotator, socket_path: str | None = None, port: int | None = None,
                token: str | None = None, verbose: bool = False, allow_private: bool = False):
    """A server bound to a UNIX socket (``socket_path``) or to 127.0.0.1:``port`` (0 picks a free
    port; ``token`` is then required). Call ``serve_forever()``; ``server_address`` says where.
    URLs are fetched under the network policy of ``annotate``: no private or loopback address
    unless the server is started with ``allow_private`` (a client cannot ask for it)."""
    if (socket_path is None) == (port is None):
        raise ServeError("give either a socket path or a port")
    if socket_path is not None:
        if os.path.exists(socket_path):
            if _answers(socket_path):
                raise ServeError(f"{socket_path}: a server is already listening there")
            os.unlink(socket_path)  # left by a server that died
        old = os.umask(0o177)  # the socket is created 0600: only its owner may connect
        try:
            server = _UnixServer(socket_path, _Handler)
        except OSError as exc:
            raise ServeError(f"cannot listen on {socket_path}: {exc.strerror}") from None
        finally:
            os.umask(old)
        server.token = None
    else:
        if not token:
            raise ServeError("a TCP server needs a token")
        try:
            server = _TCPServer(("127.0.0.1", port), _Handler)
        except OSError as exc:
            raise ServeError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
        server.token = token
    server.annotator = annotator
    server.lock = threading.Lock()
    server.verbose = verbose
    server.allow_private = allow_private
    return server


def _answers(socket_path: str) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(1.0)
        probe.connect(socket_path)
        return True
    except OSError:
        return False
    finally:
        probe.close()


def serve(annotator, socket_path: str | None = None, port: int | None = None, token: str | None = None,
          verbose: bool = False, ready=None, allow_private: bool = False) -> None:
    """Run a server until interrupted (Ctrl-C or SIGTERM); a UNIX socket file is removed on exit.
    ``ready(server)`` is called once it listens."""
    import signal

    server = make_server(annotator, socket_path, port, token, verbose, allow_private)
    def stop(*_):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        if ready:
            ready(server)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
        if socket_path and os.path.exists(socket_path):
            os.unlink(socket_path)
