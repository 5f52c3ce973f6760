"""hypefact next to what a user could assemble from off-the-shelf parts, on the same data.

Usage: python benchmarks/peers.py [--dev LABELS.jsonl ...] [--epochs N]

Every system is trained on the project's data/labels and scored on the same
labeled units (real news, by default ../shared/dev and ../shared/dev2):

  * hypefact: the shipped model (models/hypefact.joblib, compiled form);
  * spaCy textcat, bag-of-words (TextCatBOW.v3, unigrams + bigrams);
  * spaCy textcat, default ensemble (TextCatEnsemble.v2: BOW + tok2vec);
  * TF-IDF (1-2 grams) + logistic regression.

Prints one table: macro-F1, per-label F1, and sentences per second when
classifying the dev units (single process; hypefact includes its context stage).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.labels import LABELS  # noqa: E402


def macro_f1(gold, pred) -> tuple[float, list[float]]:
    from sklearn.metrics import f1_score

    per = f1_score(gold, pred, labels=list(LABELS), average=None, zero_division=0)
    return float(np.mean(per)), [float(x) for x in per]


def timed(fn, texts, repeat: int = 3):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(texts)
        best = min(best, time.perf_counter() - t)
    return out, len(texts) / best


def train_textcat(train, architecture: str | None, epochs: int, seed: int = 0):
    import spacy
    from spacy.training import Example
    from spacy.util import minibatch

    random.seed(seed)
    spacy.util.fix_random_seed(seed)
    nlp = spacy.blank("en")
    config = {}
    if architecture == "bow":
        config = {"model": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True,
                            "ngram_size": 2, "no_output_layer": False, "length": 262144}}
    textcat = nlp.add_pipe("textcat", config=config)
    for label in LABELS:
        textcat.add_label(label)
    examples = [Example.from_dict(nlp.make_doc(u.text), {"cats": {lab: float(lab == u.label) for lab in LABELS}})
                for u in train]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(epochs):
        random.shuffle(examples)
        for batch in minibatch(examples, size=32):
            nlp.update(batch, sgd=optimizer, drop=0.2)

    def predict(texts):
        return [max(doc.cats, key=doc.cats.get) for doc in nlp.pipe(texts, batch_size=256)]

    return predict


def train_tfidf_lr(train):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
                          LogisticRegression(C=4.0, max_iter=3000))
    model.fit([u.text for u in train], [u.label for u in train])
    return lambda texts: list(model.predict(texts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", nargs="+", default=[str(ROOT.parent / "shared" / s / "labels.jsonl")
                                                     for s in ("dev", "dev2")],
                        help="labeled sets to score on (default: ../shared/dev and ../shared/dev2)")
    parser.add_argument("--epochs", type=int, default=8, help="training epochs for the textcat models")
    args = parser.parse_args()

    from classifier.model.files import DEFAULT_DATA, load_predictor
    from classifier.training.corpus import in_document_order, read_labels

    train = read_labels([DEFAULT_DATA])
    sets = {path: in_document_order(read_labels([path])) for path in args.dev}
    print(f"train: {len(train)} units from data/labels; "
          + "; ".join(f"{path}: {len(units)} units" for path, units in sets.items()) + "\n")
    predictor, _ = load_predictor()
    inputs = {path: [u.as_input() for u in units] for path, units in sets.items()}
    current = {}

    def hypefact_predict(_texts):
        return list(predictor.predict(inputs[current["path"]]))

    systems = [
        ("hypefact (shipped model)", lambda: hypefact_predict),
        ("spaCy textcat BOW", lambda: train_textcat(train, "bow", args.epochs)),
        ("spaCy textcat ensemble", lambda: train_textcat(train, None, args.epochs)),
        ("TF-IDF + logistic regression", lambda: train_tfidf_lr(train)),
    ]
    rows = {path: [] for path in sets}
    for name, build in systems:
        t = time.perf_counter()
        predict = build()
        train_s = time.perf_counter() - t
        for path, units in sets.items():
            current["path"] = path
            texts, gold = [u.text for u in units], [u.label for u in units]
            pred, speed = timed(predict, texts)
            f1, per = macro_f1(gold, pred)
            rows[path].append((name, f1, per, speed, train_s))
        print(f"  done: {name} (trained in {train_s:.0f} s)", file=sys.stderr)

    for path, table in rows.items():
        print(f"\n{path}")
        head = f"{'system':<30}{'macro-F1':>9}" + "".join(f"{lab[:10]:>12}" for lab in LABELS) + f"{'sents/s':>10}"
        print(head)
        print("-" * len(head))
        for name, f1, per, speed, _ in table:
            print(f"{name:<30}{f1:>9.3f}" + "".join(f"{x:>12.3f}" for x in per) + f"{speed:>10.0f}")
        ours = table[0]
        for name, f1, _, speed, _ in table[1:]:
            print(f"hypefact vs {name}: {100 * (ours[1] - f1):+.1f} points macro-F1, speed x{ours[3] / speed:.2f}")


if __name__ == "__main__":
    main()
