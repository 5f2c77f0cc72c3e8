"""Exit codes of the ``feedback-nlp`` command line: one table, also in the README.

| code | meaning |
|---|---|
| 0 | success: every row tagged / evaluated / scored |
| 1 | finished, but some input rows were malformed (see the error file or report) |
| 2 | usage error, or an input that cannot be used at all (also: an output that would overwrite an input) |
| 3 | model error: missing, incomplete or changed model directory, unknown model name or labels |
| 4 | a missing optional dependency; the message gives the exact ``pip install`` |

The repository's ``python -m training`` adds 5: an export refused by the parity gate.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode"]


class ExitCode(IntEnum):
    OK = 0
    ROW_ERRORS = 1
    USAGE = 2
    MODEL = 3
    MISSING_DEPENDENCY = 4
    PARITY = 5


#: one line for ``--help`` texts
EXIT_CODES_HELP = (
    "Exit codes: 0 ok; 1 some rows were malformed (see the error file); 2 usage error or unreadable "
    "input file; 3 model error; 4 missing optional dependency."
)
