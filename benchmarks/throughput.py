"""Throughput of `annotate` next to spaCy's bare sentencizer, and the CLI's cold start.

Usage: python benchmarks/throughput.py [--docs N] [--repeat R]

The large text is built from the project's own data/labels (each document's units
joined into paragraphs, the corpus repeated). Prints sentences per second for
  1. spacy.blank("en") + sentencizer alone (the reference),
  2. hypefact's segmentation alone,
  3. the whole annotate pipeline (segment + classify + verdict),
the ratio of 3 to 1 (target: >= 0.5), and the wall time of `hypefact annotate` on a
one-paragraph file in a fresh process (target: < 1.5 s), median of 5 runs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_corpus(repeat: int) -> list[str]:
    from classifier.training.corpus import document_texts, read_labels

    return list(document_texts(read_labels([ROOT / "data" / "labels"])).values()) * repeat


def best_of(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="times the corpus is repeated")
    args = parser.parse_args()

    import spacy

    from classifier.annotate import Annotator
    from classifier.segment import segment

    texts = build_corpus(args.repeat)
    chars = sum(map(len, texts))
    bare = spacy.blank("en")
    bare.add_pipe("sentencizer")
    annotator = Annotator.load()

    n_bare = sum(len(list(d.sents)) for d in bare.pipe(texts))
    t_bare = best_of(lambda: [list(d.sents) for d in bare.pipe(texts)])
    n_units = sum(len(segment(t, annotator.nlp)) for t in texts)
    t_seg = best_of(lambda: [segment(t, annotator.nlp) for t in texts])
    t_all = best_of(lambda: [annotator.annotate_text(t) for t in texts])

    print(f"corpus: {len(texts)} documents, {chars / 1e6:.2f} M characters")
    print(f"{'pipeline':<38}{'units':>8}{'seconds':>10}{'units/s':>10}{'chars/s':>10}")
    for name, n, t in [("spaCy blank + sentencizer (reference)", n_bare, t_bare),
                       ("hypefact segmentation", n_units, t_seg),
                       ("hypefact annotate (segment+classify)", n_units, t_all)]:
        print(f"{name:<38}{n:>8}{t:>10.2f}{n / t:>10.0f}{chars / t:>10.0f}")
    ratio = (n_units / t_all) / (n_bare / t_bare)
    print(f"ratio annotate / bare sentencizer: {ratio:.2f} in units/s, {t_bare / t_all:.2f} in characters/s "
          "(target >= 0.50; hypefact also splits at line breaks, so it yields more units)")

    with tempfile.TemporaryDirectory() as tmp:
        para = Path(tmp) / "paragraph.txt"
        para.write_text("The council voted 31 to 9 on Thursday to repair the bridge. \"It will not fall,\" the "
                        "mayor said. The work could easily overrun.\n", encoding="utf-8")
        exe = Path(sys.executable).with_name("hypefact")
        cmd = [str(exe) if exe.exists() else "hypefact", "annotate", str(para), "--format", "json"]
        runs = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            runs.append(time.perf_counter() - t)
    print(f"cold start, `hypefact annotate` on one paragraph: median {statistics.median(runs):.2f} s "
          f"(min {min(runs):.2f}, max {max(runs):.2f}; target < 1.5 s)")


if __name__ == "__main__":
    main()
