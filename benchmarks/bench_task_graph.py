"""Task-graph benchmark: TaskGraphClassifier (complete and star graphs) against
MetaLinkClassifier and the random-forest baselines, and the cost of each graph as T grows.

Accuracy follows ``bench_relational.py``: balanced scaffold split 80/10/10 (fit on train
and validation), ECFP4-2048 bits, each known label of a test row visible with probability
r, macro ROC-AUC over the hidden entries. Cost: ToxCast restricted to its first T tasks,
``--cost-epochs`` epochs on all rows without early stopping, for growing T.

Every fit runs alone in a fresh process with one torch thread (on a shared 2-core machine,
two OpenMP threads were up to 100 times slower whenever the other core was busy), so its
peak memory is its own: the growth of the resident set during ``fit``. ``--workers`` fits
run side by side in the accuracy part; the cost part always runs one at a time.

    python benchmarks/bench_task_graph.py                       # all data sets, seed 0
    python benchmarks/bench_task_graph.py --datasets tox21 --parts accuracy

Records of an existing output JSON that a run does not redo (other data sets, models or
parts) are kept, so a part can be rerun alone.

Writes ``benchmarks/results/task_graph.json``, ``task_graph.png`` (accuracy, fit time,
cost against T) and ``task_graph_relations.png`` (``task_relations_`` on Tox21).
"""

import argparse
import json
import multiprocessing
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import sklearn
import torch

from baselines import RandomForestPerTask, RandomForestWithLabels
from common import LOADERS, grouped_bars, hide_labels, merge, previous_results, summarize

RATIOS = (0.0, 0.5)
from sklearn_metalink import MetaLinkClassifier, TaskGraphClassifier
from sklearn_metalink.chem import MorganFingerprint, ScaffoldSplit
from sklearn_metalink.metrics import masked_roc_auc_score

HERE = Path(__file__).resolve().parent
NEURAL = {
    "TaskGraph-complete": lambda **kw: TaskGraphClassifier(graph="complete", **kw),
    "TaskGraph-star": lambda **kw: TaskGraphClassifier(graph="star", **kw),
    "MetaLinkClassifier": lambda **kw: MetaLinkClassifier(**kw),
}
FORESTS = {
    "RandomForestPerTask": RandomForestPerTask,
    "RandomForestWithLabels": RandomForestWithLabels,
}
MODELS = [*NEURAL, *FORESTS]
# On 2 CPU cores a 40-epoch complete-graph fit of ToxCast would take over an hour, and a
# 100-tree forest per task as long: ToxCast gets 20 epochs (every neural model) and 50 trees
# (every forest, as in the design brief).
TOXCAST_BUDGET = {"neural": dict(max_epochs=20), "forest": dict(n_estimators=50)}
COST_TASKS = (12, 48, 154, 308, 617)


def make_model(name, seed, **params):
    if name in FORESTS:
        return FORESTS[name](n_jobs=1, random_state=seed, **params)
    return NEURAL[name](random_state=seed, **params)


def fit_measured(model, X, Y):
    """Fit in this process; return wall seconds and the peak growth of the resident set (MB)."""
    torch.set_num_threads(1)
    before = _resident_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # restart the peak (VmHWM) from now
    start = time.perf_counter()
    model.fit(X, Y)
    return time.perf_counter() - start, _resident_mb("VmHWM") - before


def _resident_mb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} missing from /proc/self/status")


def accuracy_job(dataset, model_name, seed, X, Y, fit_rows, test, budget):
    model = make_model(model_name, seed, **budget)
    fit_seconds, peak_mb = fit_measured(model, X[fit_rows], Y[fit_rows])
    records = []
    for r in RATIOS:
        visible, target = hide_labels(Y[test], r, seed=1000 + seed)
        P = model.predict_proba(X[test], Y=visible)
        records.append(
            dict(dataset=dataset, seed=seed, model=model_name, r=r,
                 roc_auc=masked_roc_auc_score(target, P), fit_seconds=fit_seconds,
                 peak_mb=peak_mb, n_tasks=Y.shape[1], **budget)
        )
    relations = getattr(model, "task_relations_", None)
    return records, None if relations is None or Y.shape[1] > 50 else relations.tolist()


