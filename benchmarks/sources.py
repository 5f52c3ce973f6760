"""How well the source ledger finds what claims rest on: span precision/recall/F1 and type accuracy.

    python benchmarks/sources.py                  # dev, test and all of tests/fixtures/sources.jsonl
    python benchmarks/sources.py --errors dev     # list the misses on one split
    python benchmarks/sources.py --spacy-model en_core_web_sm   # with a trained pipeline's NER, if installed
    python benchmarks/sources.py --speed          # what the ledger costs inside `annotate`
    python benchmarks/sources.py --real           # real news: ../shared/dev2's attributed claims, hand-marked

The fixture is hand-marked (format in ``docs/sources.md``). The units' gold
labels are given to the ledger, so this measures the source rules alone, not
the sentence classifier. A span counts as found when the ledger names the same
unit and the same words, after lower-casing and dropping leading determiners
("The company" = "company"). Type accuracy is per claim: the type of the first
source found for the unit against the hand-marked one (a claim with no source
found counts as wrong).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.ledger import SourceFinder  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "sources.jsonl"
#: The fixture's parts, in the order they were written (see docs/sources.md).
SPLITS = ("round1-dev", "round1-test", "round2", "round3", "round4", "round5", "round6", "round7")
_LEADING = frozenset("the a an its his her their our some other one two three four five several many".split())


def normalise(span: str) -> str:
    words = re.sub(r"[\"\u201c\u201d.,;:]+", " ", span.replace("\u2019", "'")).lower().split()
    while words and (words[0] in _LEADING or words[0].isdigit()):
        words.pop(0)
    return " ".join(words)


def load(path: Path = FIXTURE) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(docs: list[dict], finder: SourceFinder) -> dict:
    """Span P/R/F1, type accuracy (per claim), verb and quote accuracy, and the misses."""
    tp = fp = fn = 0
    claims = type_right = predicted = 0
    verbs = verbs_right = 0
    quotes = quotes_right = 0
    misses = []
    for doc in docs:
        texts = [u["text"] for u in doc["units"]]
        labels = [u["label"] for u in doc["units"]]
        found = finder.find(texts, labels)
        for i, (unit, pred) in enumerate(zip(doc["units"], found)):
            gold = {(i + g["unit"], normalise(g["span"])): g for g in unit["sources"]}
            got = {(s.unit, normalise(s.text)): s for s in pred}
            hit = set(gold) & set(got)
            tp += len(hit)
            fp += len(set(got) - hit)
            fn += len(set(gold) - hit)
            for key in hit:
                if gold[key]["verb"]:
                    verbs += 1
                    verbs_right += (got[key].verb or "").lower() == gold[key]["verb"].lower()
            predicted += bool(pred) and bool(unit["sources"] or unit["label"] in ("attributed_claim", "sourced_fact"))
            if unit["sources"]:
                claims += 1
                right = bool(pred) and pred[0].type == unit["sources"][0]["type"]
                type_right += right
                if unit["label"] == "attributed_claim":
                    quotes += 1
                    quotes_right += bool(pred and pred[0].quote) == unit["quote"]
            if set(gold) != set(got) or (unit["sources"] and not (pred and pred[0].type == unit["sources"][0]["type"])):
                misses.append({"doc": doc["id"], "unit": i, "text": unit["text"],
                               "gold": [(k[0] - i, g["span"], g["type"]) for k, g in gold.items()],
                               "got": [(s.unit - i, s.text, s.type, s.verb) for s in pred]})
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"units": sum(len(d["units"]) for d in docs), "claims": claims, "span_precision": precision,
            "span_recall": recall, "span_f1": f1, "type_accuracy": type_right / claims if claims else 0.0,
            "type_precision": type_right / predicted if predicted else 0.0,
            "verb_accuracy": verbs_right / verbs if verbs else 0.0,
            "quote_accuracy": quotes_right / quotes if quotes else 0.0, "misses": misses}


REAL_GOLD = ROOT / "benchmarks" / "data" / "real_sources_dev2.jsonl"
REAL_UNITS = ROOT.parent / "shared" / "dev2" / "labels.jsonl"


def score_real(finder: SourceFinder, units_path: Path = REAL_UNITS, gold_path: Path = REAL_GOLD) -> dict:
    """The ledger on real news: the dev2 set's 94 attributed claims, their sources marked by hand.

    The gold file holds offsets only (doc, unit, which unit holds the span, start, end, type), never
    the publishers' text, which is read from ../shared at run time. Marked by one person, after
    reading the rules' output (so a judgement may lean towards it).
    """
    rows: dict[str, list[dict]] = {}
    for line in units_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            rows.setdefault(r["doc"], []).append(r)
    gold = [json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    found = {}
    for doc, units in rows.items():
        texts = [u["text"] for u in units]
        paragraphs = [k == 0 or units[k]["start"] - units[k - 1]["end"] > 1 for k in range(len(units))]
        found[doc] = finder.find(texts, [u["label"] for u in units], paragraphs)
    tp = predicted = right_type = 0
    for g in gold:
        pred = found[g["doc"]][g["unit"]]
        predicted += bool(pred)
        if pred:
            p = pred[0]
            tp += (p.unit - g["unit"], p.start, p.end) == (g["source_unit"], g["start"], g["end"])
            right_type += p.type == g["type"]
    precision = tp / predicted if predicted else 0.0
    recall = tp / len(gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"claims": len(gold), "found": predicted, "span_precision": precision, "span_recall": recall,
            "span_f1": f1, "type_accuracy": right_type / len(gold), "type_precision": right_type / predicted}


def speed(repeat: int = 1, runs: int = 3) -> None:
    """What the ledger costs inside `annotate`, on the project's own documents (data/labels).

    Prints units per second of spaCy's bare sentencizer (the reference of
    benchmarks/throughput.py) and of `annotate` with and without the ledger
    (``Annotator.with_sources``), best of ``runs``.
    """
    import time

    import spacy

    from classifier.annotate import Annotator
    from classifier.training.corpus import document_texts, read_labels

    texts = list(document_texts(read_labels([ROOT / "data" / "labels"])).values()) * repeat
    bare = spacy.blank("en")
    bare.add_pipe("sentencizer")
    annotator = Annotator.load()
    annotator.annotate_many(texts[:5])  # warm up

    def best(fn) -> float:
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    n_bare = sum(len(list(d.sents)) for d in bare.pipe(texts))
    t_bare = best(lambda: [list(d.sents) for d in bare.pipe(texts)])
    n = sum(len(r.sentences) for r in annotator.annotate_many(texts))
    annotator.with_sources = True
    t_with = best(lambda: annotator.annotate_many(texts))
    annotator.with_sources = False
    t_without = best(lambda: annotator.annotate_many(texts))
    ref = n_bare / t_bare
    print(f"{len(texts)} documents, {n} units; bare sentencizer {ref:,.0f} units/s")
    print(f"annotate with the ledger    {n / t_with:,.0f} units/s (ratio to bare {n / t_with / ref:.2f})")
    print(f"annotate without the ledger {n / t_without:,.0f} units/s (ratio to bare {n / t_without / ref:.2f})")
    print(f"the ledger: {1 - t_without / t_with:.0%} of annotate's time")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--errors", choices=(*SPLITS, "all"), help="list the misses on this split")
    parser.add_argument("--spacy-model", help="an installed trained spaCy pipeline (its NER types the names)")
    parser.add_argument("--fixture", type=Path, default=FIXTURE)
    parser.add_argument("--speed", action="store_true", help="time the ledger inside annotate instead")
    parser.add_argument("--real", action="store_true", help="score on ../shared/dev2 (real news, hand-marked offsets)")
    args = parser.parse_args(argv)
    if args.speed:
        speed()
        return
    if args.real:
        if not REAL_UNITS.exists():
            sys.exit(f"{REAL_UNITS} is not there (../shared is beside the project on developer machines)")
        r = score_real(SourceFinder())
        print(f"real news (../shared/dev2): {r['claims']} attributed claims, a source found for {r['found']}; "
              f"span P {r['span_precision']:.3f} R {r['span_recall']:.3f} F1 {r['span_f1']:.3f}; "
              f"type accuracy {r['type_accuracy']:.3f} (type P {r['type_precision']:.3f})")
        return
    nlp = None
    if args.spacy_model:
        import spacy

        nlp = spacy.load(args.spacy_model)
    finder = SourceFinder(nlp)
    docs = load(args.fixture)
    splits = {name: [d for d in docs if d["split"] == name] for name in SPLITS}
    splits = {name: part for name, part in splits.items() if part}
    splits["all"] = docs
    print(f"{'split':<12}{'units':>6}{'claims':>8}{'span P':>9}{'span R':>9}{'span F1':>9}{'type acc':>10}"
          f"{'type P':>8}{'verb acc':>10}{'quote acc':>11}")
    results = {}
    for name, part in splits.items():
        r = results[name] = score(part, finder)
        print(f"{name:<12}{r['units']:>6}{r['claims']:>8}{r['span_precision']:>9.3f}{r['span_recall']:>9.3f}"
              f"{r['span_f1']:>9.3f}{r['type_accuracy']:>10.3f}{r['type_precision']:>8.3f}{r['verb_accuracy']:>10.3f}"
              f"{r['quote_accuracy']:>11.3f}")
    if args.errors:
        for m in results[args.errors]["misses"]:
            print(f"\n{m['doc']}#{m['unit']}: {m['text']}\n  gold {m['gold']}\n  got  {m['got']}")


if __name__ == "__main__":
    main()
