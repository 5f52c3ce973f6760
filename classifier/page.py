"""Web pages as a reader sees them: the declared charset, every line of the page, and where the article is.

One code path for every page hypefact reads, a saved ``page.html``, a URL given
to ``annotate`` and an article page downloaded by ``score --fetch-articles``:

1. :func:`decode_page` turns the bytes into text by the charset the page
   declares, in the order a browser uses: a byte-order mark, then the HTTP
   ``Content-Type`` header, then ``<meta charset>`` (or its ``http-equiv``
   form). Only when nothing is declared, or the declared charset cannot decode
   the bytes, is the charset guessed (charset-normalizer, which trafilatura
   already brings), and a note says so.
2. :func:`html_to_text` keeps every block of the page as its
   own line (menus, footers and related links too: the model labels them
   ``boilerplate``, nothing is dropped).
3. :func:`article_lines` marks which of those lines lie in the article region
   that trafilatura finds. The flag is a feature the classifier sees (see
   ``outside_article`` in :mod:`classifier.features.context`), never a filter.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass, field
from html import unescape

from .about import InputError

# Elements whose text is never article text.
_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object", "canvas"}
# Elements that start a new line of text.
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hr", "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary",
    "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr", "ul", "option", "button", "label",
}


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_QUOTE_MARKS = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb\u2014-"


#: libxml2 stops building the tree at this depth (with ``huge_tree``; 256 without it) and drops the rest.
_LXML_MAX_DEPTH = 2048


def html_to_text(html: str, notes: list[str] | None = None) -> str:
    """One line per block element; scripts and styles dropped; malformed markup tolerated.

    A ``<blockquote>`` is someone else's words by the page's own markup; in text the
    quote marks are all that would say so, so each of its lines of prose that has none
    is put in quote marks (the classifier then reads it as quoted, as a reader does).

    Hostile pages lose nothing silently: lxml is told to accept huge documents (text
    nodes and attributes over 10 MB, nesting past 256 levels) and the tree is walked
    without recursion. A page nested deeper than libxml2 will go is read again with
    the standard library's flat parser, so its text is kept, and a note says so.
    """
    import lxml.etree
    import lxml.html

    if not html.strip():
        return ""
    parser = lxml.html.HTMLParser(huge_tree=True)
    try:
        root = lxml.html.document_fromstring(html, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        # lxml refuses str input with an XML encoding declaration (the text is decoded
        # already: drop it rather than let lxml re-decode bytes), and some junk entirely.
        try:
            root = lxml.html.document_fromstring(_XML_DECLARATION.sub("", html, count=1), parser=parser)
        except (lxml.etree.ParserError, ValueError):
            return ""
    if any("Excessive depth" in e.message for e in parser.error_log):
        if notes is not None:
            notes.append(f"HTML nested over {_LXML_MAX_DEPTH} levels deep: read without its structure")
        return _flat_html_text(html)
    return _tree_text(root)


class _Lines:
    """Collects a page's text one block per line; lines inside a ``<blockquote>`` get quote marks."""

    def __init__(self):
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quoting = 0  # depth of <blockquote> elements around the current line

    def flush(self) -> None:
        line = " ".join("".join(self.current).split())
        if line and self.quoting and len(line.split()) >= 4 and line[0] not in _QUOTE_MARKS:
            line = f"\u201c{line}\u201d"
        if line:
            self.lines.append(line)
        self.current.clear()

    def text(self) -> str:
        self.flush()
        return "\n".join(self.lines)


def _tree_text(root) -> str:
    """The text of a parsed page, walked with an explicit stack (no recursion limit, however deep)."""
    out = _Lines()
    stack = [(root, False)]  # (element, whether this is its end)
    while stack:
        el, end = stack.pop()
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if end:
            if tag in _BLOCK_TAGS:
                out.flush()
            out.quoting -= tag == "blockquote"
            if tag in ("td", "th") and tag not in _BLOCK_TAGS:
                out.current.append(" ")
            if el.tail:
                out.current.append(el.tail)
            continue
        if not tag or tag in _SKIP_TAGS:  # comments, scripts, styles: only their tail is text
            if el.tail:
                out.current.append(el.tail)
            continue
        if tag in _BLOCK_TAGS:
            out.flush()
        out.quoting += tag == "blockquote"
        if tag == "img" and el.get("alt"):
            out.current.append(" " + el.get("alt") + " ")
        if el.text:
            out.current.append(el.text)
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))
    return out.text()


