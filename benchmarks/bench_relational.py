"""Relational benchmark: MetaLinkClassifier against the simple baselines, in three protocols.

Same run, same splits, same hidden entries for every model. Per data set and seed: a
chemprop-style balanced scaffold split 80/10/10 for molecules (ECFP4-2048 bits), a random
80/10/10 split for yeast (103 numeric features; ``yeast_unscaled`` multiplies each column by
a fixed 10^U(-2, 3) and shifts it, as features in unrelated units). Three protocols on the scored rows:

* ``r=0``: nothing is known about a scored row; every known label is a target;
* ``r=0.5``: each known label is shown as context with probability 0.5, the rest are targets;
* ``tasks``: 20 % of the columns (drawn per seed) are targets, every other known label of
  the row is shown.

The score is the macro ROC-AUC over the hidden known entries. ``--split test`` (the default,
the committed result) fits on train + validation and scores the test tenth; ``--split valid``
fits on train and scores the validation tenth: defaults are chosen there, never on test.

    python benchmarks/bench_relational.py                          # everything, seeds 0-2
    python benchmarks/bench_relational.py --datasets sider --seeds 0 --split valid \\
        --models MetaLinkClassifier --params '{"max_epochs": 80}' --tag epochs80
    python benchmarks/bench_relational.py --no-run     # tables and plot from the JSON

Writes ``results/relational.json`` and ``relational.png`` (``results/ablations.json`` with
``--split valid``) and, for the test split without ``--out`` or ``--tag``, rewrites the
results tables of ``docs/benchmarks.md`` and ``README.md``. Torch runs on one thread (a shared 2-core
machine; see docs/metalink.md); the forests use both cores.
"""

import argparse
import json
import platform
import re
import time
from pathlib import Path

import numpy as np
import sklearn
import torch

from baselines import (
    LabelAgreementNeighbors,
    MultiTaskMLP,
    RandomForestPerTask,
    RandomForestWithLabels,
)
from common import (
    LOADERS, SHARED_DATA, grouped_bars, hide_labels, merge, previous_results, summarize,
)
from sklearn_metalink import MetaLinkClassifier
from sklearn_metalink.chem import MorganFingerprint, ScaffoldSplit
from sklearn_metalink.datasets import load_yeast
from sklearn_metalink.metrics import masked_roc_auc_score

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATASETS = ("tox21", "sider", "toxcast", "yeast", "yeast_unscaled")
PROTOCOLS = ("r=0", "r=0.5", "tasks")
TARGET_TASK_FRACTION = 0.2


def forest_trees(dataset):
    # 617 ToxCast tasks x 100 trees is most of an hour per seed and model; 50 trees moved
    # neither forest by more than noise on seed 0.
    return 50 if dataset == "toxcast" else 100


MODELS = {
    "MetaLinkClassifier": lambda seed, dataset, params: MetaLinkClassifier(
        random_state=seed, **params
    ),
    "LabelAgreementNeighbors": lambda seed, dataset, params: LabelAgreementNeighbors(),
    "MultiTaskMLP": lambda seed, dataset, params: MultiTaskMLP(random_state=seed),
    "RandomForestPerTask": lambda seed, dataset, params: RandomForestPerTask(
        n_estimators=forest_trees(dataset), random_state=seed
    ),
    "RandomForestWithLabels": lambda seed, dataset, params: RandomForestWithLabels(
        n_estimators=forest_trees(dataset), random_state=seed
    ),
}


def load(dataset):
    """(X, Y, split) with split(seed) -> (train, valid, test) row indices."""
    if dataset.startswith("yeast"):
        X, Y = load_yeast(data_home=SHARED_DATA, return_X_y=True)
        if dataset == "yeast_unscaled":
            # Measurements in unrelated units: each column scaled by 10^U(-2, 3) and shifted.
            rng = np.random.RandomState(0)
            X = X * 10 ** rng.uniform(-2, 3, X.shape[1]) + rng.uniform(-100, 100, X.shape[1])

        def split(seed):
            order = np.random.RandomState(seed).permutation(len(Y))
            n_test = n_valid = len(Y) // 10
            return (np.sort(order[n_test + n_valid:]), np.sort(order[n_test:n_test + n_valid]),
                    np.sort(order[:n_test]))

        return X.astype(np.float32), Y, split
    smiles, Y = LOADERS[dataset](return_X_y=True)
    X = MorganFingerprint(radius=2, n_bits=2048, invalid="partial").fit_transform(smiles)
    return X.astype(np.float32), Y, lambda seed: ScaffoldSplit(random_state=seed).train_valid_test(smiles)


