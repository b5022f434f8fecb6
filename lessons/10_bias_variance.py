"""Bias and variance: diagnose, then the basic recipe

Reproduces Ng's bias/variance table with `dlcourse.diagnostics.diagnose`, then runs the
real experiment on noisy 2-D data: logistic regression underfits (high bias), a big
network on few noisy points overfits (high variance), and the same network with L2
regularization is just right. `diagnose()` applied to each model's measured errors puts
them in the three regimes, and its advice is Ng's "basic recipe".

Claim: diagnose() reproduces Ng's bias/variance table; three models land in the three regimes.
"""

# %% [markdown]
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
from dlcourse import backend, datasets, plotting
from dlcourse.diagnostics import diagnose
from dlcourse.lesson import start

lesson = start(__file__)

M_TRAIN = 200  # few training points: easy to memorise
M_DEV = 2000  # a large dev set from the same distribution: dev error to about ±0.7 points
MOON_NOISE = 0.1  # geometric noise of the moons: the two clean moons barely touch
LABEL_FLIP = 0.1  # fraction of labels flipped at random = the Bayes error
BIG_NET = (100, 100, 100)  # hidden units of the "big" ReLU network
LAMBD = 4.0  # the course's λ for the regularized network, L2 = (λ/2m) Σ ||W||²
STEPS = lesson.pick(full=2000, quick=500)  # full-batch Adam steps for every model
LEARNING_RATE = 0.01
TOLERANCE = 0.05  # diagnose(): a gap above 5 points counts as "high"
CURVE_UNITS = 16  # units per layer of the network whose learning curves we draw
WIDTHS = lesson.pick(full=[2, 4, 8, CURVE_UNITS], quick=[CURVE_UNITS])  # between the two ends
TRAIN_SIZES = lesson.pick(full=[50, 100, 400, 800], quick=[800])  # besides M_TRAIN = 200

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
    print(
        f"{result.train_error:6.1%} {result.dev_error:6.1%} {result.bayes_error:6.1%} | "
        f"{result.avoidable_bias:+11.1%} {result.variance:+9.1%} | {result.verdict}"
    )
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
plotting.show_table(
    [
        "train error",
        "dev error",
        "Bayes error",
        "avoidable bias",
        "variance",
        "diagnose() says",
        "Ng says",
    ],
    [
        [
            f"{r.train_error:.1%}",
            f"{r.dev_error:.1%}",
            f"{r.bayes_error:.0%}",
            f"**{r.avoidable_bias:+.1%}**" if r.high_bias else f"{r.avoidable_bias:+.1%}",
            f"**{r.variance:+.1%}**" if r.high_variance else f"{r.variance:+.1%}",
            r.verdict,
            ng,
        ]
        for r, ng in zip(table, expected)
    ],
)

# %% [markdown]
# Bold gaps are the ones `diagnose()` calls high (more than 5 points). The last row is
# the same 15% / 16% as the second, but with a Bayes error of 15% the avoidable bias is
# zero, and the verdict flips from "high bias" to "fine". The Bayes error is part of the
# diagnosis.
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
print(
    f"train {x_train.shape}, dev {x_dev.shape}; flipped labels: "
    f"{flipped_train.mean():.1%} of train, {flipped_dev.mean():.1%} of dev "
    f"(Bayes error {BAYES_ERROR:.0%})"
)

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
        hidden_units=BIG_NET, regularizer=dlcourse.L2(LAMBD, m=M_TRAIN)
    ),
}


def train(hidden_units, regularizer, x=x_train, y=y_train):
    """A `deep_net` trained with STEPS full-batch Adam steps on (x, y) (default: the 200 points)."""
    model = dlcourse.deep_net(
        (2,),
        hidden_units,
        num_classes=1,
        activation="relu",
        initializer="he",
        regularizer=regularizer,
        seed=lesson.seed,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss="binary_crossentropy",
        steps_per_execution=backend.steps_per_execution(STEPS),
    )
    model.fit(
        np.tile(x, (STEPS, 1)),
        np.tile(y, STEPS),
        batch_size=len(x),
        epochs=1,
        shuffle=False,
        verbose=0,
    )
    return model


def error(model, x, y):
    """Fraction of misclassified points (threshold 0.5 on the sigmoid output)."""
    predicted = keras.ops.convert_to_numpy(model(x)).reshape(-1) > 0.5
    return float(np.mean(predicted != y))


