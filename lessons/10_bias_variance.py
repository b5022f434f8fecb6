"""Lesson 10 — Bias and variance: reading train and dev error, and the basic recipe.

Reproduces Ng's bias/variance table with `dlcourse.diagnostics.diagnose`, then runs the
real experiment on noisy 2-D data: logistic regression underfits (high bias), a big
network on few noisy points overfits (high variance), and the same network with L2
regularization is just right. `diagnose()` applied to each model's measured errors puts
them in the three regimes, and its advice is Ng's "basic recipe".

Claim: diagnose() reproduces Ng's bias/variance table; three models land in the three regimes.

Run it:
    python lessons/10_bias_variance.py            # full mode, figures in out/10_bias_variance/
    python lessons/10_bias_variance.py --quick    # the small budget the tests use
"""

# %% [markdown]
# # Bias and variance
#
# Two numbers tell you what to do next with a model: its **training-set error** and
# its **dev-set error**. Compare them with the best error any classifier could reach
# on this data, the **Bayes error** (people's error is a common stand-in for it; Ng,
# course 2, week 1):
#
# - **avoidable bias** = train error − Bayes error: the model does not even fit the
#   data it has seen (underfitting);
# - **variance** = dev error − train error: the model does much worse on data it has
#   not seen (overfitting).
#
# Ng's examples, for a cat classifier whose Bayes error is about 0%:
#
# | train error | dev error | diagnosis |
# |---|---|---|
# | 1% | 11% | high variance |
# | 15% | 16% | high bias |
# | 15% | 30% | high bias *and* high variance |
# | 0.5% | 1% | low bias and low variance |
#
# If the images were so blurry that even people err 15% of the time (Bayes ≈ 15%),
# then 15% / 16% would be fine: there is no avoidable bias left.
#
# The **basic recipe** follows: if the bias is high, use a bigger network, train
# longer, or try another architecture, until the training set is fit well; *then*, if
# the variance is high, get more data, regularize, or try another architecture. In deep
# learning the two are no longer a trade-off: a bigger network (well regularized) and
# more data each reduce one without hurting the other much.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

import dlcourse
from dlcourse import datasets, plotting
from dlcourse.diagnostics import diagnose
from dlcourse.lesson import start

lesson = start("10_bias_variance", title="Bias and variance: diagnose, then the basic recipe")

M_TRAIN = 200  # few training points: easy to memorise
M_DEV = 2000  # a large dev set from the same distribution: dev error to about ±0.7 points
MOON_NOISE = 0.1  # geometric noise of the moons: the two clean moons barely touch
LABEL_FLIP = 0.1  # fraction of labels flipped at random = the Bayes error
BIG_NET = (100, 100, 100)  # hidden units of the "big" ReLU network
LAMBD = 4.0  # the course's λ for the regularized network, L2 = (λ/2m) Σ ||W||²
STEPS = lesson.pick(full=2000, quick=500)  # full-batch Adam steps for every model
LEARNING_RATE = 0.01
TOLERANCE = 0.05  # diagnose(): a gap above 5 points counts as "high"

# %% [markdown]
# ## 1. `diagnose()` reproduces Ng's table
#
# `dlcourse.diagnostics.diagnose(train_error, dev_error, bayes_error)` computes the two
# gaps and calls a gap *high* when it is larger than `tolerance` (5 points by default:
# Ng's small gaps are ≤ 1 point and his large ones ≥ 10). It returns the verdict and the
# recipe's next steps.

# %%
NG_TABLE = [  # (train error, dev error, Bayes error, Ng's diagnosis)
    (0.01, 0.11, 0.0, "high variance"),
    (0.15, 0.16, 0.0, "high bias"),
    (0.15, 0.30, 0.0, "high bias and high variance"),
    (0.005, 0.01, 0.0, "low bias and low variance"),
    (0.15, 0.16, 0.15, "low bias and low variance"),
]
table = [diagnose(train, dev, bayes, tolerance=TOLERANCE) for train, dev, bayes, _ in NG_TABLE]

header = f"{'train':>6} {'dev':>6} {'Bayes':>6} | {'avoid. bias':>11} {'variance':>9} | verdict"
print(header + "\n" + "-" * len(header))
for result in table:
    print(f"{result.train_error:6.1%} {result.dev_error:6.1%} {result.bayes_error:6.1%} | "
          f"{result.avoidable_bias:+11.1%} {result.variance:+9.1%} | {result.verdict}")
print("\nadvice for 15% / 30%:", "; ".join(table[2].advice))

verdicts = [result.verdict for result in table]
expected = [row[3] for row in NG_TABLE]
lesson.claim(
    "diagnose() reproduces Ng's table (verdicts for 1/11, 15/16, 15/30, 0.5/1 and 15/16 with "
    "Bayes 15%)",
    verdicts,
    target="= " + str(expected),
    holds=verdicts == expected,
)

