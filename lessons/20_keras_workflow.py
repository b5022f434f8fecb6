"""Lesson 20 — Keras in three steps (Hung-yi Lee): define, judge, pick — then evaluate, predict, save.

Builds Lee's 500-500 network as a `keras.Sequential` model on the digits, compiles it
with cross-entropy, fits it with `batch_size=100, epochs=20`, evaluates and predicts,
saves it with `model.save` and reloads it with `keras.models.load_model` (the reloaded
model predicts identically). Ends with the Keras 1 → 2 → 3 renames you meet in old
notes, each old spelling tried against the installed Keras.

Claim: a reloaded model predicts identically; test accuracy on the digits ≥ 95%.

Run it:
    python lessons/20_keras_workflow.py            # full mode, figures in out/20_keras_workflow/
    python lessons/20_keras_workflow.py --quick    # the small budget the tests use
"""

# %% [markdown]
# # Keras in three steps
#
# Hung-yi Lee sums up deep learning as three steps, and Keras has one call for each:
#
# 1. **Define a set of functions** — the network architecture. Every choice of weights
#    is one function; the architecture is the set. In Keras: a `Sequential` model.
# 2. **Goodness of a function** — a loss that says how bad one function is on the
#    training data. For classification: cross-entropy. In Keras: `model.compile(loss=...)`.
# 3. **Pick the best function** — gradient descent (here Adam) on the loss over
#    mini-batches. In Keras: `model.fit(x, y, batch_size=100, epochs=20)`.
#
# Then `model.evaluate` (loss and accuracy on data it has not seen), `model.predict`
# (class probabilities), and `model.save` / `keras.models.load_model` to keep it.
#
# Lee's example was MNIST (28×28 → 500 → 500 → 10). We use the same network on
# scikit-learn's 8×8 digits (64 inputs), which need no download. His first slide uses
# sigmoid hidden units; his "Tips for training DNN" replace them with ReLU, which is
# what we do here (set `ACTIVATION = "sigmoid"` to see why).

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

from dlcourse import datasets, plotting
from dlcourse.lesson import start

lesson = start("20_keras_workflow", title="Keras in three steps: define, judge, pick")

HIDDEN_UNITS = 500  # Lee's two hidden layers of 500 units
ACTIVATION = "relu"  # Lee's first slide: "sigmoid"; his tips: ReLU
BATCH_SIZE = 100  # Lee's fit(batch_size=100, ...)
EPOCHS = 20  # Lee's nb_epoch=20 (epochs=20 since Keras 2)
NUM_CLASSES = 10
SKLEARN_SVC_ACCURACY = 0.97  # scikit-learn's digits example: RBF SVC, γ = 0.001

# %% [markdown]
# ## The data
#
# `datasets.load_digits()` gives flat 64-pixel vectors scaled to [0, 1] and a stratified
# 60/20/20 split. Lee's `categorical_crossentropy` wants one-hot labels, which
# `keras.utils.to_categorical` makes (Keras 1: `np_utils.to_categorical`).

# %%
data = datasets.load_digits(seed=lesson.seed)
x_train, x_dev, x_test = data.x_train, data.x_dev, data.x_test
y_train = keras.utils.to_categorical(data.y_train, NUM_CLASSES)  # (m, 10) one-hot
y_dev = keras.utils.to_categorical(data.y_dev, NUM_CLASSES)
y_test = keras.utils.to_categorical(data.y_test, NUM_CLASSES)
print(f"x_train {x_train.shape}, y_train {y_train.shape}; dev {x_dev.shape}; test {x_test.shape}")

# %% [markdown]
# ## Step 1: define a set of functions

# %%
model = keras.Sequential(
    [
        keras.Input(shape=(64,)),
        keras.layers.Dense(units=HIDDEN_UNITS, activation=ACTIVATION),
        keras.layers.Dense(units=HIDDEN_UNITS, activation=ACTIVATION),
        keras.layers.Dense(units=NUM_CLASSES, activation="softmax"),
    ],
    name="lee_500_500",
)
model.summary()

# %% [markdown]
# ## Step 2: goodness of function — cross-entropy
#
# `compile` fixes the loss (and the optimizer of step 3, and the metrics to report).
# `steps_per_execution` is not part of the math: it lets Keras run several mini-batch
# steps per call into TensorFlow, which for a model this small is most of the time saved
# (see "Training fast on a CPU" in the README).

