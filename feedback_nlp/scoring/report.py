"""Per-shop HTML report: CCR trend, tags breakdown, industry position, sub-metrics, drill-down orders."""

from __future__ import annotations

import base64
import hashlib
import html
import io
import math
import re
from datetime import timedelta
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pandas as pd

from feedback_nlp.extras import has_module, pip_hint
from feedback_nlp.taxonomy import TAGS_BY_ID
from feedback_nlp.scoring.ccr import CCR_DIMENSIONS, ccr_orders, ccr_over_dates
from feedback_nlp.scoring.policy import SUBMETRICS

if TYPE_CHECKING:
    from feedback_nlp.scoring.score import ScoreResult

__all__ = ["write_reports", "render_shop_report", "report_file_names", "TREND_WEEKS"]

TREND_WEEKS = 8
MAX_DRILLDOWN_ROWS = 500

CSS = """
body{font-family:-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;margin:2em;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}
th{background:#f3f3f3}.num{text-align:right;font-variant-numeric:tabular-nums}.muted{color:#777;font-size:12px}
h1{margin-bottom:.2em}.kpi{display:inline-block;margin:0 2em 1em 0}.kpi b{font-size:22px;display:block}
"""


def _fmt(v: Any, pct: bool = False, nd: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return "—"
    if pct:
        return f"{100 * float(v):.2f}%"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return html.escape(str(v))


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _plots(shop: dict, trend: pd.DataFrame, industry_ccr: pd.Series) -> str:
    """The charts as a data URL; ``""`` without matplotlib (the ``eval`` extra): the tables carry every number."""
    if not has_module("matplotlib"):
        return ""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.2))
    t = trend.sort_values("as_of")
    ax1.plot(t["as_of"], 100 * t["ccr"], marker="o", label="overall", color="black")
    for d in CCR_DIMENSIONS:
        ax1.plot(t["as_of"], 100 * t[f"ccr_{d}"], marker=".", label=d, alpha=0.7)
    ax1.set_title("CCR trend (%, window ending at each date)")
    ax1.tick_params(axis="x", labelrotation=45, labelsize=7)
    ax1.legend(fontsize=7)
    vals = 100 * industry_ccr.dropna()
    ax2.hist(vals, bins=min(20, max(5, len(vals))), color="#bbb")
    if shop.get("ccr") is not None and not math.isnan(shop["ccr"]):
        ax2.axvline(100 * shop["ccr"], color="red", label="this shop")
        ax2.legend(fontsize=7)
    ax2.set_title(f"CCR of shops in industry {shop['industry']} (%)")
    return _png(fig)


