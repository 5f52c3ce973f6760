"""Read articles from files and stdin into plain text, with clear errors for bad input.

Text and Markdown are decoded as they are (UTF-8, else a legacy single-byte
encoding, reported); HTML is turned into text one block per line with lxml, so
that menus, footers and related links stay as their own lines for the
classifier to label as boilerplate instead of vanishing or gluing onto prose.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

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


class InputError(Exception):
    """An input that cannot be read as an article; the message is meant for the user."""


@dataclass
class SourceText:
    """An article's text as it will be classified, and where it came from."""

    path: str
    text: str
    kind: str  # text | markdown | html
    notes: list[str] = field(default_factory=list)  # e.g. a fallback encoding that was used


def decode_bytes(data: bytes, name: str, encoding: str | None = None) -> tuple[str, list[str]]:
    """Decode bytes as text, refusing binary data; returns the text and notes for the user."""
    head = data[:8192]
    if b"\x00" in head:
        raise InputError(f"{name}: looks like a binary file (NUL bytes), not text")
    if encoding:
        try:
            return data.decode(encoding), []
        except (LookupError, UnicodeDecodeError) as exc:
            raise InputError(f"{name}: cannot decode as {encoding}: {exc}") from None
    if head.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
        notes: list[str] = []
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


def html_to_text(html: str) -> str:
    """One line per block element; scripts and styles dropped; malformed markup tolerated."""
    import lxml.etree
    import lxml.html

    if not html.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        # lxml refuses str input with an encoding declaration, and some junk entirely.
        try:
            root = lxml.html.document_fromstring(html.encode("utf-8", "replace"))
        except (lxml.etree.ParserError, ValueError):
            return ""
    lines: list[str] = []
    current: list[str] = []

    def flush():
        line = " ".join("".join(current).split())
        if line:
            lines.append(line)
        current.clear()

    def walk(el):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag.lower() in _SKIP_TAGS or not isinstance(el.tag, str):
            if el.tail:
                current.append(el.tail)
            return
        block = tag.lower() in _BLOCK_TAGS
        if block:
            flush()
        if tag.lower() == "img" and el.get("alt"):
            current.append(" " + el.get("alt") + " ")
        if el.text:
            current.append(el.text)
        for child in el:
            walk(child)
        if block:
            flush()
        elif tag.lower() in ("td", "th"):
            current.append(" ")
        if el.tail:
            current.append(el.tail)

    walk(root)
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
        text = html_to_text(text)
    if not text.strip():
        raise InputError(f"{name}: no text to classify (the file is empty or has only markup)")
    return SourceText(name, text, kind, notes)


def read_source(path: str, max_bytes: int = DEFAULT_MAX_BYTES, encoding: str | None = None) -> SourceText:
    """Read one file (or ``-`` for stdin) into a :class:`SourceText`, or raise :class:`InputError`."""
    if path == "-":
        data = sys.stdin.buffer.read(max_bytes + 1)
        name = "<stdin>"
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
            with open(path, "rb") as fh:
                data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if len(data) > max_bytes:
        raise InputError(f"{name}: over the {max_bytes / 1e6:.0f} MB limit (raise it with --max-mb)")
    if not data.strip():
        raise InputError(f"{name}: empty file")
    return text_from_bytes(data, name, kind_of(path) if path != "-" else None, encoding)


def article_paths(args: list[str]) -> list[str]:
    """The inputs named by ``args``, with each folder replaced by the article files below it.

    A folder stands for its ``.txt``/``.md``/``.html`` (etc.) files, recursively, in a
    stable order, hidden files and folders skipped; files, ``-`` and anything that
    does not exist pass through unchanged (reading them gives the error).
    """
    out: list[str] = []
    for arg in args:
        if arg == "-" or not os.path.isdir(arg):
            out.append(arg)
            continue
        for dirpath, dirnames, filenames in os.walk(arg):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            out += [os.path.join(dirpath, name) for name in sorted(filenames)
                    if not name.startswith(".") and os.path.splitext(name)[1].lower() in TEXT_SUFFIXES]
    return out
