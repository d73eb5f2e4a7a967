"""Fails when a module in dashapp/ passes 400 lines or a function in it passes 80 lines.

A function's size counts its lines from its ``def`` to its last line (decorators aside).
Prints each offender as ``path:line: ... (size)``; exits 1 when there is one.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ROOT / "dashapp"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def offenders(path: Path) -> list[str]:
    """What in one module is too long, as printable lines."""
    text = path.read_text(encoding="utf-8")
    where = path.relative_to(ROOT)
    found = []
    n_lines = len(text.splitlines())
    if n_lines > MAX_MODULE_LINES:
        found.append(f"{where}:1: module has {n_lines} lines (at most {MAX_MODULE_LINES})")
    for function in _functions(ast.parse(text, filename=str(path))):
        size = (function.end_lineno or function.lineno) - function.lineno + 1
        if size > MAX_FUNCTION_LINES:
            found.append(f"{where}:{function.lineno}: function {function.name} has {size} lines "
                         f"(at most {MAX_FUNCTION_LINES})")
    return found


def main() -> int:
    found = [line for path in sorted(CHECKED.rglob("*.py")) for line in offenders(path)]
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} too long in {CHECKED.relative_to(ROOT)}/", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
