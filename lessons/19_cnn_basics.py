"""Lesson 19 — CNN basics: local connections, weight sharing, pooling.

Builds the course CNN (`dlcourse.cnn`: 3 filters, pool, 5 filters, pool, dense, output),
shows its filters and the feature maps they make from one digit, counts a conv layer's
parameters, `(k·k·c_in + 1)·c_out`, against a dense layer with the same inputs and
outputs, and shows that the CNN beats an MLP with more parameters on test digits shifted
by 1–2 pixels, because its filters are shared across positions.

Claim: conv parameters = (k·k·c_in + 1)·c_out; the CNN beats a bigger MLP on shifted digits.

Run it:
    python lessons/19_cnn_basics.py            # full mode, figures in out/19_cnn_basics/
    python lessons/19_cnn_basics.py --quick    # the small budget the tests use
"""

# %% [markdown]
# # Convolutional networks: the basics
#
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
# Stacking them gives the classic pattern `INPUT → [[CONV]×N → POOL?]×M → [FC]×K`.
# The course figure has N = 1, M = 2, K = 2: 3 filters in the first conv layer, 5 in
# the second, then a hidden dense layer and the output. That is `dlcourse.cnn`'s default.
#
# A conv layer with `c_out` filters of size `k × k` on `c_in` input channels has
# `(k·k·c_in + 1)·c_out` parameters — independent of the image size.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

import dlcourse
from dlcourse import datasets, plotting
from dlcourse.lesson import start

lesson = start("19_cnn_basics", title="CNN basics: local connections, weight sharing, pooling")

PAD = 2  # blank pixels around each 8×8 digit: a 12×12 canvas, so shifted digits stay whole
SIZE = 8 + 2 * PAD
NUM_CLASSES = 10
MLP_HIDDEN = 64  # hidden units of the MLP we compare with (more parameters than the CNN)
EPOCHS = lesson.pick(full=40, quick=8)
BATCH_SIZE = 64
LEARNING_RATE = 0.01
SHIFTS = (1, 2)  # pixels the test digits are moved by, in a random one of 8 directions

# %% [markdown]
# ## 1. The course CNN on the digits
#
# The 8×8 digits fill their frame, so we put each one in the middle of a 12×12 blank
# canvas (section 4 moves them around inside it). `dlcourse.cnn((12, 12, 1), 10)`
# builds the network; `summary()` lists its layers, output shapes and parameters.

# %%
data = datasets.load_digits(images=True, seed=lesson.seed)


def on_canvas(images):
    """(m, 8, 8, 1) digits → (m, 12, 12, 1), centred on a blank canvas."""
    return np.pad(images, ((0, 0), (PAD, PAD), (PAD, PAD), (0, 0)))


x_train, x_test = on_canvas(data.x_train), on_canvas(data.x_test)
y_train, y_test = data.y_train, data.y_test

cnn = dlcourse.cnn((SIZE, SIZE, 1), NUM_CLASSES, seed=lesson.seed)
cnn.summary()

# %% [markdown]
# ## 2. Counting parameters: convolution against a dense layer
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
    print(f"{name}: {c['shape']}: conv {c['keras']:,} (formula {c['formula']:,}), "
          f"local {c['local']:,}, dense {c['dense']:,} -> dense/conv = {c['dense'] / c['keras']:,.0f}×")

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
kinds = [("dense", "dense (all-to-all)", plotting.color("bad")),
         ("local", "local connections, no sharing", plotting.color("orange")),
         ("keras", "convolution (shared filters)", plotting.color("good"))]
width = 0.26
for i, (key, label, col) in enumerate(kinds):
    values = [counts[n][key] for n in CONV_LAYERS]
    bars = ax.bar(np.arange(2) + (i - 1) * width, values, width, color=col, label=label)
    ax.bar_label(bars, labels=[f"{v:,}" for v in values], fontsize=8, padding=2)
ax.set_yscale("log")
ax.set_ylim(10, 1e6)
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
# ## 3. Filters and feature maps
#
# We train the CNN (Adam, cross-entropy), then look at what it learned: the 3 filters
# of `conv_1_1`, and the feature maps one digit produces in every layer — 3 maps after
# the first conv layer, halved in size by pooling, then 5 maps after the second.

# %%
def train(model):
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE),
                  loss="sparse_categorical_crossentropy",
                  steps_per_execution=int(np.ceil(len(x_train) / BATCH_SIZE)))
    model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=EPOCHS, verbose=0)
    return model


