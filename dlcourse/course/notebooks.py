"""The notebooks, generated from the lesson scripts by jupytext.

`notebooks/NN_name.ipynb` is `lessons/NN_name.py` read by jupytext (a percent script:
`# %%` code cells, `# %% [markdown]` prose cells), committed without outputs. The
script's module docstring, which a script prints nowhere, becomes the notebook's first
cell, rendered from the lesson's header (`dlcourse.header`); the script's
`start(__file__)` becomes `start(name="NN_name", title="...")`: a notebook has no
`__file__`, and what the lesson needs from its header travels inside the notebook, so
the notebook runs from any folder with nothing but an installed dlcourse (its figures
and `claims.json` go to `out/NN_name/` beside it, or to `DLCOURSE_OUT`). A first code
cell installs dlcourse on Colab when it is missing (`dlcourse.course.colab`).
"""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

from dlcourse.course.colab import install_cell
from dlcourse.header import exercises_for_lessons, find_lessons, read_header

__all__ = [
    "clean_notebook_text",
    "compare_notebooks",
    "notebook_text",
    "stale_notebooks",
    "sync_notebooks",
    "write_notebooks",
]

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
START_IN_SCRIPT = "start(__file__)"


def _cell_ids(cells) -> None:
    """Give cells stable ids from their content, so regenerating changes nothing."""
    seen = {}
    for cell in cells:
        digest = hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:8]
        seen[digest] = seen.get(digest, 0) + 1
        cell.id = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"


def _is_docstring(source: str) -> bool:
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    return (
        len(body) == 1
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    )


def _practise(header, exercises_dir) -> str:
    """A line linking the exercise notebooks that practise this lesson (none: empty)."""
    linked = exercises_for_lessons(exercises_dir).get(header.number, [])
    if not linked:
        return ""
    links = ", ".join(
        f"[exercise {e.number:02d}, {e.title}](exercises/{e.name}.ipynb)" for e in linked
    )
    return f"\n\n**Practise it:** {links}."


def notebook_text(script, notebooks_dir="notebooks") -> str:
    """The `.ipynb` text (no outputs) generated from a lesson script by jupytext.

    Args:
        script: the lesson script.
        notebooks_dir: the folder the notebook goes to (its `start(...)` call names
            the script relative to it).

    Deterministic: no jupytext version, fixed `python3` kernelspec, cell ids derived
    from the cell contents.

    Raises:
        ValueError: if the script has no valid header, or does not call
            `start(__file__)` exactly once.
    """
    import jupytext
    import nbformat

    script = Path(script)
    header = read_header(script)
    notebook = jupytext.read(script, fmt="py:percent")
    first = notebook.cells[0] if notebook.cells else None
    if first is not None and first.cell_type == "code" and _is_docstring(first.source):
        notebook.cells[0] = nbformat.v4.new_markdown_cell(
            header.notebook_markdown() + _practise(header, script.parent.parent / "exercises")
        )
    calls = [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and START_IN_SCRIPT in cell.source
    ]
    if len(calls) != 1 or calls[0].source.count(START_IN_SCRIPT) != 1:
        raise ValueError(
            f"Invalid lesson script {script}: expected one call `{START_IN_SCRIPT}`, "
            f"received {sum(cell.source.count(START_IN_SCRIPT) for cell in calls)}"
        )
    call = f"start(name={json.dumps(header.name)}, title={json.dumps(header.title)})"
    calls[0].source = calls[0].source.replace(START_IN_SCRIPT, call)
    at = 1 if notebook.cells and notebook.cells[0].cell_type == "markdown" else 0
    notebook.cells.insert(at, nbformat.v4.new_code_cell(install_cell()))
    jupytext_settings = {
        "cell_metadata_filter": "-all",
        "main_language": "python",
        "notebook_metadata_filter": "-all",
    }
    return clean_notebook_text(notebook, {"jupytext": jupytext_settings})


def clean_notebook_text(notebook, metadata=None) -> str:
    """The notebook's text without outputs or cell metadata, deterministic (see above)."""
    import nbformat

    for cell in notebook.cells:
        cell.metadata = {}
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    notebook.metadata = {
        **(metadata or {}),
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
    }
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    _cell_ids(notebook.cells)
    nbformat.validate(notebook)
    return nbformat.writes(notebook, version=4) + "\n"


def sync_notebooks(expected, folder) -> list:
    """Make `folder`'s `NN_name.ipynb` files exactly `expected` (path -> text).

    Writes the notebooks whose text differs and deletes `NN_name` notebooks not expected.

    Returns:
        The paths that changed (written or deleted).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for path, text in expected.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    for path in sorted(folder.glob("[0-9][0-9]*_*.ipynb")):
        if path not in expected:
            path.unlink()
            changed.append(path)
    return changed


def compare_notebooks(expected, folder) -> dict:
    """What `sync_notebooks(expected, folder)` would change, as lists of notebook names.

    Returns `{"missing": [...], "stale": [...], "orphaned": [...]}`. A notebook is stale
    when its cells or metadata differ from the expected text (compared as JSON, so that
    formatting differences between library versions do not count).
    """
    problems = {"missing": [], "stale": [], "orphaned": []}
    for path, text in expected.items():
        if not path.exists():
            problems["missing"].append(path.name)
        elif json.loads(path.read_text(encoding="utf-8")) != json.loads(text):
            problems["stale"].append(path.name)
    problems["orphaned"] = [
        path.name
        for path in sorted(Path(folder).glob("[0-9][0-9]*_*.ipynb"))
        if path not in expected
    ]
    return problems


def _expected(lessons_dir, notebooks_dir) -> dict:
    notebooks_dir = Path(notebooks_dir)
    return {
        notebooks_dir / f"{script.stem}.ipynb": notebook_text(script, notebooks_dir)
        for script in find_lessons(lessons_dir)
    }


def write_notebooks(lessons_dir="lessons", notebooks_dir="notebooks") -> list:
    """Regenerate `notebooks/NN_name.ipynb` for every lesson; delete orphaned notebooks.

    Returns:
        The paths that changed (written or deleted).
    """
    return sync_notebooks(_expected(lessons_dir, notebooks_dir), notebooks_dir)


def stale_notebooks(lessons_dir="lessons", notebooks_dir="notebooks") -> dict:
    """What `write_notebooks` would change, as lists of notebook names.

    Returns `{"missing": [...], "stale": [...], "orphaned": [...]}`: lessons without a
    notebook, notebooks that differ from what their lesson generates, and `NN_name`
    notebooks without a lesson (see `compare_notebooks`).
    """
    return compare_notebooks(_expected(lessons_dir, notebooks_dir), notebooks_dir)
