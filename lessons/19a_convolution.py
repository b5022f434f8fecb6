"""Convolution: local connections, weight sharing, pooling

Works Ng's 6×6 vertical-edge example with `keras.ops.conv` against the NumPy sum
written out (with an animation of the sliding window), then padding, stride and max
pooling, with Ng's output-size formula checked against Keras. Finally it counts a conv
layer's parameters, `(k·k·c_in + 1)·c_out`, in the course CNN (`dlcourse.cnn`) against
a dense layer with the same inputs and outputs. The first half of lesson 19; the second
(19b) trains that CNN against an MLP on shifted digits.

Claim: conv parameters = (k·k·c_in + 1)·c_out, hundreds of times fewer than dense; keras.ops.conv equals the NumPy sum.
"""

# %% [markdown]
# An image classifier built from dense layers connects every pixel to every unit. A
# **convolutional** layer makes three observations about images instead (Lee, "Why
# CNN for image"; the Udacity course's "statistical invariance"):
#
# 1. **Local connections**: a pattern (an edge, a stroke end) is much smaller than the
#    image, so a unit only needs to look at a small `k × k` patch.
# 2. **Weight sharing**: the same pattern appears in different places, so the same
#    detector — a **filter** of `k·k·c_in` weights and one bias — slides over every
#    position. One filter produces one **feature map**.
# 3. **Pooling** (sub-sampling): shrinking the maps (max of each 2×2 block) keeps what
#    was detected while discarding exactly where, and costs no parameters.
#
# A conv layer with `c_out` filters of size `k × k` on `c_in` input channels has
# `(k·k·c_in + 1)·c_out` parameters — independent of the image size. This lesson
# computes convolutions by hand and counts; lesson 19b trains a CNN.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

import dlcourse
from dlcourse import plotting
from dlcourse.lesson import start

lesson = start(__file__)

SIZE = 12  # the course CNN's input: an 8×8 digit on a 12×12 canvas (lesson 19b)
NUM_CLASSES = 10

# %% [markdown]
# ## 1. Convolution by hand: Ng's vertical-edge detector
#
# Ng's first example (course 4, week 1): a 6×6 image whose left half is bright (10)
# and right half dark (0), and the 3×3 filter `[[1, 0, −1]] × 3`. The filter slides
# over every 3×3 window of the image; each output value is the sum of the window
# multiplied element-wise by the filter. With no padding ("valid") and stride 1, a
# 6×6 input gives a `(6 − 3 + 1) × (6 − 3 + 1)` = 4×4 output. (Deep-learning
# "convolution" does not flip the filter — mathematicians call it cross-correlation.)
# We compute it with `keras.ops.conv`, exactly what a `Conv2D` layer runs, and check it
# against the NumPy sum written out.

# %%
image = np.zeros((6, 6))
image[:, :3] = 10.0  # bright left half, dark right half
vertical_edge = np.array([[1.0, 0.0, -1.0]] * 3)  # (3, 3)


def conv_numpy(x, kernel, stride=1):
    """Σ window · kernel at every position: the definition, no library."""
    f = kernel.shape[0]
    rows = range(0, x.shape[0] - f + 1, stride)
    cols = range(0, x.shape[1] - f + 1, stride)
    return np.array([[np.sum(x[i : i + f, j : j + f] * kernel) for j in cols] for i in rows])


def conv_keras(x, kernel, stride=1, padding="valid"):
    """The same with keras.ops.conv: input (1, h, w, 1), kernel (f, f, 1, 1)."""
    out = keras.ops.conv(
        x[None, :, :, None], kernel[:, :, None, None], strides=stride, padding=padding
    )
    return np.asarray(out)[0, :, :, 0]


edges = conv_keras(image, vertical_edge)
edge_error = float(np.max(np.abs(edges - conv_numpy(image, vertical_edge))))
print("vertical-edge output (keras.ops.conv):\n", edges)
lesson.claim(
    "Ng's 6×6 edge example: keras.ops.conv vs the NumPy sum (max |difference|)",
    edge_error,
    target="< 1e-6",
    holds=edge_error < 1e-6,
)


