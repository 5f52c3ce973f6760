"""Read the SOURCE arguments of ``hypefact score`` into articles, reporting bad input as it goes.

A source is one of:

* an **RSS/Atom feed** file, or an ``http(s)://`` URL of one. The bytes are
  fetched by :mod:`classifier.batch.http` (timeouts, size cap, User-Agent,
  conditional GET) and parsed by feedparser from memory, never from a string it
  could treat as a URL or path. gzip bodies under any name are inflated; a feed
  whose declared (or missing) encoding is wrong is re-decoded with
  charset-normalizer's guess. An entry's text is its full content when the feed
  carries it, else its summary; with ``fetch_articles`` the entry's link is
  downloaded and read exactly as ``hypefact annotate URL`` reads it
  (:func:`classifier.fetch.source_from_response`: every line of the page, the
  article region found by trafilatura marked for the classifier; per-host
  concurrency limit), the feed's own text kept as the fallback.
* a **folder** of articles (``.txt``, ``.md``, ``.html`` ..., walked recursively,
  hidden files skipped), read exactly as ``hypefact annotate`` reads them;
* a **JSON Lines dump**, one ``{"id", "url", "title", "text" or "html",
  "published"}`` object per line (``.jsonl``, ``.ndjson``, optionally gzipped).

:func:`iter_source` yields :class:`Article`, :class:`Skipped` and
:class:`Problem` items one at a time, so a folder of a million files or a huge
dump is streamed, never loaded. Nothing here raises for bad input: a problem is
an item like any other, and the next entry is read.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import io
import json
import os
import re
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Union

from .http import (DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, HTML_ACCEPT, USER_AGENT, FetchError, HostLimiter,
                    decompress, fetch, is_gzip, is_http_url)
from .._io import bounded_lines, open_regular
from ..fetch import source_from_response
from ..page import article_lines, extract_region
from ..read import TEXT_SUFFIXES, InputError, decode_bytes, html_to_text, read_source

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
ARTICLE_SUFFIXES = frozenset(TEXT_SUFFIXES)


# ---------------------------------------------------------------------------
# What a source yields


@dataclass
class Article:
    """One article ready to score: a stable id, where it came from, and the text to classify."""

    id: str
    source: str  # the source key (see SourceSpec.key)
    text: str
    title: str | None = None
    url: str | None = None
    guid: str | None = None
    published: str | None = None  # ISO 8601 UTC, "2024-05-01T12:00:00Z"
    notes: list[str] = field(default_factory=list)
    #: Per line of ``text``: inside the page's article region (a fetched or saved page); None for plain text.
    in_article: list[bool] | None = None

    def __post_init__(self):
        # Lone surrogates (from JSON "\ud800" escapes, or a feed's &#xD800;) cannot be stored as UTF-8:
        # left in, they would fail this article on every run.
        self.text = without_surrogates(self.text)
        self.title, self.url, self.guid = (without_surrogates(v) if v else v for v in (self.title, self.url, self.guid))

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)

    @property
    def label(self) -> str:
        return self.title or self.url or self.guid or self.id


@dataclass
class Skipped:
    """An entry deliberately not scored (known and unchanged, or older than ``--since``)."""

    id: str
    source: str
    reason: str  # "unchanged" | "older"


@dataclass
class Problem:
    """Bad input: ``error`` means the item (or, with no item, the whole source) was not scored."""

    source: str
    item: str | None
    message: str
    level: str = "error"  # error | warning

    def __str__(self) -> str:
        where = f"{self.source}: {self.item}" if self.item else self.source
        return f"{where}: {self.message}"


Item = Union[Article, Skipped, Problem]


@dataclass(frozen=True)
class SourceSpec:
    arg: str  # as the user typed it
    key: str  # identity in the database: the normalised URL or the absolute path
    kind: str  # feed_url | feed_file | folder | jsonl | missing | unsupported


@dataclass
class SourceStatus:
    """Filled in while a source is read: what happened at the source level."""

    state: str = "ok"  # ok | not_modified | failed
    title: str | None = None
    etag: str | None = None  # validators of this response, to keep once all entries are stored
    last_modified: str | None = None
    entries: int = 0
    message: str | None = None


@dataclass
class ReadOptions:
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    user_agent: str = USER_AGENT
    fetch_articles: bool = False
    per_host: int = 2
    fetch_workers: int = 8
    since: str | None = None  # ISO 8601 UTC; entries published before it are skipped
    allow_private: bool = False  # fetch from loopback/private addresses (see classifier.batch.http)


# ---------------------------------------------------------------------------
# Identity, hashing, dates


_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (the replacement character)."""
    return _SURROGATE.sub("\ufffd", text)


