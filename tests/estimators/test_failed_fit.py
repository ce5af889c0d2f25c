"""A failed or interrupted fit never leaves a broken model behind."""

import numpy as np
import pytest
from skorch.callbacks import Callback
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from sklearn_metalink import MetaLinkClassifier, TaskGraphClassifier

SMALL = {
    "metalink": lambda **kw: MetaLinkClassifier(hidden=8, max_epochs=3, random_state=0, **kw),
    "task_graph": lambda **kw: TaskGraphClassifier(
        hidden=8, task_hidden=8, max_epochs=3, random_state=0, **kw
    ),
}


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.rand(60, 4)
    return X, (rng.rand(60, 5) > 0.5).astype(float)


class InterruptAt(Callback):
    """Raises KeyboardInterrupt, as Ctrl-C would, in the given epoch (1-based)."""

    def __init__(self, epoch, when="on_batch_end"):
        self.epoch, self.when = epoch, when

    def on_batch_end(self, net, **kwargs):
        if self.when == "on_batch_end" and len(net.history) == self.epoch:
            raise KeyboardInterrupt

    def on_train_end(self, net, **kwargs):
        if self.when == "on_train_end":
            raise KeyboardInterrupt


@pytest.mark.parametrize("make", SMALL.values(), ids=SMALL)
def test_failed_refit_with_a_multiclass_target_keeps_the_fitted_model(make, data):
    X, Y = data
    model = make().fit(X, Y)
    before = model.predict_proba(X)
    with pytest.raises(ValueError, match="got 3 class"):
        model.fit(X, np.random.RandomState(1).randint(0, 3, len(X)))
    np.testing.assert_array_equal(model.predict_proba(X), before)
    assert model.n_tasks_ == 5 and len(model.classes_) == 5


@pytest.mark.parametrize("make", SMALL.values(), ids=SMALL)
def test_failed_refit_with_other_features_and_no_label_keeps_the_fitted_model(make, data):
    X, Y = data
    model = make().fit(X, Y)
    before = model.predict_proba(X)
    with pytest.raises(ValueError, match="no known label"):
        model.fit(np.zeros((60, 7)), np.full((60, 2), np.nan))
    np.testing.assert_array_equal(model.predict_proba(X), before)
    assert model.n_features_in_ == 4


def test_failed_refit_in_a_hook_after_validation_keeps_the_fitted_model(data):
    X, Y = data
    model = SMALL["task_graph"]().fit(X, Y)
    before = model.predict_proba(X)
    with pytest.raises(ValueError, match="pos_weight must be"):
        model.set_params(pos_weight=[1.0, 2.0, 3.0]).fit(X[:, :3], Y[:, :2])
    np.testing.assert_array_equal(model.predict_proba(X), before)


def test_failed_first_fit_leaves_the_estimator_unfitted(data):
    X, _ = data
    model = SMALL["metalink"]()
    with pytest.raises(ValueError):
        model.fit(X, np.full((60, 2), np.nan))
    with pytest.raises(NotFittedError):
        model.predict_proba(X)


@pytest.mark.parametrize("make", SMALL.values(), ids=SMALL)
def test_interrupted_training_warns_and_records_the_completed_epochs(make, data):
    X, Y = data
    with pytest.warns(ConvergenceWarning, match="interrupted after 1 of max_epochs=3"):
        model = make(callbacks=[InterruptAt(epoch=2)]).fit(X, Y)
    assert model.n_epochs_ == 1
    P = model.predict_proba(X)
    assert np.all((P > 0) & (P < 1))


@pytest.mark.parametrize("make", SMALL.values(), ids=SMALL)
def test_a_complete_fit_records_every_epoch_without_warning(make, data):
    assert make().fit(*data).n_epochs_ == 3


def test_early_stopping_is_not_reported_as_an_interruption():
    rng = np.random.RandomState(0)
    X = rng.rand(200, 4)
    Y = (rng.rand(200, 3) > 0.5).astype(float)  # noise: the validation loss stalls at once
    model = MetaLinkClassifier(hidden=8, max_epochs=40, patience=1, lr=0.05, random_state=0)
    model.fit(X, Y)
    assert model.n_epochs_ < 40


def test_interrupt_after_training_leaves_the_previous_model(data):
    X, Y = data
    model = SMALL["metalink"]().fit(X, Y)
    before = model.predict_proba(X)
    with pytest.raises(KeyboardInterrupt):
        model.set_params(callbacks=[InterruptAt(epoch=None, when="on_train_end")]).fit(X, Y)
    np.testing.assert_array_equal(model.predict_proba(X), before)
