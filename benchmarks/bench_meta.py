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

MetaLink (``task_nodes="shared"``, every other parameter at its default) binds the support
with ``with_support`` (no gradient step in the network); "MetaLink-no-pairs" is the same
bound model without the new tasks' label pairs, "MetaLink-network-only" without the
support's k-NN estimate either (ablations);
"MetaLink-fine-tuned" is the bound model after a few Adam steps on the support (what
no-refit costs; steps and learning rate chosen with ``--split valid``). Baselines,
fitted per k on the support: a random forest per task, Tanimoto 5-NN, a logistic
regression per task on the frozen last hidden layer of a multi-task MLP trained on the
training tasks (these three ignore context), and two that use the query's visible new-task
labels as MetaLink does: a forest per task with the other new tasks' labels as features
(trained with each shown with probability 0.5) and the label-agreement k-NN over the
support rows (Tanimoto, 25 neighbours among the rows labelled on the task, weights
sim^3 * exp(3 * (agree - disagree) / n_visible): the estimate MetaLink blends in).

Score: macro ROC-AUC over the new tasks on the hidden test entries. ``--split valid``
fits on the training tenth-split's train rows and scores the validation molecules (support
from the train rows), and records the blend weights of the support estimate, the penalty
of the label pairs and the fine-tuning settings on a grid:
defaults are chosen there, never on the test molecules.

    python benchmarks/bench_meta.py --datasets tox21 sider --seeds 0 1 2
    python benchmarks/bench_meta.py --datasets tox21 sider --seeds 0 --split valid

