from __future__ import annotations

import json

from typer.testing import CliRunner

from feedback_nlp.cli import app


def test_demo_data_then_score(tmp_path):
    runner = CliRunner()
    data, out = tmp_path / "data", tmp_path / "out"
    r = runner.invoke(app, ["demo-data", "--out", str(data), "--orders", "3000", "--with-tags"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["score", "--data", str(data), "--as-of", "2024-06-30", "--policy", "seed002", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "scored" in r.output
    head = (out / "shop_scores.csv").read_text().splitlines()[0].split(",")
    assert head[:10] == ["shop_id", "industry", "ccr", "ccr_product", "ccr_content", "ccr_service",
                         "experience_score", "score_product", "score_logistics", "score_service"]
    j = json.loads((out / "shop_scores.json").read_text())
    assert j["policy"]["name"] == "seed002" and j["shops"]
    shop = j["shops"][0]["shop_id"]
    html = (out / "reports" / f"{shop}.html").read_text()
    assert "CCR trend" in html and "Orders behind the CCR" in html and "Tags breakdown" in html


def test_score_validation_error_exit_code(tmp_path):
    (tmp_path / "orders.csv").write_text("order_id,shop_id\no1,A\n")
    r = CliRunner().invoke(app, ["score", "--data", str(tmp_path), "--as-of", "2024-06-30", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2
    assert "required table feedback is missing" in r.output


def test_score_what_if_writes_per_shop_deltas(tmp_path, tiny_model_dir):
    import csv

    runner = CliRunner()
    data, out = tmp_path / "data", tmp_path / "out"
    assert runner.invoke(app, ["demo-data", "--out", str(data), "--orders", "2000", "--with-tags"]).exit_code == 0
    r = runner.invoke(app, ["score", "--data", str(data), "--as-of", "2024-06-30", "--out", str(out), "--no-reports",
                            "--what-if", "--model", str(tiny_model_dir)])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader((out / "whatif.csv").open()))
    shops = list(csv.DictReader((out / "shop_scores.csv").open()))
    assert {row["shop_id"] for row in rows} == {s["shop_id"] for s in shops}
    for row in rows:
        if row["ccr_a"] and row["ccr_b"]:
            assert abs(float(row["ccr_b"]) - float(row["ccr_a"]) - float(row["ccr_delta"])) < 1e-9
    assert "what-if (keyword - model)" in r.output
