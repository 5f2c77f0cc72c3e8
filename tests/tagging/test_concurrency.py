from concurrent.futures import ThreadPoolExecutor

import numpy as np

from feedback_nlp import OnnxTagger

from tests.conftest import SENTENCES


def test_eight_threads_match_a_single_thread(tiny_model_dir):
    tagger = OnnxTagger.from_pretrained(tiny_model_dir, batch_size=8)
    # different inputs per call, including long texts (truncation) and blanks
    workloads = [SENTENCES[i:] + ["质量太差了" * 30, None, " "] + SENTENCES[:i] for i in range(16)]
    expected = [tagger.predict_proba(texts) for texts in workloads]
    expected_tags = [tagger.tag(texts) for texts in workloads]

    def work(i):
        return tagger.predict_proba(workloads[i]), tagger.tag(workloads[i])

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, list(range(16)) * 4))
    for i, (probs, tags) in enumerate(results):
        np.testing.assert_array_equal(probs, expected[i % 16])
        assert tags == expected_tags[i % 16]
