"""One relational GridSearchCV on Tox21, run sequentially twice, with n_jobs=2 and on dask.

Checks that the scores are identical across runs and backends (the relational scorer must
recompute the same hidden labels in every worker process) and times each backend.

    python benchmarks/bench_search_backends.py

Writes ``benchmarks/results/search_backends.json``.
"""

import json
import time
from pathlib import Path

import joblib
import numpy as np
from sklearn.model_selection import GridSearchCV

from sklearn_metalink import MetaLinkClassifier
from sklearn_metalink.chem import MorganFingerprint, ScaffoldKFold, murcko_scaffold
from sklearn_metalink.datasets import load_tox21
from sklearn_metalink.model_selection import RelationalKFold

HERE = Path(__file__).resolve().parent


def search(X, Y, groups, n_jobs):
    cv = RelationalKFold(ScaffoldKFold(3, shuffle=True, random_state=0), random_state=0)
    grid = GridSearchCV(
        MetaLinkClassifier(max_epochs=4, batch_size=256, random_state=0),
        {"hidden": [32, 128]},
        cv=cv,
        scoring=cv.scorer("roc_auc"),
        refit=False,
        n_jobs=n_jobs,
    )
    start = time.perf_counter()
    grid.fit(X, Y, groups=groups)
    scores = [grid.cv_results_[f"split{k}_test_score"].tolist() for k in range(3)]
    return dict(seconds=time.perf_counter() - start, split_scores=scores,
                best_params=grid.best_params_)


def main():
    from distributed import Client, LocalCluster

    smiles, Y = load_tox21(return_X_y=True)
    X = MorganFingerprint(invalid="partial").fit_transform(smiles).astype(np.float32)
    groups = [murcko_scaffold(s) for s in smiles]
    runs = {
        "n_jobs=1": search(X, Y, groups, 1),
        "n_jobs=1, again": search(X, Y, groups, 1),
        "n_jobs=2": search(X, Y, groups, 2),
    }
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster):
        with joblib.parallel_config(backend="dask"):
            runs["dask LocalCluster, 2 workers"] = search(X, Y, groups, -1)
    reference = runs["n_jobs=1"]["split_scores"]
    identical = all(r["split_scores"] == reference for r in runs.values())
    for name, r in runs.items():
        print(f"{name:32s} {r['seconds']:6.1f} s  best {r['best_params']}  {r['split_scores']}")
    print("identical scores across runs and backends:", identical)
    out = HERE / "results" / "search_backends.json"
    out.write_text(json.dumps(dict(identical=identical, runs=runs), indent=1))


if __name__ == "__main__":
    main()
