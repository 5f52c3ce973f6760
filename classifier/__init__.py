"""hypefact: tell reporting from hype, sentence by sentence.

The package reads in the order data flows::

    read.py      files, stdin -> text (pages through page.py, URLs through fetch.py)
    page.py      web pages: declared charset, one line per block, the article region
    fetch.py     URLs, under the network policy of batch/http.py
    language.py  is the text English? (the model reads English only)
    segment.py   the spaCy pipeline that splits text into units
    features/    cue features, n-gram analyzers and document context (plain Python)
    model/       the classifier: estimator, compiled form, model files, catalog, card
    labels.py    the label set and the roll-up into shares and a verdict
    annotate.py  the one place the stages are strung together
    render.py    pretty, json(l), csv and html output

with wings for retraining (``training/``), batch scoring (``batch/``) and the
command line (``cli/``). This face defines nothing: it re-exports the public API
lazily (PEP 562), so ``import classifier`` stays cheap.
"""

from importlib import import_module

_EXPORTS = {
    "__version__": "about", "HypefactError": "about",
    "LABELS": "labels", "summarize": "labels", "verdict_of": "labels",
    "read_source": "read", "read_page": "page", "read_url": "fetch", "detect_language": "language",
    "segment": "segment", "load_pipeline": "segment",
    "Annotator": "annotate", "annotate_text": "annotate", "annotate_file": "annotate", "annotate_paths": "annotate",
    "render": "render",
    "UnitClassifier": "model.estimator", "load_model": "model.files", "load_predictor": "model.files",
    "ModelError": "model.files",
    "read_labels": "training.corpus", "train_model": "training.train", "retrain": "training.train",
    "evaluate": "training.evaluate", "check_labels": "training.check", "import_labels": "training.importers",
    "score_sources": "batch.run", "export": "batch.export",
    "annotate_frame": "frames", "frames_of": "frames",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__
