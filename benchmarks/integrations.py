"""What the integrations cost: the spaCy component and annotate_frame next to Annotator.annotate_many,
and the space sentence text takes in the results database.

Usage: python benchmarks/integrations.py [--docs N]

Texts are the project's own documents (data/labels, units joined into paragraphs).
Prints documents per second of
  1. Annotator.annotate_many (what `hypefact annotate` and `score` run), in batches of 32,
  2. the spaCy component through nlp.pipe (spacy.blank("en") + "hypefact"),
  3. annotate_frame on a DataFrame of the same texts,
the overhead of 2 and 3 over 1, and, after scoring the texts into a fresh database
(in-process engine), the share of the file taken by sentences.text.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def best_of(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200)
    args = parser.parse_args()

    import pandas as pd
    import spacy

    from classifier.annotate import Annotator
    from classifier.frames import annotate_frame
    from classifier.training.corpus import document_texts, read_labels

    texts = list(document_texts(read_labels([ROOT / "data" / "labels"])).values())[: args.docs]
    annotator = Annotator.load()
    nlp = spacy.blank("en")
    nlp.add_pipe("hypefact")
    frame = pd.DataFrame({"text": texts})

    def plain():
        for i in range(0, len(texts), 32):
            annotator.annotate_many(texts[i:i + 32])

    t_plain = best_of(plain)
    t_spacy = best_of(lambda: list(nlp.pipe(texts, batch_size=32)))
    t_frame = best_of(lambda: annotate_frame(frame, annotator=annotator))
    n = len(texts)
    print(f"{n} documents, {sum(map(len, texts)) / n:.0f} characters on average (best of 3)")
    print(f"  Annotator.annotate_many   {n / t_plain:7.1f} docs/s")
    print(f"  spaCy nlp.pipe            {n / t_spacy:7.1f} docs/s  ({t_spacy / t_plain - 1:+.0%} time)")
    print(f"  annotate_frame            {n / t_frame:7.1f} docs/s  ({t_frame / t_plain - 1:+.0%} time)")

    from classifier.batch.engines import InlineEngine
    from classifier.batch.run import score_sources

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        for i, text in enumerate(texts):
            (folder / f"doc{i:04d}.txt").write_text(text, encoding="utf-8")
        db = Path(tmp) / "bench.db"
        score_sources([str(folder)], db, engine=InlineEngine())
        with sqlite3.connect(db) as c:
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            text_bytes = c.execute("SELECT SUM(LENGTH(CAST(text AS BLOB))) FROM sentences").fetchone()[0]
            rows = c.execute("SELECT COUNT(*) FROM sentences").fetchone()[0]
        size = os.path.getsize(db)
        print(f"database: {size / 1e6:.2f} MB for {rows} sentences; sentences.text holds {text_bytes / 1e6:.2f} MB "
              f"({text_bytes / size:.0%} of the file)")


if __name__ == "__main__":
    main()
