"""Relational benchmark: MetaLinkClassifier against random-forest baselines.

Same run, same splits, same hidden entries for every model. Per data set and seed:
chemprop-style balanced scaffold split 80/10/10 (train and validation tenths are both
fitted on; MetaLink holds out its own random tenth for early stopping), ECFP4-2048 bits.
Each known label of a test row is shown as context with probability r; the score is
the macro ROC-AUC over the hidden known entries.

    python benchmarks/bench_relational.py                  # Tox21 and SIDER, seeds 0-2
    python benchmarks/bench_relational.py --datasets tox21 --seeds 0

Writes ``benchmarks/results/relational.json`` and ``relational.png``.
"""

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import sklearn
import torch

from baselines import RandomForestPerTask, RandomForestWithLabels
from common import hide_labels, summarize
from sklearn_metalink import MetaLinkClassifier
from sklearn_metalink.chem import MorganFingerprint, ScaffoldSplit
from sklearn_metalink.datasets import load_sider, load_tox21, load_toxcast
from sklearn_metalink.metrics import masked_roc_auc_score

HERE = Path(__file__).resolve().parent
SHARED_DATA = HERE.parents[1] / "shared" / "data"
LOADERS = {
    "tox21": load_tox21,
    "toxcast": load_toxcast,
    "sider": lambda **kw: load_sider(data_home=SHARED_DATA, **kw),
}
MODELS = {
    "MetaLinkClassifier": lambda seed: MetaLinkClassifier(random_state=seed),
    "RandomForestPerTask": lambda seed: RandomForestPerTask(random_state=seed),
    "RandomForestWithLabels": lambda seed: RandomForestWithLabels(random_state=seed),
}
RATIOS = (0.0, 0.5)


def run(datasets, seeds, models):
    records = []
    for name in datasets:
        smiles, Y = LOADERS[name](return_X_y=True)
        X = MorganFingerprint(radius=2, n_bits=2048, invalid="partial").fit_transform(smiles)
        X = X.astype(np.float32)
        for seed in seeds:
            train, valid, test = ScaffoldSplit(random_state=seed).train_valid_test(smiles)
            fit_rows = np.concatenate([train, valid])
            for model_name in models:
                model = MODELS[model_name](seed)
                start = time.perf_counter()
                model.fit(X[fit_rows], Y[fit_rows])
                fit_seconds = time.perf_counter() - start
                for r in RATIOS:
                    visible, target = hide_labels(Y[test], r, seed=1000 + seed)
                    P = model.predict_proba(X[test], Y=visible)
                    records.append(
                        dict(dataset=name, seed=seed, model=model_name, r=r,
                             roc_auc=masked_roc_auc_score(target, P), fit_seconds=fit_seconds)
                    )
                    print(json.dumps(records[-1]), flush=True)
    return records


def plot(summary, datasets, models, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_auc, ax_time) = plt.subplots(1, 2, figsize=(12, 4.5))
    groups = [(d, r) for d in datasets for r in RATIOS]
    width = 0.8 / len(models)
    for i, model in enumerate(models):
        stats = [summary[f"{d}|{model}|r={r}"] for d, r in groups]
        ax_auc.bar(np.arange(len(groups)) + i * width, [s["roc_auc_mean"] for s in stats], width,
                   yerr=[s["roc_auc_std"] for s in stats], label=model, capsize=3)
        times = [summary[f"{d}|{model}|r={RATIOS[0]}"]["fit_seconds_mean"] for d in datasets]
        ax_time.bar(np.arange(len(datasets)) + i * width, times, width, label=model)
    ax_auc.set_xticks(np.arange(len(groups)) + 0.4 - width / 2, [f"{d}\nr={r}" for d, r in groups])
    ax_auc.set_ylim(0.5, 0.9)
    ax_auc.set_ylabel("ROC-AUC on hidden test entries (scaffold split)")
    ax_auc.legend(fontsize=8, loc="upper left")
    ax_time.set_xticks(np.arange(len(datasets)) + 0.4 - width / 2, datasets)
    ax_time.set_ylabel("fit time (s), 2 CPU cores")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["tox21", "sider"], choices=list(LOADERS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--out", default=str(HERE / "results" / "relational"))
    args = parser.parse_args()

    records = run(args.datasets, args.seeds, args.models)
    summary = summarize(records, key=lambda rec: f"{rec['dataset']}|{rec['model']}|r={rec['r']}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = dict(
        protocol="balanced scaffold split 80/10/10 (fit on train+valid), ECFP4-2048, "
        "each known test label visible with probability r, macro ROC-AUC on hidden entries",
        torch=torch.__version__, sklearn=sklearn.__version__, python=platform.python_version(),
        threads=torch.get_num_threads(), date=time.strftime("%Y-%m-%d"),
    )
    out.with_suffix(".json").write_text(
        json.dumps(dict(meta=meta, summary=summary, records=records), indent=1)
    )
    plot(summary, args.datasets, args.models, out.with_suffix(".png"))
    for key, s in summary.items():
        print(f"{key:50s} {s['roc_auc_mean']:.3f} ± {s['roc_auc_std']:.3f}  fit {s['fit_seconds_mean']:.1f}s")


if __name__ == "__main__":
    main()