trained, diagnoses = {}, {}
for name, settings in MODELS.items():
    trained[name] = train(**settings)
    diagnoses[name] = diagnose(
        error(trained[name], x_train, y_train),
        error(trained[name], x_dev, y_dev),
        BAYES_ERROR,
        tolerance=TOLERANCE,
    )
    print(f"{name:>26}: {diagnoses[name]}")

# %%
fig, axes = plt.subplots(1, 3, figsize=(13.5, 4.4), sharey=True)
for ax, (name, model) in zip(axes, trained.items()):
    result = diagnoses[name]
    plotting.plot_decision_boundary(
        ax,
        lambda grid, model=model: keras.ops.convert_to_numpy(model(grid)),
        x_train,
        y_train,
        resolution=150,
        margin=0.3,
    )
    flips = x_train[flipped_train]
    ax.scatter(
        flips[:, 0],
        flips[:, 1],
        s=60,
        facecolor="none",
        edgecolor=plotting.color("black"),
        linewidth=0.8,
        label="flipped label",
    )
    ax.set_title(
        f"{name}\ntrain error {result.train_error:.1%} · dev error {result.dev_error:.1%}"
        f"\n→ {result.verdict}"
    )
axes[1].set_ylabel("")
axes[2].set_ylabel("")
axes[0].legend(loc="lower left", fontsize=8, frameon=True)
fig.suptitle(
    f"{M_TRAIN} training points, {LABEL_FLIP:.0%} of labels flipped "
    f"(Bayes error {BAYES_ERROR:.0%})",
    fontweight="bold",
)
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

fig, ax = plt.subplots(figsize=(8.5, 4.4))
positions = np.arange(len(MODELS))
width = 0.38
bias = [100 * diagnoses[name].avoidable_bias for name in MODELS]
variance = [100 * diagnoses[name].variance for name in MODELS]
for offset, values, col, label in (
    (-width / 2, bias, "blue", "avoidable bias = train − Bayes"),
    (width / 2, variance, "orange", "variance = dev − train"),
):
    bars = ax.bar(positions + offset, values, width, color=plotting.color(col), label=label)
    ax.bar_label(bars, labels=[f"{v:+.1f}" for v in values], fontsize=8, padding=2)
ax.axhline(
    100 * TOLERANCE,
    color=plotting.color("bad"),
    ls="--",
    lw=1,
    label=f"tolerance ({100 * TOLERANCE:.0f} points): above is high",
)
ax.axhline(0, color=plotting.color("black"), lw=0.8)
below = [i for i, value in enumerate(bias) if value < -1]
for i in below:
    ax.annotate(
        "below 0: train error < Bayes error,\ni.e. it fits the flipped labels",
        (positions[i] - width / 2, bias[i]),
        xytext=(-40, -8),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize=8,
    )
ax.set_ylim(min(bias + variance + [0]) - 5, max(bias + variance) + 3)
ax.set_xticks(positions, [f"{name}\n({diagnoses[name].verdict})" for name in MODELS], fontsize=8)
ax.set_ylabel("gap (percentage points of error)")
ax.set_title("diagnose() on the three trained models")
fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=3, fontsize=8)
lesson.savefig(fig, "gaps")

# %% [markdown]
# Both gaps are differences of two error rates, so they are measured in percentage
# points (train error 2% and Bayes error 10% give an avoidable bias of −8 points).
# Read the bars with the basic recipe. Logistic regression: the blue bar is high, so
# first **get a bigger network** (that is what `diagnose()` advises). The big network
# fixes the bias — its blue bar is even negative: it fits the training set better than
# the Bayes rule, which is only possible by fitting the flipped labels, the noise — but
# now the orange bar is high, so **regularize** (or get more data). With L2 both gaps
# are small: done — and only now look at the test set, once.
#
# ## 4. Error against capacity: the U-curve
#
# The three models are points on one curve. Between logistic regression and the big
# network lie the same three-layer network with fewer units per layer. We train each
# the same way and plot training and dev error against the number of parameters.

# %%
capacity = {0: trained["logistic regression"], BIG_NET[0]: trained["big network"]}
for units in WIDTHS:
    capacity[units] = train((units,) * len(BIG_NET), regularizer=None)
capacity = dict(sorted(capacity.items()))
size = {units: model.count_params() for units, model in capacity.items()}
u_train = {units: error(model, x_train, y_train) for units, model in capacity.items()}
u_dev = {units: error(model, x_dev, y_dev) for units, model in capacity.items()}
sweet = min(u_dev, key=u_dev.get)
for units in capacity:
    mark = "  <- lowest dev error" if units == sweet else ""
    print(
        f"{units:>3} units per layer ({size[units]:>6,} parameters): train error "
        f"{u_train[units]:.1%}, dev error {u_dev[units]:.1%}{mark}"
    )

