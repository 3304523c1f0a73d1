"""Imports point one way (ARCHITECTURE.md, "Rules of the house"): every import in the package, lazy
ones inside functions too, is checked against the rules, and the package has no import cycle."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "oakling"

# (importing folder, imported folders it may not import, why)
RULES = [
    ("messages", {"*"}, "messages import nothing else of oakling"),
    ("link", {"*"}, "the link imports only messages"),
    ("pipeline", {"runtime", "host", "link", "nodes"}, "the pipeline description never imports what runs it"),
    ("runtime", {"nodes", "host"}, "the runtime knows no specific node (it finds workers through the registry) "
                                   "and nothing of the host"),
    ("nodes", {"host", "link"}, "nodes never import the host or the link (XLink workers get host streams from "
                                "the runtime)"),
    ("host", {"nodes"}, "the host imports no node module (it asks nodes through pipeline.node.Node)"),
    ("session", {"nodes", "host", "pipeline", "link", "cli", "script"},
     "a session's files are written by the device and read by the host, the sources and the CLI"),
    ("kernels", {"*"}, "kernels build and run OpenCL programs for whoever asks (nodes, later models) and import "
                       "nothing else of oakling"),
]
ALLOWED_ALWAYS = {"messages": {"messages"}, "link": {"link", "messages"}}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(root: Path):
    """Every (importing module, imported module, file, line) inside the package `root`."""
    modules = {module_name(p, root): p for p in root.rglob("*.py")}
    found = []
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[:len(package.split(".")) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module
                           for alias in node.names]
            else:
                continue
            for target in targets:
                while target not in modules and "." in target:
                    target = target.rpartition(".")[0]
                if target in modules and target != name:
                    found.append((name, target, path, node.lineno))
    return found


def folder(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def broken_rules(root: Path) -> list[str]:
    problems = []
    for importer, imported, path, line in imports(root):
        for where, forbidden, why in RULES:
            if folder(importer) != where or folder(imported) in ALLOWED_ALWAYS.get(where, {where}):
                continue
            if "*" in forbidden or folder(imported) in forbidden:
                problems.append(f"{path.relative_to(root.parent)}:{line}: imports {imported} — {why}")
    return problems


def cycles(root: Path) -> list[list[str]]:
    """Groups of modules that import each other, directly or through others (Tarjan's algorithm)."""
    graph = {}
    for importer, imported, _, _ in imports(root):
        graph.setdefault(importer, set()).add(imported)
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_imports_point_one_way():
    problems = broken_rules(PACKAGE)
    assert not problems, "imports that break the house's rules:\n" + "\n".join(problems)


def test_the_package_has_no_import_cycle():
    found = cycles(PACKAGE)
    assert not found, "modules that import each other:\n" + "\n".join(" ↔ ".join(c) for c in found)


def write(root: Path, files: dict):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_a_forbidden_import_is_named_with_its_file_line_and_rule(tmp_path):
    root = tmp_path / "oakling"
    write(root, {"__init__.py": "", "nodes/__init__.py": "", "link/__init__.py": "", "link/link.py": "",
                 "messages/__init__.py": "", "nodes/camera.py": "import os\n\ndef f():\n    from ..link import link\n"})
    assert broken_rules(root) == ["oakling/nodes/camera.py:4: imports oakling.link.link — nodes never import "
                                  "the host or the link (XLink workers get host streams from the runtime)"]


def test_messages_and_link_may_import_only_what_they_are_allowed(tmp_path):
    root = tmp_path / "oakling"
    write(root, {"__init__.py": "", "log.py": "", "messages/__init__.py": "from .. import log\n",
                 "link/__init__.py": "from ..messages import x\n", "messages/x.py": ""})
    assert broken_rules(root) == ["oakling/messages/__init__.py:1: imports oakling.log — messages import nothing "
                                  "else of oakling"]


def test_a_cycle_through_a_lazy_import_is_found(tmp_path):
    root = tmp_path / "oakling"
    write(root, {"__init__.py": "", "a.py": "from . import b\n", "b.py": "def f():\n    from . import c\n",
                 "c.py": "import oakling.a\n"})
    assert cycles(root) == [["oakling.a", "oakling.b", "oakling.c"]]
