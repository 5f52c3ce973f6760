"""Polite, bounded HTTP for feeds and article pages (standard library only).

Every request has a User-Agent, a socket timeout *and* one overall deadline for the
whole request, name lookups, redirects and status line included (a server that
trickles one byte a second cannot hold a run hostage), and a size cap checked
against ``Content-Length`` and again while reading, so a 50 MB
response costs at most ``max_bytes`` of memory. gzip/deflate bodies are
decompressed under the same cap (no decompression bombs). Conditional GET:
pass the ``etag`` and ``last_modified`` of the previous response and an
unchanged resource comes back as ``not_modified`` with no body.

The network policy (shared by ``annotate URL`` and ``score``): only http(s), at
every redirect hop too, at most :data:`MAX_REDIRECTS` redirects, and every
address connected to must be public (no loopback, private, link-local or
reserved range, however the host is spelled: ``127.1``, ``2130706433``,
``[::ffff:127.0.0.1]``, ``localhost``) unless ``allow_private`` is given. The
check is made on the resolved address that is actually connected to.

:class:`HostLimiter` caps concurrent requests per host for the article fetcher.
"""

from __future__ import annotations

import functools
import http.client
import ipaddress
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..about import HypefactError, __version__

USER_AGENT = f"hypefact/{__version__} (+https://github.com/hypefact/hypefact; batch feed scorer)"
DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
               "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5")
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_READ_BLOCK = 64 * 1024


class FetchError(HypefactError):
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


class NetworkPolicyError(FetchError):
    """A URL or redirect that the network policy refuses (scheme, private address, too many hops)."""


#: At most this many redirects are followed for one request.
MAX_REDIRECTS = 5


def is_public_address(address: str) -> bool:
    """Whether ``address`` (an IP literal as the resolver returns it) is a public, routable address.

    Refused: loopback, private, link-local, shared (CGNAT), reserved, multicast and
    unspecified ranges, including IPv4 hidden inside IPv6 (``::ffff:127.0.0.1``,
    6to4, Teredo). Everything is decided by the standard library's :mod:`ipaddress`.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        for inner in (ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None):
            if inner is not None and not is_public_address(str(inner)):
                return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_loopback
                                 or ip.is_link_local or ip.is_private)


class _Deadline:
    """One deadline for a whole request: connecting, TLS, status line, headers, redirects and body.

    Socket timeouts alone bound each read, not the request: a server that trickles
    its status line a byte a second would never trip them. Every socket of the
    request is watched; when the deadline passes it is shut down, which ends any
    read blocked on it, and :func:`fetch` reports the timeout.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self._timers: list[threading.Timer] = []

    def remaining(self) -> float:
        return self.at - time.monotonic()

    @property
    def passed(self) -> bool:
        return self.remaining() <= 0

    def watch(self, sock: socket.socket) -> None:
        def cut():
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        timer = threading.Timer(max(self.remaining(), 0.0), cut)
        timer.daemon = True
        timer.start()
        self._timers.append(timer)

    def cancel(self) -> None:
        for timer in self._timers:
            timer.cancel()


def _resolve(host: str, port: int, within: float) -> list:
    """``getaddrinfo`` bounded by the request's deadline (a stalled resolver cannot hold it)."""
    found: dict = {}

    def lookup():
        try:
            found["infos"] = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        except OSError as exc:
            found["error"] = exc

    worker = threading.Thread(target=lookup, daemon=True, name="hypefact-dns")
    worker.start()
    worker.join(within)
    if worker.is_alive():
        raise socket.timeout(f"looking up {host} timed out")
    if "error" in found:
        exc = found["error"]
        raise OSError(f"cannot resolve {host}: {getattr(exc, 'strerror', None) or exc}")
    return found["infos"]


def _guarded_connection(address, timeout, source_address=None, *, deadline: _Deadline, allow_private: bool):
    """``socket.create_connection`` that checks every resolved address against the policy.

    The address that is checked is the address connected to (no second lookup a
    rebinding DNS server could answer differently).
    """
    host, port = address
    remaining = deadline.remaining()
    if remaining <= 0:
        raise socket.timeout("deadline passed")
    infos = _resolve(host, port, remaining)
    refused = [info[4][0] for info in infos if not (allow_private or is_public_address(info[4][0]))]
    if refused:
        raise NetworkPolicyError(f"{host} resolves to a private, loopback or reserved address ({refused[0]}); "
                                 "refused (use --allow-private to fetch from your own network)")
    last: OSError | None = None
    for family, kind, proto, _, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            per_read = timeout if isinstance(timeout, (int, float)) and timeout > 0 else remaining
            sock.settimeout(max(min(per_read, remaining), 0.001))
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            deadline.watch(sock)
            return sock
        except OSError as exc:
            last = exc
            sock.close()
    raise last or OSError(f"cannot connect to {host}")


