"""What `annotate --explain` costs: annotate with the reasons off and on, on the same text.

Usage: python benchmarks/explain_cost.py [--repeat R] [--runs N]

The text is the project's own data/labels, each document's units joined into
paragraphs (as in benchmarks/throughput.py). Each setting is timed ``--runs`` times,
alternating, and the best run is kept; the time is CPU time of this process
(``time.process_time``), which a machine shared with other jobs disturbs far less
than wall time (annotate runs in one thread). Prints units per
second with explain off and on, and the cost of explain as a percentage. With it
off, annotate runs exactly the code it ran before explain existed (one branch).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="times the corpus is repeated")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per setting (best kept)")
    args = parser.parse_args()

    from classifier.annotate import Annotator
    from classifier.training.corpus import document_texts, read_labels

    texts = list(document_texts(read_labels([ROOT / "data" / "labels"])).values()) * args.repeat
    annotator = Annotator.load()
    n_units = sum(len(r.sentences) for r in annotator.annotate_many(texts))
    best = {False: float("inf"), True: float("inf")}
    for _ in range(args.runs):
        for explain in (False, True):
            annotator.explain = explain
            t = time.process_time()
            annotator.annotate_many(texts)
            best[explain] = min(best[explain], time.process_time() - t)
    print(f"corpus: {len(texts)} documents, {n_units} units, {sum(map(len, texts)) / 1e6:.2f} M characters")
    for explain in (False, True):
        print(f"annotate, explain {'on ' if explain else 'off'}: {best[explain]:6.2f} s CPU  "
              f"{n_units / best[explain]:7.0f} units/s")
    print(f"cost of --explain: +{(best[True] / best[False] - 1) * 100:.0f}% time "
          f"({(best[True] - best[False]) / n_units * 1e6:.0f} microseconds per unit)")


if __name__ == "__main__":
    main()
