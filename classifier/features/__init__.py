"""Features of a unit: cue features and n-gram analyzers of its text (:mod:`.cues`, lexicons in
``lexicons/``), the document context around it (:mod:`.context`), both plain Python so that the
compiled model runs the very same code, and their scikit-learn transformer form (:mod:`.transformers`)."""
