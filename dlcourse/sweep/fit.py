"""Members trained by their own `fit` (layers or settings the stacked engine lacks)."""

import keras


class FitGroup:
    """Members trained one by one with `model.fit` on the same batches."""

    def __init__(self, models, reason, batch_size):
        self.models = models
        self.size = len(models)
        self.reason = reason
        self.batch_size = batch_size

    def fit(self, x, y, epochs, validation, order_for, on_epochs):
        histories = []
        shuffle = order_for is not None and self.batch_size < len(x)
        for model in self.models:
            progress = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: on_epochs(1))
            common = dict(
                batch_size=self.batch_size,
                validation_data=validation,
                verbose=0,
                callbacks=[progress],
                shuffle=False,
            )
            if not shuffle:
                history = model.fit(x, y, epochs=epochs, **common).history
            else:  # one call per epoch, so the batches follow the sweep's order
                history = {}
                for epoch in range(epochs):
                    order = order_for(epoch)
                    logs = model.fit(x[order], y[order], epochs=1, **common).history
                    for name, values in logs.items():
                        history.setdefault(name, []).extend(values)
            histories.append({name: [float(v) for v in values] for name, values in history.items()})
        return histories

    def evaluate(self, x, y, batch_size):
        return [
            {
                name: float(value)
                for name, value in model.evaluate(
                    x, y, batch_size=batch_size, verbose=0, return_dict=True
                ).items()
            }
            for model in self.models
        ]


class Progress:
    """One progress bar over all members' epochs (verbose=1), or nothing."""

    def __init__(self, total, verbose):
        self.bar = keras.utils.Progbar(total, unit_name="member-epoch") if verbose else None
        self.done = 0

    def __call__(self, count):
        self.done += count
        if self.bar is not None:
            self.bar.update(self.done)
