"""Read articles from files and stdin into plain text, with clear errors for bad input.

Text and Markdown are decoded as they are (UTF-8, else a legacy single-byte
encoding, reported); HTML is turned into text one block per line with lxml, so
that menus, footers and related links stay as their own lines for the
classifier to label as boilerplate instead of vanishing or gluing onto prose.
"""

from __future__ import annotations

import codecs
import os
import sys
from dataclasses import dataclass, field

from ._io import NotRegularFileError, open_regular
from .about import HypefactError

#: Files larger than this are refused unless the caller raises the limit.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

TEXT_SUFFIXES = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
                 ".html": "html", ".htm": "html", ".xhtml": "html"}

# Elements whose text is never article text.
_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object", "canvas"}
# Elements that start a new line of text.
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hr", "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary",
    "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr", "ul", "option", "button", "label",
}


class InputError(HypefactError):
    """An input that cannot be read as an article; the message is meant for the user."""


@dataclass
class SourceText:
    """An article's text as it will be classified, and where it came from."""

    path: str
    text: str
    kind: str  # text | markdown | html
    notes: list[str] = field(default_factory=list)  # e.g. a fallback encoding that was used


# Byte order marks of the wide encodings (UTF-32 first: its little-endian mark begins with UTF-16's).
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
              (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_bytes(data: bytes, name: str, encoding: str | None = None) -> tuple[str, list[str]]:
    """Decode bytes as text, refusing binary data; returns the text and notes for the user.

    The binary check runs on the *decoded* text when the encoding is given or
    announced by a UTF-16/UTF-32 byte order mark: those encodings are full of NUL
    bytes, which would otherwise read as binary.
    """
    if not encoding:
        encoding = next((enc for bom, enc in _WIDE_BOMS if data.startswith(bom)), None)
    if encoding:
        try:
            text = data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise InputError(f"{name}: cannot decode as {encoding}: {exc}") from None
        text = text.removeprefix("\ufeff")
        notes: list[str] = []
        if "\x00" in text[:8192]:
            raise InputError(f"{name}: looks like a binary file (NUL characters), not text")
    else:
        if b"\x00" in data[:8192]:
            raise InputError(f"{name}: looks like a binary file (NUL bytes), not text")
        if data.startswith(codecs.BOM_UTF8):
            data = data[3:]
        try:
            text = data.decode("utf-8")
            notes = []
        except UnicodeDecodeError:
            try:
                text, used = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                text, used = data.decode("latin-1"), "latin-1"
            notes = [f"not valid UTF-8; decoded as {used}"]
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > max(8, len(text[:8192]) // 20):
        raise InputError(f"{name}: looks like a binary file (control characters), not text")
    return text, notes


#: libxml2 stops building the tree at this depth (with ``huge_tree``; 256 without it) and drops the rest.
_LXML_MAX_DEPTH = 2048


def html_to_text(html: str, notes: list[str] | None = None) -> str:
    """One line per block element; scripts and styles dropped; malformed markup tolerated.

    lxml is told to accept huge documents (text nodes and attributes over 10 MB,
    nesting past 256 levels) and the tree is walked without recursion. A page
    nested deeper than libxml2 will go is read again with a flat, event-based
    parser, so its text is kept; a note saying so is added to ``notes``.
    """
    import lxml.etree
    import lxml.html

    if not html.strip():
        return ""
    parser = lxml.html.HTMLParser(huge_tree=True)
    try:
        root = lxml.html.document_fromstring(html, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        # lxml refuses str input with an encoding declaration, and some junk entirely.
        try:
            root = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
        except (lxml.etree.ParserError, ValueError):
            return ""
    if any("Excessive depth" in e.message for e in parser.error_log):
        if notes is not None:
            notes.append(f"HTML nested over {_LXML_MAX_DEPTH} levels deep: read without its structure")
        return _flat_html_text(html)
    return _tree_text(root)


def _tree_text(root) -> str:
    """The text of a parsed page, one line per block, walked with an explicit stack (no recursion
    limit, however deep the page)."""
    lines: list[str] = []
    current: list[str] = []

    def flush():
        line = " ".join("".join(current).split())
        if line:
            lines.append(line)
        current.clear()

    stack = [(root, False)]  # (element, whether this is its end)
    while stack:
        el, end = stack.pop()
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if end:
            if tag in _BLOCK_TAGS:
                flush()
            elif tag in ("td", "th"):
                current.append(" ")
            if el.tail:
                current.append(el.tail)
            continue
        if not tag or tag in _SKIP_TAGS:  # comments, scripts, styles: only their tail is text
            if el.tail:
                current.append(el.tail)
            continue
        if tag in _BLOCK_TAGS:
            flush()
        if tag == "img" and el.get("alt"):
            current.append(" " + el.get("alt") + " ")
        if el.text:
            current.append(el.text)
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))
    flush()
    return "\n".join(lines)


def _flat_html_text(html: str) -> str:
    """The text of any HTML, however deep, from the standard library's event parser (no tree)."""
    from html.parser import HTMLParser

    lines: list[str] = []
    current: list[str] = []

    def flush():
        line = " ".join("".join(current).split())
        if line:
            lines.append(line)
        current.clear()

    class Flat(HTMLParser):
        skip = 0

        def handle_starttag(self, tag, attrs):
            if tag in _SKIP_TAGS:
                self.skip += 1
            elif tag in _BLOCK_TAGS:
                flush()
            elif tag == "img" and not self.skip:
                alt = dict(attrs).get("alt")
                if alt:
                    current.append(f" {alt} ")

        def handle_endtag(self, tag):
            if tag in _SKIP_TAGS:
                self.skip = max(0, self.skip - 1)
            elif tag in _BLOCK_TAGS:
                flush()

        def handle_data(self, data):
            if not self.skip:
                current.append(data)

    parser = Flat(convert_charrefs=True)
    parser.feed(html)
    parser.close()
    flush()
    return "\n".join(lines)


def kind_of(path: str, text: str = "") -> str:
    """text, markdown or html, from the file suffix, else from the content."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix in TEXT_SUFFIXES:
        return TEXT_SUFFIXES[suffix]
    sniff = text[:2000].lstrip().lower()
    if sniff.startswith(("<!doctype html", "<html")) or ("<body" in sniff and "</" in sniff):
        return "html"
    return "text"


def text_from_bytes(data: bytes, name: str, kind: str | None = None, encoding: str | None = None) -> SourceText:
    """Turn raw bytes of an article (any supported kind) into the text to classify."""
    text, notes = decode_bytes(data, name, encoding)
    kind = kind or kind_of(name, text)
    if kind == "html":
        text = html_to_text(text, notes)
    if not text.strip():
        raise InputError(f"{name}: no text to classify (the file is empty or has only markup)")
    return SourceText(name, text, kind, notes)


def read_source(path: str, max_bytes: int = DEFAULT_MAX_BYTES, encoding: str | None = None) -> SourceText:
    """Read one file (or ``-`` for stdin) into a :class:`SourceText`, or raise :class:`InputError`."""
    if path == "-":
        name = "<stdin>"
        stdin = getattr(sys.stdin, "buffer", None)  # None when the command was started with stdin closed
        if stdin is None:
            raise InputError(f"{name}: standard input is closed; give a file, or pipe the article in")
        try:
            data = stdin.read(max_bytes + 1)
        except (OSError, ValueError) as exc:
            raise InputError(f"{name}: cannot read standard input: {getattr(exc, 'strerror', None) or exc}") from None
    else:
        name = path
        if not os.path.exists(path):
            raise InputError(f"{path}: no such file")
        if os.path.isdir(path):
            raise InputError(f"{path}: is a folder; give the files inside it")
        size = os.path.getsize(path)
        if size > max_bytes:
            raise InputError(
                f"{path}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit (raise it with --max-mb)"
            )
        try:
            with open_regular(path) as fh:  # a FIFO or device would block or never end
                data = fh.read(max_bytes + 1)
        except NotRegularFileError as exc:
            raise InputError(str(exc)) from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if len(data) > max_bytes:
        raise InputError(f"{name}: over the {max_bytes / 1e6:.0f} MB limit (raise it with --max-mb)")
    if not data.strip():
        raise InputError(f"{name}: empty file")
    return text_from_bytes(data, name, kind_of(path) if path != "-" else None, encoding)
