"""The import graph of autograder/ has no cycle (issue 27, item 3).

Every .py file under autograder/ is read with `ast` (none is imported), and every import in it becomes an
edge to the autograder modules it loads: module-level imports and those inside functions, methods and
`try` blocks alike; absolute (`import autograder.x`, `from autograder.x import y`) and relative
(`from .. import timing`, `from .x import y`); `from P import x` counts as importing module P.x when x is a
submodule of P, else as importing P. Two further forms are resolved:
- a bare `import wire` / `from confine import ...` names a module in the importing file's own folder: such a
  file runs as a script with its folder first on sys.path (autograder/sandbox/child.py, confine.py);
- `importlib.import_module(...)` with a constant name, a name from a module-level dict of constant names
  (autograder/__main__.py's COMMANDS), or an f-string whose constant start names a package (every module
  of that package then counts: autograder/preprocessors/__init__.py).
A cycle, even one hidden inside a function (`def f(): from .grade import x` in a module grade.py imports),
means two modules that cannot be understood, tested or moved one without the other; the test names it.
"""
import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast        # make test-fast (pytest.ini)

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "autograder"


def module_name(path):
    """autograder/classroom/grade.py -> autograder.classroom.grade; a package's __init__.py -> its name."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules():
    """{module name: path} of every .py file below autograder/."""
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


def _package_of(name, path):
    """The package a module's relative imports start from."""
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _resolve_from(base, names, known):
    """`from base import names`: each name that is a submodule of base, else base itself."""
    out = set()
    for alias in names:
        sub = f"{base}.{alias}" if base else alias
        if sub in known:
            out.add(sub)
        elif base in known:
            out.add(base)
    return out


def _longest_known(dotted, known):
    """The module `import a.b.c` loads last: the longest prefix of `dotted` that is an autograder module."""
    parts = dotted.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in known:
            return ".".join(parts[:n])
    return None


def _constant_dicts(tree):
    """{name: [str values]} of module-level `NAME = {...: "const", ...}` assignments."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            values = [v.value for v in node.value.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = values
    return out


def _is_import_module(call):
    f = call.func
    return (isinstance(f, ast.Attribute) and f.attr == "import_module") or (isinstance(f, ast.Name)
                                                                            and f.id == "import_module")


def imports(name, path, known):
    """The autograder modules module `name` (at `path`) imports, anywhere in its file."""
    tree = ast.parse(path.read_text(), str(path))
    package = _package_of(name, path)
    folder = name.rpartition(".")[0] if path.name != "__init__.py" else name
    dicts = _constant_dicts(tree)
    found = set()

    def absolute(dotted):
        """An absolute module name as written: autograder.* itself, or a sibling of a script's folder."""
        if dotted == "autograder" or dotted.startswith("autograder."):
            return dotted
        return f"{folder}.{dotted}" if f"{folder}.{dotted.split('.')[0]}" in known else None

    def relative(level, module):
        parts = package.split(".")
        if level > 1:
            parts = parts[:len(parts) - (level - 1)]
        return ".".join(parts + ([module] if module else []))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = absolute(alias.name)
                if target and _longest_known(target, known):
                    found.add(_longest_known(target, known))
        elif isinstance(node, ast.ImportFrom):
            base = relative(node.level, node.module) if node.level else absolute(node.module or "")
            if base:
                found |= _resolve_from(base, [a.name for a in node.names], known)
        elif isinstance(node, ast.Call) and _is_import_module(node) and node.args:
            arg = node.args[0]
            anchor = package if any(k.arg == "package" for k in node.keywords) or len(node.args) > 1 else ""

            def named(text):
                if text.startswith("."):
                    level = len(text) - len(text.lstrip("."))
                    return relative(level, text[level:]) if anchor else None
                return text
            candidates = []
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                candidates = [named(arg.value)]
            elif isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Name) and arg.value.id in dicts:
                candidates = [named(v) for v in dicts[arg.value.id]]
            elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
                start = arg.values[0].value          # ".", ".sub.", "autograder.classroom."
                prefix = named(start if not start.strip(".") else start.rstrip("."))
                if prefix is not None:        # any module of that package: the f-string picks one at run time
                    candidates = [m for m in known if m.startswith(prefix + ".") and "." not in m[len(prefix) + 1:]]
            for c in candidates:
                if c and _longest_known(c, known):
                    found.add(_longest_known(c, known))
    found.discard(name)
    return found