_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")


def _valid_xml_char(code: int) -> bool:
    return (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF)


def sanitize_char_refs(data: bytes) -> bytes:
    """Numeric character references to characters XML forbids (``&#xD800;``, ``&#0;``) become U+FFFD.

    One such reference makes feedparser give up on the whole feed (feedparser
    issue #591); replaced before parsing, it spoils one character of one entry.
    """
    def fix(m: re.Match) -> bytes:
        code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
        return m.group(0) if _valid_xml_char(code) else b"&#xFFFD;"

    return _CHAR_REF.sub(fix, data) if b"&#" in data else data


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


_TRACKING = re.compile(r"^(?:utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid)$", re.I)


def normalize_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, no tracking parameters: one URL per article."""
    url = url.strip()
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return url
    if not parts.scheme or not parts.netloc:
        return url
    query = urllib.parse.urlencode(
        [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urllib.parse.urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))


def _is_global_id(value: str) -> bool:
    return "://" in value or value.lower().startswith(("tag:", "urn:"))


def article_id(source_key: str, guid: str | None = None, url: str | None = None, fallback: str | None = None) -> str:
    """A stable id: from the guid (scoped to the source unless it is a URL, ``tag:`` or ``urn:``),
    else from the normalised URL, else from ``fallback`` scoped to the source."""
    guid = (guid or "").strip()
    if guid:
        basis = f"guid:{guid}" if _is_global_id(guid) else f"guid:{source_key}#{guid}"
    elif url and url.strip():
        basis = f"url:{normalize_url(url)}"
    else:
        basis = f"item:{source_key}#{fallback or ''}"
    return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def iso_utc(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(value) -> str | None:
    """ISO 8601, RFC 2822 or a Unix timestamp, as ISO 8601 UTC; None if it cannot be read."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return iso_utc(datetime.fromtimestamp(float(value), timezone.utc))
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    s = value.strip()
    try:
        return iso_utc(datetime.fromisoformat(s.replace("Z", "+00:00") if s.endswith("Z") else s))
    except ValueError:
        pass
    try:
        return iso_utc(email.utils.parsedate_to_datetime(s))
    except (TypeError, ValueError, IndexError):
        return None


def _struct_date(st) -> str | None:
    if not st:
        return None
    try:
        return iso_utc(datetime(*st[:6], tzinfo=timezone.utc))
    except (TypeError, ValueError):
        return None


def compose_text(title: str | None, body: str) -> str:
    """The text to classify: the headline as the first line (unless the body's first line is it), then the body."""
    body = body.strip()
    title = " ".join((title or "").split())
    if not title or not body:
        return body
    first_line = " ".join(body.split("\n", 1)[0].split())
    if first_line.lower() == title.lower():
        return body
    return f"{title}\n{body}"


# ---------------------------------------------------------------------------
# Source resolution


def resolve_source(arg: str) -> SourceSpec:
    """What kind of source ``arg`` is, and its key in the database."""
    if is_http_url(arg):
        return SourceSpec(arg, normalize_url(arg), "feed_url")
    if re.match(r"^[a-z][a-z0-9+.-]*://", arg, re.I):
        return SourceSpec(arg, arg, "unsupported")
    path = Path(arg).expanduser()
    key = str(path.resolve()) if path.exists() else str(path.absolute())
    if path.is_dir():
        return SourceSpec(arg, key, "folder")
    if not path.exists():
        return SourceSpec(arg, key, "missing")
    if path.name.lower().endswith(JSONL_SUFFIXES):
        return SourceSpec(arg, key, "jsonl")
    return SourceSpec(arg, key, "feed_file")


FEED_SUFFIXES = (".xml", ".rss", ".atom")


def expand_sources(args) -> list[SourceSpec]:
    """Resolve SOURCE arguments; a folder also contributes the feeds and dumps inside it.

    A folder's .txt/.md/.html files are one source (the folder); each feed file
    (.xml, .rss, .atom) and JSON Lines dump below it is a source of its own, so that
    ``hypefact score feeds/`` reads a folder of saved feeds as feeds.
    """
    specs = []
    for arg in args:
        spec = resolve_source(arg)
        if spec.kind != "folder":
            specs.append(spec)
            continue
        root = Path(arg)
        inner = sorted(
            p for p in root.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
            and (p.suffix.lower() in FEED_SUFFIXES or p.name.lower().endswith(JSONL_SUFFIXES))
        )
        if next(_walk_files(root), None) is not None or not inner:
            specs.append(spec)
        specs += [resolve_source(str(p)) for p in inner]
    return specs