def _connection_class(base, deadline: _Deadline, allow_private: bool):
    class Guarded(base):
        def connect(self):
            # http.client calls self._create_connection((host, port), timeout, source_address)
            self._create_connection = functools.partial(_guarded_connection, deadline=deadline,
                                                        allow_private=allow_private)
            super().connect()

    return Guarded


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline, allow_private):
        super().__init__()
        self._conn = _connection_class(http.client.HTTPConnection, deadline, allow_private)

    def http_open(self, req):
        return self.do_open(self._conn, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline, allow_private):
        super().__init__()
        self._conn = _connection_class(http.client.HTTPSConnection, deadline, allow_private)

    def https_open(self, req):
        return self.do_open(self._conn, req, context=self._context)


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows at most MAX_REDIRECTS redirects, and only to http(s) URLs."""

    max_redirections = MAX_REDIRECTS
    max_repeats = 2

    def http_error_302(self, req, fp, code, msg, headers):
        target = headers.get("location") or headers.get("uri")
        if target:
            newurl = urllib.parse.urljoin(req.full_url, target.strip())
            if not is_http_url(newurl):
                fp.close()
                raise NetworkPolicyError(f"redirected to {newurl[:80]}: only http(s) URLs are fetched")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _opener(deadline: _Deadline, allow_private: bool) -> urllib.request.OpenerDirector:
    """http(s) only: no file:, ftp: or data: handlers, and no proxy (the address policy
    is checked on the connection itself, which a proxy would hide)."""
    opener = urllib.request.OpenerDirector()
    for handler in (_HTTPHandler(deadline, allow_private), _HTTPSHandler(deadline, allow_private),
                    _RedirectHandler(), urllib.request.HTTPDefaultErrorHandler(),
                    urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def fetch(url: str, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES,
          etag: str | None = None, last_modified: str | None = None, accept: str = FEED_ACCEPT,
          user_agent: str = USER_AGENT, allow_private: bool = False) -> Response:
    """GET ``url`` within ``timeout`` seconds overall and ``max_bytes``; raise :class:`FetchError`.

    Only http(s), at every redirect hop (at most :data:`MAX_REDIRECTS`); every
    address connected to must be public unless ``allow_private``.
    """
    if not is_http_url(url):
        raise NetworkPolicyError(f"{url}: only http(s) URLs are fetched")
    headers = {"User-Agent": user_agent, "Accept": accept, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = _Deadline(timeout)
    try:
        return _fetch(url, headers, deadline, max_bytes, allow_private)
    finally:
        deadline.cancel()


def _timed_out(deadline: _Deadline, when: str = "") -> FetchError:
    return FetchError(f"timed out after {deadline.seconds:g} s{when}")


def _fetch(url, headers, deadline: _Deadline, max_bytes: int, allow_private: bool) -> Response:
    request = urllib.request.Request(url, headers=headers, method="GET")
    try:
        resp = _opener(deadline, allow_private).open(request, timeout=deadline.seconds)
    except NetworkPolicyError:
        raise
    except urllib.error.HTTPError as exc:
        hdrs = {k.lower(): v for k, v in (exc.headers or {}).items()}
        exc.close()
        if exc.code == 304:
            return Response(url, 304, b"", hdrs)
        if exc.code in (301, 302, 303, 307, 308):
            raise NetworkPolicyError(f"HTTP {exc.code}: redirect not followed (more than {MAX_REDIRECTS} "
                                     "redirects, a loop, or no target)") from None
        raise FetchError(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, NetworkPolicyError):
            raise reason from None
        if isinstance(reason, (socket.timeout, TimeoutError)) or deadline.passed:
            raise _timed_out(deadline) from None
        raise FetchError(f"cannot connect: {reason}") from None
    except (socket.timeout, TimeoutError):
        raise _timed_out(deadline) from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        if deadline.passed:
            raise _timed_out(deadline) from None
        raise FetchError(f"request failed: {exc}") from None
    with resp:
        hdrs = {k.lower(): v for k, v in resp.headers.items()}
        length = hdrs.get("content-length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise FetchError(f"response is {_mb(int(length))}, over the {_mb(max_bytes)} limit")
        chunks, size = [], 0
        try:
            while True:
                if deadline.passed:
                    raise _timed_out(deadline, " (body still arriving)")
                block = resp.read1(_READ_BLOCK)  # one socket read: the deadline is checked often
                if not block:
                    break
                size += len(block)
                if size > max_bytes:
                    raise FetchError(f"response is over the {_mb(max_bytes)} limit")
                chunks.append(block)
        except (socket.timeout, TimeoutError):
            raise _timed_out(deadline, " (body still arriving)") from None
        except (OSError, http.client.HTTPException) as exc:
            if deadline.passed:
                raise _timed_out(deadline, " (body still arriving)") from None
            raise FetchError(f"connection broke while reading: {exc}") from None
        if deadline.passed:  # the watchdog cut the body short: what arrived is not the page
            raise _timed_out(deadline, " (body still arriving)")
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
