"""
Benchmark results, rendered from their JSON
===========================================

The scripts in ``benchmarks/`` write every run to ``benchmarks/results/*.json``. This page
reads those files when the documentation is built, so its tables and figures always show
the numbers the scripts last wrote (the protocols are on the benchmarks page). Each table
is the mean ± standard deviation of the ROC-AUC over seeds, for whatever data sets, models
and protocols the file holds; ``n`` is the number of seeds.
"""

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

try:
    RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results"
except NameError:  # sphinx-gallery runs examples without __file__, from examples/
    RESULTS = Path.cwd().parent / "benchmarks" / "results"

# Per-run measurements; every other field of a record (data set, model, r, k, ...) is a
# condition that the tables and figures split on.
MEASUREMENTS = {"seed", "roc_auc", "epochs", "n_tasks", "n_new_tasks", "n_support_rows", "rows"}


def is_measurement(column):
    return column in MEASUREMENTS or "seconds" in column or column.endswith("_mb")


def load(name):
    """The records of ``benchmarks/results/<name>.json`` as a DataFrame, and its metadata."""
    content = json.loads((RESULTS / f"{name}.json").read_text())
    return pd.DataFrame(content["records"]), content.get("meta", {})


def conditions(records, rows):
    """The condition columns that are not row labels and take more than one value: the
    table's columns."""
    return [
        c for c in records.columns
        if not is_measurement(c) and c not in rows and records[c].nunique(dropna=False) > 1
    ]


def natural(values):
    """Sort key: numbers by value (also as strings, like k="16"), then words ("all")."""
    def key(v):
        try:
            return (0, float(v), "")
        except (TypeError, ValueError):
            return (1, 0.0, str(v))
    return pd.Index([key(v) for v in values])


def score_table(records, rows):
    """Mean ± std ROC-AUC over seeds, one row per ``rows`` combination, one column per
    combination of the other conditions. The std is numpy's (ddof=0), as in the files'
    own summaries."""
    rows = [c for c in rows if c in records.columns]
    columns = conditions(records, rows)
    grouped = records.groupby(rows + columns, dropna=False)["roc_auc"]
    cells = pd.Series({
        key: f"{scores.mean():.3f} ± {scores.std(ddof=0):.3f} (n={len(scores)})"
        for key, scores in grouped
    })
    cells.index.names = rows + columns
    if not columns:
        return cells.to_frame("ROC-AUC")
    return cells.unstack(columns).sort_index(axis=1, key=natural)


def protocol_labels(records, protocols):
    """One string per record naming its protocol, e.g. "r=0.5"."""
    if not protocols:
        return pd.Series("", index=records.index)
    return records[protocols].astype(str).apply(
        lambda row: ", ".join(v if c == "protocol" else f"{c}={v}" for c, v in row.items()),
        axis=1
    )


def one_entry_per_label(axes):
    """Legend handles of all panels, one per label, in order of appearance."""
    return {name: handle for ax in axes.flat
            for handle, name in zip(*ax.get_legend_handles_labels())}


def describe(meta):
    for key in ("protocol", "date", "torch", "sklearn"):
        if key in meta:
            print(f"{key}: {meta[key]}")


# %%
# Relational benchmark (``bench_relational.py``)
# ----------------------------------------------
# Each known label of a test molecule is shown as context with probability ``r``; the
# score is the macro ROC-AUC over the hidden labels.
relational, meta = load("relational")
describe(meta)
score_table(relational, rows=["dataset", "model"])

# %%
# The same as bars, one panel per data set and one group per protocol. The horizontal
# ticks are the seeds.


