"""Verdicts on raw saved pages: `annotate` on each page's original HTML and on its text.

Usage: python benchmarks/pages.py [--model PATH] [SET ...]   (default sets: ../shared/dev ../shared/dev2)

For every ``html/<doc>.html`` of a set, annotates the HTML (what a user points
hypefact at) and the set's ``docs/<doc>.txt``, and compares each speculation share
and verdict with the set's ``docs.json`` (labeled by people outside the project).
Prints one row per page and, per set, the mean absolute share error and the
clear-cut verdicts (true share <= 0.2 or >= 0.5) right, for HTML and text.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.annotate import Annotator  # noqa: E402


def clear_verdict(share: float) -> str | None:
    return "reporting" if share <= 0.2 else "analysis" if share >= 0.5 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", default=[str(ROOT.parent / "shared" / s) for s in ("dev", "dev2")])
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    annotator = Annotator.load(args.model)
    for folder in map(Path, args.sets):
        gold = json.loads((folder / "docs.json").read_text(encoding="utf-8"))
        errors = {"html": [], "txt": []}
        right = {"html": 0, "txt": 0}
        clear = 0
        for page in sorted((folder / "html").glob("*.html")):
            doc = page.stem
            true = gold[doc]["speculation_share"]
            row = [f"{doc:<34} true {true:.2f}"]
            expected = clear_verdict(true)
            clear += expected is not None
            for kind, path in (("html", page), ("txt", folder / "docs" / f"{doc}.txt")):
                result = annotator.annotate_file(str(path))
                share = result.shares["speculation"]
                errors[kind].append(abs(share - true))
                ok = expected is None or result.verdict == expected
                right[kind] += expected is not None and ok
                row.append(f"{kind} {share:.2f} {result.verdict}{'' if ok else ' (wrong)'}")
            print(" | ".join(row))
        for kind in ("html", "txt"):
            mae = sum(errors[kind]) / max(len(errors[kind]), 1)
            print(f"{folder.name} {kind}: share MAE {mae:.3f}, clear-cut verdicts right {right[kind]}/{clear}")


if __name__ == "__main__":
    main()
