import sys

import pytest

import feedback_nlp
from feedback_nlp import errors


def test_all_is_the_small_public_api():
    assert set(feedback_nlp.__all__) == {
        "__version__", "errors", "Dimension", "Tag", "TAGS", "TAG_IDS", "TaggerConfig", "OnnxTagger", "TagResult",
        "load_tagger", "available_models", "evaluate",
    }
    for name in feedback_nlp.__all__:
        assert hasattr(feedback_nlp, name), name


def test_error_hierarchy():
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.FeedbackNLPError), name
    assert issubclass(errors.ChecksumMismatchError, errors.ModelDirectoryError)
    assert issubclass(errors.InvalidInputError, ValueError)
    assert issubclass(errors.ConfigError, ValueError)
    assert issubclass(errors.MissingDependencyError, ImportError)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib")
def test_version_matches_pyproject():
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert feedback_nlp.__version__ == pyproject["project"]["version"]
