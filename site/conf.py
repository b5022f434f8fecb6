"""Sphinx configuration of the dlcourse site (`make site`, `dlcourse.course.site`).

The site is built from a copy of this folder in the lessons' output root, with the
generated pages added beside it (one per lesson, the gallery, the API index): nothing
here is executed again, and nothing is loaded from the network (see `tests/test_site.py`).
"""

import shutil
from pathlib import Path

from dlcourse.course.site import public_modules

project = "dlcourse"
author = "the dlcourse authors"
copyright = "dlcourse authors, MIT licence"  # noqa: A001 (Sphinx's name)

extensions = [
    "myst_nb",  # Markdown pages and the lessons' executed notebooks (brings myst_parser)
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",  # the API index's tables and a page per module
    "sphinx.ext.napoleon",  # the docstrings' Args: / Returns: / Raises: / Example: sections
    "sphinx.ext.mathjax",
    "sphinx_design",  # the gallery's cards and the pass/fail badges
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_include", "_build", "**.ipynb_checkpoints"]
templates_path = ["_templates"]  # autosummary/module.rst: a module's page

# The lessons ran once, in `make lessons`; their executed notebooks are shown as they are.
nb_execution_mode = "off"
nb_ipywidgets_js = {}  # no widget manager scripts from a CDN (no lesson shows a widget)
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath", "attrs_inline", "deflist"]
myst_heading_anchors = 3

# Docstrings are Keras style: `code` in single backticks, Google-style sections.
default_role = "literal"
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the signatures stay as written; the docstrings explain the types
autodoc_default_options = {"members": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = True
napoleon_custom_sections = [("Call arguments", "params_style"), ("Reference", "References")]

# The API: autosummary reads `api/index.rst` (written by `dlcourse.course.site`) and
# writes a page per module, `api/NAME.rst`, listing the module's `__all__`.
autosummary_generate = ["api/index.rst"]
autosummary_ignore_module_all = False
autosummary_filename_map = {f"dlcourse.{name}": name for name in public_modules()}

html_theme = "furo"
html_title = "dlcourse"
html_static_path = ["_static"]
html_css_files = ["dlcourse.css"]
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {
    "navigation_with_keys": True,
    "light_css_variables": {"color-brand-primary": "#0072B2", "color-brand-content": "#0072B2"},
}
pygments_style = "friendly"

# Math is typeset by a MathJax shipped in a Python package (jupyter-server-mathjax, the
# docs extra), copied into the site: no CDN. `mathjax_path` is relative to `_static/`.
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
myst_update_mathjax = False  # MyST's settings are MathJax 3's; these are MathJax 2's:
mathjax2_config = {
    "tex2jax": {
        "inlineMath": [["\\(", "\\)"]],
        "displayMath": [["\\[", "\\]"]],
        "processClass": "math|tex2jax_process|mathjax_process|output_area",
        "ignoreClass": "tex2jax_ignore|mathjax_ignore",
    },
    "HTML-CSS": {"availableFonts": [], "imageFont": None, "webFont": "STIX-Web"},
    "showMathMenu": False,
    "messageStyle": "none",
}


def _mathjax_source() -> Path:
    import jupyter_server_mathjax

    return Path(jupyter_server_mathjax.__file__).parent / "static"


def _copy_mathjax(app, exception) -> None:
    """Copy MathJax (English only) into the site's `_static/mathjax/`, once."""
    if exception is not None or app.builder.format != "html":
        return
    source = _mathjax_source()
    target = Path(app.outdir) / "_static" / "mathjax"
    if (target / "MathJax.js").is_file():
        return
    shutil.copytree(source, target, dirs_exist_ok=True, ignore=_english_only)


def _english_only(folder, names):
    return [name for name in names if name != "en"] if Path(folder).name == "localization" else []


def _resolve_package_names(app, env, node, contnode):
    """`dlcourse.L2`, the package's name for `dlcourse.regularizers.L2`, links to the
    module's entry, where autodoc documents it."""
    import dlcourse

    target = node.get("reftarget", "")
    name = target.removeprefix("dlcourse.")
    if node.get("refdomain") != "py" or name == target or name not in dlcourse._NAMES:
        return None
    target = f"dlcourse.{dlcourse._NAMES[name]}.{name}"
    domain = env.get_domain("py")
    return domain.resolve_xref(
        env, node["refdoc"], app.builder, node["reftype"], target, node, contnode
    )


def setup(app):
    app.connect("build-finished", _copy_mathjax)
    app.connect("missing-reference", _resolve_package_names)
