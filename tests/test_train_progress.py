"""Training progress: the fold loop gives exactly cross_val_predict's probabilities, and the time left adds up."""

import numpy as np

from classifier.training.progress import TrainingProgress, clock


def test_fold_loop_equals_cross_val_predict_and_reports_each_fold():
    from sklearn.model_selection import GroupKFold, cross_val_predict

    from classifier.model.estimator import UnitClassifier, out_of_fold_stage1
    from classifier.training.corpus import read_labels
    from retrain_helpers import shipped_files

    units = read_labels(shipped_files(6))
    texts, docs = [u.text for u in units], [u.doc for u in units]
    y = np.array([u.label for u in units])
    est = UnitClassifier()
    weight = est.sentence_weights(texts, y)
    reference = cross_val_predict(est._sentence_model(), texts, y, groups=docs, cv=GroupKFold(3),
                                  method="predict_proba", params={"clf__sample_weight": weight})
    events = []
    ours = out_of_fold_stage1(est._sentence_model(), texts, y, docs, weight, GroupKFold(3), None, np.unique(y),
                              lambda *e: events.append(e))
    assert np.array_equal(ours, reference)
    assert events == [("folds", 0, 3), ("folds", 1, 3), ("folds", 2, 3), ("folds", 3, 3)]


def test_time_left_from_the_pace_of_the_folds():
    t = [100.0]
    lines = []
    progress = TrainingProgress(lines.append, n_jobs=2, now=lambda: t[0])
    progress("folds", 0, 5)
    t[0] += 20  # two folds run side by side: 10 s of wall clock per fold
    progress("folds", 2, 5)
    # 3 folds left at 10 s, then the refit on everything: 10 s x 2 jobs x 5/4 = 25 s
    assert lines[-1] == "  fold 2/5 done · 0:20 elapsed · about 0:55 left"
    t[0] += 30
    progress("folds", 5, 5)
    progress("context", 1, 1)
    progress("final", 0, 1)
    assert lines[-1] == "stage 3 of 3: sentence model on all units · 0:50 elapsed · about 0:25 left"
    no_folds = TrainingProgress(lines.append, now=lambda: 0.0)
    no_folds("final", 0, 1)
    assert lines[-1].endswith("time left not known yet")
    assert clock(3725) == "1:02:05" and clock(59.6) == "1:00"
