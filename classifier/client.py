"""The thin client of ``hypefact serve``: standard library only (no spaCy, no NumPy, no model).

``hypefact annotate --server ADDRESS`` sends each input to a running server and renders the
result objects it returns exactly as a local run would. Without ``--server`` the CLI uses a
server on its own when one answers at ``$HYPEFACT_SERVER`` or at the default socket
(:func:`default_socket`), and annotates in-process otherwise.

Addresses: a socket path (``/run/user/1000/hypefact.sock``, or ``unix:PATH``) or
``http://127.0.0.1:PORT`` (with a token: ``--token`` or ``$HYPEFACT_TOKEN``).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import sys
import tempfile
import time
import urllib.parse

from .about import HypefactError
from .annotate import DocumentResult, Failure

TIMEOUT = 600.0  # a 20 MB article takes a while


class ClientError(HypefactError):
    """The server cannot be reached or answered something unexpected."""


def default_socket() -> str:
    """Where ``hypefact serve`` listens by default: ``$XDG_RUNTIME_DIR/hypefact.sock``, else a
    per-user socket in the temporary folder."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        return os.path.join(runtime, "hypefact.sock")
    return os.path.join(tempfile.gettempdir(), f"hypefact-{os.getuid()}.sock")


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self):
        # With a timeout the socket is non-blocking, and a UNIX socket whose queue of waiting
        # connections is full answers EAGAIN at once instead of waiting: retry for a while.
        for delay in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 0):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(self.timeout)
            try:
                self.sock.connect(self.socket_path)
                return
            except BlockingIOError:
                self.sock.close()
                if not delay:
                    raise
                time.sleep(delay)


def _connection(address: str, timeout: float) -> http.client.HTTPConnection:
    if address.startswith(("http://", "https://")):
        url = urllib.parse.urlsplit(address)
        if url.scheme != "http" or url.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ClientError(f"{address}: hypefact serve listens on http://127.0.0.1 only")
        return http.client.HTTPConnection(url.hostname, url.port or 80, timeout=timeout)
    return _UnixConnection(address.removeprefix("unix:"), timeout)


def call(address: str, method: str, path: str, payload: dict | None = None, token: str | None = None,
         timeout: float = TIMEOUT) -> tuple[int, dict]:
    """One request to the server: (HTTP status, JSON answer). Raises :class:`ClientError`."""
    conn = _connection(address, timeout)
    headers = {"Content-Type": "application/json"}
    token = token or os.environ.get("HYPEFACT_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(payload).encode("utf-8") if payload is not None else None
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        status = resp.status
    except (OSError, http.client.HTTPException) as exc:
        raise ClientError(f"no hypefact server at {address}: {exc}") from None
    finally:
        conn.close()
    try:
        answer = json.loads(data)
    except ValueError:
        raise ClientError(f"{address} answered something that is not hypefact's JSON (HTTP {status})") from None
    if status == 401:
        raise ClientError(f"{address}: {answer.get('error')} (give --token or set HYPEFACT_TOKEN)")
    return status, answer


def find_server(token: str | None = None) -> str | None:
    """The address of a running server: ``$HYPEFACT_SERVER``, else the default socket if it answers."""
    address = os.environ.get("HYPEFACT_SERVER") or default_socket()
    if not address.startswith("http") and not os.path.exists(address.removeprefix("unix:")):
        return None
    try:
        status, _ = call(address, "GET", "/health", token=token, timeout=2.0)
    except ClientError:
        return None
    return address if status == 200 else None


def request_for(path: str, max_bytes: int | None = None, encoding: str | None = None) -> dict:
    """The ``/annotate`` request for one input of ``hypefact annotate``: stdin is sent as bytes,
    a URL as a URL, a file as its absolute path (the server reads it: same machine)."""
    if path == "-":
        data = sys.stdin.buffer.read((max_bytes or 20 * 2**20) + 1)
        request = {"data": base64.b64encode(data).decode("ascii"), "name": "<stdin>"}
    elif path.lower().startswith(("http://", "https://")):
        request = {"url": path}
    else:
        request = {"file": os.path.abspath(path), "path": path}
    if max_bytes:
        request["max_bytes"] = max_bytes
    if encoding:
        request["encoding"] = encoding
    return request


def annotate_paths_remote(address: str, paths: list[str], max_bytes: int | None = None,
                          encoding: str | None = None, token: str | None = None
                          ) -> tuple[list[DocumentResult], list[Failure]]:
    """:func:`classifier.annotate.annotate_paths`, done by the server at ``address``."""
    results, failures = [], []
    for path in paths:
        status, answer = call(address, "POST", "/annotate", request_for(path, max_bytes, encoding), token)
        if status == 200:
            results.append(DocumentResult.from_dict(answer["result"]))
        elif status == 422:
            failures.append(Failure(path, answer.get("error", "failed")))
        else:
            raise ClientError(f"{address}: HTTP {status}: {answer.get('error')}")
    return results, failures
