"""The retraining loop: label files (:mod:`.corpus`), checking them (:mod:`.check`), importing
other tools' exports (:mod:`.importers`), labeling in the terminal (:mod:`.session`, :mod:`.terminal`),
cross-validation (:mod:`.crossval`), scoring a model (:mod:`.evaluate`) and training (:mod:`.train`)."""
