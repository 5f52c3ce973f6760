"""The model card: a short Markdown account of a model, written beside it from its sidecar."""

from __future__ import annotations


def model_card(meta: dict) -> str:
    """A short Markdown model card from a sidecar's content."""
    data = meta.get("training_data", {})
    m = meta.get("cv_metrics") or {}
    v = meta.get("versions", {})
    lines = [
        f"# Model card: {meta.get('name', '?')}",
        "",
        f"- Created: {meta.get('created', '?')} with hypefact {v.get('hypefact', '?')}, "
        f"scikit-learn {v.get('scikit-learn', '?')}, Python {v.get('python', '?')}",
        f"- File: `{meta.get('model_file', '?')}`, SHA-256 `{meta.get('sha256', '?')}` (recorded in the JSON sidecar).",
        "- Format: a joblib pickle. Loading one runs code, so hypefact loads it only when its SHA-256 matches "
        "the sidecar; take model files only from people you trust.",
        "",
        "## Intended use",
        "",
        "Labels each sentence-like unit of an English news article as `sourced_fact`, `attributed_claim`, "
        "`speculation` or `boilerplate` (see LABELING.md), so that a reader can tell reporting from analysis "
        "and hype. It does not check facts: `sourced_fact` means the sentence is written as checkable fact "
        "in the writer's own voice, not that it is true.",
        "",
        "## Training data",
        "",
        f"- {data.get('units', '?')} units from {data.get('documents', '?')} documents; "
        f"data SHA-256 `{str(data.get('sha256', '?'))[:16]}...`",
        "- Label counts: " + ", ".join(f"{k} {n}" for k, n in data.get("label_counts", {}).items()),
        "- Sources: " + ", ".join(f"`{p}`" for p in data.get("paths", [])),
        "",
        "## Cross-validated metrics",
        "",
    ]
    if m:
        lines += [f"{m.get('method', 'cross-validation')}, {m.get('folds')} folds: accuracy "
                  f"{m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}.", "",
                  "| label | precision | recall | F1 | support |", "| --- | ---: | ---: | ---: | ---: |"]
        lines += [f"| {lab} | {x['precision']:.3f} | {x['recall']:.3f} | {x['f1']:.3f} | {x['support']} |"
                  for lab, x in m["per_label"].items()]
    else:
        lines.append("Not measured (trained with `--cv 0`).")
    lines += [
        "",
        "## Limitations",
        "",
        "- Figures are for text like the training data; a newsroom's own style can differ: label a sample "
        "with `hypefact label` and compare with `hypefact train --eval`.",
        "- Documents count as one group in cross-validation, but near-duplicate sentences in different "
        "documents can still inflate the figures (`hypefact check` lists them).",
        "- The context stage reads neighbouring units; units labeled out of order are sorted back by their "
        "`start` offsets, and neighbours that were never labeled are missing from training.",
        "",
        "## Parameters",
        "",
        ", ".join(f"`{k}={val}`" for k, val in meta.get("params", {}).items()) or "-",
        "",
    ]
    return "\n".join(lines)
