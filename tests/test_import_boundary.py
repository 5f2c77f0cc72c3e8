"""The library's import graph: no edge to training/eval/torch/transformers, no cycle, modules under ~400 lines."""

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "feedback_nlp"
FORBIDDEN_ROOTS = {"training", "eval", "torch", "transformers", "onnx", "datasets", "sklearn"}
MAX_LINES = 420


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
            ids |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return ids


def _imports(path: Path, runtime_only: bool = False) -> list[tuple[str, int]]:
    """Every module imported in the file: top level and in functions (and under TYPE_CHECKING unless runtime_only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    skip = _type_checking_nodes(tree) if runtime_only else set()
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            out.append((base, node.lineno))
            out += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]  # `from pkg import module`
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                out.append((node.args[0].value, node.lineno))
    return out


SOURCES = sorted(PACKAGE.rglob("*.py"))
MODULES = {_module_name(p): p for p in SOURCES}


def test_library_never_imports_training_eval_or_torch():
    bad = [f"{p.relative_to(REPO)}:{line} imports {name}" for p in SOURCES for name, line in _imports(p)
           if name.split(".")[0] in FORBIDDEN_ROOTS]
    assert bad == []


def test_no_import_cycle():
    graph = {m: sorted({name for name, _ in _imports(p, runtime_only=True) if name in MODULES and name != m})
             for m, p in MODULES.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for m in graph:
        if m not in state:
            visit(m, [m])
    # a package's __init__ re-exporting its submodules is not a cycle of concepts
    real = [c for c in cycles if not any(a.startswith(b + ".") or b.startswith(a + ".") for a, b in zip(c, c[1:]))]
    assert real == [], "\n".join(" -> ".join(c) for c in real)


def test_modules_stay_small():
    big = {str(p.relative_to(REPO)): n for p in SOURCES if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert big == {}


def test_no_grab_bag_module_names():
    assert not [p for p in SOURCES if p.stem in {"utils", "util", "helpers", "misc", "common"}]
    assert len([p for p in SOURCES if p.stem == "inputs"]) == 0


def _run(code: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


FORBIDDEN = "('torch', 'transformers', 'training', 'eval', 'onnx')"


def test_import_does_not_load_torch_or_training():
    found = _run(f"""
        import json, sys
        import feedback_nlp, feedback_nlp.cli, feedback_nlp.rows, feedback_nlp.model_dir, feedback_nlp.tagging.onnx_tagger
        import feedback_nlp.evaluation, feedback_nlp.scoring.score
        print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN})))
    """)
    assert found == []


def test_tagging_does_not_load_torch_or_training():
    found = _run(f"""
        import json, sys
        import feedback_nlp
        tagger = feedback_nlp.load_tagger()
        tagger.tag(["质量太差了", None])
        print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN})))
    """)
    assert found == []