# %%
fig, ax = plt.subplots(figsize=(9.5, 2.6))
ax.axis("off")
cells = [
    [f"{r.train_error:.1%}", f"{r.dev_error:.1%}", f"{r.bayes_error:.0%}",
     f"{r.avoidable_bias:+.1%}", f"{r.variance:+.1%}", r.verdict, ng]
    for r, ng in zip(table, expected)
]
columns = ["train error", "dev error", "Bayes error", "avoidable bias", "variance",
           "diagnose() says", "Ng says"]
chart = ax.table(cellText=cells, colLabels=columns, loc="center", cellLoc="center")
chart.auto_set_font_size(False)
chart.set_fontsize(9)
chart.scale(1.0, 1.5)
for (row, col), cell in chart.get_celld().items():
    cell.set_edgecolor(plotting.color("grey"))
    if row == 0:
        cell.set_text_props(weight="bold")
    elif col in (3, 4):
        high = (table[row - 1].high_bias, table[row - 1].high_variance)[col - 3]
        cell.set_facecolor(plotting.color("bad") if high else plotting.color("good"))
        cell.set_alpha(0.25)
    elif col in (5, 6):
        cell.set_facecolor(plotting.color("sky"))
        cell.set_alpha(0.15)
chart.auto_set_column_width(list(range(len(columns))))
ax.set_title(f"Ng's bias/variance table, reproduced by diagnose()  "
             f"(a gap > {TOLERANCE:.0%} is high: red)")
lesson.savefig(fig, "ng_table")

# %% [markdown]
# Red cells are the gaps `diagnose()` calls high. The last row is the same 15% / 16%
# as the second, but with a Bayes error of 15% the avoidable bias is zero, and the
# verdict flips from "high bias" to "fine". The Bayes error is part of the diagnosis.
#
# ## 2. A real experiment: three models on noisy moons
#
# Two interleaving half moons (`datasets.moons`, noise 0.1, so the clean classes are
# separable), and then we flip exactly 10% of the labels, chosen at random. The best
# possible rule is the clean moon label, and it is wrong exactly on the flipped
# points: the Bayes error is 10%, known by construction, on both sets. We train on
# only 200 points and measure dev error on 2,000 fresh points from the same
# distribution.

# %%
def noisy_moons(n, seed):
    """Moons with exactly round(LABEL_FLIP·n) labels flipped at random; also the flip mask."""
    x, y = datasets.moons(n, noise=MOON_NOISE, seed=seed)
    flipped = np.zeros(n, dtype=bool)
    flipped[np.random.default_rng(seed).choice(n, round(LABEL_FLIP * n), replace=False)] = True
    return x, np.where(flipped, 1 - y, y).astype("int32"), flipped


x_train, y_train, flipped_train = noisy_moons(M_TRAIN, seed=lesson.seed)
x_dev, y_dev, flipped_dev = noisy_moons(M_DEV, seed=10_000 + lesson.seed)
BAYES_ERROR = LABEL_FLIP
print(f"train {x_train.shape}, dev {x_dev.shape}; flipped labels: "
      f"{flipped_train.mean():.1%} of train, {flipped_dev.mean():.1%} of dev "
      f"(Bayes error {BAYES_ERROR:.0%})")

# %% [markdown]
# Three models, all built with `dlcourse.deep_net` and trained the same way
# (full-batch Adam, learning rate 0.01, the same number of steps):
#
# 1. **logistic regression**: `hidden_units=()` — one sigmoid unit, a straight boundary;
# 2. a **big network**: three hidden layers of 100 ReLUs, about 20,000 weights for 200
#    points;
# 3. the **same big network with L2**: `regularizer=dlcourse.L2(lambd=4.0, m=200)`.
#
# To keep this fast we run all the steps of one model in a single Keras call: the
# training set is repeated `STEPS` times (`np.tile`) and each copy is one batch, so one
# "epoch" is `STEPS` full-batch gradient steps executed together
# (`steps_per_execution`).

# %%
MODELS = {
    "logistic regression": dict(hidden_units=(), regularizer=None),
    "big network": dict(hidden_units=BIG_NET, regularizer=None),
    f"big network + L2 (λ = {LAMBD:g})": dict(
        hidden_units=BIG_NET, regularizer=dlcourse.L2(LAMBD, m=M_TRAIN)),
}


def train(hidden_units, regularizer):
    model = dlcourse.deep_net(
        (2,), hidden_units, num_classes=1, activation="relu", initializer="he",
        regularizer=regularizer, seed=lesson.seed,
    )
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="binary_crossentropy",
                  steps_per_execution=STEPS)
    model.fit(np.tile(x_train, (STEPS, 1)), np.tile(y_train, STEPS), batch_size=M_TRAIN,
              epochs=1, shuffle=False, verbose=0)
    return model