def iter_source(spec: SourceSpec, options: ReadOptions, status: SourceStatus, *,
                etag: str | None = None, last_modified: str | None = None,
                is_scored: Callable[[str], bool] | None = None) -> Iterator[Item]:
    """Every item of one source; ``status`` is filled in on the way. Never raises for bad input.

    ``etag``/``last_modified`` are the validators kept from the last complete read
    of a feed URL (conditional GET). ``is_scored(article_id)`` lets the article
    fetcher skip pages it has already scored.
    """
    try:
        if spec.kind == "missing":
            yield _fail(spec, status, "no such file or folder")
        elif spec.kind == "unsupported":
            yield _fail(spec, status, "unsupported URL scheme (use http:// or https://, or a path)")
        elif spec.kind == "folder":
            yield from _iter_folder(spec, options, status)
        elif spec.kind == "jsonl":
            yield from _iter_jsonl(spec, options, status)
        elif spec.kind in ("feed_file", "feed_url"):
            yield from _iter_feed(spec, options, status, etag, last_modified, is_scored)
        else:  # pragma: no cover - resolve_source makes only the kinds above
            yield _fail(spec, status, f"unknown source kind {spec.kind!r}")
    except (OSError, InputError, FetchError) as exc:
        yield _fail(spec, status, str(exc))


def _fail(spec: SourceSpec, status: SourceStatus, message: str) -> Problem:
    status.state = "failed"
    status.message = message
    return Problem(spec.key, None, message)


# ---------------------------------------------------------------------------
# Feeds


def parse_feed_bytes(data: bytes, name: str, content_type: str | None = None, base_url: str | None = None,
                     max_bytes: int = DEFAULT_MAX_BYTES):
    """Parse feed bytes with feedparser; returns (parsed feed, warnings). Never touches the network."""
    import feedparser

    warnings: list[str] = []
    if is_gzip(data):
        data = decompress(data, max_bytes, what="feed")
        warnings.append("gzip-compressed bytes (decompressed)")
    data = sanitize_char_refs(data)
    headers = {"content-type": content_type or "application/xml"}
    if base_url:
        headers["content-location"] = base_url
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    if parsed.get("bozo") and isinstance(parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride):
        # feedparser fell back to windows-1252, which decodes anything: guess properly instead.
        guess = _guess_encoding(data)
        if guess and guess.replace("_", "-") not in ("utf-8", "ascii", str(parsed.get("encoding", "")).lower()):
            text = data.decode(guess, errors="replace")
            text = re.sub(r"^(\s*<\?xml[^>]*?)\s+encoding=[\"'][^\"']*[\"']", r"\1", text, count=1)
            reparsed = feedparser.parse(io.BytesIO(text.encode("utf-8")),
                                        response_headers={**headers, "content-type": "application/xml; charset=utf-8"})
            if len(reparsed.entries) >= len(parsed.entries):
                warnings.append(f"encoding was not declared correctly; decoded as {guess} (detected)")
                return reparsed, warnings
        warnings.append(f"encoding was not declared correctly; decoded as {parsed.get('encoding')}")
    return parsed, warnings


