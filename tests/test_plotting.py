"""`dlcourse.plotting.save_animation`: the lessons' one way to save an animation."""

import sys
import types

import matplotlib.pyplot as plt
import pytest
from PIL import Image

from dlcourse import plotting


def animated_line():
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.set(xlim=(0, 4), ylim=(0, 4))
    (line,) = ax.plot([], [])
    return fig, lambda k: line.set_data(range(k + 1), range(k + 1))


def test_save_animation_writes_every_frame_and_closes_the_figure(tmp_path):
    fig, draw = animated_line()
    path = plotting.save_animation(
        fig, draw, range(4), tmp_path / "new" / "line.gif", fps=5, dpi=40
    )
    assert path == tmp_path / "new" / "line.gif"
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 4
        assert gif.size == (80, 80)  # 2 inches at 40 dpi
        assert gif.info["duration"] == 200  # 5 frames per second
    assert not plt.fignum_exists(fig.number), "the figure is closed, so it is not shown again"


def test_save_animation_shows_the_gif_under_a_kernel(tmp_path, monkeypatch):
    shown = []
    display = types.ModuleType("IPython.display")
    display.Image = lambda filename: ("image", filename)
    display.display = shown.append
    monkeypatch.setitem(sys.modules, "IPython.display", display)
    monkeypatch.setattr(plotting, "_inside_ipython_kernel", lambda: True)
    fig, draw = animated_line()
    path = plotting.save_animation(fig, draw, 2, tmp_path / "line.gif")
    assert shown == [("image", str(path))]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"path": "line.png"}, "path"),
        ({"draw_frame": 3}, "draw_frame"),
        ({"frames": []}, "frames"),
        ({"fps": 0}, "fps"),
        ({"dpi": "high"}, "dpi"),
    ],
)
def test_save_animation_rejects_bad_arguments(tmp_path, kwargs, match):
    fig, draw = animated_line()
    arguments = {"draw_frame": draw, "frames": 2, "path": tmp_path / "line.gif", **kwargs}
    with pytest.raises(ValueError, match=match):
        plotting.save_animation(fig, **arguments)
    plt.close(fig)
