"""How real-shaped a folder of labeled documents is: the figures the data issue measures.

Usage: python benchmarks/data_shape.py [LABELS ...]   (default: data/labels)

Per folder or file: documents, units, the share of reporting documents with no
speculation at all, the share of documents whose last claim-making unit is
speculation, the share of sourced facts that carry a digit, the longest document in
units, quotes that stay open over two or more units (per 100 documents), and the
spread of sentence lengths inside a document (mean standard deviation, in words).
Run it on ../shared/dev and ../shared/dev2 for the real-news figures (numbers only).
"""

from __future__ import annotations

import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.training.corpus import in_document_order, read_labels  # noqa: E402


def shape(units) -> dict:
    docs: dict[str, list] = {}
    for u in in_document_order(units):
        docs.setdefault(u.doc, []).append(u)
    reports = no_spec = ends_judging = spread_n = 0
    spreads, multi_quotes = [], 0
    for doc_units in docs.values():
        claims = [u for u in doc_units if u.label != "boilerplate"]
        if not claims:
            continue
        spec = sum(u.label == "speculation" for u in claims) / len(claims)
        if spec <= 0.2:  # a reporting document by the verdict's clear-cut rule
            reports += 1
            no_spec += spec == 0
        ends_judging += claims[-1].label == "speculation"
        lengths = [len(u.text.split()) for u in claims if len(u.text.split()) > 3]
        if len(lengths) > 2:
            spreads.append(statistics.pstdev(lengths))
        open_run = 0
        for u in doc_units:
            t = u.text
            opens = t.count("\u201c") + (t.count('"') if t.count('"') % 2 else 0)
            closes = t.count("\u201d")
            if open_run and u.label == "attributed_claim":
                open_run += 1
            if opens > closes:
                open_run = max(open_run, 1)
            if closes > opens or (t.count('"') % 2 and open_run > 1):
                multi_quotes += open_run >= 2
                open_run = 0
    facts = [u for u in units if u.label == "sourced_fact"]
    n = len(docs)
    return {
        "documents": n, "units": len(units),
        "reports_without_speculation": round(no_spec / reports, 3) if reports else None,
        "documents_ending_on_judgement": round(ends_judging / n, 3) if n else None,
        "facts_with_a_number": round(sum(bool(re.search(r"\d", u.text)) for u in facts) / len(facts), 3) if facts else None,
        "longest_document_units": max((len(v) for v in docs.values()), default=0),
        "multi_unit_quotes_per_100_docs": round(100 * multi_quotes / n, 1) if n else None,
        "sentence_length_spread_words": round(statistics.mean(spreads), 1) if spreads else None,
    }


def main(argv: list[str]) -> None:
    targets = argv or [str(ROOT / "data" / "labels")]
    for target in targets:
        print(target, shape(read_labels([target])))


if __name__ == "__main__":
    main(sys.argv[1:])