def protocol_masks(Y, protocol, seed):
    """(visible, target) label matrices of the scored rows, NaN elsewhere."""
    if protocol == "tasks":
        rng = np.random.RandomState(2000 + seed)
        n_target = max(1, round(TARGET_TASK_FRACTION * Y.shape[1]))
        is_target = np.zeros(Y.shape[1], dtype=bool)
        is_target[rng.choice(Y.shape[1], n_target, replace=False)] = True
        return np.where(is_target, np.nan, Y), np.where(is_target, Y, np.nan)
    return hide_labels(Y, float(protocol.split("=")[1]), seed=1000 + seed)


def run(datasets, seeds, models, split_name, params, tag):
    records = []
    for dataset in datasets:
        X, Y, split = load(dataset)
        for seed in seeds:
            train, valid, test = split(seed)
            fit_rows, scored = (
                (np.concatenate([train, valid]), test) if split_name == "test" else (train, valid)
            )
            for model_name in models:
                model = MODELS[model_name](seed, dataset, params)
                start = time.perf_counter()
                model.fit(X[fit_rows], Y[fit_rows])
                fit_seconds = time.perf_counter() - start
                for protocol in PROTOCOLS:
                    visible, target = protocol_masks(Y[scored], protocol, seed)
                    start = time.perf_counter()
                    P = model.predict_proba(X[scored], Y=visible)
                    records.append(dict(
                        dataset=dataset, seed=seed, model=model_name, tag=tag, protocol=protocol,
                        roc_auc=masked_roc_auc_score(target, P), fit_seconds=fit_seconds,
                        predict_seconds=time.perf_counter() - start,
                    ))
                    print(json.dumps(records[-1]), flush=True)
    return records


def record_key(rec):
    return f"{rec['dataset']}|{rec['model']}|{rec.get('tag', '')}|{rec['protocol']}"


def best_baselines(summary, dataset, protocol):
    """The best baseline's mean ROC-AUC and name in one cell."""
    scores = {
        key.split("|")[1]: s["roc_auc_mean"] for key, s in summary.items()
        if key.startswith(f"{dataset}|") and key.endswith(f"|{protocol}")
        and not key.split("|")[1].startswith("MetaLink")
    }
    name = max(scores, key=scores.get)
    return scores[name], name


SHORT_NAMES = {
    "MetaLinkClassifier": "MetaLink",
    "LabelAgreementNeighbors": "k-NN (label agreement)",
    "MultiTaskMLP": "multi-task MLP",
    "RandomForestPerTask": "forest",
    "RandomForestWithLabels": "forest + labels",
}


def markdown_table(summary, datasets, models):
    """One row per data set and protocol, one column per model: mean ± std over seeds; the
    best baseline and MetaLink's margin over it."""
    most_seeds = max(s["n_seeds"] for s in summary.values())
    lines = [
        "| data set | protocol | " + " | ".join(SHORT_NAMES[m] for m in models)
        + " | MetaLink − best baseline |",
        "|---" * (len(models) + 3) + "|",
    ]
    for d in datasets:
        for p in PROTOCOLS:
            stats = [summary.get(f"{d}|{m}||{p}") for m in models]
            if not any(stats):
                continue
            cells = [
                "" if not s else f"{s['roc_auc_mean']:.3f}" if s["n_seeds"] == 1
                else f"{s['roc_auc_mean']:.3f} ± {s['roc_auc_std']:.3f}"
                for s in stats
            ]
            n_seeds = max(s["n_seeds"] for s in stats if s)
            label = d if n_seeds == most_seeds else f"{d} ({n_seeds} seed{'s' * (n_seeds > 1)})"
            ours = summary.get(f"{d}|MetaLinkClassifier||{p}")
            margin = ""
            if ours and len([s for s in stats if s]) > 1:
                best, name = best_baselines(summary, d, p)
                diff = 100 * (ours["roc_auc_mean"] - best)
                margin = f"{diff:+.1f} ({SHORT_NAMES[name]})"
                if diff >= 0:
                    cells[models.index("MetaLinkClassifier")] = f"**{cells[models.index('MetaLinkClassifier')]}**"
            lines.append(f"| {label} | {p} | " + " | ".join(cells) + f" | {margin} |")
    fits = [
        f"{d} {summary[f'{d}|MetaLinkClassifier||r=0']['fit_seconds_mean']:.0f} s"
        for d in datasets if f"{d}|MetaLinkClassifier||r=0" in summary
    ]
    lines += ["", (
        f"ROC-AUC on the hidden test entries, mean ± std over seeds 0–{most_seeds - 1} (fewer "
        "where marked); "
        "bold where MetaLink is at or above every baseline. MetaLinkClassifier fit time (one "
        f"torch thread, a shared 2-core machine): {', '.join(fits)}."
    )]
    return "\n".join(lines)


