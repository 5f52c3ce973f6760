"""Cut the inputs that make spaCy's tokenizer quadratic into pieces it handles in linear time.

spaCy's tokenizer peels prefixes and suffixes off a whitespace-free string one
character at a time, copying what is left each time: a run of punctuation or
symbols with no space in it (16 KB of ``)``) costs time that grows with the
square of its length (40 s for 16 KB, 154 s for 32 KB). No real sentence has a
run of more than :data:`MAX_RUN` such characters, so such runs are cut into
pieces of that size before spaCy sees them; every other text goes through
untouched, and the pieces keep their offsets into the original text.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

#: The longest run of punctuation/symbols (no letters, digits or spaces) given to spaCy in one piece.
MAX_RUN = 100

_LONG_RUN = re.compile(r"[^\w\s]{%d,}" % (MAX_RUN + 1))


def split_pathological_runs(pieces: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """``(offset, text)`` pieces, with every run of more than :data:`MAX_RUN` punctuation or symbol
    characters cut every :data:`MAX_RUN` characters (each cut starts a new piece)."""
    for offset, text in pieces:
        pos = 0
        for m in _LONG_RUN.finditer(text):
            for cut in range(m.start(), m.end(), MAX_RUN):
                if cut > pos:
                    yield offset + pos, text[pos:cut]
                    pos = cut
        if pos < len(text) or not text:
            yield offset + pos, text[pos:]