def graph():
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def find_cycle(edges):
    """One cycle of the directed graph `edges` as [a, b, ..., a], or None (depth-first search)."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = {n: WHITE for n in edges}
    stack = []

    def visit(n):
        colour[n] = GREY
        stack.append(n)
        for m in sorted(edges.get(n, ())):
            if colour.get(m, BLACK) == GREY:
                return stack[stack.index(m):] + [m]
            if colour.get(m) == WHITE:
                cycle = visit(m)
                if cycle:
                    return cycle
        stack.pop()
        colour[n] = BLACK
        return None

    for n in sorted(edges):
        if colour[n] == WHITE:
            cycle = visit(n)
            if cycle:
                return cycle
    return None


def tangles(edges):
    """The strongly connected components of `edges` that hold a cycle (two modules or more), each sorted."""
    index, low, on, stack, out = {}, {}, set(), [], []

    def visit(n):
        index[n] = low[n] = len(index)
        stack.append(n)
        on.add(n)
        for m in edges.get(n, ()):
            if m not in index:
                visit(m)
                low[n] = min(low[n], low[m])
            elif m in on:
                low[n] = min(low[n], index[m])
        if low[n] == index[n]:
            group = []
            while True:
                m = stack.pop()
                on.discard(m)
                group.append(m)
                if m == n:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for n in sorted(edges):
        if n not in index:
            visit(n)
    return sorted(out)


def test_the_resolver_sees_every_kind_of_import():
    """What the graph is built from: each form of import above, checked on the course's own files."""
    g = graph()
    assert "autograder.sandbox.wire" in g["autograder.sandbox.child"]            # a script's bare sibling import
    assert "autograder.sandbox.confine" in g["autograder.sandbox.judge"]         # from . import confine
    assert "autograder.timing" in g["autograder.preprocessors.execute"]          # from .. import timing
    assert "autograder.sandbox.judge" in g["autograder.preprocessors.execute"]   # inside a method
    assert "autograder.classroom.grade" in g["autograder.__main__"]              # import_module(COMMANDS[...])
    assert "autograder.preprocessors.judge" in g["autograder.preprocessors"]     # import_module(f".{...}", __name__)
    assert "autograder.sandbox.intake" in g["autograder.nbgrader_config"]        # absolute, from autograder.x
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    assert tangles({"a": {"b"}, "b": {"a", "c"}, "c": set(), "d": {"d"}}) == [["a", "b"]]


def test_autograder_has_no_import_cycle():
    g = graph()
    cycle = find_cycle(g)
    assert cycle is None, ("import cycle in autograder/: " + " -> ".join(cycle) + "; modules tied in cycles: "
                           + "; ".join(", ".join(group) for group in tangles(g)))


def test_every_module_says_which_process_runs_it():
    """The first line of each module's docstring names the process(es) that run it (docs/architecture.md
    draws them). autograder/notebook/ (the check code the notebooks embed) and autograder/build/ (the release
    build) are not part of a grading run's processes; autograder/examples/ holds submissions, not modules."""
    silent = []
    for name, path in modules().items():
        if path.relative_to(PACKAGE).parts[0] in ("notebook", "build", "examples"):
            continue
        doc = ast.get_docstring(ast.parse(path.read_text()), clean=False) or ""
        if not doc.startswith("Runs "):
            silent.append(f"{name}: {doc.splitlines()[0] if doc else '(no docstring)'}")
    assert not silent, "modules whose docstring does not start by naming their process:\n" + "\n".join(silent)