def _flat_html_text(html: str) -> str:
    """The text of any HTML, however deep, from the standard library's event parser (no tree)."""
    from html.parser import HTMLParser

    out = _Lines()

    class Flat(HTMLParser):
        skip = 0

        def handle_starttag(self, tag, attrs):
            if tag in _SKIP_TAGS:
                self.skip += 1
            elif tag in _BLOCK_TAGS:
                out.flush()
                out.quoting += tag == "blockquote"
            elif tag == "img" and not self.skip:
                alt = dict(attrs).get("alt")
                if alt:
                    out.current.append(f" {alt} ")

        def handle_endtag(self, tag):
            if tag in _SKIP_TAGS:
                self.skip = max(0, self.skip - 1)
            elif tag in _BLOCK_TAGS:
                out.flush()
                out.quoting = max(0, out.quoting - (tag == "blockquote"))

        def handle_data(self, data):
            if not self.skip:
                out.current.append(data)

    parser = Flat(convert_charrefs=True)
    parser.feed(html)
    parser.close()
    return out.text()


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass
class Page:
    """A page's text, one block per line, and for each line whether it is in the article region."""

    text: str
    in_article: list[bool]  # one flag per line of ``text`` (``text.split("\n")``)
    charset: str
    notes: list[str] = field(default_factory=list)


def _codec(name: str | None) -> str | None:
    """The Python codec for a declared charset name, or None if Python does not know it."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None
    # As browsers do (WHATWG Encoding): latin-1 and ascii labels mean windows-1252.
    return "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec


def declared_charset(data: bytes, content_type: str | None = None) -> tuple[str | None, str]:
    """(codec, where it was declared) from the BOM, the HTTP header or ``<meta>``; (None, "") if none."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec, "byte-order mark"
    match = _HEADER_CHARSET.search(content_type or "")
    if match and _codec(match.group(1)):
        return _codec(match.group(1)), "HTTP header"
    match = _META_CHARSET.search(data[:4096])
    if match and _codec(match.group(1).decode("ascii", "replace")):
        return _codec(match.group(1).decode("ascii", "replace")), "<meta charset>"
    return None, ""


def guess_charset(data: bytes) -> str | None:
    """charset-normalizer's best guess (only when nothing usable is declared)."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    return best.encoding if best else None


def decode_page(data: bytes, name: str, content_type: str | None = None) -> tuple[str, str, list[str]]:
    """(text, codec used, notes): the declared charset honoured, sniffing only as a fallback."""
    if b"\x00" in data[:8192] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{name}: looks like a binary file (NUL bytes), not a page")
    codec, where = declared_charset(data, content_type)
    why = "no charset declared"
    if codec:
        try:
            text = data.decode(codec)
            return (text[1:] if text.startswith("\ufeff") else text), codec, []
        except UnicodeDecodeError:
            why = f"the page declares {codec} ({where}) but is not valid {codec}"
    try:
        text = data.decode("utf-8")
        return text, "utf-8", ([f"{why}; decoded as utf-8"] if codec else [])
    except UnicodeDecodeError:
        pass
    guess = guess_charset(data) or "cp1252"
    return data.decode(guess, errors="replace"), guess, [f"{why}; decoded as {guess} (detected)"]


def _norm(line: str) -> str:
    return " ".join(line.split()).lower().strip("\u201c\u201d")


def extract_region(html: str, url: str | None = None) -> list[str]:
    """The lines of the article region as trafilatura finds it (empty if it finds none)."""
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    logging.getLogger("htmldate").setLevel(logging.ERROR)
    try:
        text = trafilatura.extract(html, url=url, include_comments=False, include_tables=True,
                                   output_format="txt", deduplicate=False)
    except Exception:  # third-party code on hostile input: no region is an answer too
        return []
    return [n for n in (_norm(line) for line in (text or "").splitlines()) if n]


_HEADLINE = re.compile(r"<h1[^>]*>(.*?)</h1>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")


def article_lines(lines: list[str], region: list[str], html: str = "") -> list[bool]:
    """For each page line: is it part of the article region?

    A line is inside when trafilatura's text has it as a line, or contains it, or
    (for the extractor's own line breaks) one of its lines is contained in it.
    The page's ``<h1>`` headline counts as article content (trafilatura keeps it
    in its metadata, not its text). No region found: every line counts as inside,
    which is what plain text gets (the feature is then neutral).
    """
    if not region:
        return [True] * len(lines)
    exact = set(region)
    joined = "\n".join(region)
    long_parts = [r for r in region if len(r) >= 40]
    match = _HEADLINE.search(html)
    headline = _norm(unescape(_TAG.sub(" ", match.group(1)))) if match else ""
    out = []
    for line in lines:
        n = _norm(line)
        inside = bool(n) and (n in exact or n == headline or (len(n) >= 25 and n in joined)
                              or any(part in n for part in long_parts if len(part) < len(n)))
        out.append(inside)
    return out


def read_page(data: bytes, name: str, content_type: str | None = None, url: str | None = None,
              encoding: str | None = None) -> Page:
    """Bytes of an HTML page -> :class:`Page` (raises :class:`~classifier.read.InputError`)."""
    if encoding:
        try:
            html, codec, notes = data.decode(encoding), encoding, []
        except (LookupError, UnicodeDecodeError) as exc:
            raise InputError(f"{name}: cannot decode as {encoding}: {exc}") from None
    else:
        html, codec, notes = decode_page(data, name, content_type)
    text = html_to_text(html, notes)
    if not text.strip():
        raise InputError(f"{name}: no text to classify (the page has only markup)")
    lines = text.split("\n")
    return Page(text, article_lines(lines, extract_region(html, url), html), codec, notes)
