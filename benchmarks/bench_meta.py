"""Meta and relational-meta benchmark: tasks never seen in fit, from k labelled molecules.

Per data set, seed and task protocol: balanced scaffold split 80/10/10 of the molecules
(train + validation are the training molecules); 20 % of the tasks are new (``last``: the
last columns, as the MetaLink paper did; ``random``: a seeded random subset). Each model
is fitted once on the training molecules and the *other* tasks. Then, for each k, a
support of k labelled training molecules per new task (``sample_support``: at least one
positive and one negative) and the new tasks of the test molecules are predicted:

* meta: no label of a test molecule is known;
* relational-meta: each known new-task label of a test molecule is shown with
  probability 0.5 (same draw for every model) and the others are scored;
* relational-meta + training labels (MetaLink only): half the test molecule's known
  training-task labels are shown too, and the support's training-task labels are given.

MetaLink runs twice: ``few_shot_tasks=0.3`` ("MetaLink") and 0 ("MetaLink-no-episodes");
``few_shot_tasks="auto"`` (the default) is the first below 100 tasks, the second above.

Score: macro ROC-AUC over the new tasks on the hidden test entries. MetaLink binds the
support with ``with_support`` (no gradient step). Baselines, fitted per k on the support:
a random forest per task on the support rows, Tanimoto k-NN (5 neighbours), and a
logistic regression per task on the frozen last hidden layer of a multi-task MLP trained
on the training tasks. The baselines ignore context.

    python benchmarks/bench_meta.py                                  # everything, seed 0
    python benchmarks/bench_meta.py --datasets tox21 sider --seeds 0 1 2

Records of an existing output JSON that a run does not redo are kept. Writes
``benchmarks/results/meta.json`` and ``meta.png`` (AUC against k).
"""

import argparse
import json
import platform
import time
from pathlib import Path

import matplotlib
import numpy as np
import sklearn
import torch

from baselines import (
    LogisticPerTask,
    MultiTaskMLP,
    RandomForestPerTask,
    TanimotoNearestNeighbors,
)
from common import LOADERS, hide_labels, merge, previous_results, summarize
from sklearn_metalink import MetaLinkClassifier
from sklearn_metalink.chem import MorganFingerprint, ScaffoldSplit
from sklearn_metalink.metrics import masked_roc_auc_score
from sklearn_metalink.model_selection import sample_support, split_tasks

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the Agg backend)

HERE = Path(__file__).resolve().parent
SHOTS = (16, 64, 128, "all")
PROTOCOLS = ("last", "random")
SUMMARY_KEY = ("dataset", "protocol", "setting", "model", "k")
SETTINGS = ("meta", "relational-meta", "relational-meta+train")
# MetaLink variants: the episodic training with simulated new tasks, and without it.
METALINK = {
    "MetaLink": dict(task_nodes="shared", few_shot_tasks=0.3),
    "MetaLink-no-episodes": dict(task_nodes="shared", few_shot_tasks=0.0),
}
BASELINES = ("RF-support", "kNN-Tanimoto", "MLP-embedding+LR")
# ToxCast (617 tasks): a shorter training budget.
TOXCAST_EPOCHS = 20
PAPER = {  # MetaLink paper, ROC-AUC (x100): meta / relational-meta
    "tox21": (77.5, 79.2), "sider": (57.9, 65.4), "toxcast": (71.3, 84.3),
}


def fit_models(dataset, X, Y_train_tasks, seed):
    """MetaLink variants and the MLP embedding, fitted on the training tasks; MetaLink's
    fit times."""
    fitted, seconds = {}, {}
    budget = dict(max_epochs=TOXCAST_EPOCHS) if dataset == "toxcast" else {}
    for name in METALINK:
        start = time.perf_counter()
        fitted[name] = MetaLinkClassifier(random_state=seed, **METALINK[name], **budget).fit(
            X, Y_train_tasks
        )
        seconds[name] = time.perf_counter() - start
    start = time.perf_counter()
    fitted["MLP-embedding"] = MultiTaskMLP(max_epochs=30, early_stopping=False, random_state=seed).fit(X, Y_train_tasks)
    fitted["MLP-embedding"].fit_seconds_ = time.perf_counter() - start
    return fitted, seconds


def baseline_predictions(fitted, X_support, Y_support, X_test, seed):
    """Predictions of the baselines fitted on the support, and their fit + predict times
    (the MLP's own training included for the embedding baseline)."""
    embed = fitted["MLP-embedding"].transform
    baselines = {
        "RF-support": lambda: RandomForestPerTask(n_jobs=1, random_state=seed)
        .fit(X_support, Y_support).predict_proba(X_test),
        "kNN-Tanimoto": lambda: TanimotoNearestNeighbors()
        .fit(X_support, Y_support).predict_proba(X_test),
        "MLP-embedding+LR": lambda: LogisticPerTask()
        .fit(embed(X_support), Y_support).predict_proba(embed(X_test)),
    }
    predictions, seconds = {}, {}
    for name, predict in baselines.items():
        start = time.perf_counter()
        predictions[name] = predict()
        seconds[name] = time.perf_counter() - start
    seconds["MLP-embedding+LR"] += fitted["MLP-embedding"].fit_seconds_
    return predictions, seconds


