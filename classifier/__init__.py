"""hypefact: tell reporting from hype, sentence by sentence.

The package keeps imports light: spaCy and scikit-learn are imported inside the
functions that need them, so ``import classifier`` and the CLI start fast.
"""

__version__ = "0.1.0"

#: The four labels of ``LABELING.md``, in a fixed order used everywhere.
LABELS = ("sourced_fact", "attributed_claim", "speculation", "boilerplate")


def __getattr__(name):
    # Lazy re-exports of the public API (PEP 562), so importing the package stays cheap.
    if name in ("annotate_text", "annotate_file", "Annotator"):
        from . import annotate

        return getattr(annotate, name)
    if name in ("load_model", "load_predictor"):
        from . import model

        return getattr(model, name)
    if name == "train_model":
        from .training import train_model

        return train_model
    if name == "UnitClassifier":
        from .estimator import UnitClassifier

        return UnitClassifier
    if name == "segment":
        from .segment import segment

        return segment
    raise AttributeError(name)