# %%
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"],
              steps_per_execution=32)

# %% [markdown]
# ## Step 3: pick the best function
#
# Mini-batches of 100 examples, 20 passes over the training set. `validation_data`
# reports the dev-set loss and accuracy after every epoch (it is never trained on).

# %%
history = model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=EPOCHS,
                    validation_data=(x_dev, y_dev), verbose=0)

fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 3.9))
plotting.plot_history(ax_loss, history, metric="loss", log=True,
                      title="Cross-entropy loss (log scale)")
plotting.plot_history(ax_acc, history, metric="accuracy", title="Accuracy")
ax_loss.set_ylabel("categorical cross-entropy")
ax_acc.set_ylabel("accuracy")
ax_acc.axhline(SKLEARN_SVC_ACCURACY, color=plotting.color("reference"), ls="--", lw=1,
               label="scikit-learn RBF SVC (0.97, its own split)")
ax_acc.legend()
for ax in (ax_loss, ax_acc):
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
fig.suptitle(f"fit(batch_size={BATCH_SIZE}, epochs={EPOCHS}): 64 → {HIDDEN_UNITS} → "
             f"{HIDDEN_UNITS} → 10, {ACTIVATION}, Adam", fontweight="bold")
lesson.savefig(fig, "history")

# %% [markdown]
# The training loss keeps falling; the dev loss flattens after a few epochs and the dev
# accuracy levels off in the high 90s. With 20 epochs we are not yet far into
# overfitting, but the gap between the two loss curves is the variance of lesson 10.
#
# ## Evaluate and predict
#
# `evaluate` returns the loss and the metrics on the test set; `predict` returns the
# softmax probabilities, one row per example. Keras 1 had `predict_classes`; today the
# class is the `argmax` of `predict`.

# %%
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
probabilities = model.predict(x_test, verbose=0)  # (m, 10), rows sum to 1
predicted = np.argmax(probabilities, axis=-1)  # Keras 1: model.predict_classes(x_test)
print(f"test loss {test_loss:.4f}, test accuracy {test_accuracy:.4f} "
      f"(argmax of predict agrees: {np.mean(predicted == data.y_test):.4f})")
print(f"scikit-learn's digits example (RBF SVC, γ = 0.001, first half / second half): "
      f"{SKLEARN_SVC_ACCURACY:.2f}  — our net, stratified 60/20/20 split: {test_accuracy:.3f}")
lesson.claim("test accuracy on the digits after fit(batch_size=100, epochs=20)",
             test_accuracy, target=">= 0.95", holds=test_accuracy >= 0.95)

# %% [markdown]
# ## Save and load
#
# `model.save("name.keras")` writes one zip file with the architecture, the weights and
# the compile settings (optimizer state included). `keras.models.load_model` rebuilds
# the model; its predictions must be exactly the same.

# %%
lesson.out.mkdir(parents=True, exist_ok=True)
path = lesson.out / "lee_500_500.keras"
model.save(path)
reloaded = keras.models.load_model(path)
difference = float(np.max(np.abs(reloaded.predict(x_test, verbose=0) - probabilities)))
print(f"saved {path.name} ({path.stat().st_size / 1024:.0f} KiB); "
      f"max |reloaded − original| prediction = {difference}")
lesson.claim("reloaded model predicts identically on the test set (max |difference|)",
             difference, target="= 0", holds=difference == 0.0)

