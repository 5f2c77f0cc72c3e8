"""The ``feedback-nlp`` command line.

One module per command (:mod:`~feedback_nlp.cli.tag`, :mod:`~feedback_nlp.cli.info`,
:mod:`~feedback_nlp.cli.eval`, :mod:`~feedback_nlp.cli.score`,
:mod:`~feedback_nlp.cli.demo_data`, :mod:`~feedback_nlp.cli.serve`), each a thin typer wrapper that parses arguments and
calls a plain function of the library (``run_tag``, ``run_info``, ``run_eval``, ``score``,
``generate_demo_data``), which tests call directly. Errors become exit codes in
:func:`~feedback_nlp.cli.exit_on_error.exit_on_error`; the table is
:mod:`feedback_nlp.exit_codes`. Training and export are repo-only: ``python -m training``.

To add a command: write its plain function in the library, a ``<name>.py`` module here
with the wrapper, and register it below.
"""

from __future__ import annotations

import typer

from feedback_nlp.cli.appeal import appeal_cmd
from feedback_nlp.cli.demo_data import demo_data_cmd
from feedback_nlp.cli.eval import eval_cmd, run_eval
from feedback_nlp.cli.info import info_cmd, run_info
from feedback_nlp.cli.review_queue import review_queue_cmd
from feedback_nlp.cli.score import score_cmd
from feedback_nlp.cli.serve import serve_cmd
from feedback_nlp.cli.tag import tag_cmd
from feedback_nlp.exit_codes import EXIT_CODES_HELP, ExitCode
from feedback_nlp.tagging.tag_job import TagSummary, default_errors_path, run_tag

__all__ = ["app", "main", "ExitCode", "TagSummary", "run_tag", "run_info", "run_eval", "default_errors_path"]

app = typer.Typer(
    name="feedback-nlp",
    no_args_is_help=True,
    add_completion=False,
    help=(
        "Tag Chinese consumer feedback with negative-feedback aspects (quality, size, logistics, ...), "
        "measure a tagger's precision, and score merchants (CCR, experience score).\n\n"
        "Start with:  feedback-nlp tag \"送得太慢，饭都凉了\"   or   feedback-nlp tag reviews.jsonl -o tags.jsonl\n\n"
        + EXIT_CODES_HELP
    ),
)
app.command("tag")(tag_cmd)
app.command("info")(info_cmd)
app.command("eval")(eval_cmd)
app.command("score")(score_cmd)
app.command("demo-data")(demo_data_cmd)
app.command("appeal")(appeal_cmd)
app.command("review-queue")(review_queue_cmd)
app.command("serve")(serve_cmd)


def main() -> None:  # pragma: no cover - the console script and `python -m feedback_nlp`
    app(prog_name="feedback-nlp")