Records of an existing output JSON that a run does not redo are kept. Writes
``benchmarks/results/meta.json`` and ``meta.png`` (AUC against k), or ``meta_valid.json``.
"""

import argparse
import itertools
import json
import platform
import re
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
    RandomForestWithLabels,
    SupportLabelAgreement,
    TanimotoNearestNeighbors,
)
from common import LOADERS, hide_labels, merge, previous_results, summarize
from sklearn_metalink import MetaLinkClassifier
from sklearn_metalink.chem import MorganFingerprint, ScaffoldSplit
from sklearn_metalink.estimators._retrieval import (
    PAIR_PENALTY,
    SUPPORT_BLEND,
    SUPPORT_HALF,
    _fit_pairs,
    blend_columns,
)
from sklearn_metalink.metrics import masked_roc_auc_score
from sklearn_metalink.model_selection import sample_support, split_tasks
from sklearn_metalink.nn import MaskedBCEWithLogitsLoss

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the Agg backend)

HERE = Path(__file__).resolve().parent
SHOTS = (8, 16, 32, 64, 128, "all")
PROTOCOLS = ("last", "random")
SUMMARY_KEY = ("dataset", "protocol", "setting", "model", "k")
SETTINGS = ("meta", "relational-meta", "relational-meta+train")
METALINK = dict(task_nodes="shared")
CONTEXT_BASELINES = ("RF-support+labels", "kNN-label-agreement")
BASELINES = ("RF-support", "kNN-Tanimoto", "MLP-embedding+LR") + CONTEXT_BASELINES
MODELS = ("MetaLink", "MetaLink-no-pairs", "MetaLink-network-only",
          "MetaLink-fine-tuned") + BASELINES
# ToxCast (617 tasks): a shorter training budget.
TOXCAST_EPOCHS = 20
PAPER = {  # MetaLink paper, ROC-AUC (x100): meta / relational-meta
    "tox21": (77.5, 79.2), "sider": (57.9, 65.4), "toxcast": (71.3, 84.3),
}
# MetaLink-fine-tuned: Adam steps on the support after binding it, and their learning rate
# (chosen with --split valid from FINE_TUNE_GRID).
FINE_TUNE = (20, 1e-4)
FINE_TUNE_GRID = ((5, 1e-4), (20, 1e-4), (20, 1e-5), (100, 1e-5), (20, 1e-3))
# --split valid: weights of the support estimate (row without, with context) and SUPPORT_HALF.
BLEND_GRID = list(itertools.product((0.0, 0.25, 0.5, 0.75, 1.0), (0.0, 0.25, 0.5, 0.75, 1.0),
                                    (0, 16, 64)))
# --split valid: penalties of the new tasks' label pairs (None: no pairs).
PAIR_GRID = (None, 3.0, 10.0, 20.0, 30.0, 100.0)


def fit_models(dataset, X, Y_train_tasks, seed):
    """MetaLink and the MLP embedding, fitted on the training tasks; their fit times."""
    fitted, seconds = {}, {}
    budget = dict(max_epochs=TOXCAST_EPOCHS) if dataset == "toxcast" else {}
    start = time.perf_counter()
    fitted["MetaLink"] = MetaLinkClassifier(random_state=seed, **METALINK, **budget).fit(
        X, Y_train_tasks
    )
    seconds["MetaLink"] = seconds["MetaLink-network-only"] = time.perf_counter() - start
    start = time.perf_counter()
    fitted["MLP-embedding"] = MultiTaskMLP(max_epochs=30, early_stopping=False, random_state=seed).fit(X, Y_train_tasks)
    fitted["MLP-embedding"].fit_seconds_ = time.perf_counter() - start
    return fitted, seconds


def baseline_predictions(fitted, X_support, Y_support, X_test, contexts, seed, names=BASELINES):
    """Predictions of the baselines fitted on the support, per setting (the context-aware
    ones see the setting's visible labels), and their fit + predict times (the MLP's own
    training included for the embedding baseline)."""
    embed = fitted["MLP-embedding"].transform
    fits = {
        "RF-support": lambda: RandomForestPerTask(n_jobs=1, random_state=seed).fit(X_support, Y_support),
        "kNN-Tanimoto": lambda: TanimotoNearestNeighbors().fit(X_support, Y_support),
        "MLP-embedding+LR": lambda: LogisticPerTask().fit(embed(X_support), Y_support),
        "RF-support+labels": lambda: RandomForestWithLabels(n_jobs=1, random_state=seed)
        .fit(X_support, Y_support),
        "kNN-label-agreement": lambda: SupportLabelAgreement().fit(X_support, Y_support),
    }
    predictions, seconds = {}, {}
    for name, fit in fits.items():
        if name not in names:
            continue
        start = time.perf_counter()
        model = fit()
        for setting, visible in contexts.items():
            if name == "MLP-embedding+LR":
                P = model.predict_proba(embed(X_test))
            elif name in CONTEXT_BASELINES:
                P = model.predict_proba(X_test, Y=visible)
            else:
                P = model.predict_proba(X_test)
            predictions[name, setting] = P
        seconds[name] = time.perf_counter() - start
    if "MLP-embedding+LR" in seconds:
        seconds["MLP-embedding+LR"] += fitted["MLP-embedding"].fit_seconds_
    return predictions, seconds


def fine_tuned(model, X_support, Y_support, seed, steps, lr):
    """What no-refit costs: ``model`` bound to the support, then trained ``steps`` Adam steps
    on it as in fit (each step, a random half of the support rows are the support, the
    others queries with each label shown with probability 1/2 and the rest scored), and
    bound again with the tuned weights. Nothing is frozen; the support's k-NN blend stays."""
    bound = model.with_support(X_support, Y_support)
    module = bound.net_.module_
    batch = bound._batch(X_support, Y_support, np.arange(len(Y_support)),
                         feature_index=module.feature_index)
    x, y, neighbours = batch["x"], batch["y"], batch.get("neighbours")
    rng = np.random.RandomState(seed)
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    loss = MaskedBCEWithLogitsLoss()
    module.train()
    for _ in range(steps):
        is_support = torch.from_numpy(rng.rand(len(y)) < 0.5)
        shown = torch.from_numpy(rng.rand(*y.shape) < 0.5) | is_support[:, None]
        nan = torch.full_like(y, float("nan"))
        logits = module(x, torch.where(shown, y, nan), is_support=is_support,
                        neighbours=neighbours)
        optimizer.zero_grad()
        loss(logits, torch.where(shown, nan, y)[~is_support]).backward()
        optimizer.step()
    module.eval().bind_support(x, y, neighbours, feature_index=module.feature_index)
    return bound


