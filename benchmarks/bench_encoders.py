"""Encoder benchmark: fingerprint MLP against the D-MPNN inside MetaLinkClassifier.

Same split, same hidden entries, same estimator settings (the defaults) for both encoders;
only ``encoder`` and the featurizer differ. Per data set and seed: balanced scaffold split
80/10/10 (fitted on train + validation), each known label of a test row shown as context
with probability 0.5 (``RandomState(1000 + seed)``), score = macro ROC-AUC on the hidden
known entries. Molecules are featurized once per data set, outside the fit times.

    python benchmarks/bench_encoders.py                  # Tox21 and SIDER, seeds 0 1 2
    python benchmarks/bench_encoders.py --seeds 0

Records of an existing output JSON that a run does not redo (other seeds or data sets) are
kept, so seeds can be added one run at a time.

Writes ``benchmarks/results/encoders.json`` and ``encoders.png``.
"""

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import sklearn
import torch

from common import LOADERS, grouped_bars, hide_labels, merge, previous_results, summarize
from sklearn_metalink import MetaLinkClassifier
from sklearn_metalink.chem import MolecularGraphFeaturizer, MorganFingerprint, ScaffoldSplit
from sklearn_metalink.metrics import masked_roc_auc_score

HERE = Path(__file__).resolve().parent
LOADERS = {name: LOADERS[name] for name in ("tox21", "sider")}
# encoder name -> (featurizer, estimator settings)
ENCODERS = {
    "mlp": (MorganFingerprint(radius=2, n_bits=2048, invalid="partial"), dict(encoder="mlp")),
    "mpnn": (MolecularGraphFeaturizer(invalid="partial"), dict(encoder="mpnn")),
}
VISIBLE_RATIO = 0.5


def featurize(smiles):
    features, seconds = {}, {}
    for name, (featurizer, _) in ENCODERS.items():
        start = time.perf_counter()
        features[name] = featurizer.fit_transform(smiles)
        seconds[name] = time.perf_counter() - start
    return features, seconds


def run(datasets, seeds):
    records = []
    for dataset in datasets:
        smiles, Y = LOADERS[dataset](return_X_y=True)
        features, featurize_seconds = featurize(smiles)
        for seed in seeds:
            train, valid, test = ScaffoldSplit(random_state=seed).train_valid_test(smiles)
            fit_rows = np.concatenate([train, valid])
            visible, target = hide_labels(Y[test], VISIBLE_RATIO, seed=1000 + seed)
            for name, (_, settings) in ENCODERS.items():
                X = features[name]
                model = MetaLinkClassifier(random_state=seed, **settings)
                start = time.perf_counter()
                model.fit(X[fit_rows], Y[fit_rows])
                fit_seconds = time.perf_counter() - start
                P = model.predict_proba(X[test], Y=visible)
                epochs = len(model.net_.history)
                records.append(
                    dict(
                        dataset=dataset, seed=seed, encoder=name, r=VISIBLE_RATIO,
                        roc_auc=masked_roc_auc_score(target, P), fit_seconds=fit_seconds,
                        epochs=epochs, seconds_per_epoch=fit_seconds / epochs,
                        featurize_seconds=featurize_seconds[name],
                    )
                )
                print(json.dumps(records[-1]), flush=True)
    return records


def plot(summary, datasets, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_auc, ax_time) = plt.subplots(1, 2, figsize=(10, 4))
    width = grouped_bars(ax_auc, list(ENCODERS), datasets,
                         lambda name: [summary[f"{d}|{name}"] for d in datasets])
    ticks = np.arange(len(datasets))
    for i, name in enumerate(ENCODERS):
        times = [summary[f"{d}|{name}"]["fit_seconds_mean"] for d in datasets]
        ax_time.bar(ticks + i * width, times, width, label=name)
    ax_time.set_xticks(ticks + 0.4 - width / 2, datasets)
    for ax in (ax_auc, ax_time):
        ax.legend(fontsize=8)
    ax_auc.set_ylim(0.5, 0.9)
    ax_auc.set_ylabel(f"ROC-AUC on hidden test entries (r={VISIBLE_RATIO})")
    ax_time.set_ylabel(f"fit time (s), {torch.get_num_threads()} torch thread(s)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(LOADERS), choices=list(LOADERS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    # On a CPU shared with other jobs, two torch threads spin against each other: a
    # MetaLink epoch took 10x longer with 2 threads than with 1 on this 2-core machine.
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(HERE / "results" / "encoders"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    out = Path(args.out)
    records = merge(previous_results(out.with_suffix(".json")).get("records", []),
                    run(args.datasets, args.seeds),
                    key=lambda rec: (rec["dataset"], rec["encoder"], rec["seed"]))
    summary = summarize(records, key=lambda rec: f"{rec['dataset']}|{rec['encoder']}",
                        means=("seconds_per_epoch",))
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = dict(
        protocol="balanced scaffold split 80/10/10 (fit on train+valid), each known test "
        f"label visible with probability {VISIBLE_RATIO}, macro ROC-AUC on hidden entries; "
        "mlp: ECFP4-2048 bits, mpnn: D-MPNN on MolecularGraphFeaturizer graphs",
        torch=torch.__version__, sklearn=sklearn.__version__, python=platform.python_version(),
        threads=torch.get_num_threads(), date=time.strftime("%Y-%m-%d"),
    )
    out.with_suffix(".json").write_text(
        json.dumps(dict(meta=meta, summary=summary, records=records), indent=1)
    )
    plot(summary, list(dict.fromkeys(rec["dataset"] for rec in records)), out.with_suffix(".png"))
    for key, s in summary.items():
        print(f"{key:14s} {s['roc_auc_mean']:.3f} ± {s['roc_auc_std']:.3f}  "
              f"fit {s['fit_seconds_mean']:.0f}s ({s['seconds_per_epoch_mean']:.1f}s/epoch)")


if __name__ == "__main__":
    main()
