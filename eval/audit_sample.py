"""Write the team-written gold records of the frozen test split to one JSONL file.

A labeled file an auditor can run ``feedback-nlp eval`` on without the third-party
corpora (whose texts are not shipped). The full test split, real reviews included,
comes from ``python -m training build-dataset``.

    python -m eval audit-sample --out out/audit_sample.jsonl
"""

from __future__ import annotations

import json
from pathlib import Path

from training.splits import split_of

WRITTEN = Path(__file__).resolve().parents[1] / "training" / "data" / "written"


def write_audit_sample(out: Path, written_dir: Path = WRITTEN, split: str = "test") -> int:
    n = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        for path in sorted(written_dir.glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    r = json.loads(line)
                    if split_of(r["text"]) == split:
                        f.write(json.dumps(r, ensure_ascii=False) + "\n")
                        n += 1
    return n
