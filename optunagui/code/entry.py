"""Entry points of a user's code (``train.py:objective``), checked by reading the source only.

Nothing here imports or executes the user's module: the file is read and parsed with `ast`,
so the web and API processes can say "no such function" without running anyone's code.
"""

from __future__ import annotations

import ast
import keyword
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

__all__ = ["EntryPoint", "entry_problems", "function_parameters", "parse_entry"]

_FORM = "expected 'module:function', e.g. 'train.py:objective' or 'mypkg.train:objective'"
_LISTED = 10  # how many names a message lists before "..."


@dataclass(frozen=True)
class EntryPoint:
    """A function named by its module's file (relative, posix) and importable module name.

    ``dotted`` only records how it was written: ``mypkg/train.py:f`` and ``mypkg.train:f``
    are equal.
    """

    module_file: str
    module_name: str
    function: str
    dotted: bool = field(default=False, compare=False)

    def __str__(self) -> str:
        module = self.module_name if self.dotted else self.module_file
        return f"{module}:{self.function}"


def _is_name(text: str) -> bool:
    return text.isidentifier() and not keyword.iskeyword(text)


def _module_parts(module: str, text: str) -> tuple[list[str], bool]:
    """The module's package path as names, and whether it was written dotted."""
    if "\\" in module:
        raise ValueError(f"{text!r}: write paths with '/', not '\\'")
    if module.endswith(".py"):
        if module.startswith("/") or PurePosixPath(module).is_absolute():
            raise ValueError(f"{text!r}: give the file relative to the working directory, "
                             "not as an absolute path")
        parts = [part for part in module[: -len(".py")].split("/") if part != "."]
        if ".." in parts:
            raise ValueError(f"{text!r}: the file must lie inside the working directory "
                             "('..' is not allowed)")
        if any(part == "" for part in parts):
            raise ValueError(f"{text!r}: the path has an empty part")
        return parts, False
    if "/" in module:
        raise ValueError(f"{text!r}: a path must end in '.py' (e.g. 'mypkg/train.py'), or "
                         "write the module with dots ('mypkg.train')")
    parts = module.split(".")
    if any(part == "" for part in parts):
        raise ValueError(f"{text!r}: the module name {module!r} has an empty part")
    return parts, True


def parse_entry(text: str) -> EntryPoint:
    """The entry point written as ``train.py:objective``, ``pkg/train.py:f`` or ``pkg.train:f``.

    Raises:
        ValueError: the text is not of that form; the message says what to write.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"empty entry point; {_FORM}")
    text = text.strip()
    if text.count(":") != 1:
        raise ValueError(f"{_FORM}; got {text!r}")
    module, function = (part.strip() for part in text.split(":"))
    if not module:
        raise ValueError(f"{text!r}: the module before ':' is missing; {_FORM}")
    if not function:
        raise ValueError(f"{text!r}: the function after ':' is missing; {_FORM}")
    if not _is_name(function):
        raise ValueError(f"{text!r}: {function!r} is not a Python function name (give one "
                         "top-level function, e.g. 'objective')")
    parts, dotted = _module_parts(module, text)
    if not parts:
        raise ValueError(f"{text!r}: the module is missing; {_FORM}")
    for part in parts:
        if not _is_name(part):
            raise ValueError(f"{text!r}: {part!r} cannot be imported as a Python module name "
                             "(use letters, digits and underscores, not starting with a digit)")
    return EntryPoint(module_file="/".join(parts) + ".py", module_name=".".join(parts),
                      function=function, dotted=dotted)


def _source_file(working_dir: Path, entry: EntryPoint) -> Path | None:
    """The module's file: ``a/b.py``, or ``a/b/__init__.py`` for a package written dotted."""
    candidates = [working_dir / entry.module_file]
    if entry.dotted:
        candidates.append(working_dir / entry.module_file[: -len(".py")] / "__init__.py")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


def _python_files(working_dir: Path) -> list[str]:
    try:
        return sorted(p.name for p in working_dir.glob("*.py") if p.is_file())
    except OSError:
        return []


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:_LISTED])
    return shown + (", ..." if len(names) > _LISTED else "")


def _is_main_guard(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
            and test.left.id == "__name__" and len(test.comparators) == 1
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value == "__main__")