# %% [markdown]
# ## 5. Error against training-set size: learning curves
#
# The other fix for variance is more data. We take the three-layer network with
# 16 units per layer (no regularization; it overfits the 200 points) and train it on
# fewer or more fresh points from the same noisy moons, measuring both errors on the same
# dev set.

# %%
curve_train, curve_dev = {M_TRAIN: u_train[CURVE_UNITS]}, {M_TRAIN: u_dev[CURVE_UNITS]}
for m in TRAIN_SIZES:
    x_m, y_m, _ = noisy_moons(m, seed=20_000 + lesson.seed)
    model = train((CURVE_UNITS,) * len(BIG_NET), regularizer=None, x=x_m, y=y_m)
    curve_train[m], curve_dev[m] = error(model, x_m, y_m), error(model, x_dev, y_dev)
sizes = sorted(curve_train)
for m in sizes:
    print(
        f"{CURVE_UNITS}×{len(BIG_NET)} network on {m:>4} points: "
        f"train error {curve_train[m]:.1%}, dev error {curve_dev[m]:.1%}"
    )

# %%
fig, (ax_u, ax_m) = plt.subplots(1, 2, figsize=(12, 4.4), sharey=True)
params = [size[units] for units in capacity]
ax_u.plot(
    params,
    [100 * u_train[u] for u in capacity],
    "o-",
    color=plotting.color("train"),
    label="train error",
)
ax_u.plot(
    params, [100 * u_dev[u] for u in capacity], "s-", color=plotting.color("dev"), label="dev error"
)
ax_u.plot(
    size[sweet],
    100 * u_dev[sweet],
    "*",
    ms=18,
    color=plotting.color("black"),
    label=f"lowest dev error: {sweet} units per layer",
)
ax_u.set_xscale("log")
ax_u.set_xlim(min(params) / 2, max(params) * 2)  # the end points off the axis lines
network_axis = ax_u.secondary_xaxis("top")  # the networks' names above the plot, off the data
network_axis.set_xticks(
    params, ["logistic\nregression" if u == 0 else f"{u}×{len(BIG_NET)}" for u in capacity]
)
network_axis.minorticks_off()
network_axis.tick_params(labelsize=8)
ax_u.set_xlabel("parameters (log scale); on top: units × hidden layers")
ax_u.set_ylabel("error (%)")
ax_u.set_title("Capacity: bias falls, variance grows")
ax_m.plot(
    sizes,
    [100 * curve_train[m] for m in sizes],
    "o-",
    color=plotting.color("train"),
    label="train error",
)
ax_m.plot(
    sizes, [100 * curve_dev[m] for m in sizes], "s-", color=plotting.color("dev"), label="dev error"
)
ax_m.set_xscale("log")
ax_m.set_xlabel("training examples m (log scale)")
ax_m.set_title(f"More data: the {CURVE_UNITS}×{len(BIG_NET)} network's gap closes")
for ax in (ax_u, ax_m):
    ax.axhline(
        100 * BAYES_ERROR,
        color=plotting.color("reference"),
        ls="--",
        lw=1,
        label=f"Bayes error ({BAYES_ERROR:.0%})",
    )
    ax.set_ylim(-2, None)
ax_m.set_xticks(sizes, [str(m) for m in sizes])
ax_m.set_xlim(min(sizes) / 1.5, max(sizes) * 1.5)  # the end points off the axis lines
ax_m.minorticks_off()
fig.legend(*ax_u.get_legend_handles_labels(), loc="outside lower center", ncols=4)
fig.suptitle(
    f"Noisy moons, {LABEL_FLIP:.0%} labels flipped; dev error on {M_DEV:,} points",
    fontweight="bold",
)
lesson.savefig(fig, "capacity_and_data")

# %% [markdown]
# Left: the **U-curve**. Logistic regression (left end) has train and dev error both far
# above the Bayes error: high bias. As the network grows, the training error keeps
# falling — below the Bayes error for the biggest ones, which memorise flipped labels —
# while the dev error first falls and then rises again: high variance. The star marks the
# sweet spot on this data; regularization (L2, section 2) lets the biggest network work
# as well as it. Right: **learning curves** of the 16×3 network. With few points it fits
# them all (train error near 0) and generalizes badly; with more data it can no longer
# memorise, its training error rises towards the Bayes error, its dev error falls, and
# the gap — the variance — closes. The high-bias model would not be helped the same way:
# its two errors are already close, and more data cannot bring them down to 10%.
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