def run(datasets, seeds, shots, protocols=PROTOCOLS):
    records = []
    for dataset in datasets:
        smiles, Y = LOADERS[dataset](return_X_y=True)
        X = MorganFingerprint(radius=2, n_bits=2048, invalid="partial").fit_transform(smiles)
        X = X.astype(np.float32)
        for seed in seeds:
            train, valid, test = ScaffoldSplit(random_state=seed).train_valid_test(smiles)
            fit_rows = np.concatenate([train, valid])
            for protocol in protocols:
                old, new = split_tasks(Y.shape[1], shuffle=protocol == "random", random_state=seed)
                fitted, seconds = fit_models(dataset, X[fit_rows], Y[fit_rows][:, old], seed)
                context = {
                    setting: hide_labels(Y[test][:, new], r, seed=1000 + seed)
                    for setting, r in (("meta", 0.0), ("relational-meta", 0.5))
                }
                old_context, _ = hide_labels(Y[test][:, old], 0.5, seed=2000 + seed)
                for k in shots:
                    Y_support = sample_support(Y[fit_rows][:, new], k, random_state=seed)
                    rows = fit_rows[~np.isnan(Y_support).all(axis=1)]
                    Y_support = Y_support[~np.isnan(Y_support).all(axis=1)]
                    base = dict(dataset=dataset, seed=seed, protocol=protocol, k=str(k),
                                n_new_tasks=len(new), n_support_rows=len(rows))

                    def record(model, setting, P, target):
                        records.append(dict(
                            base, model=model, setting=setting,
                            roc_auc=masked_roc_auc_score(target, P),
                            fit_seconds=seconds[model],
                        ))
                        print(json.dumps(records[-1]), flush=True)

                    for name in METALINK:
                        bound = fitted[name].with_support(X[rows], Y_support)
                        for setting, (visible, target) in context.items():
                            record(name, setting, bound.predict_proba(X[test], Y=visible), target)
                    visible, target = context["relational-meta"]
                    for name in METALINK:
                        with_old = fitted[name].with_support(
                            X[rows], np.hstack([Y[rows][:, old], Y_support]), training_tasks=True
                        )
                        P = with_old.predict_proba(X[test], Y=np.hstack([old_context, visible]))
                        record(name, "relational-meta+train", P[:, len(old):], target)
                    predictions, baseline_seconds = baseline_predictions(
                        fitted, X[rows], Y_support, X[test], seed
                    )
                    seconds.update(baseline_seconds)
                    for name, P in predictions.items():
                        for setting, (_, target) in context.items():
                            record(name, setting, P, target)
    return records


def plot(summary, datasets, path):
    settings = ("meta", "relational-meta")
    fig, axes = plt.subplots(len(settings), len(datasets), figsize=(4.2 * len(datasets), 7.5),
                             squeeze=False, sharey="row")
    lines = [(model, model, f"C{i}", "o") for i, model in enumerate(list(METALINK) + list(BASELINES))]
    for col, dataset in enumerate(datasets):
        for row, setting in enumerate(settings):
            ax = axes[row, col]
            extra = [("MetaLink", "MetaLink + training-task labels", "k", "s")] if row else []
            for model, label, color, marker in lines + extra:
                key_setting = setting + ("+train" if label.endswith("labels") else "")
                for protocol, style in zip(PROTOCOLS, ("-", ":")):
                    stats = [(str(k), summary.get(f"{dataset}|{protocol}|{key_setting}|{model}|{k}"))
                             for k in SHOTS]
                    stats = [(k, s) for k, s in stats if s]
                    if stats:
                        ax.errorbar([k for k, _ in stats], [s["roc_auc_mean"] for _, s in stats],
                                    yerr=[s["roc_auc_std"] for _, s in stats], fmt=marker + style,
                                    color=color, label=f"{label} ({protocol})", capsize=2)
            ax.axhline(PAPER[dataset][row] / 100, color="grey", lw=0.8, ls="--",
                       label="MetaLink paper")
            ax.set_title(f"{dataset}: {setting}")
            ax.set_xlabel("k labelled molecules per new task")
            if col == 0:
                ax.set_ylabel("ROC-AUC, new tasks (hidden test entries)")
    handles, labels = axes[-1, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=7)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(LOADERS), choices=list(LOADERS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--shots", nargs="+", default=[str(k) for k in SHOTS])
    parser.add_argument("--protocols", nargs="+", default=list(PROTOCOLS), choices=PROTOCOLS)
    parser.add_argument("--out", default=str(HERE / "results" / "meta"))
    parser.add_argument("--replot", action="store_true",
                        help="run nothing: rewrite the summary and the plot of the JSON")
    args = parser.parse_args()
    torch.set_num_threads(1)
    shots = [k if k == "all" else int(k) for k in args.shots]

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    key_fields = ("dataset", "seed", "protocol", "k", "model", "setting")
    records = merge(previous_results(out.with_suffix(".json")).get("records", []),
                    [] if args.replot else run(args.datasets, args.seeds, shots, args.protocols),
                    key=lambda rec: tuple(rec[f] for f in key_fields))
    summary = summarize(records, key=lambda rec: "|".join(str(rec[f]) for f in SUMMARY_KEY))
    meta = dict(
        protocol=__doc__.split("\n\n")[1].replace("\n", " "),
        paper_reference_roc_auc_meta_relmeta=PAPER,
        toxcast_max_epochs=TOXCAST_EPOCHS,
        fit_seconds="MetaLink: its one fit on the training tasks (shared by every k); "
        "baselines: fit on the support and predict, per k (MLP-embedding+LR includes the "
        "MLP's training on the training tasks)",
        torch=torch.__version__, sklearn=sklearn.__version__, python=platform.python_version(),
        threads=1, date=time.strftime("%Y-%m-%d"),
    )
    out.with_suffix(".json").write_text(
        json.dumps(dict(meta=meta, summary=summary, records=records), indent=1)
    )
    plot(summary, list(dict.fromkeys(rec["dataset"] for rec in records)), out.with_suffix(".png"))
    for key, s in summary.items():
        print(f"{key:60s} {s['roc_auc_mean']:.3f} ± {s['roc_auc_std']:.3f}")


if __name__ == "__main__":
    main()
