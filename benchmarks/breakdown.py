"""Where the time of `annotate` goes, stage by stage, in one process (CPU seconds, median of runs).

Usage: python benchmarks/breakdown.py FILE [--runs 3]

Each stage is timed on its own over the whole text, so the stages add up to about one run: the
tokenizer in a fresh pipeline (a cold cache, as in a fresh `hypefact annotate` process, with the
cache warming of classifier.segment), the rest of splitting (the fused sentencizer and structure
rules, unit extraction), stage one (TF-IDF rows and cue features; the cue features also alone),
the context features, and the jsonl output.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def cpu(fn):
    t = time.process_time()
    out = fn()
    return time.process_time() - t, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from classifier.annotate import Annotator
    from classifier.features import cues
    from classifier.features.context import context_features
    from classifier.model.compiled import _softmax
    from classifier.render import write_jsonl
    from classifier.segment import _chunks, _warmer, iter_units, load_pipeline

    text = Path(args.file).read_text(encoding="utf-8")
    annotator = Annotator.load()
    model = annotator.model
    times: dict[str, list[float]] = {}
    units: list = []
    for _ in range(args.runs):
        nlp = load_pipeline.__wrapped__()  # a fresh pipeline: a cold tokenizer cache
        warm = _warmer(nlp)

        def tokenize():
            for _, chunk in _chunks(text):
                warm(chunk)
                nlp.tokenizer(chunk)

        def split():
            units[:] = iter_units(text, nlp)

        def sentence_model():
            return _softmax(model._sentence_scores([u.text for u in units]))

        def context():
            texts = [u.text for u in units]
            return context_features(sentence_model_out, ["#0"] * len(texts), texts, model.window)

        def output():
            write_jsonl([result], io.StringIO())

        def whole():
            write_jsonl([annotator.annotate_text(text)], io.StringIO())

        timed = {}
        timed["tokenizer, cold cache (with warming)"], _ = cpu(tokenize)
        timed["rest of splitting (cached tokenizer, starts, units)"], _ = cpu(split)
        timed["cue features alone"], _ = cpu(lambda: [cues.cue_vector(u.text) for u in units])
        timed["stage one: TF-IDF rows + cue features"], sentence_model_out = cpu(sentence_model)
        timed["context features"], _ = cpu(context)
        result = annotator.annotate_text(text)
        timed["jsonl output"], _ = cpu(output)
        timed["whole: annotate + jsonl, warm cache"], _ = cpu(whole)
        for name, t in timed.items():
            times.setdefault(name, []).append(t)
    print(f"{len(text) / 1e6:.2f} M characters, {len(units)} units; CPU seconds, median of {args.runs}")
    for name, ts in times.items():
        print(f"  {name:<40}{statistics.median(ts):8.2f}")


if __name__ == "__main__":
    main()
