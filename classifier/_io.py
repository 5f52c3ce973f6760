"""File plumbing every stage shares: atomic writes, file hashes, timestamps.

Why one place: a model, a label file, an export or a sidecar must never be seen
half written, and files the tool writes must get the user's normal permissions
(their umask), not the private 0600 that ``tempfile.mkstemp`` gives.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator


def utc_now() -> str:
    """The current time as ``2026-12-07T22:47:03Z``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def sha256_of(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
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


@contextmanager
def atomic_writer(path: str | os.PathLike, binary: bool = False, suffix: str = ".tmp") -> Iterator[IO]:
    """Write through a temp file beside ``path`` and rename it over ``path`` on success.

    Readers see the old content or the new, never half of either; on an error the
    temp file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, new_file_mode(path))
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
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp
