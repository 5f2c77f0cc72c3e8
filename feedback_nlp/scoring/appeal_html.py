"""The appeal page of one shop: one self-contained HTML file (inline CSS, no script, no external asset)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from feedback_nlp.taxonomy import TAGS_BY_ID

if TYPE_CHECKING:
    from feedback_nlp.scoring.appeal import AppealPack, AppealRow

__all__ = ["render_appeal_html", "highlight"]

_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",-apple-system,"Segoe UI",sans-serif;
margin:2em;color:#222;max-width:1200px}
h1{margin-bottom:.1em}.muted{color:#666;font-size:13px}
.kpi{display:inline-block;margin:.6em 2.2em .8em 0;vertical-align:top}.kpi b{font-size:24px;display:block}
table{border-collapse:collapse;margin:.5em 0 1.5em;width:100%}
td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:left;vertical-align:top}
th{background:#f3f3f3}.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.doubtful td{background:#fff7e0}.text{font-size:15px;line-height:1.6;min-width:18em}
mark{padding:0 1px;border-radius:2px;color:#000}
.flag{display:inline-block;background:#f0ad4e;color:#fff;border-radius:3px;padding:0 5px;margin:1px;font-size:12px}
.ok{color:#2e7d32}.no{color:#c62828;font-weight:bold}.tag{white-space:nowrap}
"""

_DOUBT_WORDS = {
    "small_margin": "close to threshold",
    "models_disagree": "second model disagrees",
    "trap:question": "a question",
    "trap:negated_complaint_word": "negated complaint word",
    "trap:praise_words": "praise words",
}


def _h(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.2f}%"


def highlight(text: str, evidence: list[dict[str, Any]]) -> str:
    """``text`` as HTML with every evidence span in a ``<mark>`` whose strength follows its weight."""
    best: dict[tuple[int, int], list[tuple[float, str, float]]] = {}
    for e in evidence:
        for s in e["spans"]:
            best.setdefault((s["start"], s["end"]), []).append((s["weight"], e["tag"], s["probability_without"]))
    out, pos = [], 0
    for (start, end), hits in sorted(best.items()):
        if start < pos:  # units of one segmentation never overlap; keep the first if they ever did
            continue
        weight = max(w for w, _, _ in hits)
        title = "; ".join(f"{tag}: −{w:.2f} (without it {p:.2f})" for w, tag, p in sorted(hits, reverse=True))
        alpha = 0.2 + 0.6 * min(1.0, max(0.0, weight))
        out.append(_h(text[pos:start]))
        out.append(f'<mark style="background:rgba(230,80,60,{alpha:.2f})" title="{_h(title)}">{_h(text[start:end])}</mark>')
        pos = end
    out.append(_h(text[pos:]))
    return "".join(out)


def _tags_cell(r: AppealRow) -> str:
    parts = []
    for tag in r.tags:
        zh = TAGS_BY_ID[tag].name_zh if tag in TAGS_BY_ID else ""
        p, m = r.probabilities.get(tag), r.margins.get(tag)
        detail = "" if p is None else f" p={p:.3f}, margin {m:+.3f}"
        parts.append(f'<span class="tag"><b>{_h(tag)}</b> {_h(zh)}{_h(detail)}</span>')
    return "<br>".join(parts) or "—"


def _second_cell(r: AppealRow) -> str:
    if r.second_agrees is None:
        return '<span class="muted">n/a</span>'
    css = {"yes": "ok", "partly": "", "no": "no"}[r.second_agrees]
    return f'<span class="{css}">{_h(r.second_agrees)}</span><br>{_h(", ".join(r.second_tags or []) or "no tag")}'


def _row(i: int, r: AppealRow) -> str:
    flags = "".join(f'<span class="flag">{_h(_DOUBT_WORDS.get(d, d))}</span>' for d in r.doubt)
    margin = "—" if r.min_logit_margin is None else f"{r.min_logit_margin:+.2f}"
    return (f'<tr class="{"doubtful" if r.order_doubtful else ""}"><td class="num">{i}</td>'
            f"<td>{_h(r.order_id)}{'<br><b>doubtful</b>' if r.order_doubtful else ''}</td>"
            f"<td>{_h(r.channel)}<br><span class='muted'>{_h(r.created_at)}</span>"
            f"{'' if r.rating is None else '<br>rating ' + _h(r.rating)}</td>"
            f'<td class="text">{highlight(r.text, r.evidence)}</td><td>{_tags_cell(r)}</td>'
            f'<td class="num">{margin}</td><td>{_second_cell(r)}</td><td>{flags}</td></tr>')


def render_appeal_html(pack: AppealPack) -> str:
    title = f"Appeal pack: shop {pack.shop_id}, CCR as of {pack.as_of}"
    n_orders = len({r.order_id for r in pack.rows})
    notes = "".join(f"<li>{_h(n)}</li>" for n in pack.notes)
    rows = "".join(_row(i, r) for i, r in enumerate(pack.rows, start=1))
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{_h(title)}</title>
<style>{_CSS}</style></head><body>
<h1>{_h(title)}</h1>
<p class="muted">industry {_h(pack.industry)} · policy {_h(pack.policy)} · tags by {_h(pack.model)}
({_h(pack.tag_source)}) · {_h(pack.second_note)}</p>
<div class="kpi">CCR as scored<b>{_pct(pack.ccr)}</b><span class="muted">{pack.ccr_neg_orders} of {pack.ccr_orders} orders</span></div>
<div class="kpi">without the {pack.doubtful_orders} doubtful orders<b>{_pct(pack.ccr_without_doubtful)}</b></div>
<div class="kpi">keyword baseline<b>{_pct(pack.ccr_keyword)}</b><span class="muted">same orders, keyword tags</span></div>
{f'<ul class="muted">{notes}</ul>' if notes else ''}
<h2>Orders behind the CCR ({n_orders}; doubtful first)</h2>
<p class="muted">Highlighted: the words that drive each tag (removing one lowers the tag's probability by the amount
in its tooltip). Margin: log-odds of the weakest tag minus its threshold's; below 1.0 counts as close. An order is
<b>doubtful</b> when every negative feedback behind it is close to a threshold, contradicted by the second model, or
has a trap pattern (a question, a negated complaint word, praise words).</p>
<table><thead><tr><th>#</th><th>order</th><th>channel</th><th>feedback</th><th>tags (probability, margin)</th>
<th>margin (logit)</th><th>second model</th><th>why doubtful</th></tr></thead><tbody>
{rows}
</tbody></table>
<p class="muted">Generated by <code>feedback-nlp appeal</code>; the same rows are in the CSV beside this page.</p>
</body></html>
"""