# %% [markdown]
# ## Old notes, new Keras: the renames
#
# Lee's slides (2016) were written for Keras 1. Keras 2 (2017) renamed most
# arguments; Keras 3 (2023) removed the old names and the `keras.layers.core` module.
#
# | Keras 1 (old notes) | Keras 2 | Keras 3 (today) |
# |---|---|---|
# | `Dense(output_dim=500)` | `Dense(units=500)` | `Dense(units=500)` or `Dense(500)` |
# | `Dense(500, input_dim=784)` as first layer | same | `keras.Input(shape=(784,))` first (`input_dim` only warns) |
# | `Dense(500, init="uniform")` | `kernel_initializer="uniform"` | `kernel_initializer="uniform"` |
# | `W_regularizer=l2(0.01)` | `kernel_regularizer=l2(0.01)` | `kernel_regularizer=keras.regularizers.L2(0.01)` |
# | `model.add(Activation("sigmoid"))` after `Dense` | same, or `Dense(500, activation="sigmoid")` | both work; `activation=` is usual |
# | `model.fit(x, y, nb_epoch=20)` | `model.fit(x, y, epochs=20)` | `epochs=20` |
# | `from keras.layers.core import Dense` | `from keras.layers import Dense` | `keras.layers.Dense` |
# | `Adam(lr=0.001)` | `Adam(learning_rate=0.001)` (`lr` deprecated) | `learning_rate=` only |
# | `model.predict_classes(x)` | deprecated, removed in TF 2.6 | `np.argmax(model.predict(x), axis=-1)` |
# | `np_utils.to_categorical(y, 10)` | `keras.utils.to_categorical(y, 10)` | `keras.utils.to_categorical(y, 10)` |
# | `Convolution2D(32, 3, 3)` | `Conv2D(32, (3, 3))` | `Conv2D(32, 3)` — the old call still runs but means `strides=3`! |
# | `MaxPooling2D(border_mode="same")` | `padding="same"` | `padding="same"` |
# | `model.save("model.h5")` | `.h5` or SavedModel | `model.save("model.keras")` |
#
# The cell below tries each Keras-1 spelling on the installed Keras and prints what
# happens, so the table is checked, not just remembered.

# %%
tiny = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
tiny.compile(loss="categorical_crossentropy")


def import_layers_core():
    import importlib

    return importlib.import_module("keras.layers.core")


OLD_SPELLINGS = {
    "Dense(output_dim=500)": lambda: keras.layers.Dense(output_dim=500),
    'Dense(500, init="uniform")': lambda: keras.layers.Dense(500, init="uniform"),
    "Dense(500, W_regularizer=None)": lambda: keras.layers.Dense(500, W_regularizer=None),
    "model.fit(x, y, nb_epoch=1)": lambda: tiny.fit(np.zeros((4, 4)), np.zeros((4, 2)),
                                                   nb_epoch=1, verbose=0),
    "import keras.layers.core": import_layers_core,
    "Adam(lr=0.001)": lambda: keras.optimizers.Adam(lr=0.001),
    "model.predict_classes(x)": lambda: tiny.predict_classes(np.zeros((4, 4))),
    "keras.utils.np_utils": lambda: keras.utils.np_utils,
    'MaxPooling2D(border_mode="same")': lambda: keras.layers.MaxPooling2D(border_mode="same"),
    'Activation("sigmoid") layer': lambda: keras.layers.Activation("sigmoid"),
    "Convolution2D(32, 3, 3)": lambda: keras.layers.Convolution2D(32, 3, 3),
}

print(f"Keras {keras.__version__}:")
for spelling, attempt in OLD_SPELLINGS.items():
    try:
        result = attempt()
    except Exception as error:  # we want to see exactly what the old spelling does
        outcome = f"{type(error).__name__}: {str(error).splitlines()[0][:70]}"
    else:
        outcome = f"runs -> {type(result).__name__}"
        if hasattr(result, "strides"):
            outcome += f" with kernel_size={result.kernel_size}, strides={result.strides}"
    print(f"  {spelling:<34} {outcome}")

# %% [markdown]
# Most old names fail loudly, which is the good case: the error names the argument. The
# dangerous one is `Convolution2D(32, 3, 3)`: Keras 1 read it as 32 filters of 3×3;
# Keras 3 still accepts the old class name but reads the third number as the stride.
#
# ## What to remember
#
# - Three steps, three calls: `Sequential([...])` defines the function set,
#   `compile(loss="categorical_crossentropy", optimizer=...)` defines goodness,
#   `fit(x, y, batch_size=100, epochs=20)` picks the best function.
# - `evaluate` for test loss and accuracy, `argmax(predict(x))` for classes,
#   `model.save("x.keras")` and `keras.models.load_model("x.keras")` to keep a model.
# - Reading old notes: `output_dim` → `units`, `nb_epoch` → `epochs`, `init` →
#   `kernel_initializer`, `lr` → `learning_rate`, `keras.layers.core.Dense` →
#   `keras.layers.Dense`, `predict_classes` → `argmax(predict)`.

# %%
lesson.finish()
