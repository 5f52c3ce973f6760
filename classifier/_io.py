"""File plumbing every stage shares: atomic writes, file hashes, timestamps.

Why one place: a model, a label file, an export or a sidecar must never be seen
half written, and files the tool writes must get the user's normal permissions
(their umask), not the private 0600 that ``tempfile.mkstemp`` gives.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO, Iterator

from .about import HypefactError


class NotRegularFileError(HypefactError, OSError):
    """A path that is a FIFO, device or socket where a regular file was expected.

    Reading a FIFO blocks until someone writes to it (forever, if no one does), and
    a device can stream without end: such a path is refused, never read. It is an
    ``OSError`` too, so code that reports unreadable files reports it the same way.
    """


class OutputError(HypefactError):
    """An output path that cannot be written (a folder, a full disk, no permission)."""


def open_regular(path: str | os.PathLike, what: str = "file") -> BinaryIO:
    """Open ``path`` for reading in binary, refusing anything but a regular file.

    The file is opened non-blocking first (so opening a FIFO returns at once instead
    of waiting for a writer), checked with ``fstat`` on the open descriptor (no race
    with a swap of the path), and switched back to blocking reads.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise NotRegularFileError(f"{path}: is a folder, not a {what}")
        if not stat.S_ISREG(mode):
            kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
            raise NotRegularFileError(f"{path}: is {kind}, not a regular {what}; refusing to read it "
                                      "(it could block or never end)")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | os.PathLike, what: str = "file") -> bytes:
    """The bytes of a regular file (see :func:`open_regular`)."""
    with open_regular(path, what) as fh:
        return fh.read()


def utc_now() -> str:
    """The current time as ``2026-12-07T22:47:03Z``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def sha256_of(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    h = hashlib.sha256()
    with open_regular(path) as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def new_file_mode(path: str | os.PathLike) -> int:
    """The mode a rewritten file keeps, or the one a new file gets under the user's umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def keep_owner(tmp: str | os.PathLike, target: str | os.PathLike) -> None:
    """Give ``tmp`` the owner and group of ``target`` (if it exists), so that replacing a file
    does not hand it to whoever ran the command (root rewriting a user's file, say)."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return
    try:
        os.chown(tmp, st.st_uid, st.st_gid)
    except PermissionError:  # not root: we can only own it ourselves, as we already do
        pass


@contextmanager
def atomic_writer(path: str | os.PathLike, binary: bool = False, suffix: str = ".tmp") -> Iterator[IO]:
    """Write through a temp file beside ``path`` and rename it over ``path`` on success.

    Readers see the old content or the new, never half of either; on an error the
    temp file is removed and ``path`` is untouched. A symlink is written through to
    the file it points to (the link stays a link); the file keeps its mode and owner.
    A device or FIFO (``-o /dev/stdout``) is written to directly, never replaced
    by a regular file. A folder is refused with :class:`OutputError`.
    """
    mode = "wb" if binary else "w"
    text_args = {} if binary else {"encoding": "utf-8", "newline": ""}
    try:
        st = os.stat(path)  # follows symlinks, and /dev/stdout to whatever standard output is
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{path}: is a folder; give a file name to write to")
    if st is not None and not stat.S_ISREG(st.st_mode):  # a device, FIFO or socket: write into it
        with open(path, mode, **text_args) as fh:
            yield fh
        return
    path = Path(os.path.realpath(path))  # a symlink is written through: the link stays a link
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    try:
        with os.fdopen(fd, mode, **text_args) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, new_file_mode(path))
        keep_owner(tmp, path)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write a text file atomically (see :func:`atomic_writer`)."""
    with atomic_writer(path) as fh:
        fh.write(text)


def temp_copy_beside(src: str | os.PathLike, dst: str | os.PathLike) -> str:
    """A durable copy of ``src`` in a temp file beside ``dst``, ready to be renamed over it."""
    dst = Path(dst)
    fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as fh:
            shutil.copyfileobj(fh, out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, new_file_mode(dst))
        keep_owner(tmp, dst)
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def bounded_lines(fh, limit: int):
    """``(line number, line)`` for each line of an open file, text or binary; a line longer than
    ``limit`` comes back as ``None`` after being skipped over, a megabyte at a time, so that no
    line is ever held whole (a 2 GB line in a label file or dump must not exhaust memory)."""
    n = 0
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        n += 1
        if len(line) > limit and line[-1:] not in ("\n", b"\n"):
            while True:
                rest = fh.readline(1 << 20)
                if not rest or rest[-1:] in ("\n", b"\n"):
                    break
            yield n, None
            continue
        yield n, line
