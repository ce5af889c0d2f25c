"""Neighbour search: the clustered (approximate) search against the exact one, on MUV.

MetaLinkClassifier's neighbour estimate takes, for each row, the 500 fit rows most similar
to it (Tanimoto on the fingerprint bits) and chooses its 25 neighbours among them by their
labels. With 20,000 fit rows or more (``APPROXIMATE_MIN_ROWS``) those 500 are searched
among the rows of the row's most similar clusters only; below, among all fit rows. This
script measures what the clustered search costs and gains on MUV (93k rows x 17 tasks,
ECFP4-2048 bits), the data set where it applies:

* speed: rows per second of the candidate search, exact and clustered, on the scored rows;
  the seconds of the clustered search of fit (every fit row among the others), measured
  whole, and of the exact one, derived from its rows per second;
* recall: the share of a row's exact 500 (and 25) most similar fit rows that the clustered
  search finds (counted by similarity, so ties do not count as misses);
* accuracy: the macro ROC-AUC on the scored rows of the label-agreement k-NN estimate
  alone (``LabelNeighbours.proba``: k = 25 of 500, the estimate MetaLinkClassifier takes as
  input) from the exact and from the clustered candidates, in the three protocols of
  ``bench_relational.py`` (r=0, r=0.5, tasks).

Chemprop-style balanced scaffold split 80/10/10 per seed; ``--split valid`` (the default)
fits on train and scores validation, never test. One torch thread.

    python benchmarks/bench_neighbour_search.py --seeds 0

Writes ``results/neighbour_search.json``.
"""

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from bench_relational import PROTOCOLS, protocol_masks
from common import SHARED_DATA
from sklearn_metalink.chem import MorganFingerprint, ScaffoldSplit
from sklearn_metalink.datasets import load_muv
from sklearn_metalink.estimators import _retrieval
from sklearn_metalink.metrics import masked_roc_auc_score

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "neighbour_search.json"
N_NEIGHBORS, N_CANDIDATES = 25, 500


def timed(function):
    start = time.perf_counter()
    out = function()
    return out, time.perf_counter() - start


def recall(exact, approximate, k):
    """Mean share of each row's k most similar rows (by similarity) that ``approximate``
    finds: its rows at least as similar as the exact k-th."""
    kth = -np.sort(-exact, axis=1)[:, k - 1:k]
    return float(np.mean(np.minimum((approximate >= kth).sum(axis=1), k) / k))


def run_seed(X, Y, smiles, seed, split_name):
    train, valid, test = ScaffoldSplit(random_state=seed).train_valid_test(smiles)
    fit_rows, scored = (np.concatenate([train, valid]), test) if split_name == "test" else (train, valid)
    clustered, build_seconds = timed(
        lambda: _retrieval.LabelNeighbours(X[fit_rows], Y[fit_rows], N_NEIGHBORS, N_CANDIDATES))
    assert clustered.index.cluster is not None
    exact = _retrieval.LabelNeighbours.__new__(_retrieval.LabelNeighbours)
    vars(exact).update(vars(clustered))
    exact.index = _retrieval.NeighbourIndex.__new__(_retrieval.NeighbourIndex)
    vars(exact.index).update(vars(clustered.index), cluster=None)  # every fit row compared
    Xs = X[scored]
    found = {}
    record = dict(seed=seed, split=split_name, fit_rows=len(fit_rows), scored_rows=len(scored),
                  clusters=int(len(clustered.index.centres)), cluster_build_seconds=build_seconds)
    for name, neighbours in (("exact", exact), ("clustered", clustered)):
        found[name], seconds = timed(lambda: neighbours.candidates(Xs))
        record[f"{name}_rows_per_second"] = len(scored) / seconds
    record["recall_500"] = recall(found["exact"][1], found["clustered"][1], N_CANDIDATES)
    record["recall_25"] = recall(found["exact"][1], found["clustered"][1], N_NEIGHBORS)
    _, seconds = timed(lambda: clustered.candidates(X[fit_rows], exclude=np.arange(len(fit_rows))))
    record["clustered_fit_search_seconds"] = seconds
    record["exact_fit_search_seconds_derived"] = len(fit_rows) / record["exact_rows_per_second"]
    for protocol in PROTOCOLS:
        visible, target = protocol_masks(Y[scored], protocol, seed)
        for name in ("exact", "clustered"):
            P = clustered.proba(found[name], visible)
            record[f"roc_auc_{name}|{protocol}"] = masked_roc_auc_score(target, P)
    print(json.dumps(record), flush=True)
    return record


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--split", default="valid", choices=("valid", "test"))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(1)
    smiles, Y = load_muv(data_home=SHARED_DATA, return_X_y=True)
    X = MorganFingerprint(radius=2, n_bits=2048, invalid="partial").fit_transform(smiles)
    records = [run_seed(X, np.asarray(Y, dtype=float), smiles, seed, args.split) for seed in args.seeds]
    args.out.write_text(json.dumps(dict(
        records=records,
        meta=dict(protocol=__doc__.split("\n\n")[1].replace("\n", " "),
                  n_neighbors=N_NEIGHBORS, n_candidates=N_CANDIDATES,
                  probe_rows=_retrieval._PROBE_CANDIDATES * N_CANDIDATES,
                  torch=torch.__version__, python=platform.python_version(),
                  date=time.strftime("%Y-%m-%d"),
                  machine="2 cores shared with other jobs (busy), one torch thread"),
    ), indent=1) + "\n")


if __name__ == "__main__":
    main()
