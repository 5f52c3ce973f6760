"""Article regions for training data that has no HTML: a simulation of what the extractor does.

The labeled data is text, one unit a line; the article-region flag the classifier sees
on real pages (:mod:`classifier.features.region`) comes from running trafilatura on
the HTML, which these documents do not have. So the flag is simulated, on documents
of kind ``page`` only (scraped pages with their furniture; every other document is
plain text, all inside, as plain text is at annotation time):

* the furniture before the page's first claim-making unit and after its last one
  (menus, banners, related lists, comment threads, footers) is outside;
* inside that span, a run of three or more boilerplate units (a "Most read" block
  or a share bar between paragraphs, which an extractor cuts) is outside too;
* a few claim-making units (MISSED_CLAIM_RATE, picked by a hash of their text, so the
  same every run) are put outside as well: the extractor's misses, measured on the
  project's dev pages (11 of 305 claim-making units fell outside trafilatura's region),
  so that the model learns the flag is strong but not absolute.
"""

from __future__ import annotations

import hashlib

from ..labels import CLAIM_LABELS
from .corpus import LabeledUnit

SIMULATED_KINDS = frozenset({"page"})
MISSED_CLAIM_RATE = 0.04
MIN_FURNITURE_RUN = 3


def _missed(text: str) -> bool:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2 ** 32 < MISSED_CLAIM_RATE


def simulate_regions(units: list[LabeledUnit]) -> list[LabeledUnit]:
    """Set ``outside`` on the units of page documents (in document order), in place; returns ``units``."""
    by_doc: dict[str, list[int]] = {}
    for i, u in enumerate(units):
        by_doc.setdefault(u.doc, []).append(i)
    for idx in by_doc.values():
        if units[idx[0]].extra.get("kind") not in SIMULATED_KINDS:
            continue
        claims = [k for k, i in enumerate(idx) if units[i].label in CLAIM_LABELS]
        if not claims:
            continue
        first, last = claims[0], claims[-1]
        run: list[int] = []
        for k, i in enumerate(idx):
            u = units[i]
            if k < first or k > last:
                u.outside = 1.0
            elif u.label in CLAIM_LABELS:
                u.outside = 1.0 if _missed(u.text) else 0.0
            if u.label == "boilerplate" and first <= k <= last:
                run.append(i)
            if u.label != "boilerplate" or k == last:
                if len(run) >= MIN_FURNITURE_RUN:
                    for j in run:
                        units[j].outside = 1.0
                run = []
    return units
