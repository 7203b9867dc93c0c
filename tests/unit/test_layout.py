"""The tree keeps its shape: imports only go down the layers, no module imports itself back
through others, and no source file outgrows a reader (DESIGN.md, "Layout")."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("shared", "activities", "orchestrators", "triggers", "devhost", "advisor_cli",
               "web")
MAX_LINES = 500

# Lowest first: a module may import its own layer and the ones before it, never a later one.
LAYERS = (
    ("shared.settings", "shared.telemetry", "shared.redaction"),
    ("shared.advisor",),
    ("shared.storage", "shared.rendering", "shared.arm"),
    ("shared.http",),
    ("shared.pipeline",),
    ("shared.services",),
    ("web",),
    ("activities", "orchestrators", "triggers"),
    ("function_app",),
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    found = {"function_app": ROOT / "function_app.py"}
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            found[_module_name(path)] = path
    return found


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project's modules `name` imports anywhere in its text (inside functions too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        out.update(t for t in targets if t in known and t != name)
    return out


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(name, path, known) for name, path in known.items()}


def _layer(name: str) -> int | None:
    for index, prefixes in enumerate(LAYERS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return index
    return None


def test_imports_only_go_down_the_layers():
    upward = []
    for name, targets in _graph().items():
        mine = _layer(name)
        for target in targets:
            theirs = _layer(target)
            if mine is not None and theirs is not None and theirs > mine:
                upward.append(f"{name} -> {target}")
    assert not upward, "imports up the layers:\n" + "\n".join(sorted(upward))


def test_shared_modules_stay_out_of_the_runtimes():
    """The app's code never imports the local runtime, the CLI or the tests."""
    wrong = [f"{name} -> {target}" for name, targets in _graph().items()
             if _layer(name) is not None for target in targets
             if target.split(".")[0] in ("devhost", "advisor_cli", "tests")]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_layers_name_every_shared_package():
    """A new package under shared/ is placed in a layer before it is used."""
    packages = {f"shared.{p.name}" for p in (ROOT / "shared").iterdir()
                if p.is_dir() and (p / "__init__.py").exists()}
    modules = {f"shared.{p.stem}" for p in (ROOT / "shared").glob("*.py") if p.stem != "__init__"}
    placed = {prefix for layer in LAYERS for prefix in layer}
    assert packages | modules <= placed, sorted((packages | modules) - placed)
    assert len(modules) <= 4, f"shared/'s root keeps to the modules every layer uses: {modules}"


def test_no_source_file_outgrows_a_reader():
    """Past about 450 lines a module mixes concerns: split it along its seams (issue 29)."""
    long = {name: n for name, path in _modules().items()
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, f"over {MAX_LINES} lines: {long}"