def _statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """The module's top-level statements, with those of top-level if / try / with blocks
    (but not of ``if __name__ == "__main__":``, which does not run on import)."""
    found: list[ast.stmt] = []
    for node in body:
        found.append(node)
        if isinstance(node, ast.If):
            if not _is_main_guard(node):
                found += _statements(node.body) + _statements(node.orelse)
        elif isinstance(node, ast.Try | ast.TryStar):
            blocks = [node.body, node.orelse, node.finalbody]
            blocks += [handler.body for handler in node.handlers]
            for block in blocks:
                found += _statements(block)
        elif isinstance(node, ast.With | ast.AsyncWith):
            found += _statements(node.body)
    return found


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in _target_names(element)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def _bound_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [name for target in node.targets for name in _target_names(target)]
    if isinstance(node, ast.AnnAssign | ast.AugAssign):
        return _target_names(node.target) if getattr(node, "value", None) is not None else []
    if isinstance(node, ast.Import):
        return [alias.asname or alias.name.split(".")[0] for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [alias.asname or alias.name for alias in node.names if alias.name != "*"]
    return []


def _bindings(tree: ast.Module) -> dict[str, ast.stmt]:
    """Each name bound at module level and the statement that binds it last."""
    bound: dict[str, ast.stmt] = {}
    for node in _statements(tree.body):
        for name in _bound_names(node):
            bound[name] = node
    return bound


def _parse(working_dir: Path, entry: EntryPoint) -> tuple[ast.Module | None, str | None]:
    """The module's syntax tree, or the problem that stopped it being read."""
    root = working_dir.resolve()
    path = _source_file(working_dir, entry)
    if path is None:
        files = _python_files(working_dir)
        there = f" (Python files there: {_listing(files)})" if files else ""
        return None, f"{entry.module_file} not found in {root}{there}"
    if not path.resolve().is_relative_to(root):
        return None, f"{entry.module_file} points outside the working directory {root}"
    shown = path.relative_to(working_dir).as_posix()
    try:
        source = path.read_bytes()
    except OSError as error:
        return None, f"{shown} cannot be read: {error.strerror or error}"
    try:
        return ast.parse(source, filename=shown), None
    except SyntaxError as error:
        where = f" line {error.lineno}" if error.lineno else ""
        return None, f"{shown}{where}: syntax error: {error.msg}"
    except ValueError as error:  # e.g. null bytes in the source
        return None, f"{shown}: not Python source ({error})"


def _function_problem(tree: ast.Module, entry: EntryPoint) -> str | None:
    bound = _bindings(tree)
    node = bound.get(entry.function)
    name, where = entry.function, entry.module_file
    if node is None:
        functions = sorted(n for n, s in bound.items() if isinstance(s, ast.FunctionDef))
        there = (f"functions there: {_listing(functions)}" if functions
                 else "no functions are defined there")
        return f"{where} has no top-level function {name!r} ({there})"
    if isinstance(node, ast.AsyncFunctionDef):
        return (f"{name!r} in {where} is an async def; async functions are not supported, "
                "write it as a plain def")
    if isinstance(node, ast.ClassDef):
        return (f"{name!r} in {where} is a class; name a function, or an instance bound at "
                f"top level (e.g. objective = {name}(...))")
    return None


def entry_problems(working_dir: Path, text: str) -> list[str]:
    """Every problem with an entry point in this working directory, read without importing.

    Checks the form, that the file exists inside the folder and parses, and that the name is
    bound at the module's top level by a plain def (an assignment or import also counts).
    """
    try:
        entry = parse_entry(text)
    except ValueError as error:
        return [str(error)]
    tree, problem = _parse(Path(working_dir), entry)
    if tree is None:
        return [problem] if problem else []
    found = _function_problem(tree, entry)
    return [found] if found else []


def function_parameters(working_dir: Path, entry: EntryPoint | str) -> list[str] | None:
    """The positional parameter names of the entry's def (``["trial", "data"]``).

    None when the name is not bound by a plain def (an assignment, an import, a class), or
    the module cannot be read.
    """
    point = parse_entry(entry) if isinstance(entry, str) else entry
    tree, _ = _parse(Path(working_dir), point)
    if tree is None:
        return None
    node = _bindings(tree).get(point.function)
    if not isinstance(node, ast.FunctionDef):
        return None
    return [arg.arg for arg in (*node.args.posonlyargs, *node.args.args)]
