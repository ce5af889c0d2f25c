"""DistributedMetaLinkClassifier: one MetaLink fit data-parallel across processes.

The engine is skorch's ``AccelerateMixin`` (Hugging Face Accelerate, torch DDP underneath):
launched by ``accelerate launch`` or ``torchrun``, every process runs the same script on
the same data; the training batches are sharded across them and the gradients averaged.
Outside a launcher (one process) it trains as :class:`MetaLinkClassifier` does.
"""

import torch
from skorch import NeuralNet
from skorch.hf import AccelerateMixin
from sklearn.utils._param_validation import StrOptions

from ._metalink import MetaLinkClassifier


class DistributedMetaLinkClassifier(MetaLinkClassifier):
    """:class:`MetaLinkClassifier` trained data-parallel by Hugging Face Accelerate.

    Run the same script in every process (``accelerate launch`` or ``torchrun``, see the
    scaling guide). Each training epoch is split across the processes, which average their
    gradients (DDP; gloo on CPU, NCCL on GPUs), so an epoch takes about 1/n of the time on
    n devices. Validation for early stopping runs on every process on all validation rows,
    so all processes stop at the same epoch. After training, the stored support states of
    process 0 are sent to the others: every process then holds the same model and can
    predict or save it (save on one process, e.g. when ``PartialState().is_main_process``).

    The fitted model is an ordinary fitted :class:`MetaLinkClassifier` in all but its
    class: it pickles, saves with :func:`~sklearn_metalink.persistence.save_model` and
    predicts without Accelerate or a launcher.

    Parameters
    ----------
    mixed_precision : {"no", "fp16", "bf16"}, default="no"
        Accelerate's automatic mixed precision on GPUs (``"bf16"`` also on recent CPUs).
    hidden, n_layers, ..., random_state
        As in :class:`MetaLinkClassifier`. ``batch_size`` is per process: the
        effective batch of a step is ``batch_size * n_processes``. ``device`` is chosen by
        Accelerate (each process its own GPU, or the CPU) and must stay ``"cpu"``, the
        default, whose meaning here is "let Accelerate choose".

    Examples
    --------
    In one process (no launcher) this trains like MetaLinkClassifier; the same script under
    ``torchrun --nproc_per_node 2 script.py`` trains on two processes.

    >>> import numpy as np
    >>> from sklearn_metalink import DistributedMetaLinkClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = (rng.rand(200, 64) < 0.1).astype(np.uint8)
    >>> Y = (X[:, :3] > 0).astype(float)
    >>> clf = DistributedMetaLinkClassifier(hidden=16, max_epochs=2, random_state=0)
    >>> clf.fit(X, Y).predict_proba(X[:2]).shape
    (2, 3)
    """

    _parameter_constraints = {
        **MetaLinkClassifier._parameter_constraints,
        "mixed_precision": [StrOptions({"no", "fp16", "bf16"})],
    }

    def __init__(
        self,
        *,
        hidden=256,
        n_layers=2,
        label_features=True,
        dropout=0.1,
        visible_ratio=0.5,
        support_size=128,
        task_nodes="learned",
        few_shot_tasks="auto",
        n_support_sets=1,
        n_neighbors=100,
        label_pairs=True,
        encoder="mlp",
        batch_size=128,
        max_epochs=40,
        lr=1e-3,
        weight_decay="auto",
        validation_fraction=0.1,
        patience=8,
        average_weights="auto",
        callbacks=None,
        verbose=0,
        device="cpu",
        n_threads=None,
        random_state=None,
        mixed_precision="no",
    ):
        super().__init__(
            hidden=hidden,
            n_layers=n_layers,
            label_features=label_features,
            dropout=dropout,
            visible_ratio=visible_ratio,
            support_size=support_size,
            task_nodes=task_nodes,
            few_shot_tasks=few_shot_tasks,
            n_support_sets=n_support_sets,
            n_neighbors=n_neighbors,
            label_pairs=label_pairs,
            encoder=encoder,
            batch_size=batch_size,
            max_epochs=max_epochs,
            lr=lr,
            weight_decay=weight_decay,
            validation_fraction=validation_fraction,
            patience=patience,
            average_weights=average_weights,
            callbacks=callbacks,
            verbose=verbose,
            device=device,
            n_threads=n_threads,
            random_state=random_state,
        )
        self.mixed_precision = mixed_precision

    def _build_net(self, X, Y, train, valid, collates):
        from accelerate import Accelerator
        from accelerate.utils import DistributedDataParallelKwargs

        if str(self.device) != "cpu":
            raise ValueError(
                "DistributedMetaLinkClassifier leaves the device to Accelerate (each process "
                f"its own GPU when there are GPUs); keep device='cpu', got {self.device!r}"
            )
        net = super()._build_net(X, Y, train, valid, collates)
        accelerator = Accelerator(
            # Without a GPU, the processes of a launch train on CPUs over gloo.
            cpu=not torch.cuda.is_available(),
            mixed_precision=self.mixed_precision,
            # skorch steps the cosine schedule once per epoch; Accelerate would otherwise
            # step it once per process, ending the schedule after max_epochs / n epochs.
            step_scheduler_with_optimizer=False,
            # Label-feature or neighbour parameters may miss a step's graph (no visible
            # label in a batch): DDP must not wait for their gradients.
            kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=True)],
        )
        params = dict(
            net.get_params(deep=False), accelerator=accelerator, device=None,
            # skorch's PrintLog prints through any sink but print whatever verbose says.
            callbacks__print_log__sink=accelerator.print if self.verbose else print,
        )
        return _AcceleratedNet(**params)

    def _after_training(self, X, Y, rng, prepared):
        self.net_ = _plain_net(self.net_)
        super()._after_training(X, Y, rng, prepared)
        # The support sets are drawn after the episodes, from a generator whose draws depend
        # on each process's batches: process 0's states become everyone's.
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            states = self.net_.module_.stored_task_states
            torch.distributed.broadcast(states, src=0)


class _AcceleratedNet(AccelerateMixin, NeuralNet):
    """skorch's accelerated NeuralNet with unsharded validation and inference: every
    process scores all validation rows (the same loss everywhere, hence the same early
    stop) and predicts all the rows it is given."""

    def _initialize_accelerator(self):
        # The loss has no parameters, and DDP refuses to wrap a module without any.
        criteria, self._criteria = self._criteria, []
        try:
            return super()._initialize_accelerator()
        finally:
            self._criteria = criteria

    def get_iterator(self, dataset, training=False):
        if training:
            return super().get_iterator(dataset, training=True)
        return NeuralNet.get_iterator(self, dataset, training=False)

    def evaluation_step(self, batch, training=False):
        return NeuralNet.evaluation_step(self, batch, training=training)


def _plain_net(net):
    """The trained net as a plain skorch ``NeuralNet`` on the device Accelerate chose:
    picklable, and free of the process group."""
    params = net.get_params(deep=False)
    del params["accelerator"], params["unwrap_after_train"]
    device = net.accelerator.device
    plain = NeuralNet(**dict(params, device=device)).initialize()
    plain.module_ = net.module_
    plain.history = net.history
    return plain
