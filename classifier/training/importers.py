"""Bring labels made elsewhere into hypefact's JSON Lines (what ``hypefact import`` runs).

Formats:

* ``prodigy``: ``db-out`` JSON Lines. Choice tasks (``textcat.manual``) carry the
  chosen labels in ``"accept": [...]``; binary tasks (``textcat.teach``) carry one
  ``"label"`` and an ``"answer"``; span tasks (``spans.manual``, ``ner.manual``) a
  whole text with ``"spans"``, each of which becomes a unit. Only ``answer == "accept"``
  counts; a binary reject says what a sentence is *not*, which is no label here.
* ``doccano``: text-classification export, ``{"text": ..., "label": [...]}``; a
  sequence-labeling export (``"label": [[start, end, label], ...]`` or ``"entities"``)
  gives one unit per span.
* ``csv``: a header with ``text`` and ``label`` columns (``doc`` optional).

Labels are matched to hypefact's ids ignoring case and ``-``/space vs ``_``;
anything else must be mapped (``--map THEIRS=ours``) or, on request, skipped.
Any other problem (bad line, empty text, two labels on an exclusive task)
stops the import with every problem listed and the target file untouched.
The target is rewritten atomically: its old lines are kept byte for byte.
"""

from __future__ import annotations

import csv
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .._io import atomic_write_text
from ..about import HypefactError
from ..labels import LABELS
from .corpus import (MAX_LINE_CHARS, LabelFileError, label_lines, open_label_file, scan_labels,
                     set_aside_torn_line)

FORMATS = ("prodigy", "doccano", "csv")


