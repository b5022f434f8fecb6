"""Course tooling: what is generated from the lessons, never edited by hand.

- `dlcourse.course.notebooks` — `lessons/NN_name.py` → `notebooks/NN_name.ipynb` (jupytext).
- `dlcourse.course.kernel` — one Jupyter kernel that runs lesson notebooks one after
  another (the runner's notebook route and the tests).
- `dlcourse.course.site` — the documentation site `out/site/` (Sphinx + MyST-NB): the
  lessons' executed notebooks with their claims, the gallery, the API reference.
- `dlcourse.course.readme` — `docs/thumbnails/` and the README's lesson table.
- `dlcourse.course.chromium` — screenshots with headless Chromium.

Command line: `python -m dlcourse.course {notebooks,site,docs,screenshot}`. Not loaded
by `import dlcourse`; notebooks and the kernel need the `notebooks` extra (jupytext,
nbformat, nbclient, ipykernel), the site the `docs` extra (Sphinx, MyST-NB, furo).
"""