def cost_job(model_name, n_tasks, X, Y, epochs):
    model = make_model(model_name, 0, max_epochs=epochs, validation_fraction=None)
    fit_seconds, peak_mb = fit_measured(model, X, Y[:, :n_tasks])
    return dict(model=model_name, n_tasks=n_tasks, epochs=epochs, rows=len(Y),
                fit_seconds=fit_seconds, peak_mb=peak_mb)


def featurize(name):
    bunch = LOADERS[name]()
    X = MorganFingerprint(radius=2, n_bits=2048, invalid="partial").fit_transform(bunch.data)
    return bunch.data, X.astype(np.float32), bunch.target, list(bunch.target_names)


def run_accuracy(datasets, seeds, models, workers):
    records, relations, futures = [], {}, []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, max_tasks_per_child=1) as pool:
        for name in datasets:
            smiles, X, Y, task_names = featurize(name)
            for seed in seeds:
                train, valid, test = ScaffoldSplit(random_state=seed).train_valid_test(smiles)
                fit_rows = np.concatenate([train, valid])
                for model_name in models:
                    kind = "forest" if model_name in FORESTS else "neural"
                    budget = TOXCAST_BUDGET[kind] if name == "toxcast" else {}
                    job = (name, model_name, seed, X, Y, fit_rows, test, budget)
                    futures.append((name, model_name, seed, task_names,
                                    pool.submit(accuracy_job, *job)))
        for name, model_name, seed, task_names, future in futures:
            recs, rel = future.result()
            records.extend(recs)
            for rec in recs:
                print(json.dumps(rec), flush=True)
            if rel is not None and seed == seeds[0]:
                relations[f"{name}|{model_name}"] = dict(task_names=task_names, matrix=rel)
    return records, relations


def run_cost(models, epochs):
    _, X, Y, _ = featurize("toxcast")
    records = []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, max_tasks_per_child=1) as pool:
        for n_tasks in COST_TASKS:
            for model_name in models:
                records.append(pool.submit(cost_job, model_name, n_tasks, X, Y, epochs).result())
                print(json.dumps(records[-1]), flush=True)
    return records


