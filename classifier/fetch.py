"""Articles from URLs: ``hypefact annotate https://...`` and the pages ``score --fetch-articles`` downloads.

Both go through :func:`source_from_response`, which reads a page exactly as a saved
``page.html`` is read (:func:`classifier.page.read_page`): the charset the response
declares (header, BOM, ``<meta>``), every line of the page, the article region
marked. The download itself is :func:`classifier.batch.http.fetch` with its network
policy (http(s) only, bounded time and size, no private addresses unless allowed).
"""

from __future__ import annotations

from .about import InputError
from .batch.http import DEFAULT_TIMEOUT, HTML_ACCEPT, FetchError, Response, fetch, is_http_url
from .read import DEFAULT_MAX_BYTES, SourceText, text_from_bytes

__all__ = ["FetchError", "is_http_url", "read_url", "source_from_response"]

_PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/xml", "application/xml")


def source_from_response(resp: Response, name: str | None = None) -> SourceText:
    """The text to classify from a fetched response (an HTML page or plain text), or :class:`InputError`."""
    name = name or resp.url
    ctype = resp.content_type.split(";")[0].strip().lower()
    if ctype and ctype not in _PAGE_TYPES and ctype != "text/plain" and "html" not in ctype:
        raise InputError(f"{name}: not an HTML page (content type {ctype})")
    if not resp.data.strip():
        raise InputError(f"{name}: empty response")
    kind = "text" if ctype == "text/plain" else "html"
    src = text_from_bytes(resp.data, name, kind, content_type=resp.content_type, url=resp.url)
    if resp.url != name:
        src.notes.append(f"redirected to {resp.url}")
    return src


def read_url(url: str, max_bytes: int = DEFAULT_MAX_BYTES, timeout: float = DEFAULT_TIMEOUT,
             allow_private: bool = False) -> SourceText:
    """Download ``url`` under the network policy and read it (raises :class:`InputError`)."""
    try:
        resp = fetch(url, timeout=timeout, max_bytes=max_bytes, accept=HTML_ACCEPT, allow_private=allow_private)
    except FetchError as exc:
        raise InputError(f"{url}: {exc}") from None
    return source_from_response(resp, url)
