"""Train / dev / test sets

Shows the split ratios Ng recommends by data size (60/20/20 for about 10,000 examples,
98/1/1 for about 1,000,000) with the sizes they give, splits the digits with the
package's stratified, seeded helper `dlcourse.datasets.train_dev_test_split` (disjoint,
covering, class ratios kept, same seed → same split), and demonstrates what goes wrong
when the dev set comes from a different distribution than the test set.

Claim: the split helper's parts are disjoint, cover the data and keep class ratios within ±2%.
"""

# %% [markdown]
# Applied deep learning is an iterative loop: idea → code → experiment → idea. How
# fast you go round it depends on how well your data is set up (Ng, course 2, week 1):
#
# - the **training set** is what the model learns from;
# - the **dev set** (hold-out or cross-validation set) is what you use to compare
#   models and pick hyper-parameters — you look at it again and again;
# - the **test set** gives an unbiased estimate of the final model's error — you look
#   at it once, at the end. (Without one, your "dev" error is optimistic, because you
#   chose the model that did best on it.)
#
# How big? In the small-data era, 70/30 or **60/20/20** was the rule. With a million
# examples, the dev set only needs to be large enough to tell two models apart, and
# the test set large enough to trust the final number — 10,000 examples each is
# plenty, so **98/1/1** (or even 99.5/0.25/0.25) puts the rest to work in training.
#
# And one rule that matters more than the sizes: **dev and test sets must come from
# the same distribution**. The dev set is the target you aim at for months; the test
# set is where you find out whether you hit it.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

import dlcourse
from dlcourse import backend, datasets, plotting
from dlcourse.lesson import start

lesson = start(__file__)

RULES = {"60/20/20": (0.6, 0.2, 0.2), "98/1/1": (0.98, 0.01, 0.01)}
DATA_SIZES = (100, 1_000, 10_000, 100_000, 1_000_000)  # m, for the size comparison
POSITIVE_SHARE = 0.3  # labels of the large synthetic sets: 30% class 1
HIDDEN_UNITS = (32,)  # the digit classifier of section 3
EPOCHS = lesson.pick(full=30, quick=10)
SHIFT = 1  # pixel: the "different camera" of the mismatched dev set

# %% [markdown]
# ## 1. Split sizes by data size
#
# We split label vectors of every size with both rules, using the package's helper
# (the examples themselves do not matter here, so `x` is just the example index).

# %%
splits = {}  # (m, rule) -> Split, kept for the checks in section 2
for m in DATA_SIZES:
    y = (np.random.default_rng(m).random(m) < POSITIVE_SHARE).astype("int32")
    for rule, ratios in RULES.items():
        splits[m, rule] = datasets.train_dev_test_split(
            np.arange(m), y, ratios=ratios, seed=lesson.seed
        )

plotting.show_table(
    ["m (examples)", "rule", "train", "dev", "test"],
    [
        [
            f"{m:,}",
            rule,
            f"{len(split.train_index):,}",
            f"**{len(split.dev_index):,}**",
            f"{len(split.test_index):,}",
        ]
        for (m, rule), split in splits.items()
    ],
)

# %% [markdown]
# Read the dev column (bold). With 60/20/20 the dev set grows with the data, and at a
# million examples it holds 200,000 examples that could have been training data. With
# 98/1/1 a small data set gets a useless dev set (one example out of 100), but at a
# million the 1% is already 10,000 examples — plenty to tell two models apart (about
# 1,000 to 10,000 is enough). So: 60/20/20 for thousands of examples, 98/1/1 (or less)
# for millions.
#
# ## 2. A reproducible, stratified split of the digits
#
# `datasets.train_dev_test_split(x, y, ratios, stratify=True, seed=...)` shuffles each
# class separately with a seeded generator and cuts it by the ratios, so every class
# keeps its share in all three parts. We split scikit-learn's 1,797 digits 60/20/20,
# once stratified and once as a plain random split (`stratify=False`), and compare the
# share of each digit in each part with its share in the whole set.

# %%
digits = datasets.load_digits(ratios=(1.0, 0.0, 0.0), seed=lesson.seed)  # all 1,797, unsplit
x_all, y_all = digits.x_train, digits.y_train
stratified = datasets.train_dev_test_split(x_all, y_all, ratios=(0.6, 0.2, 0.2), seed=lesson.seed)
plain = datasets.train_dev_test_split(
    x_all, y_all, ratios=(0.6, 0.2, 0.2), stratify=False, seed=lesson.seed
)
PARTS = ("train", "dev", "test")


def class_shares(labels, num_classes=10):
    return np.bincount(labels, minlength=num_classes) / len(labels)


overall = class_shares(y_all)


def largest_deviation(split):
    """Largest |share of a class in a part − its share overall|, over classes and parts."""
    return max(
        np.max(np.abs(class_shares(getattr(split, f"y_{part}")) - overall)) for part in PARTS
    )