def bar_panels(records, group_by, title):
    datasets = records["dataset"].unique()
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.5 * len(datasets), 3.8), sharey=True,
                             squeeze=False)
    labels = protocol_labels(records, conditions(records, ["dataset", group_by]))
    models = records[group_by].unique()
    width = 0.8 / len(models)
    for ax, dataset in zip(axes[0], datasets):
        of_set = records["dataset"] == dataset
        protocols = sorted(labels[of_set].unique())
        for m, model in enumerate(models):
            for p, protocol in enumerate(protocols):
                scores = records.loc[of_set & (records[group_by] == model)
                                     & (labels == protocol), "roc_auc"]
                if scores.empty:
                    continue
                x = p + (m - (len(models) - 1) / 2) * width
                ax.bar(x, scores.mean(), width, color=f"C{m}", label=model)
                ax.scatter(np.full(len(scores), x), scores, marker="_", color="k", s=40,
                           zorder=3)
        ax.set_xticks(range(len(protocols)), protocols)
        ax.set_title(dataset)
        ax.set_ylim(min(0.5, records["roc_auc"].min() - 0.05), 1)
    axes[0, 0].set_ylabel("ROC-AUC on hidden labels")
    legend = one_entry_per_label(axes)
    fig.legend(legend.values(), legend.keys(), loc="lower center", ncol=min(len(models), 5),
               fontsize=8, frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    plt.show()


bar_panels(relational, "model", "Relational benchmark")

# %%
# Task-graph benchmark (``bench_task_graph.py``)
# ----------------------------------------------
# :class:`~sklearn_metalink.TaskGraphClassifier` (complete and star graphs) against MetaLink
# and the forests, same protocol.
task_graph, meta = load("task_graph")
describe(meta)
score_table(task_graph, rows=["dataset", "model"])

# %%
bar_panels(task_graph, "model", "Task-graph benchmark")

# %%
# Cost against the number of tasks: one epoch on 8,576 rows, from the ``cost`` part of the
# same file.
cost = pd.DataFrame(json.loads((RESULTS / "task_graph.json").read_text()).get("cost", []))
if not cost.empty:
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    for model, runs in cost.groupby("model"):
        runs = runs.sort_values("n_tasks")
        axes[0].plot(runs["n_tasks"], runs["fit_seconds"], marker="o", label=model)
        axes[1].plot(runs["n_tasks"], runs["peak_mb"], marker="o", label=model)
    for ax, label in zip(axes, ("seconds per epoch", "peak memory (MB)")):
        ax.set_xscale("log")
        ax.set_xlabel("tasks")
        ax.set_ylabel(label)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    plt.show()

# %%
# New tasks from k labelled molecules (``bench_meta.py``)
# -------------------------------------------------------
# 20 % of the tasks are held out of fit (``last``: the last columns; ``random``: a seeded
# subset); each model predicts them from a support of k labelled training molecules per
# new task. ``meta``: nothing else known about a test molecule; ``relational-meta``: half
# of its new-task labels known; ``+train``: its training-task labels known too.
meta_records, meta = load("meta")
describe(meta)
score_table(meta_records, rows=["dataset", "protocol", "setting", "model"])

# %%
# ROC-AUC against k, one row of panels per data set and one column per setting (``last``
# task protocol when the file has it).
last = meta_records[meta_records["protocol"] == "last"] if "protocol" in meta_records else \
    meta_records
datasets, settings = last["dataset"].unique(), last["setting"].unique()
models = sorted(last["model"].unique())
fig, axes = plt.subplots(len(datasets), len(settings), figsize=(3.4 * len(settings),
                         2.6 * len(datasets)), sharey=True, squeeze=False)
for row, dataset in zip(axes, datasets):
    for ax, setting in zip(row, settings):
        runs = last[(last["dataset"] == dataset) & (last["setting"] == setting)]
        ks = sorted(runs["k"].unique(), key=lambda k: tuple(natural([k])[0]))
        for m, model in enumerate(models):
            means = runs[runs["model"] == model].groupby("k")["roc_auc"].mean().reindex(ks)
            if means.notna().any():
                ax.plot(range(len(ks)), means, marker="o", color=f"C{m}", label=model)
        ax.set_xticks(range(len(ks)), ks)
        ax.set_title(f"{dataset}, {setting}", fontsize=9)
    row[0].set_ylabel("ROC-AUC, new tasks")
for ax in axes[-1]:
    ax.set_xlabel("k labelled molecules per new task")
legend = one_entry_per_label(axes)
fig.legend(legend.values(), legend.keys(), loc="lower center", ncol=5, fontsize=8, frameon=False)
fig.tight_layout(rect=(0, 0.05, 1, 1))
plt.show()

# %%
# Encoders (``bench_encoders.py``)
# --------------------------------
# The fingerprint MLP against the D-MPNN on molecular graphs, half of the test labels
# known.
encoders, meta = load("encoders")
describe(meta)
score_table(encoders, rows=["dataset", "encoder"])

# %%
# Fit cost of the same runs, seconds (mean over seeds).
encoders.groupby(["dataset", "encoder"])[
    [c for c in encoders.columns if "seconds" in c or c == "epochs"]
].mean().round(1)
