"""Polite, bounded HTTP for feeds and article pages (standard library only).

Every request has a User-Agent, a socket timeout *and* an overall deadline checked
between reads (a server that trickles one byte a second cannot hold a run hostage), and a size
cap checked against ``Content-Length`` and again while reading, so a 50 MB
response costs at most ``max_bytes`` of memory. gzip/deflate bodies are
decompressed under the same cap (no decompression bombs). Conditional GET:
pass the ``etag`` and ``last_modified`` of the previous response and an
unchanged resource comes back as ``not_modified`` with no body.

:class:`HostLimiter` caps concurrent requests per host for the article fetcher.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..about import __version__

USER_AGENT = f"hypefact/{__version__} (+https://github.com/hypefact/hypefact; batch feed scorer)"
DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
               "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5")
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_READ_BLOCK = 64 * 1024


class FetchError(Exception):
    """A request that gave no usable body; the message is meant for the user."""


@dataclass
class Response:
    url: str  # final URL, after redirects
    status: int
    data: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def is_http_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.0f} kB"


def fetch(url: str, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES,
          etag: str | None = None, last_modified: str | None = None, accept: str = FEED_ACCEPT,
          user_agent: str = USER_AGENT) -> Response:
    """GET ``url`` within ``timeout`` seconds overall and ``max_bytes``; raise :class:`FetchError`."""
    if not is_http_url(url):
        raise FetchError(f"{url}: only http(s) URLs are fetched")
    headers = {"User-Agent": user_agent, "Accept": accept, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers, method="GET")
    deadline = time.monotonic() + timeout
    try:
        resp = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        hdrs = {k.lower(): v for k, v in (exc.headers or {}).items()}
        exc.close()
        if exc.code == 304:
            return Response(url, 304, b"", hdrs)
        raise FetchError(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise FetchError(f"timed out after {timeout:g} s") from None
        raise FetchError(f"cannot connect: {reason}") from None
    except (socket.timeout, TimeoutError):
        raise FetchError(f"timed out after {timeout:g} s") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise FetchError(f"request failed: {exc}") from None
    with resp:
        hdrs = {k.lower(): v for k, v in resp.headers.items()}
        length = hdrs.get("content-length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise FetchError(f"response is {_mb(int(length))}, over the {_mb(max_bytes)} limit")
        chunks, size = [], 0
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise FetchError(f"timed out after {timeout:g} s (body still arriving)")
                block = resp.read1(_READ_BLOCK)  # one socket read: the deadline is checked often
                if not block:
                    break
                size += len(block)
                if size > max_bytes:
                    raise FetchError(f"response is over the {_mb(max_bytes)} limit")
                chunks.append(block)
        except (socket.timeout, TimeoutError):
            raise FetchError(f"timed out after {timeout:g} s (body still arriving)") from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"connection broke while reading: {exc}") from None
        data = b"".join(chunks)
        encoding = hdrs.get("content-encoding", "").strip().lower()
        if encoding in ("gzip", "x-gzip", "deflate"):
            data = decompress(data, max_bytes, what="response")
        return Response(resp.geturl() or url, resp.status, data, hdrs)


def decompress(data: bytes, max_bytes: int, what: str = "data") -> bytes:
    """Inflate gzip/zlib/raw-deflate ``data``, refusing more than ``max_bytes`` of output."""
    if data[:2] == b"\x1f\x8b":
        wbits = 16 + zlib.MAX_WBITS
    elif data[:1] == b"\x78":
        wbits = zlib.MAX_WBITS
    else:
        wbits = -zlib.MAX_WBITS
    out = zlib.decompressobj(wbits)
    try:
        result = out.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise FetchError(f"{what} is not valid compressed data: {exc}") from None
    if len(result) > max_bytes or out.unconsumed_tail:
        raise FetchError(f"{what} decompresses to over the {_mb(max_bytes)} limit")
    return result


def is_gzip(data: bytes) -> bool:
    return data[:2] == b"\x1f\x8b"


def host_of(url: str) -> str:
    return (urllib.parse.urlsplit(url).hostname or "").lower()


class HostLimiter:
    """At most ``per_host`` requests in flight to any one host (thread-safe)."""

    def __init__(self, per_host: int = 2):
        self.per_host = max(1, per_host)
        self._lock = threading.Lock()
        self._sems: dict[str, threading.BoundedSemaphore] = {}

    @contextmanager
    def slot(self, url: str):
        host = host_of(url)
        with self._lock:
            sem = self._sems.setdefault(host, threading.BoundedSemaphore(self.per_host))
        with sem:
            yield