print(
    f"largest class-share deviation: stratified {largest_deviation(stratified):.2%}, "
    f"plain random {largest_deviation(plain):.2%}"
)

# %% [markdown]
# Now the promises the helper makes, checked on every split this lesson made (all the
# sizes of section 1 and both digit splits):

# %%
all_splits = list(splits.values()) + [stratified, plain]


def times_used(split):
    """How many of the three parts each example index appears in (0, 1, 2 or 3)."""
    m = len(split.train_index) + len(split.dev_index) + len(split.test_index)
    everything = np.concatenate([split.train_index, split.dev_index, split.test_index])
    return np.bincount(everything, minlength=m)


counts = [times_used(s) for s in all_splits]
disjoint = all(c.max() <= 1 for c in counts)  # no example in two parts (or twice in one)
covers = all(c.min() >= 1 for c in counts)  # no example left out
lesson.claim(
    f"train, dev and test indices are pairwise disjoint ({len(all_splits)} splits)",
    disjoint,
    target="True",
    holds=disjoint,
)
lesson.claim(
    f"together they cover every example exactly once ({len(all_splits)} splits)",
    covers,
    target="True",
    holds=covers,
)


def largest_share_deviation(split):
    """Like largest_deviation, for the 0/1 labels of section 1 (share of class 1)."""
    whole = np.mean(np.concatenate([split.y_train, split.y_dev, split.y_test]))
    return max(abs(np.mean(getattr(split, f"y_{part}")) - whole) for part in PARTS)


large = [split for (m, _), split in splits.items() if m >= 10_000]
deviation = max([largest_deviation(stratified)] + [largest_share_deviation(s) for s in large])
lesson.claim(
    "stratified splits keep every class's share in train, dev and test "
    "(largest deviation from the whole set; digits 60/20/20 and m ≥ 10,000 with both rules)",
    deviation,
    target="<= 0.02",
    holds=deviation <= 0.02,
)

again = datasets.train_dev_test_split(x_all, y_all, ratios=(0.6, 0.2, 0.2), seed=lesson.seed)
other = datasets.train_dev_test_split(x_all, y_all, ratios=(0.6, 0.2, 0.2), seed=lesson.seed + 1)
same = all(
    np.array_equal(getattr(again, f"{p}_index"), getattr(stratified, f"{p}_index")) for p in PARTS
)
different = not np.array_equal(other.dev_index, stratified.dev_index)
lesson.claim(
    "the same seed gives the same split (every index identical)", same, target="True", holds=same
)
lesson.claim("a different seed gives a different split", different, target="True", holds=different)

# %%
fig, axes = plt.subplots(1, 2, figsize=(12.5, 4.2), sharey=True)
classes, width = np.arange(10), 0.27
for ax, split, name in (
    (axes[0], stratified, "stratified (default)"),
    (axes[1], plain, "plain random (stratify=False)"),
):
    for i, part in enumerate(PARTS):
        labels = getattr(split, f"y_{part}")
        ax.bar(
            classes + (i - 1) * width,
            100 * (class_shares(labels) - overall),
            width,
            color=plotting.color(part),
            label=f"{part} ({len(labels)} digits)",
        )
    ax.axhspan(
        -2, 2, color=plotting.color("grey"), alpha=0.12, zorder=0, label="±2 points (the claim)"
    )
    ax.axhline(0, color=plotting.color("black"), lw=0.8)
    ax.set_xticks(classes)
    ax.set_xlabel("digit")
    ax.set_title(f"{name}: largest deviation {100 * largest_deviation(split):.1f} points")
axes[0].set_ylabel("share in the part − share in the whole set\n(percentage points)")
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=4)
fig.suptitle(
    "Class ratios per split, digits 60/20/20: deviation from the whole set "
    f"(each digit is about {100 * overall.mean():.0f}% of it)",
    fontweight="bold",
)
lesson.savefig(fig, "class_ratios")

# %% [markdown]
# Each bar is how far a digit's share in one part is from its share in the whole set
# (zero = the same ratio). Left: the stratified split keeps every digit within a
# fraction of a point in all three parts — the bars are barely visible. Right: a plain
# random split drifts by a point or more per class in the small dev and test sets —
# harmless for balanced digits, but with a rare class (1% fraud, say) a random dev set
# of a few hundred examples can contain almost none of it.
#
# ## 3. Dev and test from different distributions
#
# Now the rule that matters most. We train a small network on the digits' training
# set and measure its error on three sets:
#
# - the stratified **dev** set (same distribution as the test set);
# - a **mismatched dev** set: the same dev images, but from "another camera" that
#   frames every digit one pixel further right (`datasets.shift_images`);
# - the **test** set.

# %%
x_train, y_train = stratified.x_train, stratified.y_train
x_dev, y_dev = stratified.x_dev, stratified.y_dev
x_test, y_test = stratified.x_test, stratified.y_test
BATCH_SIZE = 64
BATCHES = int(np.ceil(len(x_train) / BATCH_SIZE))  # per epoch, run in one execution
x_dev_shifted = datasets.shift_images(x_dev.reshape(-1, 8, 8), 0, SHIFT).reshape(-1, 64)