train(cnn)
MAP_LAYERS = ("conv_1_1", "pool_1", "conv_2_1", "pool_2")
probe = keras.Model(cnn.input, [cnn.get_layer(n).output for n in MAP_LAYERS])
digit = x_test[:1]
maps = {name: np.asarray(out)[0] for name, out in zip(MAP_LAYERS, probe(digit))}
for name, value in maps.items():
    print(f"{name:>9}: feature maps of shape {value.shape}")
map_counts = [maps["conv_1_1"].shape[-1], maps["conv_2_1"].shape[-1]]
lesson.claim("one feature map per filter: maps after conv_1_1 and conv_2_1",
             map_counts, target="= [3, 5]", holds=map_counts == [3, 5])

# %%
kernel_1 = cnn.get_layer("conv_1_1").kernel.numpy()  # (3, 3, 1, 3)
kernel_2 = cnn.get_layer("conv_2_1").kernel.numpy()  # (3, 3, 3, 5)
fig, axes = plt.subplots(4, 5, figsize=(8.5, 7.2))
for ax in axes.ravel():
    ax.axis("off")
limit = max(np.abs(kernel_1).max(), np.abs(kernel_2).max())  # one colour scale for all filters
for j in range(3):
    image = axes[0, j].imshow(kernel_1[:, :, 0, j], cmap="RdBu_r", vmin=-limit, vmax=limit)
    axes[0, j].set_title(f"conv_1_1\nfilter {j + 1}", fontsize=9)
fig.colorbar(image, cax=axes[0, 4].inset_axes([0.1, 0.05, 0.12, 0.9]), label="weight")
for channel in range(3):
    for j in range(5):
        ax = axes[channel + 1, j]
        ax.imshow(kernel_2[:, :, channel, j], cmap="RdBu_r", vmin=-limit, vmax=limit)
        if channel == 0:
            ax.set_title(f"conv_2_1\nfilter {j + 1}", fontsize=9)
        if j == 0:
            ax.text(-0.8, 1, f"input\nmap {channel + 1}", ha="right", va="center", fontsize=8)
fig.suptitle("Learned 3×3 filters (red +, blue −): conv_1_1 has 3, conv_2_1 has 5 × 3 input maps",
             fontweight="bold")
lesson.savefig(fig, "filters")

# %%
ROWS = {"conv_1_1": 3, "pool_1": 3, "conv_2_1": 5, "pool_2": 5}  # maps per layer
mosaic = [["input" if row < 2 else "."] + [f"{name}/{j}" if j < n else "." for j in range(5)]
          for row, (name, n) in enumerate(ROWS.items())]
fig, axes = plt.subplot_mosaic(mosaic, figsize=(10, 8.2))
for ax in axes.values():
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    ax.spines[:].set_visible(False)
axes["input"].imshow(digit[0, :, :, 0], cmap="gray_r")
axes["input"].set_title(f"input: a {y_test[0]}, {SIZE}×{SIZE}×1", fontsize=9)
axes["input"].set_box_aspect(1)
for name, n in ROWS.items():
    for j in range(n):
        ax = axes[f"{name}/{j}"]
        ax.imshow(maps[name][:, :, j], cmap="viridis")
        ax.set_title(f"map {j + 1}", fontsize=8)
    side = maps[name].shape[0]
    axes[f"{name}/0"].set_ylabel(f"{name}\n{side}×{side}×{n}", fontsize=9)
fig.suptitle("Feature maps of one test digit: one map per filter, pooling halves them\n"
             "(ReLU activations, each map on its own scale: bright = strong response)",
             fontweight="bold")
lesson.savefig(fig, "feature_maps")

# %% [markdown]
# Each first-layer map is the digit seen through one filter: one lights up on strokes
# of one orientation, another on their ends or on the background next to them. Max
# pooling keeps the strongest response of every 2×2 block at half the resolution. The
# second layer combines the 3 maps into 5 more abstract ones; after the second pool a
# 3×3 grid per map is all the dense layers see.
#
# ## 4. Shifted digits: CNN against an MLP with more parameters
#
# Now an MLP (`deep_net`, one hidden layer of 64 ReLUs) with *more* parameters than the
# CNN, trained the same way on the same centred digits. Both are tested on the test
# digits as they are, and moved by 1 or 2 pixels in a random direction
# (`datasets.shift_images`, the digit stays on the canvas). A dense net has one
# weight per pixel and unit, so a pattern in a new place meets weights that never
# saw it; a CNN applies the same filters everywhere.

# %%
mlp = dlcourse.deep_net((SIZE, SIZE, 1), (MLP_HIDDEN,), NUM_CLASSES, activation="relu",
                        initializer="he", seed=lesson.seed, name="mlp")
