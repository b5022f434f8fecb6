"""Screenshots of local pages with headless Chromium (Debian: `apt-get install chromium`)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["find_chromium", "screenshot"]


def find_chromium():
    """The path of a Chromium or Chrome executable on PATH, or `None`."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def screenshot(page, png, *, width=1280, height=2000, timeout=120, settle_ms=10000) -> Path:
    """Render the HTML file `page` with headless Chromium into `png` (one window's height).

    Args:
        page: the HTML file.
        png: the PNG to write.
        width: the window's width in pixels.
        height: the window's height in pixels (what the PNG shows).
        timeout: seconds Chromium may take in all.
        settle_ms: virtual time the page's scripts get before the shot (MathJax typesets
            then); headless Chromium skips idle time, so this costs little real time.
    """
    browser = find_chromium()
    if browser is None:
        raise RuntimeError("No Chromium on PATH: install it (Debian: apt-get install chromium).")
    page, png = Path(page).resolve(), Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dlcourse-chromium-") as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--virtual-time-budget={int(settle_ms)}",
            f"--screenshot={png}",
            page.as_uri(),
        ]
        if png.exists():
            png.unlink()
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not png.exists():
        raise RuntimeError(
            f"Chromium failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}"
        )
    return png
