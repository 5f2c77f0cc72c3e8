"""Flagship assessment from data through `feedback-nlp score --flagship`: the seed-002 worked example."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from typer.testing import CliRunner

from feedback_nlp.cli import app
from feedback_nlp.scoring.policy import POLICY_DIR

from .helpers import fb, make_data, write_table

# seed 002: opened and first assessed 2022-01-04 -> exemption January, trial February–April, formal from
# May; failing May, July and August -> downgraded 2022-09-01; passing October -> may apply in November.
FAILING = {"2022-05", "2022-07", "2022-08", "2022-09"}
MONTHS = [f"2022-{m:02d}" for m in range(1, 11)]


def _policy_file(tmp: Path) -> Path:
    """seed004 with the volume gates off, so a few orders a month give every shop a score."""
    text = (POLICY_DIR / "seed004.toml").read_text(encoding="utf-8")
    text = re.sub(r"min_paid_orders = \d+", "min_paid_orders = 0", text)
    text = re.sub(r"(?m)^(\w+) = \d+$", lambda m: f"{m.group(1)} = 0" if m.group(1).endswith(("rate", "hours", "timeliness")) else m.group(0), text)
    text = re.sub(r"violation_min_orders = \d+", "violation_min_orders = 0", text)
    p = tmp / "test_policy.toml"
    p.write_text(text, encoding="utf-8")
    return p


def _data(tmp: Path) -> Path:
    """Shop X (flagship) and its peer Y, orders on the 15th of every month picked up within 10 h, so the
    two tie on every sub-metric (score 4.0 = target). Y: 1 of 2 orders negative every month; X: none,
    or its only order negative in a failing month -> CCR 1.0 above the target (the 0.8 quantile)."""
    orders, feedback = [], []
    for ym in MONTHS:
        for sid, n in (("X", 1), ("Y", 2)):
            for i in range(n):
                oid = f"{sid}{ym}-{i}"
                orders.append(dict(order_id=oid, shop_id=sid, paid_at=f"{ym}-15 10:00:00", picked_up_at=f"{ym}-15 20:00:00"))
                negative = (sid == "Y" and i == 0) or (sid == "X" and ym in FAILING)
                feedback.append(fb(f"f{oid}", oid, sid, "review", f"{ym}-20 10:00:00", "quality" if negative else "", rating=4))
    d = make_data(tmp, orders, feedback)
    write_table(d / "shops.csv", [
        dict(shop_id="X", shop_type="flagship", opened_at="2022-01-04", first_assessed_at="2022-01-04"),
        dict(shop_id="Y", shop_type="specialty", opened_at="2020-05-01", first_assessed_at=""),
    ])
    return d


def test_score_flagship_writes_the_seed_002_example(tmp_path):
    data, out = _data(tmp_path), tmp_path / "out"
    r = CliRunner().invoke(app, ["score", "--data", str(data), "--as-of", "2022-11-01", "--out", str(out),
                                 "--policy", str(_policy_file(tmp_path)), "--flagship"])
    assert r.exit_code == 0, r.output
    assert "flagship: 1 shops, 10 shop-months, 1 downgrades" in r.output
    rows = {row["month"]: row for row in csv.DictReader((out / "flagship.csv").open())}
    assert list(rows) == MONTHS
    stage = {m: rows[m]["stage"] for m in MONTHS}
    assert stage == {"2022-01": "exemption", "2022-02": "trial", "2022-03": "trial", "2022-04": "trial",
                     "2022-05": "formal", "2022-06": "formal", "2022-07": "formal", "2022-08": "formal",
                     "2022-09": "recovery", "2022-10": "recovery"}
    assert [rows[m]["result"] for m in MONTHS[1:]] == ["pass", "pass", "pass", "fail", "pass", "fail", "fail", "fail", "pass"]
    assert rows["2022-08"]["action"] == "downgrade" and rows["2022-08"]["failed_in_period"] == "3"
    assert rows["2022-09"]["store_type"] == "specialty"
    assert rows["2022-10"]["action"] == "upgrade-eligible"
    may = rows["2022-05"]
    assert float(may["experience_score"]) == 4.0 and float(may["score_target"]) == 4.0
    assert float(may["ccr"]) == 1.0 and abs(float(may["ccr_target"]) - 0.9) < 1e-12  # 0.5 + 0.8 × (1.0 − 0.5)
    assert may["passed"] == "False" and rows["2022-06"]["passed"] == "True"
    html = (out / "reports" / "X.html").read_text(encoding="utf-8")
    assert "Flagship-store assessment" in html and "upgrade-eligible" in html


def test_score_flagship_needs_a_shops_table(tmp_path):
    data = _data(tmp_path)
    (data / "shops.csv").unlink()
    r = CliRunner().invoke(app, ["score", "--data", str(data), "--as-of", "2022-11-01", "--out", str(tmp_path / "o"), "--flagship"])
    assert r.exit_code == 2
    assert "flagship assessment needs a shops table" in r.output


def test_flagship_shop_without_first_assessment_date_is_an_input_error(tmp_path):
    data = _data(tmp_path)
    write_table(data / "shops.csv", [dict(shop_id="X", shop_type="flagship", opened_at="2022-01-04", first_assessed_at="")])
    r = CliRunner().invoke(app, ["score", "--data", str(data), "--as-of", "2022-11-01", "--out", str(tmp_path / "o"), "--flagship"])
    assert r.exit_code == 2
    assert "first_assessed_at" in r.output and "row 1 (X)" in r.output