train(mlp)
print(f"parameters: CNN {cnn.count_params():,}, MLP {mlp.count_params():,}")


def shifted(images, pixels, seed):
    """Move each image by `pixels` in a random one of the 8 directions (zero-filled)."""
    directions = np.array([(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx])
    moves = pixels * directions[np.random.default_rng(seed).integers(8, size=len(images))]
    return datasets.shift_images(images, moves[:, 0], moves[:, 1])


test_sets = {0: x_test} | {s: shifted(x_test, s, seed=1000 * lesson.seed + s) for s in SHIFTS}


def accuracy(model, x):
    return float(np.mean(np.argmax(np.asarray(model(x)), axis=1) == y_test))


accuracies = {name: {s: accuracy(model, x) for s, x in test_sets.items()}
              for name, model in (("CNN", cnn), ("MLP", mlp))}
for name, acc in accuracies.items():
    print(f"{name}: " + ", ".join(f"shift {s} px: {a:.1%}" for s, a in acc.items()))
print("scikit-learn's published bar for these digits (RBF SVC, unshifted, its own split): 97%")

lesson.claim("the MLP has at least as many parameters as the CNN (MLP, CNN)",
             [mlp.count_params(), cnn.count_params()], target="MLP >= CNN",
             holds=mlp.count_params() >= cnn.count_params())
shifted_cnn = np.mean([accuracies["CNN"][s] for s in SHIFTS])
shifted_mlp = np.mean([accuracies["MLP"][s] for s in SHIFTS])
lesson.claim(
    f"accuracy on test digits shifted by {SHIFTS[0]}–{SHIFTS[-1]} px: CNN minus MLP (points)",
    100 * (shifted_cnn - shifted_mlp), target="> 0", holds=shifted_cnn > shifted_mlp,
)

# %%
fig, (ax_acc, ax_img) = plt.subplots(1, 2, figsize=(11.5, 4.0), width_ratios=(1.3, 1))
for name, col in (("CNN", plotting.color("good")), ("MLP", plotting.color("bad"))):
    model = cnn if name == "CNN" else mlp
    ax_acc.plot(list(test_sets), [100 * accuracies[name][s] for s in test_sets], "o-", color=col,
                label=f"{name} ({model.count_params():,} parameters)")
ax_acc.axhline(10, color=plotting.color("reference"), ls="--", lw=1, label="chance (10 classes)")
ax_acc.set_xticks(list(test_sets))
ax_acc.set_ylim(0, 100)
ax_acc.set_xlabel("shift of the test digits (pixels, random direction)")
ax_acc.set_ylabel("test accuracy (%)")
ax_acc.set_title("Trained on centred digits, tested on shifted ones")
ax_acc.legend()
framed = {s: np.pad(x[:6, :, :, 0], ((0, 0), (1, 1), (1, 1)), constant_values=np.nan)
          for s, x in test_sets.items()}  # a frame around each canvas
strip = np.concatenate([np.concatenate(list(framed[s]), axis=1) for s in test_sets])
gray = plt.get_cmap("gray_r").with_extremes(bad=plotting.color("grey"))
ax_img.imshow(strip, cmap=gray)
ax_img.set_yticks([(SIZE + 2) * (i + 0.5) for i in range(len(test_sets))],
                  [f"shift {s} px" for s in test_sets])
ax_img.set_xticks([])
ax_img.grid(False)
ax_img.set_title("The same six test digits")
lesson.savefig(fig, "shifted_accuracy")

# %% [markdown]
# On centred digits both do well. Moved by a pixel or two, the MLP falls much further:
# its first-layer weights for the border pixels were never trained (they always saw
# zeros), and every weight is tied to one position. The CNN's filters respond to a
# stroke wherever it is; pooling then absorbs part of the shift. It is not fully
# shift-invariant — after two 2×2 poolings its dense layers still see a 3×3 grid — which
# is why real training sets add shifted copies (data augmentation, lesson 14).
#
# ## What to remember
#
# - A conv layer = local connections + weight sharing: `(k·k·c_in + 1)·c_out`
#   parameters, whatever the image size; a dense layer with the same inputs and
#   outputs needs thousands of times more.
# - One filter → one feature map; pooling shrinks the maps and has no parameters.
# - `INPUT → [[CONV]×N → POOL?]×M → [FC]×K`: `dlcourse.cnn(input_shape, num_classes,
#   filters=(3, 5))` is the course's N = 1, M = 2, K = 2.
# - Shared filters make CNNs far more tolerant of where things are in the image.

# %%
lesson.finish()