# %%
def show_grid(ax, values, title, *, vmin=None, vmax=None, cmap="gray", box=None):
    """Draw a small matrix as an image with its numbers written in; `box` = (row, col, size)."""
    picture = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax)
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            red, green, blue, _ = picture.cmap(picture.norm(v))  # dark cell: white text
            ax.text(
                j,
                i,
                f"{v:g}",
                ha="center",
                va="center",
                fontsize=9,
                color="black" if 0.3 * red + 0.6 * green + 0.1 * blue > 0.5 else "white",
            )
    if box is not None:
        row, col, size = box
        ax.add_patch(
            plt.Rectangle(
                (col - 0.5, row - 0.5),
                size,
                size,
                fill=False,
                lw=2.5,
                color=plotting.color("orange"),
            )
        )
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    ax.spines[:].set_visible(True)
    ax.spines[:].set_color(plotting.color("grey"))
    ax.set_title(title, fontsize=10)
    return ax


fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.8), width_ratios=(6, 3, 4))
show_grid(axes[0], image, "input 6×6 (bright left half)", vmin=-2, vmax=10, box=(1, 1, 3))
show_grid(axes[1], vertical_edge, "filter 3×3", vmin=-1.5, vmax=1.5, cmap="RdBu_r")
show_grid(
    axes[2],
    edges,
    "output 4×4 = 'valid' conv, stride 1",
    vmin=0,
    vmax=np.abs(edges).max(),
    box=(1, 1, 1),
)
fig.suptitle(
    "The orange window × the filter, summed = the orange output value: "
    f"{conv_numpy(image[1:4, 1:4], vertical_edge)[0, 0]:g}",
    fontweight="bold",
)
lesson.savefig(fig, "edge_detector")

# %% [markdown]
# The output is zero where the window is all bright or all dark, and large (`3·10 = 30`)
# where the window straddles the boundary: the filter detects a *vertical edge*,
# bright on the left. The bright band is two columns wide because the image is tiny;
# on a 1000×1000 image it would be a thin line. The animation below slides the window
# over all sixteen positions.

# %%
positions = [(i, j) for i in range(4) for j in range(4)][: lesson.pick(full=16, quick=4)]
fig, (ax_in, ax_out) = plt.subplots(1, 2, figsize=(7.8, 3.6), width_ratios=(6, 4))
show_grid(ax_in, image, "input and the 3×3 window", vmin=-2, vmax=10)
window = ax_in.add_patch(
    plt.Rectangle((-0.5, -0.5), 3, 3, fill=False, lw=3, color=plotting.color("orange"))
)
partial = np.full_like(edges, np.nan)  # the output values computed so far


def frame(k):
    i, j = positions[k]
    window.set_xy((j - 0.5, i - 0.5))
    partial[i, j] = edges[i, j]
    ax_out.clear()
    show_grid(
        ax_out,
        partial,
        f"output[{i}, {j}] = Σ window · filter = {edges[i, j]:g}",
        vmin=0,
        vmax=np.abs(edges).max(),
        box=(i, j, 1),
    )
    return [window]


gif = lesson.out / "sliding_filter.gif"
gif.parent.mkdir(parents=True, exist_ok=True)
gif = plotting.save_animation(fig, frame, len(positions), lesson.out / "sliding_filter.gif")
print(f"animation: {gif.name}, {len(positions)} frames")

# %% [markdown]
# ### Padding, stride and max pooling
#
# Every "valid" convolution shrinks the image (`n → n − f + 1`) and uses the border
# pixels less often than the middle ones. **Padding** adds a ring of `p` zeros first;
# `p = (f − 1)/2` keeps the size ("same"). A **stride** `s` moves the window `s` pixels
# at a time. Ng's formula for the output size is
# `⌊(n + 2p − f)/s⌋ + 1`; we check it against Keras for a few cases, with the padding
# made explicit by `np.pad`. **Max pooling** (2×2, stride 2) keeps the largest value of
# each block; it has no parameters.

