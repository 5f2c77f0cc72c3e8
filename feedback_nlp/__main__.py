"""``python -m feedback_nlp`` runs the ``feedback-nlp`` command line."""

from feedback_nlp.cli import main

main()