def replace_between_markers(path, table):
    text = path.read_text()
    pattern = re.compile(r"(<!-- relational-table:start -->\n).*?(<!-- relational-table:end -->)", re.S)
    if not pattern.search(text):
        raise ValueError(f"{path} has no relational-table markers")
    path.write_text(pattern.sub(lambda m: m.group(1) + table + "\n" + m.group(2), text))


def plot(summary, datasets, models, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    present = [d for d in datasets if any(k.startswith(f"{d}|") for k in summary)]
    fig, axes = plt.subplots(1, len(present), figsize=(4.2 * len(present), 4.2), squeeze=False)
    for ax, d in zip(axes[0], present):
        grouped_bars(ax, models, PROTOCOLS,
                     lambda model: [summary.get(f"{d}|{model}||{p}") for p in PROTOCOLS])
        ax.set_ylim(0.5, 1.0)
        ax.set_title(d)
    axes[0][0].set_ylabel("macro ROC-AUC on hidden entries")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(models), fontsize=8)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--split", default="test", choices=("test", "valid"))
    parser.add_argument("--params", default="{}", help="JSON of MetaLinkClassifier parameters")
    parser.add_argument("--tag", default="", help="names a --params variant in the JSON")
    parser.add_argument("--out", default=None)
    parser.add_argument("--no-run", action="store_true",
                        help="only rebuild the summary, plot and tables from the JSON")
    args = parser.parse_args()
    torch.set_num_threads(1)

    default_out = "relational" if args.split == "test" else "ablations"
    out = Path(args.out or HERE / "results" / default_out).with_suffix(".json")
    records = [] if args.no_run else run(
        args.datasets, args.seeds, args.models, args.split, json.loads(args.params), args.tag
    )
    previous = previous_results(out)
    records = merge(previous.get("records", []), records, key=lambda rec: (
        record_key(rec), rec["seed"]))
    summary = summarize(records, key=record_key)
    meta = dict(
        protocol=__doc__.split("\n\n")[1].replace("\n", " "), split=args.split,
        torch=torch.__version__, sklearn=sklearn.__version__, python=platform.python_version(),
        torch_threads=torch.get_num_threads(), date=time.strftime("%Y-%m-%d"),
    )
    # What each --tag variant was, written by hand when it ran: kept.
    if "tags" in previous.get("meta", {}):
        meta["tags"] = previous["meta"]["tags"]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(dict(meta=meta, summary=summary, records=records), indent=1))
    for key, s in sorted(summary.items()):
        fit = f"  fit {s['fit_seconds_mean']:.1f}s" if "fit_seconds_mean" in s else ""
        print(f"{key:60s} {s['roc_auc_mean']:.3f} ± {s['roc_auc_std']:.3f} (n={s['n_seeds']}){fit}")
    # Only the committed result rewrites the docs: a run with --out (a check, a subset of
    # seeds or models) would replace their tables with its own.
    if args.split == "test" and not args.tag and args.out is None:
        models = list(MODELS)
        plot(summary, DATASETS, models, out.with_suffix(".png"))
        table = markdown_table(summary, DATASETS, models)
        for path in (ROOT / "docs" / "benchmarks.md", ROOT / "README.md"):
            replace_between_markers(path, table)
        print(table)


if __name__ == "__main__":
    main()
