import numpy as np
import pytest
import torch
from skorch import NeuralNetRegressor
from skorch.callbacks import Callback, EarlyStopping
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from sklearn_metalink.estimators._averaging import AVERAGE_EPOCHS, WeightAverage


class Trajectory(Callback):
    """The module's weights after every training step, when each epoch's training begins
    and when each epoch ends."""

    def initialize(self):
        self.steps, self.epoch_starts, self.epoch_ends = [], [], []
        self._first = False
        return self

    def on_epoch_begin(self, net, **kwargs):
        self._first = True

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training and self._first:
            self.epoch_starts.append(_weights(net))
            self._first = False

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if training:
            self.steps.append(_weights(net))

    def on_epoch_end(self, net, **kwargs):
        self.epoch_ends.append(_weights(net))


def _weights(net):
    return torch.cat([p.detach().flatten() for p in net.module_.parameters()]).clone()


def _averages(steps, steps_per_epoch, epochs=AVERAGE_EPOCHS):
    """The documented rule, step by step: the first step's weights, then each step's with
    weight 1 - decay, decay = (1 + t) / (10 + t), capped at 1 - 1 / (epochs x steps per
    epoch) after the first epoch."""
    averages = [steps[0].double()]
    for t, weights in enumerate(steps[1:], start=2):
        decay = (1 + t) / (10 + t)
        if t > steps_per_epoch:
            decay = min(decay, 1 - 1 / (epochs * steps_per_epoch))
        averages.append(decay * averages[-1] + (1 - decay) * weights.double())
    return averages


def _net(max_epochs, valid, lr=0.05, callbacks=()):
    rng = np.random.RandomState(0)
    X = rng.randn(200, 5).astype(np.float32)
    y = (X @ rng.randn(5, 1) + rng.randn(200, 1)).astype(np.float32)
    torch.manual_seed(0)
    trajectory = Trajectory()
    net = NeuralNetRegressor(
        torch.nn.Linear(5, 1), lr=lr, batch_size=32, max_epochs=max_epochs,
        train_split=predefined_split(Dataset(X[:40], y[:40])) if valid else None,
        callbacks=[*callbacks, ("weight_average", WeightAverage()), ("trajectory", trajectory)],
    )
    net.fit(X[40:] if valid else X, y[40:] if valid else y)
    return net, trajectory, (X[:40], y[:40])


def test_without_validation_the_fitted_weights_are_the_moving_average_of_the_steps():
    net, trajectory, _ = _net(max_epochs=6, valid=False)
    steps_per_epoch = len(trajectory.steps) // 6  # 200 rows in batches of 32: 7 steps
    assert steps_per_epoch == 7
    expected = _averages(trajectory.steps, steps_per_epoch)[-1]
    torch.testing.assert_close(_weights(net).double(), expected, rtol=1e-5, atol=1e-6)
    assert not torch.allclose(_weights(net), trajectory.steps[-1])


def test_validation_sees_the_average_and_training_goes_on_from_the_raw_weights():
    net, trajectory, _ = _net(max_epochs=5, valid=True)
    steps_per_epoch = len(trajectory.steps) // 5
    averages = _averages(trajectory.steps, steps_per_epoch)
    for epoch, seen in enumerate(trajectory.epoch_ends[:-1]):
        last_step = (epoch + 1) * steps_per_epoch - 1
        # What the epoch's validation and end-of-epoch callbacks saw: the average ...
        torch.testing.assert_close(seen.double(), averages[last_step], rtol=1e-5, atol=1e-6)
        # ... while the next epoch trains on from the raw weights of its last step.
        torch.testing.assert_close(trajectory.epoch_starts[epoch + 1], trajectory.steps[last_step])


def test_early_stopping_restores_the_average_it_scored_best():
    stopper = EarlyStopping(patience=2, load_best=True)
    net, trajectory, (X_valid, y_valid) = _net(
        max_epochs=60, valid=True, lr=0.3, callbacks=[("early_stopping", stopper)]
    )
    losses = net.history[:, "valid_loss"]
    best = stopper.best_epoch_ - 1
    assert best < len(losses) - 1  # stopped early, and restored an earlier epoch
    torch.testing.assert_close(_weights(net), trajectory.epoch_ends[best])
    # The restored model's loss on the validation rows is the best one in the history.
    with torch.no_grad():
        loss = torch.nn.functional.mse_loss(net.module_(torch.from_numpy(X_valid)),
                                            torch.from_numpy(y_valid))
    assert float(loss) == pytest.approx(losses[best], rel=1e-5)
