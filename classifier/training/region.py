"""Article regions for training data that has no HTML: a simulation of what the extractor does.

The labeled data is text, one unit a line; the article-region flag the classifier sees
on real pages (:mod:`classifier.features.region`) comes from running trafilatura on
the HTML, which these documents do not have. So the flag is simulated, on documents
of kind ``page`` only (scraped pages with their furniture; every other document is
plain text, all inside, as plain text is at annotation time):

* the furniture before the page's first claim-making unit and after its last one
  (menus, banners, related lists, comment threads, footers) is outside, except for
  up to EDGE units right next to the article (a byline, a dateline, a tag line),
  which an extractor keeps with it;
* boilerplate between the first and last claims stays inside (share bars, "Read more"
  lines, section headings in the body: an extractor keeps most of them);
* a few claim-making units (MISSED_CLAIM_RATE, picked by a hash of their text, so the
  same every run) are put outside: the extractor's misses.

Measured on the project's dev pages (trafilatura on the real HTML): 11 of 305
claim-making units fall outside the region, and 117 of 411 units inside it are
boilerplate; the simulation gives about the same shares (4% and 20-25%), so that
the model learns the flag is strong but not absolute.

Only half the page documents (chosen by a hash of the document id) get a region;
the other half stay plain text, as a page pasted into a .txt file is: the model
must still find furniture by its words when there is no region to go by.
"""

from __future__ import annotations

import hashlib

from ..labels import CLAIM_LABELS
from .corpus import LabeledUnit

SIMULATED_KINDS = frozenset({"page"})
MISSED_CLAIM_RATE = 0.04
EDGE = 4
WITH_REGION_SHARE = 0.5


def _fraction(key: str) -> float:
    """A number in [0, 1) fixed by ``key`` (the same every run, on every machine)."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2 ** 32


def simulate_regions(units: list[LabeledUnit]) -> list[LabeledUnit]:
    """Set ``outside`` on the units of page documents (in document order), in place; returns ``units``."""
    by_doc: dict[str, list[int]] = {}
    for i, u in enumerate(units):
        by_doc.setdefault(u.doc, []).append(i)
    for doc, idx in by_doc.items():
        if units[idx[0]].extra.get("kind") not in SIMULATED_KINDS or _fraction(doc) >= WITH_REGION_SHARE:
            continue
        claims = [k for k, i in enumerate(idx) if units[i].label in CLAIM_LABELS]
        if not claims:
            continue
        edge = int(_fraction(doc + "#edge") * (EDGE + 1))  # 0..EDGE units kept on each side
        first, last = claims[0] - edge, claims[-1] + edge
        for k, i in enumerate(idx):
            u = units[i]
            if k < first or k > last:
                u.outside = 1.0
            elif u.label in CLAIM_LABELS and _fraction(u.text) < MISSED_CLAIM_RATE:
                u.outside = 1.0
    return units