def plot(summary, cost, datasets, models, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    (ax_auc, ax_time), (ax_cost, ax_mem) = axes
    groups = [(d, r) for d in datasets for r in RATIOS]
    width = grouped_bars(ax_auc, models, [f"{d}\nr={r}" for d, r in groups],
                         lambda model: [summary[f"{d}|{model}|r={r}"] for d, r in groups])
    for i, model in enumerate(models):
        times = [summary[f"{d}|{model}|r={RATIOS[0]}"]["fit_seconds_mean"] for d in datasets]
        ax_time.bar(np.arange(len(datasets)) + i * width, times, width, label=model)
    ax_auc.set_ylim(0.5, 0.9)
    ax_auc.set_ylabel("ROC-AUC on hidden test entries (mean ± sd over seeds)")
    ax_auc.legend(fontsize=8, loc="upper left")
    ax_time.set_xticks(np.arange(len(datasets)) + 0.4 - width / 2, datasets)
    ax_time.set_yscale("log")
    ax_time.set_ylabel("fit time (s), one thread")
    for model in sorted({rec["model"] for rec in cost}):
        recs = sorted((rec for rec in cost if rec["model"] == model), key=lambda rec: rec["n_tasks"])
        tasks = [rec["n_tasks"] for rec in recs]
        ax_cost.plot(tasks, [rec["fit_seconds"] / rec["epochs"] for rec in recs], "o-", label=model)
        ax_mem.plot(tasks, [rec["peak_mb"] for rec in recs], "o-", label=model)
    for ax, label in ((ax_cost, "fit seconds per epoch"), (ax_mem, "peak memory of fit (MB)")):
        if not cost:
            ax.set_visible(False)
            continue
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("tasks T (first T ToxCast assays, all 8,576 rows)")
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def plot_relations(relations, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(relations), figsize=(6.5 * len(relations), 5.5), squeeze=False)
    for ax, (key, rel) in zip(axes[0], relations.items()):
        image = ax.imshow(np.array(rel["matrix"]), cmap="viridis")
        fig.colorbar(image, ax=ax)
        ticks = np.arange(len(rel["task_names"]))
        ax.set_xticks(ticks, rel["task_names"], rotation=90, fontsize=7)
        ax.set_yticks(ticks, rel["task_names"], fontsize=7)
        ax.set_xlabel("reading task")
        ax.set_ylabel("task read from")
        ax.set_title(key.replace("|", ": "))
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["tox21", "sider", "toxcast"],
                        choices=list(LOADERS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cost-epochs", type=int, default=1)
    # --parts with no value redoes nothing: it rewrites the summary and plots of the JSON.
    parser.add_argument("--parts", nargs="*", default=["accuracy", "cost"],
                        choices=["accuracy", "cost"])
    parser.add_argument("--out", default=str(HERE / "results" / "task_graph"))
    args = parser.parse_args()

    records, relations, cost = [], {}, []
    if "accuracy" in args.parts:
        records, relations = run_accuracy(args.datasets, args.seeds, args.models, args.workers)
    if "cost" in args.parts:
        cost = run_cost(list(NEURAL), args.cost_epochs)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    previous = previous_results(out.with_suffix(".json"))
    records = merge(previous.get("records", []), records,
                    key=lambda rec: (rec["dataset"], rec["model"], rec["seed"], rec["r"]))
    cost = merge(previous.get("cost", []), cost, key=lambda rec: (rec["model"], rec["n_tasks"]))
    summary = summarize(records, key=lambda rec: f"{rec['dataset']}|{rec['model']}|r={rec['r']}",
                        means=("peak_mb",))
    datasets = list(dict.fromkeys(rec["dataset"] for rec in records))
    models = [model for model in MODELS if any(rec["model"] == model for rec in records)]
    meta = dict(
        protocol="balanced scaffold split 80/10/10 (fit on train+valid), ECFP4-2048, "
        "each known test label visible with probability r, macro ROC-AUC on hidden entries; "
        f"ToxCast budget {TOXCAST_BUDGET}; one torch thread and one forest job per fit; "
        f"{args.workers} fits at a time (accuracy, in the run that last wrote this file; records "
        "of earlier runs are kept), one at a time (cost); peak_mb = growth "
        f"of the resident set during fit; cost: {args.cost_epochs} epoch(s) without "
        "validation, fit_seconds includes computing task_relations_",
        torch=torch.__version__, sklearn=sklearn.__version__, python=platform.python_version(),
        cpus=multiprocessing.cpu_count(), date=time.strftime("%Y-%m-%d"),
    )
    out.with_suffix(".json").write_text(
        json.dumps(dict(meta=meta, summary=summary, records=records, cost=cost), indent=1)
    )
    plot(summary, cost, datasets, models, out.with_suffix(".png"))
    if relations:
        plot_relations(relations, out.parent / f"{out.name}_relations.png")
    for key, s in summary.items():
        print(f"{key:55s} {s['roc_auc_mean']:.3f}  fit {s['fit_seconds_mean']:7.1f}s  "
              f"peak {s['peak_mb_mean']:7.0f} MB")
    for rec in cost:
        print(f"cost T={rec['n_tasks']:4d} {rec['model']:20s} {rec['fit_seconds'] / rec['epochs']:7.1f}"
              f" s/epoch  peak {rec['peak_mb']:7.0f} MB")


if __name__ == "__main__":
    main()