def _guess_encoding(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a trafilatura dependency, normally present
        return None
    best = from_bytes(data[:200_000]).best()
    return best.encoding if best else None


def _iter_feed(spec, options, status, etag, last_modified, is_scored) -> Iterator[Item]:
    content_type = None
    base_url = None
    if spec.kind == "feed_url":
        resp = fetch(spec.arg, timeout=options.timeout, max_bytes=options.max_bytes, etag=etag,
                     last_modified=last_modified, user_agent=options.user_agent, allow_private=options.allow_private)
        if resp.not_modified:
            status.state = "not_modified"
            status.message = "not modified since the last run (HTTP 304)"
            status.etag, status.last_modified = resp.etag or etag, resp.last_modified or last_modified
            return
        status.etag, status.last_modified = resp.etag, resp.last_modified
        data, content_type, base_url = resp.data, resp.content_type, resp.url
    else:
        size = os.path.getsize(spec.arg)
        if size > options.max_bytes:
            yield _fail(spec, status, f"{size / 1e6:.1f} MB is over the {options.max_bytes / 1e6:.0f} MB limit")
            return
        with open_regular(spec.arg, "feed file") as fh:
            data = fh.read(options.max_bytes + 1)
    if not data.strip():
        yield _fail(spec, status, "empty file" if spec.kind == "feed_file" else "empty response")
        return
    parsed, warnings = parse_feed_bytes(data, spec.key, content_type, base_url, options.max_bytes)
    del data
    entries = parsed.entries
    status.title = (parsed.feed.get("title") or None) if parsed.get("feed") else None
    status.entries = len(entries)
    exc = parsed.get("bozo_exception")
    if not entries and (parsed.get("bozo") or not parsed.get("version")):
        if not parsed.get("version") and content_type and "html" in content_type.lower():
            why = f"not a feed (served as {content_type.split(';')[0]})"
        elif not parsed.get("version"):
            why = "not an RSS or Atom feed" + (f" ({_bozo_message(exc)})" if exc else "")
        else:
            why = f"malformed feed, no entries could be read: {_bozo_message(exc)}"
        yield _fail(spec, status, why)
        return
    for w in warnings:
        yield Problem(spec.key, None, w, "warning")
    if parsed.get("bozo") and exc is not None and not _is_encoding_override(exc):
        yield Problem(spec.key, None, f"malformed feed ({_bozo_message(exc)}); "
                                      f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'} recovered", "warning")
    if not entries:
        status.message = "the feed has no entries"
        return
    yield from _feed_entries(spec, options, entries, is_scored)


def _is_encoding_override(exc) -> bool:
    import feedparser

    return isinstance(exc, (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType))


def _bozo_message(exc) -> str:
    text = " ".join(str(exc).split())
    text = text.replace("<unknown>:", "line ")
    return f"{type(exc).__name__}: {text}"[:300]


def _to_text(value: str, mime: str | None) -> str:
    if not value:
        return ""
    if (mime or "").lower() == "text/plain":
        return "\n".join(" ".join(line.split()) for line in value.splitlines() if line.strip())
    return html_to_text(value)


def entry_body(entry) -> str:
    """The entry's full content when the feed carries it, else its summary, as plain text."""
    contents = [c for c in entry.get("content") or [] if (c.get("value") or "").strip()]
    if contents:
        best = max(contents, key=lambda c: len(c.get("value", "")))
        text = _to_text(best.get("value", ""), best.get("type"))
        if text.strip():
            return text
    summary = entry.get("summary") or ""
    detail = entry.get("summary_detail") or {}
    return _to_text(summary, detail.get("type"))


def _feed_entries(spec, options, entries, is_scored) -> Iterator[Item]:
    to_fetch: list[tuple[Article, str, str]] = []  # (article with feed text, link, label)
    prepared: list[Item | tuple] = []
    for i, e in enumerate(entries):
        guid = (e.get("id") or "").strip() or None
        link = (e.get("link") or "").strip() or None
        title = " ".join((e.get("title") or "").split()) or None
        published = _struct_date(e.get("published_parsed")) or _struct_date(e.get("updated_parsed"))
        aid = article_id(spec.key, guid, link, fallback=f"{title}|{published}" if title else None)
        label = title or link or guid or f"entry {i + 1}"
        if options.since and published and published < options.since:
            prepared.append(Skipped(aid, spec.key, "older"))
            continue
        text = compose_text(title, entry_body(e))
        article = Article(aid, spec.key, text, title, link, guid, published)
        if not guid and not link:
            article.notes.append("the entry has no guid or link; its id comes from its title and date")
        if options.fetch_articles and link and is_http_url(link):
            if is_scored is not None and is_scored(aid):
                prepared.append(Skipped(aid, spec.key, "unchanged"))
                continue
            prepared.append(("fetch", len(to_fetch)))
            to_fetch.append((article, link, label))
            continue
        prepared.append(article if _has_body(article) else Problem(spec.key, label, "no text (the entry has no content or summary)"))
    fetched = _fetch_articles(spec, options, to_fetch) if to_fetch else []
    for item in prepared:
        if isinstance(item, tuple):
            yield from fetched[item[1]]
        else:
            yield item


def _has_body(article: Article) -> bool:
    text = article.text.strip()
    return bool(text) and text != (article.title or "").strip()


def _fetch_articles(spec, options, jobs) -> list[list[Item]]:
    """Download and extract each entry's page, at most ``per_host`` at a time per host."""
    limiter = HostLimiter(options.per_host)

    def one(job) -> list[Item]:
        article, link, label = job
        try:
            with limiter.slot(link):
                resp = fetch(link, timeout=options.timeout, max_bytes=options.max_bytes, accept=HTML_ACCEPT,
                             user_agent=options.user_agent, allow_private=options.allow_private)
            page = source_from_response(resp, link)
        except (FetchError, InputError) as exc:
            if _has_body(article):
                article.notes.append(f"article page not used ({exc}); scored the feed's text")
                return [Problem(spec.key, label, f"{link}: {exc}; scored the feed's text instead", "warning"), article]
            return [Problem(spec.key, label, f"{link}: {exc}")]
        # The page as annotate reads it (its own headline, no feed title added): same sentences, same verdict.
        article.text, article.in_article = page.text, page.in_article
        article.notes.extend(n for n in page.notes if not n.startswith("redirected to"))
        return [article]

    with ThreadPoolExecutor(max_workers=max(1, options.fetch_workers), thread_name_prefix="hypefact-fetch") as pool:
        return list(pool.map(one, jobs))


# ---------------------------------------------------------------------------
# Folders


def _walk_files(root: Path) -> Iterator[Path]:
    """Article files below ``root`` in a stable order, streamed (hidden files and folders skipped)."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in ARTICLE_SUFFIXES:
                yield Path(dirpath) / name


def _iter_folder(spec, options, status) -> Iterator[Item]:
    root = Path(spec.arg)
    n = 0
    for path in _walk_files(root):
        rel = path.relative_to(root).as_posix()
        n += 1
        try:
            src = read_source(str(path), options.max_bytes)
        except InputError as exc:
            yield Problem(spec.key, rel, str(exc).replace(str(path) + ": ", "", 1))
            continue
        yield Article(article_id(spec.key, fallback=rel), spec.key, src.text.strip(), None, None, rel, None,
                      list(src.notes), src.in_article)
    status.entries = n
    if n == 0:
        status.message = "no .txt, .md or .html files in the folder"


# ---------------------------------------------------------------------------
# JSON Lines dumps


def _open_dump(path: str):
    fh = open_regular(path, "dump file")
    if fh.peek(2)[:2] != b"\x1f\x8b":
        return fh
    gz = gzip.GzipFile(fileobj=fh, mode="rb")
    gz.myfileobj = fh  # what gzip.open(filename) sets: closing the GzipFile closes the file too
    return gz


def _iter_jsonl(spec, options, status) -> Iterator[Item]:
    n = 0
    try:
        fh = _open_dump(spec.arg)
    except OSError as exc:
        yield _fail(spec, status, f"cannot read: {exc.strerror or exc}")
        return
    with fh:
        try:
            for lineno, raw in bounded_lines(fh, options.max_bytes):
                item = f"line {lineno}"
                if raw is None:
                    n += 1
                    yield Problem(spec.key, item, f"over the {options.max_bytes / 1e6:.0f} MB limit")
                    continue
                if not raw.strip():
                    continue
                n += 1
                yield _jsonl_item(spec, options, raw, item)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:  # truncated or corrupt gzip
            yield Problem(spec.key, None, f"stopped reading after {n} lines: {exc}")
            status.message = f"unreadable after {n} lines"
    status.entries = n


def _jsonl_item(spec, options, raw: bytes, item: str) -> Item:
    try:
        obj = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return Problem(spec.key, item, f"not valid JSON ({exc.args[0] if exc.args else exc})"[:200])
    except RecursionError:
        return Problem(spec.key, item, "not an article (JSON nested too deeply)")
    if not isinstance(obj, dict):
        return Problem(spec.key, item, f"expected a JSON object, got {type(obj).__name__}")
    guid = obj.get("id")
    guid = str(guid).strip() if guid not in (None, "") else None
    url = obj.get("url") if isinstance(obj.get("url"), str) and obj.get("url").strip() else None
    title = " ".join(obj["title"].split()) if isinstance(obj.get("title"), str) and obj["title"].strip() else None
    if guid:
        item = f"{item} (id {guid[:60]})"
    notes: list[str] = []
    published = parse_date(obj.get("published"))
    if obj.get("published") not in (None, "") and published is None:
        notes.append(f"unreadable date {str(obj.get('published'))[:40]!r} ignored")
    aid = article_id(spec.key, guid, url, fallback=item)
    if options.since and published and published < options.since:
        return Skipped(aid, spec.key, "older")
    text, html = obj.get("text"), obj.get("html")
    in_article = None
    if isinstance(text, str) and text.strip():
        body = text
    elif isinstance(html, str) and html.strip():
        body = html_to_text(html)
        if not body.strip():
            return Problem(spec.key, item, "no text (the html field has only markup)")
        # The article region, as for any page (the lines are html_to_text's, as above).
        in_article = article_lines(body.split("\n"), extract_region(html, url), html)
    else:
        return Problem(spec.key, item, 'no text (needs a non-empty "text" or "html" field)')
    if not guid and not url:
        notes.append("no id or url; the id comes from the line number")
    full = compose_text(title, body)
    if in_article is not None and full != body.strip():
        in_article = [True] + in_article  # the headline put in front is this article's
    return Article(aid, spec.key, full, title, url, guid, published, notes, in_article)
