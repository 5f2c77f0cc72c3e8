"""safe_output: formula-safe CSV cells, atomic files, distinct paths."""

import pandas as pd
import pytest

from feedback_nlp.errors import InvalidInputError
from feedback_nlp.safe_output import atomic_output, check_distinct_paths, neutralize_cell, neutralize_frame


@pytest.mark.parametrize("cell", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=x", "\r=x", '=HYPERLINK("http://evil","x")'])
def test_formula_cells_get_a_leading_quote(cell):
    assert neutralize_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-0.25", "+3", "-1e-05", "好评", "", "a=b", 5, -1.5, None])
def test_plain_values_are_unchanged(cell):
    assert neutralize_cell(cell) == cell


def test_frame_text_columns_only():
    frame = pd.DataFrame({"shop_id": ["=evil", "S1"], "ccr_wow_change": [-0.5, 0.25]})
    out = neutralize_frame(frame)
    assert out["shop_id"].tolist() == ["'=evil", "S1"] and out["ccr_wow_change"].tolist() == [-0.5, 0.25]
    assert frame["shop_id"].tolist() == ["=evil", "S1"]  # a copy


def test_atomic_output_replaces_only_on_success(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_output(path, "w") as f:
            f.write("half")
            raise RuntimeError
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["a.txt"]
    with atomic_output(path, "w") as f:
        f.write("new")
    assert path.read_text() == "new"


def test_distinct_paths(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("x")
    with pytest.raises(InvalidInputError, match="is a directory"):
        check_distinct_paths({"input": src}, {"--out": tmp_path})
    with pytest.raises(InvalidInputError, match="is also --a"):
        check_distinct_paths({}, {"--a": tmp_path / "o", "--b": tmp_path / "x" / ".." / "o"})
    check_distinct_paths({"input": src, "none": None}, {"--a": tmp_path / "o", "--b": None})
