"""The ``README.md`` model card template of a model directory, filled at export and after evaluation.

``training`` fills the Evaluation section from the eval harness's ``report.json`` (so every
number in a card is produced by a command); the library only renders the template.
"""

from __future__ import annotations

from feedback_nlp.model_dir.config import TaggerConfig
from feedback_nlp.taxonomy import TAGS_BY_ID

__all__ = ["render_model_card", "set_card_section", "NO_METRICS"]

_CARD = """\
# feedback-nlp tagger

Multi-label negative-feedback tagger for Chinese consumer feedback (reviews, after-sales
reasons, complaints, chat). Each text gets zero or more of the {n_labels} tags below; no tag
means no dissatisfaction. Load it with `feedback_nlp.OnnxTagger.from_pretrained("<this dir>")`.

## Labels and thresholds

| tag | 中文 | dimension | threshold |
|---|---|---|---|
{label_rows}

## Input

- max length: {max_length} tokens (longer texts are cut; their status is `truncated`)
- product context: {context}

## Evaluation

{metrics}

## Files

- `model.onnx` sha256: `{sha}` (every file: `manifest.json`)
- quantization: {quantization}
- base model: {base_model}
- created: {created_at}

## Versions

{versions}
"""

NO_METRICS = "_Not measured yet._ Run the eval harness on the frozen test split and put its report here."


def render_model_card(config: TaggerConfig, metrics_markdown: str | None = None) -> str:
    """The ``README.md`` model card; ``metrics_markdown`` is the eval harness's report."""
    rows = "\n".join(
        f"| `{label}` | {TAGS_BY_ID[label].name_zh} | {TAGS_BY_ID[label].dimension.value} | {config.thresholds[label]:.3f} |"
        for label in config.labels
    )
    context = (
        f"second segment of the pair, at most {config.context_max_length} tokens" if config.use_context else "not used"
    )
    versions = "\n".join(f"- {name}: {version}" for name, version in config.versions.items()) or "- (not recorded)"
    return _CARD.format(
        n_labels=len(config.labels), label_rows=rows, max_length=config.max_length, context=context,
        metrics=metrics_markdown or NO_METRICS, sha=config.onnx_sha256, quantization=config.quantization or "none (fp32)",
        base_model=config.base_model or "(not recorded)", created_at=config.created_at, versions=versions,
    )


def set_card_section(card: str, title: str, body: str, before: str = "## Files") -> str:
    """``card`` with the ``## title`` section replaced by ``body`` (or inserted before ``before``, else appended)."""
    head = f"## {title}\n"
    section = f"{head}\n{body.strip()}\n\n"
    if head in card:
        start = card.index(head)
        nxt = card.find("\n## ", start + len(head))
        return card[:start] + section + (card[nxt + 1:] if nxt >= 0 else "")
    if before in card:
        i = card.index(before)
        return card[:i] + section + card[i:]
    return card.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