class ImportProblem(HypefactError):
    """The import cannot go ahead; ``problems`` are "file:line: message" strings."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s); nothing was written:\n{shown}{more}")


@dataclass
class ImportResult:
    records: list[dict] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)  # reason -> count
    problems: list[str] = field(default_factory=list)
    unknown: Counter = field(default_factory=Counter)  # unknown label -> count


def _key(label: str) -> str:
    return "_".join(str(label).strip().lower().replace("-", " ").split())


def parse_mapping(items: list[str]) -> dict[str, str]:
    """``["Fact=sourced_fact", ...]`` as a dict keyed like :func:`_key`; bad targets raise ValueError."""
    mapping = {}
    for item in items:
        theirs, sep, ours = item.partition("=")
        if not sep or not theirs.strip():
            raise ValueError(f"--map {item!r}: expected THEIRS=OURS")
        ours = _key(ours)
        if ours not in LABELS and ours != "skip":
            raise ValueError(f"--map {item!r}: {ours!r} is not a hypefact label ({', '.join(LABELS)}, or skip)")
        mapping[_key(theirs)] = ours
    return mapping


class _Reader:
    def __init__(self, path: Path, mapping: dict[str, str], skip_unknown: bool):
        self.path, self.mapping, self.skip_unknown = path, mapping, skip_unknown
        self.result = ImportResult()

    def add(self, line: int, text, labels, doc=None, extra: dict | None = None) -> None:
        where = f"{self.path}:{line}"
        r = self.result
        if not isinstance(text, str) or not text.strip():
            r.problems.append(f"{where}: missing or empty text")
            return
        if isinstance(labels, (str, int)):
            labels = [labels]
        if not isinstance(labels, list) or not labels:
            r.skipped["no label chosen"] += 1
            return
        if len(labels) > 1:
            r.problems.append(f"{where}: {len(labels)} labels {labels}; hypefact's labels are exclusive (one per unit)")
            return
        raw = str(labels[0])
        label = self.mapping.get(_key(raw), _key(raw))
        if label == "skip":
            r.skipped[f"label {raw!r} mapped to skip"] += 1
            return
        if label not in LABELS:
            r.unknown[raw] += 1
            if self.skip_unknown:
                r.skipped[f"unknown label {raw!r}"] += 1
            else:
                r.problems.append(f"{where}: unknown label {raw!r} (map it with --map {raw}=LABEL, "
                                  f"or pass --skip-unknown)")
            return
        # Without a document id each unit is its own document: no invented neighbours.
        doc = str(doc) if doc not in (None, "") else f"{self.path.stem}-{line}"
        r.records.append({"text": text, "label": label, "doc": doc, "source": f"import:{self.path.name}:{line}",
                          **(extra or {})})


def _json_lines(path: Path, reader: _Reader):
    try:
        with open_label_file(path) as fh:
            for n, line in label_lines(fh):
                if line is None:
                    reader.result.problems.append(f"{path}:{n}: over {MAX_LINE_CHARS // (1024 * 1024)} M characters")
                    continue
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    reader.result.problems.append(f"{path}:{n}: not valid JSON ({exc.msg} at column {exc.colno})")
                    continue
                except RecursionError:
                    reader.result.problems.append(f"{path}:{n}: JSON nested too deeply")
                    continue
                if not isinstance(obj, dict):
                    reader.result.problems.append(f"{path}:{n}: expected a JSON object")
                    continue
                yield n, obj
    except UnicodeDecodeError:
        reader.result.problems.append(f"{path}: not UTF-8 text")


def _add_spans(reader: _Reader, n: int, text, spans: list, doc) -> None:
    """A whole article with one labeled span per unit (Prodigy ``spans.manual``, doccano sequence labeling):
    each span is a unit, in reading order."""
    where = f"{reader.path}:{n}"
    if not isinstance(text, str):
        reader.result.problems.append(f"{where}: missing or empty text")
        return
    doc = doc if doc not in (None, "") else f"{reader.path.stem}-{n}"
    for start, end, label in sorted(spans, key=lambda s: (s[0], s[1])):
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            reader.result.problems.append(f"{where}: span {start}-{end} is outside the text")
            continue
        reader.add(n, text[start:end], label, doc, {"start": start, "end": end})


def read_prodigy(path: Path, reader: _Reader) -> None:
    for n, obj in _json_lines(path, reader):
        answer = obj.get("answer", "accept")
        if answer != "accept":
            reader.result.skipped[f"answer {answer!r}"] += 1
            continue
        meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
        doc = obj.get("doc") or meta.get("doc_id") or meta.get("doc") or meta.get("source")
        if "accept" not in obj and "label" not in obj and isinstance(obj.get("spans"), list):
            spans = [(s.get("start"), s.get("end"), s.get("label")) for s in obj["spans"] if isinstance(s, dict)]
            _add_spans(reader, n, obj.get("text"), spans, doc)
            continue
        labels = obj["accept"] if "accept" in obj else obj.get("label")
        reader.add(n, obj.get("text"), labels, doc)


def read_doccano(path: Path, reader: _Reader) -> None:
    for n, obj in _json_lines(path, reader):
        labels = obj.get("label", obj.get("labels", obj.get("cats")))
        meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
        doc = obj.get("doc") or meta.get("doc")
        if isinstance(obj.get("entities"), list):  # sequence labeling, newer export: [{start_offset, end_offset, label}]
            labels = [[e.get("start_offset"), e.get("end_offset"), e.get("label")] for e in obj["entities"]
                      if isinstance(e, dict)]
        if isinstance(labels, list) and labels and all(isinstance(x, list) and len(x) == 3 for x in labels):
            _add_spans(reader, n, obj.get("text"), [tuple(x) for x in labels], doc)  # [[start, end, label], ...]
            continue
        if isinstance(labels, dict):  # spaCy-style {"cats": {"label": 1.0, ...}}
            labels = [k for k, v in labels.items() if v]
        extra = {"doccano_id": obj["id"]} if "id" in obj else {}
        reader.add(n, obj.get("text"), labels, doc, extra)


def read_csv(path: Path, reader: _Reader) -> None:
    try:
        with open_label_file(path) as fh:
            fh.reconfigure(newline="")
            rows = csv.reader(fh)
            header = next(rows, None)
            cols = {str(h).strip().lower(): i for i, h in enumerate(header or [])}
            if "text" not in cols or "label" not in cols:
                reader.result.problems.append(f"{path}:1: the header must name a text and a label column "
                                              f"(found: {', '.join(header or []) or 'nothing'})")
                return
            line = rows.line_num
            for row in rows:
                start, line = line + 1, rows.line_num
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) < len(header):
                    reader.result.problems.append(f"{path}:{start}: {len(row)} columns, the header has {len(header)}")
                    continue
                doc = row[cols["doc"]] if "doc" in cols else None
                reader.add(start, row[cols["text"]], row[cols["label"]].strip() or [], doc)
    except UnicodeDecodeError:
        reader.result.problems.append(f"{path}: not UTF-8 text")
    except csv.Error as exc:
        reader.result.problems.append(f"{path}:{rows.line_num}: not valid CSV ({exc})")


READERS = {"prodigy": read_prodigy, "doccano": read_doccano, "csv": read_csv}


def read_export(path, fmt: str, mapping: dict[str, str] | None = None, skip_unknown: bool = False) -> ImportResult:
    """Everything in one export file, with its problems (nothing raised for bad lines)."""
    if fmt not in READERS:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    path = Path(path)
    if not path.exists():
        raise ImportProblem([f"{path}: no such file"])
    reader = _Reader(path, mapping or {}, skip_unknown)
    try:
        READERS[fmt](path, reader)
    except LabelFileError as exc:  # not a regular file, or over the size limit
        raise ImportProblem([str(exc)]) from None
    return reader.result


def _read_target(into: Path) -> str:
    """The target label file's text ("" if it is new); FIFOs, devices and oversized files are refused."""
    if not into.exists():
        return ""
    try:
        with open_label_file(into) as fh:
            return fh.read()
    except LabelFileError as exc:
        raise ImportProblem([f"{exc} (the target)"]) from None
    except UnicodeDecodeError:
        raise ImportProblem([f"{into}: not UTF-8 text (the target)"]) from None