def error(model, x, y):
    """Fraction of misclassified points (threshold 0.5 on the sigmoid output)."""
    predicted = np.asarray(model(x)).reshape(-1) > 0.5
    return float(np.mean(predicted != y))


trained, diagnoses = {}, {}
for name, settings in MODELS.items():
    trained[name] = train(**settings)
    diagnoses[name] = diagnose(error(trained[name], x_train, y_train),
                               error(trained[name], x_dev, y_dev),
                               BAYES_ERROR, tolerance=TOLERANCE)
    print(f"{name:>26}: {diagnoses[name]}")

# %%
fig, axes = plt.subplots(1, 3, figsize=(13.5, 4.4), sharey=True)
for ax, (name, model) in zip(axes, trained.items()):
    result = diagnoses[name]
    plotting.plot_decision_boundary(ax, lambda grid, model=model: np.asarray(model(grid)),
                                    x_train, y_train, resolution=150, margin=0.3)
    flips = x_train[flipped_train]
    ax.scatter(flips[:, 0], flips[:, 1], s=60, facecolor="none", edgecolor=plotting.color("black"),
               linewidth=0.8, label="flipped label")
    ax.set_title(f"{name}\ntrain error {result.train_error:.1%} · dev error {result.dev_error:.1%}"
                 f"\n→ {result.verdict}")
axes[1].set_ylabel("")
axes[2].set_ylabel("")
axes[0].legend(loc="lower left", fontsize=8, frameon=True)
fig.suptitle(f"{M_TRAIN} training points, {LABEL_FLIP:.0%} of labels flipped "
             f"(Bayes error {BAYES_ERROR:.0%})", fontweight="bold")
lesson.savefig(fig, "boundaries")

# %% [markdown]
# Left: a straight line cannot follow the moons, so even the *training* error is far
# above the 10% Bayes error — high bias. Middle: the big network draws islands around
# the circled points whose labels were flipped; training error is near zero, which is
# *below* the Bayes error: the only way to get there is to memorise noise, and the dev
# error pays for it — high variance. Right: L2 keeps the weights small and the boundary
# smooth; training error sits near 10% and the dev error is close to it.
#
# ## 3. The three models in the three regimes

# %%
expected_regimes = ["high bias", "high variance", "low bias and low variance"]
regimes = [diagnoses[name].verdict for name in MODELS]
lesson.claim(
    "diagnose() on the measured errors: logistic regression, big net, big net + L2",
    regimes,
    target="= " + str(expected_regimes),
    holds=regimes == expected_regimes,
)
for name in MODELS:
    print(f"{name:>26}: next -> {'; '.join(diagnoses[name].advice)}")

fig, ax = plt.subplots(figsize=(7.5, 4.0))
positions = np.arange(len(MODELS))
width = 0.38
bias = [100 * diagnoses[name].avoidable_bias for name in MODELS]
variance = [100 * diagnoses[name].variance for name in MODELS]
ax.bar(positions - width / 2, bias, width, color=plotting.color("blue"),
       label="avoidable bias = train − Bayes")
ax.bar(positions + width / 2, variance, width, color=plotting.color("orange"),
       label="variance = dev − train")
ax.axhline(100 * TOLERANCE, color=plotting.color("bad"), ls="--", lw=1,
           label=f"tolerance ({TOLERANCE:.0%}): above is high")
ax.axhline(0, color=plotting.color("black"), lw=0.8)
ax.set_xticks(positions, [f"{name}\n({diagnoses[name].verdict})" for name in MODELS], fontsize=8)
ax.set_ylabel("gap (percentage points)")
ax.set_title("diagnose() on the three trained models")
ax.legend(fontsize=8)
lesson.savefig(fig, "gaps")

# %% [markdown]
# Read the bars with the basic recipe. Logistic regression: the blue bar is high, so
# first **get a bigger network** (that is what `diagnose()` advises). The big network
# fixes the bias (its blue bar is even negative: it fits the training set better than
# the Bayes rule, i.e. it fits noise) but now the orange bar is high, so **regularize**
# (or get more data). With L2 both gaps are small: done — and only now look at the
# test set, once.
#
# ## What to remember
#
# - Avoidable bias = train error − Bayes error; variance = dev error − train error.
#   Which one is large tells you what to do next. The same errors can be fine or bad
#   depending on the Bayes error.
# - Basic recipe: high bias → bigger network, train longer, other architecture (until
#   the training set is fit); then high variance → more data, regularization, other
#   architecture.
# - Training error *below* the Bayes error is not a triumph: it means the model
#   memorised noise, and the dev error will show it.
# - `dlcourse.diagnostics.diagnose(train_error, dev_error, bayes_error)` does this
#   arithmetic and returns the verdict and the advice.

# %%
lesson.finish()