model = dlcourse.deep_net(
    (64,), HIDDEN_UNITS, num_classes=10, activation="relu", initializer="he", seed=lesson.seed
)
model.compile(
    optimizer=keras.optimizers.Adam(0.01),
    loss="sparse_categorical_crossentropy",
    steps_per_execution=backend.steps_per_execution(BATCHES),
)
model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=EPOCHS, verbose=0)


def error(x, y):
    return float(np.mean(np.argmax(keras.ops.convert_to_numpy(model(x)), axis=1) != y))


errors = {
    "train": error(x_train, y_train),
    "dev (same distribution)": error(x_dev, y_dev),
    f"dev (shifted {SHIFT} px)": error(x_dev_shifted, y_dev),
    "test": error(x_test, y_test),
}
for name, value in errors.items():
    print(f"{name:>24}: error {value:.1%}")

matched_gap = abs(errors["dev (same distribution)"] - errors["test"])
mismatched_gap = abs(errors[f"dev (shifted {SHIFT} px)"] - errors["test"])
lesson.claim(
    "same-distribution dev set predicts the test error: |dev error − test error|",
    matched_gap,
    target="<= 0.05",
    holds=matched_gap <= 0.05,
)
lesson.claim(
    f"mismatched dev set (shifted {SHIFT} px) misses the test error: |dev error − test error|",
    mismatched_gap,
    target=">= 0.2",
    holds=mismatched_gap >= 0.2,
)

# %%
fig, (ax_err, ax_img) = plt.subplots(1, 2, figsize=(11, 3.8), width_ratios=(1.6, 1))
names = list(errors)
colors = [
    plotting.color("train"),
    plotting.color("dev"),
    plotting.color("purple"),
    plotting.color("test"),
]
sizes_used = [len(y_train), len(y_dev), len(y_dev), len(y_test)]
percent = np.array([100 * errors[n] for n in names])
two_se = np.array(
    [200 * np.sqrt(errors[n] * (1 - errors[n]) / m) for n, m in zip(names, sizes_used)]
)
ax_err.bar(np.arange(4), percent, color=colors)
ax_err.errorbar(
    np.arange(4),
    percent,
    yerr=two_se,
    fmt="none",
    ecolor=plotting.color("black"),
    capsize=4,
    lw=1,
    label="±2 standard errors (sampling noise)",
)
for i, (value, noise) in enumerate(zip(percent, two_se)):
    ax_err.text(i, value + noise + 1, f"{value:.1f}%", ha="center", va="bottom", fontsize=9)
ax_err.set_xticks(np.arange(4), [n.replace(" (", "\n(") for n in names])
ax_err.set_ylim(0, max(percent + two_se) * 1.15 + 2)
ax_err.set_ylabel("error (%)")
ax_err.set_title("Only a same-distribution dev set predicts the test error")
ax_err.legend(loc="upper left")


def tile(images, pad=1):
    """Images (k, 8, 8) side by side, with `pad` blank pixels between them."""
    padded = np.pad(images, ((0, 0), (pad, pad), (pad, pad)))
    return np.concatenate(list(padded), axis=1)


shown = np.concatenate(
    [tile(x_dev[:5].reshape(-1, 8, 8)), tile(x_dev_shifted[:5].reshape(-1, 8, 8))]
)
ax_img.imshow(shown, cmap="gray_r")
ax_img.set_xticks([])
ax_img.set_yticks([4.5, 14.5], ["dev", "shifted\ndev"])
ax_img.grid(False)
ax_img.set_xlabel("five dev digits (8×8 pixels each)")
ax_img.set_title(f"The mismatched dev set: moved {SHIFT} px right")
lesson.savefig(fig, "dev_test_mismatch")

# %% [markdown]
# The same-distribution dev error sits within sampling noise of the test error: every
# decision you make on it (which architecture, which λ, when to stop) is a decision
# about the test distribution too. The shifted dev set tells a very different story:
# tuned on it, you would spend your time fixing a problem (off-centre digits) that
# the test set does not have — and could not tell whether your changes help on the
# data you care about. If the data you care about is the shifted kind, put it in
# *both* dev and test (and, if you can, in training).
#
# ## What to remember
#
# - Train on the training set, choose on the dev set, report once on the test set.
# - 60/20/20 for about 10k examples; with about 1M, 98/1/1 already gives dev and test
#   sets of 10,000 examples.
# - Dev and test sets must come from the same distribution — the one you want to do
#   well on.
# - Split with a fixed seed (reproducible) and stratify by class (ratios kept):
#   `dlcourse.datasets.train_dev_test_split(x, y, ratios=(0.6, 0.2, 0.2), seed=0)`.

# %%
lesson.finish()
