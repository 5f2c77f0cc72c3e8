from __future__ import annotations

import pytest

from feedback_nlp.errors import InvalidInputError
from feedback_nlp.scoring.policy import available_policies, load_policy


def test_two_shipped_weightings():
    assert {"seed002", "seed004"} <= set(available_policies())
    assert load_policy().name == "seed004"
    assert load_policy("seed004").experience.dimension_weights == {"product": 0.5, "logistics": 0.15, "service": 0.35}
    assert load_policy("seed002").experience.dimension_weights == {"product": 0.425, "logistics": 0.2, "service": 0.375}


def test_bad_policies_say_what_is_allowed(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text('name = "x"\n[ccr]\nwindow_dayz = 3\n')
    with pytest.raises(InvalidInputError, match="window_dayz.*valid keys"):
        load_policy(p)
    p.write_text('name = "x"\n[ccr]\npresale_chat = "count"\n')
    with pytest.raises(InvalidInputError, match="'count'.*'exclude', 'numerator'"):
        load_policy(p)
    with pytest.raises(InvalidInputError, match="seed002"):
        load_policy("nope")