def blend_grid(bound, X, visible, target):
    """ROC-AUC of the bound model with each blend of BLEND_GRID (validation only), plus the
    label pairs fitted with the default blend."""
    support = bound._support_neighbours
    network = bound._network_logits(X, visible)
    log_odds = support.log_odds(X, visible)
    n_known = support.n_known()
    has_context = ~np.isnan(visible).all(axis=1)
    pairs = 0.0 if support.pair_weight is None else support.pair_logits(visible)
    return {
        f"MetaLink[{w0},{w1},{half}]": masked_roc_auc_score(target, blend_columns(
            network, log_odds, support.columns, n_known, has_context, (w0, w1), half) + pairs)
        for w0, w1, half in BLEND_GRID
    }


def pair_weights(bound, X_support, Y_support):
    """The new tasks' label-pair weights for each penalty of PAIR_GRID (validation only)."""
    support = bound._support_neighbours
    problem = support.pair_problem(X_support, Y_support, bound._network_logits)
    return {
        penalty: None if penalty is None or problem is None
        else _fit_pairs(*problem, penalty)
        for penalty in PAIR_GRID
    }


def run(datasets, seeds, shots, protocols, split_name, baselines=BASELINES,
        no_forests_at_all=False, no_fine_tune=False):
    records = []
    for dataset in datasets:
        smiles, Y = LOADERS[dataset](return_X_y=True)
        X = MorganFingerprint(radius=2, n_bits=2048, invalid="partial").fit_transform(smiles)
        X = X.astype(np.float32)
        for seed in seeds:
            train, valid, test = ScaffoldSplit(random_state=seed).train_valid_test(smiles)
            fit_rows = np.concatenate([train, valid]) if split_name == "test" else train
            test = test if split_name == "test" else valid
            for protocol in protocols:
                old, new = split_tasks(Y.shape[1], shuffle=protocol == "random", random_state=seed)
                fitted, seconds = fit_models(dataset, X[fit_rows], Y[fit_rows][:, old], seed)
                masks = {
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

                    def record(model, setting, P, target, fit_seconds=None):
                        records.append(dict(
                            base, model=model, setting=setting,
                            roc_auc=masked_roc_auc_score(target, P),
                            fit_seconds=seconds[model] if fit_seconds is None else fit_seconds,
                        ))
                        print(json.dumps(records[-1]), flush=True)

                    start = time.perf_counter()
                    bound = fitted["MetaLink"].with_support(X[rows], Y_support)
                    bind_seconds = time.perf_counter() - start
                    if split_name == "valid":
                        pair_grid = pair_weights(bound, X[rows], Y_support)
                    for setting, (visible, target) in masks.items():
                        start = time.perf_counter()
                        P = bound.predict_proba(X[test], Y=visible)
                        record("MetaLink", setting, P, target)
                        records[-1].update(bind_seconds=bind_seconds,
                                           predict_seconds=time.perf_counter() - start)
                        support = bound._support_neighbours
                        bound._support_neighbours = None
                        record("MetaLink-network-only", setting,
                               bound.predict_proba(X[test], Y=visible), target)
                        bound._support_neighbours = support
                        if split_name == "valid":
                            for name, auc in blend_grid(bound, X[test], visible, target).items():
                                records.append(dict(base, model=name, setting=setting,
                                                    roc_auc=auc, fit_seconds=0.0))
                        if setting == "meta":
                            continue  # label pairs move rows with visible labels only
                        # Without label pairs, or with each penalty of the grid.
                        default = support.pair_weight
                        grid = pair_grid if split_name == "valid" else {None: None}
                        for penalty, weight in grid.items():
                            support.pair_weight = weight
                            name = ("MetaLink-no-pairs" if penalty is None
                                    else f"MetaLink[pairs={penalty:g}]")
                            record(name, setting, bound.predict_proba(X[test], Y=visible),
                                   target, fit_seconds=seconds["MetaLink"])
                        support.pair_weight = default
                    tunings = () if no_fine_tune else (
                        FINE_TUNE_GRID if split_name == "valid" else (FINE_TUNE,))
                    for steps, lr in tunings:
                        start = time.perf_counter()
                        tuned = fine_tuned(fitted["MetaLink"], X[rows], Y_support, seed, steps, lr)
                        tune_seconds = time.perf_counter() - start
                        name = "MetaLink-fine-tuned" + (
                            f"[{steps},{lr:g}]" if split_name == "valid" else "")
                        for setting, (visible, target) in masks.items():
                            record(name, setting, tuned.predict_proba(X[test], Y=visible), target,
                                   fit_seconds=seconds["MetaLink"] + tune_seconds)
                    visible, target = masks["relational-meta"]
                    with_old = fitted["MetaLink"].with_support(
                        X[rows], np.hstack([Y[rows][:, old], Y_support]), training_tasks=True
                    )
                    both = np.hstack([old_context, visible])
                    record("MetaLink", "relational-meta+train",
                           with_old.predict_proba(X[test], Y=both)[:, len(old):], target)
                    with_old._support_neighbours.pair_weight = None
                    record("MetaLink-no-pairs", "relational-meta+train",
                           with_old.predict_proba(X[test], Y=both)[:, len(old):], target,
                           fit_seconds=seconds["MetaLink"])
                    predictions, baseline_seconds = baseline_predictions(
                        fitted, X[rows], Y_support, X[test],
                        {setting: visible for setting, (visible, _) in masks.items()}, seed,
                        [name for name in baselines
                         if not (k == "all" and no_forests_at_all and name.startswith("RF"))],
                    )
                    seconds.update(baseline_seconds)
                    for (name, setting), P in predictions.items():
                        record(name, setting, P, masks[setting][1])
    return records


def plot(summary, datasets, shots, path):
    settings = ("meta", "relational-meta")
    fig, axes = plt.subplots(len(settings), len(datasets), figsize=(4.2 * len(datasets), 7.5),
                             squeeze=False, sharey="row")
    # (model, label, colour, marker, setting suffix of the summary key)
    lines = [(model, model, f"C{i}", "o", "") for i, model in enumerate(MODELS)]
    for col, dataset in enumerate(datasets):
        for row, setting in enumerate(settings):
            ax = axes[row, col]
            extra = [("MetaLink", "MetaLink + training-task labels", "k", "s", "+train")] if row else []
            for model, label, color, marker, suffix in lines + extra:
                key_setting = setting + suffix
                for protocol, style in zip(PROTOCOLS, ("-", ":")):
                    stats = [(str(k), summary.get(f"{dataset}|{protocol}|{key_setting}|{model}|{k}"))
                             for k in shots]
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


LABELS = {
    "MetaLink": "MetaLink (with_support)",
    "MetaLink-no-pairs": "MetaLink without the new tasks' label pairs",
    "MetaLink-network-only": "MetaLink, network only (no support k-NN, no label pairs)",
    "MetaLink-fine-tuned": "MetaLink fine-tuned on the support (refit)",
    "RF-support": "forest on the support",
    "kNN-Tanimoto": "Tanimoto 5-NN",
    "MLP-embedding+LR": "MLP embedding + logistic regression",
    "RF-support+labels": "forest + the query's new-task labels",
    "kNN-label-agreement": "label-agreement k-NN on the support",
}


def markdown_tables(summary, protocol="last"):
    """Per setting: one row per data set and model, one column per k; mean over seeds (the
    seeds in brackets where fewer than the most), the best model per cell in bold."""
    datasets = list(dict.fromkeys(key.split("|")[0] for key in summary))
    most = max(s["n_seeds"] for s in summary.values())
    out = []
    for setting in ("meta", "relational-meta"):
        out += [f"**{setting.capitalize()}, protocol `{protocol}`**", "",
                "| data set | model | " + " | ".join(f"k={k}" for k in SHOTS) + " |",
                "|---|---" + "|---" * len(SHOTS) + "|"]
        for dataset in datasets:
            cell = {(m, str(k)): summary.get(f"{dataset}|{protocol}|{setting}|{m}|{k}")
                    for m in MODELS for k in SHOTS}
            best = {str(k): max((s["roc_auc_mean"] for (m, kk), s in cell.items()
                                 if s and kk == str(k)), default=None) for k in SHOTS}
            rows = [(m, m) for m in MODELS]
            if setting == "relational-meta":
                rows.append(("MetaLink + training-task labels", "MetaLink"))
            for label, model in rows:
                key_setting = setting + ("+train" if label.endswith("labels") and
                                         label.startswith("MetaLink") else "")
                stats = [summary.get(f"{dataset}|{protocol}|{key_setting}|{model}|{k}") for k in SHOTS]
                if not any(stats):
                    continue
                cells = []
                for k, st in zip(SHOTS, stats):
                    if not st:
                        cells.append("–")
                        continue
                    text = f"{st['roc_auc_mean']:.3f}"
                    if st["n_seeds"] < most:
                        text += f" ({st['n_seeds']})"
                    if key_setting == setting and st["roc_auc_mean"] == best[str(k)]:
                        text = f"**{text}**"
                    cells.append(text)
                out.append(f"| {dataset} | {LABELS.get(label, label)} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def replace_between_markers(path, text):
    path = Path(path)
    pattern = re.compile(r"(<!-- meta-table:start -->\n).*?(<!-- meta-table:end -->)", re.S)
    content = path.read_text()
    if not pattern.search(content):
        raise ValueError(f"{path} has no meta-table markers")
    path.write_text(pattern.sub(lambda m: m.group(1) + text + "\n" + m.group(2), content))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(LOADERS), choices=list(LOADERS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--shots", nargs="+", default=[str(k) for k in SHOTS])
    parser.add_argument("--protocols", nargs="+", default=list(PROTOCOLS), choices=PROTOCOLS)
    parser.add_argument("--split", default="test", choices=("test", "valid"))
    parser.add_argument("--baselines", nargs="+", default=list(BASELINES), choices=BASELINES,
                        help="baselines to run")
    parser.add_argument("--no-forests-at-all", action="store_true",
                        help="skip the forests at k=all (on ToxCast they take most of the time)")
    parser.add_argument("--no-fine-tune", action="store_true",
                        help="skip MetaLink-fine-tuned (and its grid with --split valid)")
    parser.add_argument("--out", default=None)
    parser.add_argument("--replot", action="store_true",
                        help="run nothing: rewrite the summary and the plot of the JSON")
    args = parser.parse_args()
    torch.set_num_threads(1)
    shots = [k if k == "all" else int(k) for k in args.shots]

    out = Path(args.out or HERE / "results" / ("meta" if args.split == "test" else "meta_valid"))
    out.parent.mkdir(parents=True, exist_ok=True)
    key_fields = ("dataset", "seed", "protocol", "k", "model", "setting")
    new = [] if args.replot else run(args.datasets, args.seeds, shots, args.protocols, args.split,
                                     args.baselines, args.no_forests_at_all, args.no_fine_tune)
    # Read after the run: a run that finished meanwhile keeps its records.
    records = merge(previous_results(out.with_suffix(".json")).get("records", []), new,
                    key=lambda rec: tuple(rec[f] for f in key_fields))
    summary = summarize(records, key=lambda rec: "|".join(str(rec[f]) for f in SUMMARY_KEY))
    meta = dict(
        protocol=__doc__.split("\n\n")[1].replace("\n", " "),
        paper_reference_roc_auc_meta_relmeta=PAPER,
        split=args.split,
        toxcast_max_epochs=TOXCAST_EPOCHS,
        support_blend=dict(weights=SUPPORT_BLEND, half=SUPPORT_HALF),
        pair_penalty=PAIR_PENALTY,
        fit_seconds="MetaLink: its one fit on the training tasks (shared by every k); "
        "baselines: fit on the support and predict, per k (MLP-embedding+LR includes the "
        "MLP's training on the training tasks)",
        torch=torch.__version__, sklearn=sklearn.__version__, python=platform.python_version(),
        threads=1, date=time.strftime("%Y-%m-%d"),
    )
    out.with_suffix(".json").write_text(
        json.dumps(dict(meta=meta, summary=summary, records=records), indent=1)
    )
    if args.split == "test":
        plot(summary, list(dict.fromkeys(rec["dataset"] for rec in records)),
             [k for k in SHOTS if any(rec["k"] == str(k) for rec in records)],
             out.with_suffix(".png"))
        replace_between_markers(HERE.parent / "docs" / "meta.md", "\n".join(
            markdown_tables(summary, protocol) for protocol in PROTOCOLS
            if any(key.split("|")[1] == protocol for key in summary)))
    for key, s in summary.items():
        if "MetaLink[" in key:
            continue
        print(f"{key:60s} {s['roc_auc_mean']:.3f} ± {s['roc_auc_std']:.3f}")


if __name__ == "__main__":
    main()
