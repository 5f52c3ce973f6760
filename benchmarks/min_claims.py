"""How many claim-making sentences does a verdict need? The default of ``--min-claims``.

Usage: python benchmarks/min_claims.py [LABEL PATHS ...]   (default: data/labels)

For every labeled document with at least 15 claim-making units, draws n of them at
random (200 draws per document, seeded) for n = 1..15 and compares the verdict of the
draw with the verdict of the whole document (both from the gold labels, so this
measures the arithmetic of small samples, not the model). Prints, per n, how often the
verdicts agree and how far the speculation share strays (mean absolute difference).
The default (5) is the smallest n whose share error is at most 0.12, twice the 0.06
the project asks of a page's speculation share (agreement there: 85%); a verdict
resting on fewer claims is marked ``low_evidence``.
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.labels import CLAIM_LABELS, summarize  # noqa: E402
from classifier.training.corpus import read_labels  # noqa: E402

MIN_DOC_CLAIMS, MAX_N, DRAWS = 15, 15, 200


def main() -> None:
    paths = sys.argv[1:] or [str(ROOT / "data" / "labels")]
    docs: dict[str, list[str]] = defaultdict(list)
    for u in read_labels(paths):
        docs[u.doc].append(u.label)
    rng = random.Random(0)
    agree = defaultdict(int)
    drift = defaultdict(float)
    total = defaultdict(int)
    used = 0
    for labels in docs.values():
        claims = [lab for lab in labels if lab in CLAIM_LABELS]
        if len(claims) < MIN_DOC_CLAIMS:
            continue
        used += 1
        _, shares, verdict = summarize(claims)
        for n in range(1, MAX_N + 1):
            for _ in range(DRAWS):
                _, s, v = summarize(rng.sample(claims, n))
                agree[n] += v == verdict
                drift[n] += abs(s["speculation"] - shares["speculation"])
                total[n] += 1
    print(f"{used} documents with at least {MIN_DOC_CLAIMS} claim-making units, {DRAWS} draws each")
    print(" n  verdict agrees  share error")
    for n in range(1, MAX_N + 1):
        print(f"{n:2d}  {agree[n] / total[n]:14.3f}  {drift[n] / total[n]:11.3f}")


if __name__ == "__main__":
    main()
