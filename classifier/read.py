"""Read articles from files and stdin into plain text, with clear errors for bad input.

Text and Markdown are decoded as they are (UTF-8, else a legacy single-byte
encoding, reported); HTML goes through :func:`classifier.page.read_page` (the
declared charset, one block per line, the article region marked), the same code
that reads a URL given to ``annotate`` and a page fetched by ``score``.
"""

from __future__ import annotations

import codecs
import os
import sys
from dataclasses import dataclass, field

from ._io import NotRegularFileError, open_regular
from .about import InputError
from .page import html_to_text, read_page

__all__ = ["InputError", "SourceText", "decode_bytes", "html_to_text", "kind_of", "read_source", "text_from_bytes"]

#: Files larger than this are refused unless the caller raises the limit.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

TEXT_SUFFIXES = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
                 ".html": "html", ".htm": "html", ".xhtml": "html"}

@dataclass
class SourceText:
    """An article's text as it will be classified, and where it came from."""

    path: str
    text: str
    kind: str  # text | markdown | html
    notes: list[str] = field(default_factory=list)  # e.g. a fallback encoding that was used
    #: Per line of ``text``: inside the page's article region? None for plain text (all inside).
    in_article: list[bool] | None = None


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


def kind_of(path: str, text: str = "") -> str:
    """text, markdown or html, from the file suffix, else from the content."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix in TEXT_SUFFIXES:
        return TEXT_SUFFIXES[suffix]
    sniff = text[:2000].lstrip().lower()
    if sniff.startswith(("<!doctype html", "<html")) or ("<body" in sniff and "</" in sniff):
        return "html"
    return "text"


def text_from_bytes(data: bytes, name: str, kind: str | None = None, encoding: str | None = None,
                    content_type: str | None = None, url: str | None = None) -> SourceText:
    """Turn raw bytes of an article (any supported kind) into the text to classify."""
    if kind == "html" or (kind is None and kind_of(name, data[:2000].decode("latin-1")) == "html"):
        page = read_page(data, name, content_type, url, encoding)
        return SourceText(name, page.text, "html", page.notes, page.in_article)
    text, notes = decode_bytes(data, name, encoding)
    kind = kind or kind_of(name, text)
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
