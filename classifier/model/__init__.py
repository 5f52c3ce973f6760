"""The classifier as an estimator and as an artifact: the two-stage scikit-learn estimator
(:mod:`.estimator`), its pickle-free compiled form (:mod:`.compiled`), model files with their
sidecars and hash checks (:mod:`.files`), the folder of models (:mod:`.catalog`) and the model card
(:mod:`.card`)."""
