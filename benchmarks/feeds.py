"""Benchmark ``hypefact score``: articles per second and peak memory for each engine.

    .venv/bin/python benchmarks/feeds.py                 # 2000 articles; the bar, 1 and 2 local processes, Dask
    .venv/bin/python benchmarks/feeds.py --articles 5000 --configs local:1 local:2 dask:2

The articles are built from the project's own labeled data (``data/labels``:
units grouped by ``doc`` into articles, repeated with an edition line so every
article is distinct) and written as one JSON Lines dump, the streaming path.
Each configuration runs in a fresh subprocess against a fresh database, so
start-up (imports, worker processes, loading the model in each worker) is
included in the wall time, and memory is measured per configuration: the peak
RSS of the main process (the reader and single writer) and the peak of the
main process plus all its worker processes together, sampled every 50 ms.
The main process's RSS at a quarter of the run and at the end shows whether
memory stays flat as articles stream through. CPU % is the user + system time
of a run and its worker processes over its wall time (200% = both cores of a
2-core machine busy). ``annotate-only`` is the bar: the same texts annotated in
one process with no reading, database or workers; each engine's throughput is
printed against it per core, and the rest is the time spent outside annotation.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_dump(path: Path, n: int) -> int:
    from classifier.training.corpus import document_texts, read_labels

    base = list(document_texts(read_labels([ROOT / "data" / "labels"])).items())
    chars = 0
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            doc, text = base[i % len(base)]
            edition = i // len(base)
            body = f"Edition {edition + 1}\n{text}" if edition else text
            chars += len(body)
            fh.write(json.dumps({"id": f"{doc}#{edition}", "url": f"https://bench.example/{doc}/{edition}",
                                 "title": None, "text": body, "published": "2025-01-01T00:00:00Z"}) + "\n")
    return chars


class MemorySampler(threading.Thread):
    def __init__(self, interval: float = 0.05):
        super().__init__(daemon=True)
        import psutil

        self.proc = psutil.Process()
        self.interval = interval
        self.peak_main = 0
        self.peak_total = 0
        self.stop = threading.Event()

    def run(self):
        import psutil

        while not self.stop.is_set():
            try:
                main = self.proc.memory_info().rss
                total = main
                for child in self.proc.children(recursive=True):
                    try:
                        total += child.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak_main = max(self.peak_main, main)
                self.peak_total = max(self.peak_total, total)
            except psutil.Error:
                pass
            self.stop.wait(self.interval)


def annotate_only(dump: Path) -> dict:
    """The bar: the same texts annotated in this one process, no reading, database or workers."""
    from classifier.annotate import Annotator

    sampler = MemorySampler()
    sampler.start()
    t0 = time.perf_counter()
    annotator = Annotator.load()
    with open(dump, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh]
    for i in range(0, len(texts), 16):
        annotator.annotate_many(texts[i:i + 16])
    elapsed = time.perf_counter() - t0
    sampler.stop.set()
    sampler.join()
    return {"config": "annotate-only", "workers": 1, "scored": len(texts), "failed": 0, "seconds": round(elapsed, 2),
            "articles_per_s": round(len(texts) / elapsed, 1), "peak_main_mb": round(sampler.peak_main / 2**20),
            "peak_total_mb": round(sampler.peak_total / 2**20), "main_quarter_mb": 0, "main_end_mb": 0}


def run_one(config: str, dump: Path, db: Path, n: int) -> dict:
    """Run one configuration in this process; returns its figures."""
    import psutil

    if config == "annotate-only":
        return annotate_only(dump)

    from classifier.batch.summary import Listener

    from classifier.batch.run import make_engine, score_sources

    kind, _, jobs = config.partition(":")
    sampler = MemorySampler()
    sampler.start()
    rss_at: dict[str, int] = {}

    class Quarter(Listener):
        done = 0

        def article_done(self, summary, status):
            self.done += 1
            if self.done == n // 4:
                rss_at["quarter"] = psutil.Process().memory_info().rss

    t0 = time.perf_counter()
    engine = make_engine(kind, int(jobs or 2))
    summary = score_sources([str(dump)], db, engine=engine, listener=Quarter())
    elapsed = time.perf_counter() - t0
    rss_at["end"] = psutil.Process().memory_info().rss
    sampler.stop.set()
    sampler.join()
    return {"config": config, "workers": summary.workers, "scored": summary.total("scored"),
            "failed": summary.total("failed"), "seconds": round(elapsed, 2),
            "articles_per_s": round(summary.total("scored") / elapsed, 1),
            "peak_main_mb": round(sampler.peak_main / 2**20), "peak_total_mb": round(sampler.peak_total / 2**20),
            "main_quarter_mb": round(rss_at.get("quarter", 0) / 2**20), "main_end_mb": round(rss_at["end"] / 2**20)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--configs", nargs="+", default=["annotate-only", "local:1", "local:2", "dask:2"],
                    help="engine:workers, e.g. local:1 local:2 dask:2; annotate-only is the bar")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one configuration
    ap.add_argument("--dump", help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, Path(args.dump), Path(args.db), args.articles)))
        return
    with tempfile.TemporaryDirectory(prefix="hypefact-bench-") as tmp:
        dump = Path(tmp) / "articles.jsonl"
        chars = build_dump(dump, args.articles)
        print(f"{args.articles} articles, {chars / 1e6:.1f} M characters ({chars // args.articles} per article), "
              f"{os.cpu_count()} CPUs, from {ROOT / 'data' / 'labels'}", flush=True)
        rows = []
        cpu_before = 0.0
        for config in args.configs:
            db = Path(tmp) / f"{config.replace(':', '-')}.db"
            t0 = time.perf_counter()
            proc = subprocess.Popen([sys.executable, __file__, "--one", config, "--dump", str(dump), "--db", str(db),
                                     "--articles", str(args.articles)], cwd=ROOT, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            stdout, stderr = proc.communicate()
            # CPU of the run and of its worker processes (reaped before it exits): utilisation of the cores.
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = usage.ru_utime + usage.ru_stime - cpu_before
            cpu_before += cpu
            wall = time.perf_counter() - t0
            if proc.returncode != 0:
                print(f"{config}: failed\n{stderr[-2000:]}", file=sys.stderr)
                continue
            rows.append(json.loads(stdout.strip().splitlines()[-1]))
            rows[-1]["cpu_pct"] = round(100 * cpu / wall)
            print(f"  {config} done: {rows[-1]['articles_per_s']} articles/s", flush=True)
    header = ("engine", "workers", "scored", "seconds", "articles/s", "CPU %", "peak main MB", "peak all MB",
              "main MB @25%", "main MB @end")
    keys = ("config", "workers", "scored", "seconds", "articles_per_s", "cpu_pct", "peak_main_mb", "peak_total_mb",
            "main_quarter_mb", "main_end_mb")
    if not rows:
        sys.exit("no configuration finished")
    widths = [max([len(h)] + [len(str(r[k])) for r in rows]) for h, k in zip(header, keys)]
    print()
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    for r in rows:
        print("  ".join(str(r[k]).rjust(w) for k, w in zip(keys, widths)))
    bar = next((r for r in rows if r["config"] == "annotate-only"), None)
    if bar:
        print(f"\nagainst annotating the same texts in one process per core ({bar['articles_per_s']} articles/s "
              "per core; target >= 0.8x):")
        for r in rows:
            if r is bar:
                continue
            ratio = r["articles_per_s"] / (bar["articles_per_s"] * r["workers"])
            print(f"  {r['config']}: {ratio:.2f}x; time outside annotation (reading, SQLite, IPC, start-up) "
                  f"about {max(0.0, 1 - ratio):.0%}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
