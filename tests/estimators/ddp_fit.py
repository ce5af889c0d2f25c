"""Fit DistributedMetaLinkClassifier on a Tox21 subset; run by torchrun from test_distributed.py.

    python -m torch.distributed.run --standalone --nproc_per_node 2 ddp_fit.py OUT_DIR
"""

import json
import sys
from pathlib import Path

import numpy as np

from sklearn_metalink import DistributedMetaLinkClassifier
from sklearn_metalink.chem import MorganFingerprint
from sklearn_metalink.datasets import load_tox21
from sklearn_metalink.persistence import save_model

N_FIT, N_TEST = 2000, 600
PARAMS = dict(hidden=64, max_epochs=6, n_threads=1, random_state=0)


def tox21_subset():
    """Fingerprints and labels of the first N_FIT + N_TEST Tox21 rows, split in two."""
    smiles, Y = load_tox21(return_X_y=True)
    X = MorganFingerprint(invalid="partial").fit_transform(smiles[: N_FIT + N_TEST])
    Y = np.asarray(Y, dtype=float)[: N_FIT + N_TEST]
    return X[:N_FIT], Y[:N_FIT], X[N_FIT:], Y[N_FIT:]


def main(out):
    from accelerate import PartialState

    X, Y, X_test, _ = tox21_subset()
    model = DistributedMetaLinkClassifier(**PARAMS).fit(X, Y)
    state = PartialState()  # the process group the fit joined
    np.save(out / f"proba_{state.process_index}.npy", model.predict_proba(X_test))
    if state.is_main_process:
        save_model(model, out / "model.safetensors")
        facts = dict(
            n_processes=state.num_processes,
            train_batches_per_epoch=sum(
                "train_loss" in batch for batch in model.net_.history[-1]["batches"]
            ),
            n_epochs=model.n_epochs_,
        )
        (out / "facts.json").write_text(json.dumps(facts))
    state.wait_for_everyone()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