# %%
CASES = [(6, 3, 0, 1), (6, 3, 1, 1), (7, 3, 0, 2), (6, 3, 1, 2), (12, 5, 2, 1), (12, 3, 1, 3)]
size_ok = []
for n, f, p, s in CASES:
    out = conv_keras(np.pad(np.ones((n, n)), p), np.ones((f, f)), stride=s)
    size_ok.append(out.shape[0] == (n + 2 * p - f) // s + 1)
    print(
        f"n={n:>2}, f={f}, p={p}, s={s}: Keras {out.shape[0]}×{out.shape[1]}, "
        f"formula {(n + 2 * p - f) // s + 1}"
    )
padded = np.pad(image, 1)  # p = 1: 8×8 with a ring of zeros
same = conv_keras(image, vertical_edge, padding="same")
strided = conv_keras(padded, vertical_edge, stride=2)
pool_input = np.array([[1, 3, 2, 1], [2, 9, 1, 1], [1, 3, 2, 3], [5, 6, 1, 2]], dtype=float)  # Ng's
pooled = keras.ops.convert_to_numpy(keras.ops.max_pool(pool_input[None, :, :, None], 2, strides=2))[
    0, :, :, 0
]
block_max = pool_input.reshape(2, 2, 2, 2).max(axis=(1, 3))  # NumPy: max of each 2×2 block
mechanics_error = max(
    np.max(np.abs(same - conv_numpy(padded, vertical_edge))),
    np.max(np.abs(strided - conv_numpy(padded, vertical_edge, stride=2))),
    np.max(np.abs(pooled - block_max)),
)
lesson.claim(
    f"output size ⌊(n + 2p − f)/s⌋ + 1 matches Keras in {len(CASES)} cases; 'same', stride-2 conv "
    "and max pooling vs NumPy (max |difference|)",
    [sum(size_ok), float(mechanics_error)],
    target=f"= {len(CASES)} cases, difference < 1e-6",
    holds=all(size_ok) and mechanics_error < 1e-6,
)

# %%
fig, axes = plt.subplots(1, 4, figsize=(13.0, 3.6), width_ratios=(8, 6, 3, 4))
show_grid(axes[0], padded, "input with padding p = 1 (8×8)", vmin=-2, vmax=10, box=(0, 0, 3))
show_grid(
    axes[1],
    same,
    "'same' conv, stride 1: 6×6\n(boxed: what stride 2 keeps)",
    vmin=same.min(),
    vmax=same.max(),
    cmap="RdBu_r",
)
for i in range(0, 6, 2):
    for j in range(0, 6, 2):
        axes[1].add_patch(
            plt.Rectangle(
                (j - 0.45, i - 0.45), 0.9, 0.9, fill=False, lw=1.5, color=plotting.color("orange")
            )
        )
show_grid(axes[2], strided, "stride 2: 3×3", vmin=same.min(), vmax=same.max(), cmap="RdBu_r")
show_grid(axes[3], pool_input, "", vmin=0, vmax=9, cmap="Greens")
for k, (i, j) in enumerate(((0, 0), (0, 2), (2, 0), (2, 2))):
    axes[3].add_patch(
        plt.Rectangle((j - 0.5, i - 0.5), 2, 2, fill=False, lw=2.5, color=plotting.CYCLE[k + 1])
    )
axes[3].set_title(f"max pool 2×2 → {pooled.astype(int).tolist()}", fontsize=10)
fig.suptitle(
    "Padding keeps the size (and adds an edge at the border), stride 2 keeps every "
    "second window, max pooling each block's largest value",
    fontweight="bold",
)
lesson.savefig(fig, "padding_stride_pooling")

# %% [markdown]
# With padding the output keeps the input's 6×6 size, but the zeros around the image act
# like a dark frame: where the bright left half meets them, the filter finds an edge that
# is not in the picture (negative: dark on the left, bright on the right), while the
# right border, dark next to zero, stays 0. A stride of 2 computes only every second
# window: the 3×3 output is every second value of the 'same' output. Max pooling keeps
# each coloured block's largest value — it records *that* a feature was found in the
# block, not exactly where.
#
# ## 2. Counting parameters: convolution against a dense layer
#
# Stacking conv and pool layers gives the classic pattern
# `INPUT → [[CONV]×N → POOL?]×M → [FC]×K`. The course figure has N = 1, M = 2, K = 2: 3
# filters in the first conv layer, 5 in the second, then a hidden dense layer and the
# output. That is `dlcourse.cnn`'s default; `summary()` lists its layers, output shapes
# and parameters (for a 12×12 digit canvas, lesson 19b's input).

# %%
cnn = dlcourse.cnn((SIZE, SIZE, 1), NUM_CLASSES, seed=lesson.seed)
cnn.summary()

# %% [markdown]
#
# For each conv layer we compare three ways to compute the same output volume from
# the same input volume (`padding="same"`, so a 12×12 input gives 12×12 maps):
#
# - **dense**: every output value connected to every input value,
#   `(H·W·c_in + 1)·(H·W·c_out)` parameters;
# - **local connections, no sharing** (Keras 2's `LocallyConnected2D`, gone in Keras 3):
#   each output position has its own `k × k` filter, `(k·k·c_in + 1)·c_out·H·W`;
# - **convolution**: one filter per output channel, shared everywhere,
#   `(k·k·c_in + 1)·c_out`.
#
# The formula is checked against Keras's `layer.count_params()`, and the dense count
# against a real `keras.layers.Dense` built on the flattened input.

# %%
CONV_LAYERS = ("conv_1_1", "conv_2_1")
counts = {}
for name in CONV_LAYERS:
    layer = cnn.get_layer(name)
    _, height, width, c_in = layer.input.shape
    k = layer.kernel_size[0]
    c_out = layer.filters
    dense = keras.layers.Dense(height * width * c_out)
    dense.build((None, height * width * c_in))
    counts[name] = {
        "shape": f"{height}×{width}×{c_in} → {height}×{width}×{c_out}, k = {k}",
        "formula": (k * k * c_in + 1) * c_out,
        "keras": layer.count_params(),
        "local": (k * k * c_in + 1) * c_out * height * width,
        "dense": dense.count_params(),
    }
    c = counts[name]
    print(
        f"{name}: {c['shape']}: conv {c['keras']:,} (formula {c['formula']:,}), "
        f"local {c['local']:,}, dense {c['dense']:,} -> dense/conv = {c['dense'] / c['keras']:,.0f}×"
    )

formula_matches = [counts[n]["formula"] == counts[n]["keras"] for n in CONV_LAYERS]
lesson.claim(
    "conv parameters (k·k·c_in + 1)·c_out equal Keras's count_params() for conv_1_1 and conv_2_1",
    [counts[n]["keras"] for n in CONV_LAYERS],
    target="= " + str([counts[n]["formula"] for n in CONV_LAYERS]),
    holds=all(formula_matches),
)
ratios = [counts[n]["dense"] / counts[n]["keras"] for n in CONV_LAYERS]
lesson.claim(
    "dense-equivalent parameters / conv parameters (conv_1_1, conv_2_1)",
    [round(r, 1) for r in ratios],
    target=">= 100 for each",
    holds=min(ratios) >= 100,
)

# %%
fig, ax = plt.subplots(figsize=(7.5, 4.2))
kinds = [
    ("dense", "dense (all-to-all)", plotting.color("bad")),
    ("local", "local connections, no sharing", plotting.color("orange")),
    ("keras", "convolution (shared filters)", plotting.color("good")),
]
for i, (key, label, col) in enumerate(kinds):  # dots, not bars: a log axis has no zero
    values = [counts[n][key] for n in CONV_LAYERS]
    ax.plot(np.arange(2) + (i - 1) * 0.2, values, "o", ms=9, color=col, label=label)
    for x, v in zip(np.arange(2) + (i - 1) * 0.2, values):
        ax.annotate(
            f"{v:,}", (x, v), xytext=(0, 8), textcoords="offset points", ha="center", fontsize=8
        )
ax.set_yscale("log")
ax.set_ylim(10, 1e6)
ax.set_xlim(-0.5, 1.5)
ax.set_xticks(np.arange(2), [f"{n}\n{counts[n]['shape']}" for n in CONV_LAYERS])
ax.set_ylabel("parameters (log scale)")
ax.set_title("Same input and output volume, three ways to connect them")
ax.legend(loc="upper right")
lesson.savefig(fig, "parameter_counts")

# %% [markdown]
# Local connections cut the dense count by the ratio of image size to patch size;
# weight sharing then divides by the number of positions (144 in the first layer).
# Together they make the first conv layer a couple of thousand times smaller than its
# dense equivalent — and its 30 parameters do not grow with the image.
#
# ## What to remember
#
# - A conv layer = local connections + weight sharing: `(k·k·c_in + 1)·c_out`
#   parameters, whatever the image size; a dense layer with the same inputs and
#   outputs needs thousands of times more.
# - A filter slides over the image: each output value is Σ window · filter. Output size
#   `⌊(n + 2p − f)/s⌋ + 1`; "same" padding keeps the size, stride `s` divides it.
# - Pooling shrinks the maps and has no parameters.
# - `INPUT → [[CONV]×N → POOL?]×M → [FC]×K`: `dlcourse.cnn(input_shape, num_classes,
#   filters=(3, 5))` is the course's N = 1, M = 2, K = 2. Lesson 19b trains it.

# %%
lesson.finish()
