"""The decision rule shared by the tagger and the evaluation harness."""

import numpy as np

from feedback_nlp.tagging.decision import decide


def test_decide_applies_thresholds_and_other_exclusivity():
    labels = ("taste", "price", "other")
    thresholds = {"taste": 0.5, "price": 0.7, "other": 0.4}
    probs = np.array([[0.6, 0.1, 0.9],   # an aspect fires: `other` is dropped
                      [0.1, 0.69, 0.9],  # price just under its threshold: only `other`
                      [0.1, 0.7, 0.1],   # exactly at the threshold counts
                      [0.0, 0.0, 0.0]], dtype=np.float32)
    assert decide(probs, labels, thresholds).tolist() == [
        [True, False, False], [False, False, True], [False, True, False], [False, False, False]]
