"""The package's layout: imports go one way, and `import dlcourse` loads only the library."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dlcourse"


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path):
    """The `dlcourse` modules `path` imports, anywhere in the file (functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def import_graph():
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        targets = {target for target in imports_of(path) if target in modules}
        graph[name] = targets - {name, "dlcourse"}  # the package itself is only an index
    return graph


def test_no_module_imports_one_that_imports_it_back():
    graph = import_graph()
    cycles = []

    def visit(node, trail):
        for target in graph[node]:
            if target in trail:
                cycles.append(" -> ".join([*trail[trail.index(target) :], target]))
            else:
                visit(target, [*trail, target])

    for name in graph:
        visit(name, [name])
    assert not cycles, sorted(set(cycles))[:5]


def test_the_library_does_not_import_the_course_tooling():
    graph = import_graph()
    tooling = {
        "dlcourse.cli",
        "dlcourse.runner",
        "dlcourse.lesson",
        "dlcourse.report",
        "dlcourse.header",
        "dlcourse.__main__",
    }
    tooling |= {name for name in graph if name.startswith("dlcourse.course")}
    for name, targets in graph.items():
        if name not in tooling:
            assert not targets & tooling, f"{name} imports {sorted(targets & tooling)}"


def test_import_dlcourse_loads_the_components_but_not_the_tooling(fresh_import):
    loaded = set(fresh_import["after_import"])
    assert {
        "dlcourse.layers",
        "dlcourse.regularizers",
        "dlcourse.initializers",
        "dlcourse.models",
    } <= loaded  # registered for Keras serialization
    assert not {m for m in loaded if m.startswith("dlcourse.course")}
    assert not loaded & {"dlcourse.cli", "dlcourse.runner", "dlcourse.lesson"}
