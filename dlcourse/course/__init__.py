"""Course tooling: what is generated from the lessons, never edited by hand.

- `dlcourse.course.notebooks` — `lessons/NN_name.py` → `notebooks/NN_name.ipynb` (jupytext).
- `dlcourse.course.gallery` — the HTML figure gallery `out/index.html` from each
  lesson's `claims.json`.
- `dlcourse.course.readme` — `docs/thumbnails/` and the README's lesson table.
- `dlcourse.course.chromium` — screenshots with headless Chromium.

Command line: `python -m dlcourse.course {notebooks,html,docs,screenshot}`. Not loaded
by `import dlcourse`; notebooks need the `notebooks` extra (jupytext, nbformat), the
gallery markdown-it-py (which jupytext brings).
"""