def import_labels(path, fmt: str, into, mapping: dict[str, str] | None = None,
                  skip_unknown: bool = False) -> dict:
    """Append an export's units to ``into`` atomically; raises :class:`ImportProblem` and writes nothing on error.

    Units whose text is already in ``into`` with the same label are skipped; with a
    different label they are a problem (fix one side first).
    """
    into = Path(into)
    if into.exists() and Path(path).exists() and os.path.samefile(path, into):
        raise ImportProblem([f"{into}: the export and the target are the same file"])
    result = read_export(path, fmt, mapping, skip_unknown)
    existing_text = _read_target(into)
    known: dict[str, tuple[str, str]] = {}
    if existing_text:
        units, errors = scan_labels([into])
        result.problems += [f"{exc} (in the target; fix it first)" for exc in errors if exc.kind != "torn"]
        known = {" ".join(u.text.split()): (u.label, u.source) for u in units}
    new = []
    for rec in result.records:
        key = " ".join(rec["text"].split())
        if key in known:
            label, where = known[key]
            if label == rec["label"]:
                result.skipped["already in the target"] += 1
            else:
                result.problems.append(f"{rec['source'].removeprefix('import:')}: same text as {where} but labeled "
                                       f"{rec['label']}, not {label}")
            continue
        known[key] = (rec["label"], rec["source"])
        new.append(rec)
    if result.problems:
        raise ImportProblem(result.problems)
    notes = []
    if new:
        torn = set_aside_torn_line(into)  # a line cut short by a crash goes to INTO.torn, not into the middle
        if torn:
            notes.append(torn)
            existing_text = _read_target(into)
        lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in new)
        sep = "\n" if existing_text and not existing_text.endswith("\n") else ""
        atomic_write_text(into, existing_text + sep + lines)
    return {"imported": len(new), "skipped": dict(result.skipped), "into": str(into),
            "label_counts": dict(Counter(r["label"] for r in new)), "notes": notes}
