"""Throughput of `hypefact annotate` as whole processes, next to spaCy's own sentencizer and the peers.

Usage: python benchmarks/throughput.py [--runs 3] [--news-mb 3.4] [--scaling] [--scaling-50]
(``$HYPEFACT_SHARED`` points elsewhere than ../shared, e.g. to measure an older checkout elsewhere.)

Two texts, each one file:

* **news**: the real articles of ../shared (dev, dev2, seeds) joined and repeated to about 3.4 MB,
  read at benchmark time and written to a temporary folder only (their text is never committed).
  A repeating text is the case that defeats spaCy's tokenizer cache (spaCy#13950);
* **own**: the project's own training documents (data/labels) joined once: nothing repeats.

On each text, fresh processes, alternating, median of ``--runs``; seconds are wall time, CPU is
user + system time of the process, peak memory is its maximum RSS:

1. ``hypefact annotate FILE --format jsonl --local``;
2. the bar: ``spacy.blank("en")`` + ``sentencizer`` over the same text split into lines (hypefact's
   units never cross a line break, and line by line is spaCy's fastest way through it);
3. peers on hypefact's units, each with its own tokenization: spaCy textcat bag-of-words
   (TextCatBOW.v3) and TF-IDF (1-2 grams) + logistic regression, both fitted on data/labels
   beforehand (fitting is not timed; loading is);

then the ratio hypefact / bar in characters per second (target >= 0.70) and hypefact / textcat-bow
(target >= 2). CPU ratios are printed too: other processes on a shared machine stretch wall times.

Then cold start (median of 5 fresh processes, alternating): ``hypefact annotate`` on one paragraph
against ``python -c "import spacy; spacy.blank('en')"`` (target <= 1.05x), the same through a
running ``hypefact serve`` (target < 0.2 s), ``hypefact --help`` and ``--version`` (< 0.3 s).

``--scaling`` adds seconds per MB and peak bytes per input character of one single document of
1 and 5 MB (``--scaling-50`` also 50 MB; target <= 10 bytes per character).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))
PY = sys.executable
HYPEFACT = [PY, "-m", "classifier.cli"]

BARE = """
import sys, spacy
text = open(sys.argv[1], encoding="utf-8").read()
nlp = spacy.blank("en")
nlp.add_pipe("sentencizer")
n = sum(1 for doc in nlp.pipe(line for line in text.split("\\n") if line.strip()) for _ in doc.sents)
print(n)
"""

TEXTCAT = """
import sys, spacy
units = open(sys.argv[1], encoding="utf-8").read().split("\\n")
nlp = spacy.load(sys.argv[2])
n = sum(1 for doc in nlp.pipe(units, batch_size=256) if doc.cats)
print(n)
"""

TFIDF = """
import sys, joblib
units = open(sys.argv[1], encoding="utf-8").read().split("\\n")
model = joblib.load(sys.argv[2])
print(len(model.predict(units)))
"""


def news_text(target_mb: float) -> str | None:
    global SHARED
    SHARED = Path(os.environ.get("HYPEFACT_SHARED", SHARED))
    files = sorted((SHARED / "dev" / "docs").glob("*.txt")) + sorted((SHARED / "dev2").rglob("*.txt"))
    files += sorted(p for p in (SHARED / "seeds").glob("*") if p.suffix in (".txt", ".md"))
    if not files:
        return None
    base = "\n\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files) + "\n\n"
    return base * max(1, round(target_mb * 1e6 / len(base)))


def own_text() -> str:
    from classifier.training.corpus import document_texts, read_labels

    return "\n\n".join(document_texts(read_labels([ROOT / "data" / "labels"])).values()) + "\n"


def local_flag() -> list[str]:
    """``--local`` (never use a running server), on versions that have it (to measure older checkouts)."""
    out = subprocess.run(HYPEFACT + ["annotate", "--help"], capture_output=True, text=True, cwd=ROOT).stdout
    return ["--local"] if "--local" in out else []


def run(cmd: list[str], stdout=subprocess.DEVNULL) -> dict:
    """Wall time, CPU time and peak RSS of one fresh process (``os.wait4`` gives the child's own).

    Linux counts the parent's RSS at fork time in a child's peak, so this process stays small:
    the peers are fitted in a subprocess and outputs are read line by line.
    """
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss * 1024}


def medians(samples: list[dict]) -> dict:
    return {k: statistics.median(s[k] for s in samples) for k in samples[0]}


def fit_peers(tmp: Path) -> tuple[Path, Path]:
    """The peers, fitted in a subprocess (see :func:`run`)."""
    subprocess.run([PY, __file__, "--fit-peers", str(tmp)], check=True, cwd=ROOT)
    return tmp / "textcat_bow", tmp / "tfidf.joblib"


def fit_peers_here(tmp: Path) -> None:
    """TextCatBOW and TF-IDF + LR fitted on data/labels (one epoch: speed, not accuracy, is measured)."""
    import joblib
    import spacy
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from spacy.training import Example

    from classifier.training.corpus import read_labels

    units = read_labels([ROOT / "data" / "labels"])
    texts, labels = [u.text for u in units], [u.label for u in units]
    tfidf = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
                          LogisticRegression(max_iter=300)).fit(texts, labels)
    tfidf_path = tmp / "tfidf.joblib"
    joblib.dump(tfidf, tfidf_path)
    nlp = spacy.blank("en")
    textcat = nlp.add_pipe("textcat", config={"model": {
        "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True, "ngram_size": 2,
        "no_output_layer": False, "length": 262144}})
    for lab in sorted(set(labels)):
        textcat.add_label(lab)
    examples = [Example.from_dict(nlp.make_doc(t), {"cats": {lab: float(lab == y) for lab in set(labels)}})
                for t, y in zip(texts[:5000], labels[:5000])]
    optimizer = nlp.initialize(lambda: examples)
    for start in range(0, len(examples), 256):
        nlp.update(examples[start:start + 256], sgd=optimizer)
    nlp.to_disk(tmp / "textcat_bow")


def throughput(name: str, text: str, tmp: Path, peers: tuple[Path, Path], runs: int) -> None:
    path = tmp / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    out = tmp / f"{name}.jsonl"
    chars = len(text)
    mb = chars / 1e6
    hypefact_cmd = HYPEFACT + ["annotate", str(path), "--format", "jsonl", *local_flag(), "--max-mb", str(int(mb * 2 + 5)),
                               "-o", str(out)]
    bare_cmd = [PY, "-c", BARE, str(path)]
    units_path = tmp / f"{name}.units.txt"
    bow_path, tfidf_path = peers
    samples: dict[str, list[dict]] = {"hypefact": [], "bare": [], "textcat": [], "tfidf": []}
    n_bare = None
    for i in range(runs):  # alternating, so a change of load hits all alike
        samples["hypefact"].append(run(hypefact_cmd))
        if i == 0:  # line by line: this process stays small (see run())
            n_units = 0
            with open(out, encoding="utf-8") as rows, open(units_path, "w", encoding="utf-8") as units:
                for line in rows:
                    units.write(("\n" if n_units else "") + json.loads(line)["text"].replace("\n", " "))
                    n_units += 1
            n_bare = int(subprocess.run(bare_cmd, capture_output=True, text=True, cwd=ROOT).stdout)
        samples["bare"].append(run(bare_cmd))
        samples["textcat"].append(run([PY, "-c", TEXTCAT, str(units_path), str(bow_path)]))
        samples["tfidf"].append(run([PY, "-c", TFIDF, str(units_path), str(tfidf_path)]))
    m = {k: medians(v) for k, v in samples.items()}
    print(f"\n## {name}: {mb:.2f} M characters, {n_units} hypefact units, {n_bare} spaCy sentences "
          f"(median of {runs} fresh processes each)")
    print(f"{'process':<44}{'wall s':>8}{'CPU s':>8}{'k chars/s':>11}{'units/s':>9}{'peak MB':>9}{'B/char':>8}")
    rows = [("hypefact annotate --format jsonl", "hypefact", n_units),
            ("spaCy blank + sentencizer, by line (bar)", "bare", n_bare),
            ("spaCy textcat BOW on the units (peer)", "textcat", n_units),
            ("TF-IDF + LR on the units (peer)", "tfidf", n_units)]
    for label, key, n in rows:
        r = m[key]
        print(f"{label:<44}{r['wall']:>8.2f}{r['cpu']:>8.2f}{chars / r['wall'] / 1e3:>11.0f}{n / r['wall']:>9.0f}"
              f"{r['rss'] / 2**20:>9.0f}{r['rss'] / chars:>8.1f}")
    h = m["hypefact"]
    print(f"ratio hypefact / bar in characters per second: {m['bare']['wall'] / h['wall']:.2f} wall, "
          f"{m['bare']['cpu'] / h['cpu']:.2f} CPU (target >= 0.70)")
    print(f"ratio hypefact / textcat-bow in characters per second: {m['textcat']['wall'] / h['wall']:.2f} wall, "
          f"{m['textcat']['cpu'] / h['cpu']:.2f} CPU (target >= 2)")


def cold_start(tmp: Path) -> None:
    para = tmp / "paragraph.txt"
    para.write_text("The council voted 31 to 9 on Thursday to repair the bridge. \"It will not fall,\" the mayor "
                    "said. The work could easily overrun.\n", encoding="utf-8")
    sock = tmp / "serve.sock"
    has_serve = "serve" in subprocess.run(HYPEFACT + ["--help"], capture_output=True, text=True, cwd=ROOT).stdout
    server = None
    if has_serve:
        server = subprocess.Popen(HYPEFACT + ["serve", "--socket", str(sock)], stderr=subprocess.PIPE, cwd=ROOT)
        server.stderr.readline()  # "listening on ..."
    cmds = {
        "hypefact annotate (in-process)": HYPEFACT + ["annotate", str(para), "-f", "json", *local_flag()],
        "python -c 'import spacy; spacy.blank(\"en\")'": [PY, "-c", "import spacy; spacy.blank('en')"],
        "hypefact annotate --server (thin client)": HYPEFACT + ["annotate", str(para), "-f", "json", "--server",
                                                                str(sock)],
        "hypefact --help": HYPEFACT + ["--help"],
        "hypefact --version": HYPEFACT + ["--version"],
    }
    if not has_serve:
        del cmds["hypefact annotate --server (thin client)"]
    samples: dict[str, list[dict]] = {k: [] for k in cmds}
    try:
        for _ in range(5):
            for k, cmd in cmds.items():
                samples[k].append(run(cmd))
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
    print("\n## cold start, median of 5 fresh processes (alternating)")
    print(f"{'process':<48}{'wall s':>8}{'CPU s':>8}")
    m = {k: medians(v) for k, v in samples.items()}
    for k, r in m.items():
        print(f"{k:<48}{r['wall']:>8.2f}{r['cpu']:>8.2f}")
    local, blank = m["hypefact annotate (in-process)"], m["python -c 'import spacy; spacy.blank(\"en\")'"]
    thin = m.get("hypefact annotate --server (thin client)", {"wall": float("nan")})
    print(f"hypefact annotate / import spacy + blank: {local['wall'] / blank['wall']:.2f}x wall, "
          f"{local['cpu'] / blank['cpu']:.2f}x CPU (target <= 1.05x); thin client "
          f"{thin['wall']:.2f} s (target < 0.2 s); --help "
          f"{m['hypefact --help']['wall']:.2f} s, --version {m['hypefact --version']['wall']:.2f} s (target < 0.3 s)")


def scaling(tmp: Path, base: str, sizes: list[float]) -> None:
    print("\n## one document of growing size (news text, single process)")
    print(f"{'MB':>6}{'wall s':>9}{'CPU s':>9}{'CPU s/MB':>10}{'peak MB':>9}{'B/char':>8}")
    for mb in sizes:
        text = (base * (int(mb * 1e6 / len(base)) + 1))[:int(mb * 1e6)]
        path = tmp / f"doc-{mb:g}.txt"
        path.write_text(text, encoding="utf-8")
        r = run(HYPEFACT + ["annotate", str(path), "--format", "jsonl", *local_flag(), "--max-mb", str(int(mb * 2 + 5)),
                            "-o", str(tmp / "scaling.jsonl")])
        print(f"{mb:>6g}{r['wall']:>9.2f}{r['cpu']:>9.2f}{r['cpu'] / mb:>10.2f}{r['rss'] / 2**20:>9.0f}"
              f"{r['rss'] / len(text):>8.1f}")
        path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--news-mb", type=float, default=3.4)
    parser.add_argument("--scaling", action="store_true", help="seconds per MB for 1 and 5 MB documents")
    parser.add_argument("--scaling-50", action="store_true", help="also a 50 MB document (slow, ~2.5 GB RAM today)")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--fit-peers", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fit_peers:
        return fit_peers_here(Path(args.fit_peers))
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    news = news_text(args.news_mb)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if not args.skip_throughput:
            peers = fit_peers(tmp)
            if news is None:
                print("(../shared is not here: the news text is skipped)")
            else:
                throughput("news", news, tmp, peers, args.runs)
            throughput("own", own_text(), tmp, peers, args.runs)
        if not args.skip_cold:
            cold_start(tmp)
        if args.scaling or args.scaling_50:
            scaling(tmp, news or own_text(), [1, 5] + ([50] if args.scaling_50 else []))
    print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