def _table(df: pd.DataFrame, pct_cols: tuple[str, ...] = ()) -> str:
    if df is None or df.empty:
        return "<p class='muted'>none</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for rec in df.itertuples(index=False):
        cells = []
        for c, v in zip(df.columns, rec):
            num = isinstance(v, (int, float)) and not isinstance(v, bool)
            cells.append(f"<td class='{'num' if num else ''}'>{_fmt(v, pct=c in pct_cols)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


_NO_PLOTS = f"<p><i>Charts left out: matplotlib is not installed ({html.escape(pip_hint('eval'))}).</i></p>"


def _notes(result: "ScoreResult") -> str:
    """The run's notes (absent tables, rows excluded as abnormal) as a list, or nothing."""
    if not result.notes:
        return ""
    return "<ul class='muted'>" + "".join(f"<li>{html.escape(n)}</li>" for n in result.notes) + "</ul>"


def render_shop_report(result: "ScoreResult", shop_id: str, trend: pd.DataFrame, drill: pd.DataFrame) -> str:
    shop = result.shop(shop_id)
    flagship = ""
    if result.flagship is not None:
        fl = result.flagship[result.flagship["shop_id"] == shop_id].drop(columns="shop_id")
        if not fl.empty:
            flagship = "<h2>Flagship-store assessment (旗舰店考核, seed 002)</h2>" + _table(fl, pct_cols=("ccr", "ccr_target"))
    p = result.policy
    industry_ccr = result.shops.loc[result.shops["industry"] == shop["industry"], "ccr"].astype("float64")
    img = _plots(shop, trend[trend["shop_id"] == shop_id], industry_ccr)
    tags = result.tags[result.tags["shop_id"] == shop_id].copy()
    if not tags.empty:
        tags.insert(2, "name", tags["tag"].map(lambda t: TAGS_BY_ID[t].name_zh))
        tags["share_of_orders"] = tags["orders"] / max(int(shop["ccr_orders"] or 0), 1)
        tags = tags.drop(columns="shop_id")
    subs = result.submetrics[result.submetrics["shop_id"] == shop_id][
        ["metric", "dimension", "value", "raw_numerator", "raw_denominator", "numerator", "denominator", "rank", "peers", "peer_group", "percentile", "score", "status"]
    ]
    for m, why in result.unavailable.items():
        subs = pd.concat([subs, pd.DataFrame([{"metric": m, "dimension": SUBMETRICS[m][0], "status": f"unavailable: {why}"}])], ignore_index=True)
    d = drill[drill["shop_id"] == shop_id].drop(columns="shop_id")
    n_drill = len(d)
    d = d.head(MAX_DRILLDOWN_ROWS)
    products = ""
    if result.products is not None:
        pr = result.products[result.products["shop_id"] == shop_id].drop(columns="shop_id")
        products = "<h2>CCR by product</h2>" + _table(pr, pct_cols=("ccr",))
    pos = (
        f"rank {shop['ccr_industry_rank']} of {shop['ccr_industry_peers']} shops (1 = lowest CCR); "
        f"percentile {_fmt(shop['ccr_industry_percentile'], nd=1)} (100 = best)"
        if shop.get("ccr_industry_peers") == shop.get("ccr_industry_peers") and shop.get("ccr_industry_peers") is not None
        else "not enough shops in the industry to place this shop"
    )
    kpis = "".join(
        f"<div class='kpi'>{label}<b>{val}</b></div>"
        for label, val in [
            ("CCR", _fmt(shop["ccr"], pct=True)),
            ("week-over-week", _fmt(shop["ccr_wow_change"], pct=True)),
            ("experience score", _fmt(shop["experience_score"], nd=2)),
            ("product / logistics / service", " / ".join(_fmt(shop[f"score_{x}"], nd=2) for x in ("product", "logistics", "service"))),
        ]
    )
    dims = pd.DataFrame(
        [{"dimension": x, "negative orders": shop[f"ccr_neg_{x}"], "CCR": shop[f"ccr_{x}"],
          "industry rank": shop[f"ccr_{x}_industry_rank"], "of": shop[f"ccr_{x}_industry_peers"],
          "percentile (100 = best)": shop[f"ccr_{x}_industry_percentile"]} for x in CCR_DIMENSIONS]
        + [{"dimension": "of which service: logistics tags (物流, 破损/包装)", "negative orders": shop["ccr_neg_service_logistics"],
            "CCR": shop["ccr_service_logistics"]}]
    )
    rules = (
        f"<p>Experience-score band: <b>{_fmt(shop['experience_band'])}</b> — {_fmt(shop['experience_consequences'])}.<br>"
        f"CCR violation: <b>{_fmt(shop['ccr_violation'] or 'none')}</b>"
        + (f" ({_fmt(shop['ccr_violation_points'])}): {_fmt(shop['ccr_violation_consequences'])}" if shop["ccr_violation"] else "")
        + f" <span class='muted'>(CCR levels per severity are policy values: {html.escape(str(p.ccr.violation_levels))})</span></p>"
    )
    return f"""<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{html.escape(shop_id)} — scores as of {result.as_of}</title>
<style>{CSS}</style></head><body>
<h1>Shop {html.escape(shop_id)}</h1>
<p class="muted">industry {html.escape(str(shop['industry']))} · as of {result.as_of} (data before this day) · policy {html.escape(p.label)} ·
CCR window {p.ccr.window_days} days · tags: {html.escape(result.inputs.tag_source)}</p>
{_notes(result)}
{kpis}
<p>CCR = {shop['ccr_neg_orders']} negative-feedback orders ÷ {shop['ccr_orders']} valid paid orders.
Industry position: {pos}. {html.escape(shop['experience_status'] or '')}</p>
<h2>CCR trend and industry position</h2>
{f'<img src="{img}" alt="CCR trend and industry position">' if img else _NO_PLOTS}
<h2>CCR by dimension</h2>{_table(dims, pct_cols=("CCR",))}
<h2>What the rules attach to these numbers</h2>{rules}
{flagship}
<h2>Tags breakdown (orders per tag)</h2>{_table(tags, pct_cols=("share_of_orders",))}
{products}
<h2>Experience-score sub-metrics</h2>
<p class="muted">value = numerator ÷ denominator (recency-weighted, half-life {p.experience.half_life_days} days); raw = unweighted counts;
score = {p.experience.min_score} + {p.experience.max_score - p.experience.min_score} × percentile within peers.</p>
{_table(subs)}
<h2>Orders behind the CCR ({n_drill}{', first ' + str(MAX_DRILLDOWN_ROWS) + ' shown' if n_drill > MAX_DRILLDOWN_ROWS else ''})</h2>
{_table(d)}
</body></html>"""


# index.html is the index; the rest are device names on Windows
_RESERVED_STEMS = frozenset({"INDEX", "CON", "PRN", "AUX", "NUL"} | {f"{d}{i}" for d in ("COM", "LPT") for i in range(1, 10)})


def report_file_names(shop_ids: Iterable[str]) -> dict[str, str]:
    """A distinct, portable ``.html`` file name per shop id.

    An id made only of ``A-Z a-z 0-9 _ . -`` keeps its name; any other id (``A/B``, ``店铺1``,
    ``index``, ``CON``)
    gets the safe characters plus a hash of the id (``A_B-1f0e3dad.html``), so ``A/B`` and
    ``A_B`` never share a file. Names that would still collide on a case-insensitive file
    system get the hash too.
    """
    def hashed(shop_id: str) -> str:
        stem = re.sub(r"[^A-Za-z0-9_.\-]", "_", shop_id)[:80].lstrip(".") or "shop"
        return f"{stem}-{hashlib.sha256(shop_id.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}.html"

    def plain(shop_id: str) -> bool:
        return bool(re.fullmatch(r"[A-Za-z0-9_\-][A-Za-z0-9_.\-]{0,79}", shop_id)) and (
            shop_id.split(".")[0].upper() not in _RESERVED_STEMS)

    ids = list(dict.fromkeys(shop_ids))
    names = {sid: f"{sid}.html" if plain(sid) else hashed(sid) for sid in ids}
    folded = Counter(n.casefold() for n in names.values())
    names = {sid: hashed(sid) if folded[n.casefold()] > 1 else n for sid, n in names.items()}
    if len({n.casefold() for n in names.values()}) < len(names):  # a hash collision: number them
        names = {sid: f"{n[:-5]}-{i}.html" for i, (sid, n) in enumerate(names.items())}
    return names


def write_reports(result: "ScoreResult", out_dir: str | Path) -> list[Path]:
    """Write ``<shop_id>.html`` for every shop and an ``index.html`` linking them."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dates = [result.as_of - timedelta(days=7 * k) for k in range(TREND_WEEKS)]
    trend = ccr_over_dates(result.inputs, dates, result.policy)
    drill = ccr_orders(result.inputs, result.as_of, result.policy)
    paths = []
    links = []
    names = report_file_names(result.shops["shop_id"])
    for shop_id in result.shops["shop_id"]:
        path = out_dir / names[shop_id]
        path.write_text(render_shop_report(result, shop_id, trend, drill), encoding="utf-8")
        paths.append(path)
        row = result.shop(shop_id)
        links.append(
            f"<tr><td><a href='{html.escape(quote(path.name))}'>{html.escape(shop_id)}</a></td><td>{html.escape(str(row['industry']))}</td>"
            f"<td class='num'>{_fmt(row['ccr'], pct=True)}</td><td class='num'>{_fmt(row['experience_score'], nd=2)}</td></tr>"
        )
    index = out_dir / "index.html"
    index.write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>Shop reports {result.as_of}</title><style>{CSS}</style></head><body>"
        f"<h1>Shop reports as of {result.as_of}</h1>{_notes(result)}<table><tr><th>shop</th><th>industry</th><th>CCR</th><th>experience score</th></tr>"
        + "".join(links)
        + "</table></body></html>",
        encoding="utf-8",
    )
    return paths + [index]
