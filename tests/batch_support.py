"""Helpers for the batch tests (tests/test_batch_*.py): feeds, article folders, fake engines, DB checks."""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import sqlite3
import time
from pathlib import Path

from classifier.batch.engines import Engine

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def feeds_dir() -> Path:
    """../shared/feeds when ../shared exists beside the repo, else the project's own small fixtures."""
    shared = SHARED / "feeds"
    if SHARED.exists() and shared.is_dir() and (shared / "manifest.json").exists():
        return shared
    return FIXTURES / "feeds"


def feed_manifest() -> list[dict]:
    return json.loads((feeds_dir() / "manifest.json").read_text(encoding="utf-8"))


def feed_files() -> list[Path]:
    return [feeds_dir() / entry["file"] for entry in feed_manifest()]


def article_texts(n: int) -> list[str]:
    """``n`` distinct article texts built from the project's labeled data (units grouped by doc)."""
    from classifier.training.corpus import document_texts, read_labels

    base = [t for t in document_texts(read_labels([ROOT / "data" / "labels"])).values() if t]
    if not base:  # no labeled data: synthetic but varied articles
        base = [f"Officials said on Monday that {k} roads were closed.\nThis could change everything, "
                f"critics warned.\n\"We are monitoring it,\" the agency said." for k in range(1, 40)]
    out = []
    for i in range(n):
        text = base[i % len(base)]
        if i >= len(base):
            text = f"Edition {i // len(base) + 1}\n{text}"
        out.append(text)
    return out


def write_articles(folder: Path, n: int, sizes: int | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, text in enumerate(article_texts(n)):
        if sizes:
            text = text[:sizes]
        p = folder / f"a{i:04d}.txt"
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    return paths


class FakeEngine(Engine):
    """Deterministic fake scores from the text hash (no model): fast tests of the run and the store."""

    name = "fake"

    def __init__(self, delay: float = 0.0, fail_ids: set | None = None):
        self.delay = delay
        self.fail_ids = fail_ids or set()
        self.submitted = 0

    def start(self, model, spacy_model):
        pass

    def submit(self, chunk):
        self.submitted += len(chunk)
        fut = concurrent.futures.Future()
        out = []
        for aid, text, *_ in chunk:
            if self.delay:
                time.sleep(self.delay)
            if aid in self.fail_ids:
                out.append((aid, {"error": "fake failure"}))
                continue
            h = int(hashlib.sha256(text.encode()).hexdigest(), 16)
            lines = [ln for ln in text.split("\n") if ln.strip()] or [text]
            labels = ["sourced_fact", "attributed_claim", "speculation", "boilerplate"]
            sents, pos = [], 0
            for k, line in enumerate(lines):
                start = text.index(line, pos)
                pos = start + len(line)
                sents.append((k, start, pos, labels[(h + k) % 4], 0.5, {lab: 0.25 for lab in labels}))
            counts = {lab: sum(1 for s in sents if s[3] == lab) for lab in labels}
            verdict = ["reporting", "mixed", "analysis"][h % 3]
            out.append((aid, {"verdict": verdict, "counts": counts,
                              "shares": {"sourced_fact": 0.5, "attributed_claim": 0.25, "speculation": 0.25},
                              "sentences": sents}))
        fut.set_result(out)
        return fut


class FakeSnapshot:
    """Stands in for a ModelSnapshot with the fake engine."""

    def __init__(self, sha: str = "f" * 64, name: str = "fake"):
        from classifier.batch.store import ModelId

        self.sha256 = sha
        self.name = name
        self.id = ModelId(name, sha)
        self.path = Path("/nonexistent")


def counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as c:
        return {t: c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("sources", "articles", "article_sources", "scores", "sentences")}


def check_db(db: Path) -> None:
    """The database is intact and every stored article is whole: one score per model, all its sentences."""
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
        orphans = c.execute("SELECT COUNT(*) FROM articles a WHERE NOT EXISTS "
                            "(SELECT 1 FROM scores s WHERE s.article_id = a.id)").fetchone()[0]
        assert orphans == 0, "an article was stored without its score"
        bad = c.execute("SELECT s.article_id, s.n_sentences, (SELECT COUNT(*) FROM sentences x WHERE "
                        "x.article_id = s.article_id AND x.model_sha256 = s.model_sha256) AS n FROM scores s "
                        "WHERE s.n_sentences != n").fetchall()
        assert bad == [], f"scores whose sentences are incomplete: {bad[:3]}"
        stale = c.execute("SELECT COUNT(*) FROM scores s JOIN articles a ON a.id = s.article_id "
                          "WHERE s.content_hash != a.content_hash AND s.scored_at >= a.updated").fetchone()[0]
        assert stale == 0


def score_rows(db: Path) -> dict[str, tuple]:
    """article id -> (content hash, verdict, counts..., sentence labels) for comparing runs."""
    with sqlite3.connect(db) as c:
        rows = {}
        for r in c.execute("SELECT article_id, content_hash, verdict, count_sourced_fact, count_attributed_claim, "
                           "count_speculation, count_boilerplate, share_speculation, model_sha256 FROM scores"):
            labels = tuple(x[0] for x in c.execute("SELECT label FROM sentences WHERE article_id = ? AND "
                                                   "model_sha256 = ? ORDER BY idx", (r[0], r[8])))
            rows[r[0]] = tuple(r[1:8]) + (labels,)
        return rows
