"""Helpers shared by the benchmark scripts."""

import json
from pathlib import Path

import numpy as np

from sklearn_metalink.datasets import load_sider, load_tox21, load_toxcast

# SIDER, MUV and yeast are not bundled: the benchmarks read them from ../shared/data.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
# Molecular data sets: name -> loader(return_X_y=...) of (SMILES, Y).
LOADERS = {
    "tox21": load_tox21,
    "toxcast": load_toxcast,
    "sider": lambda **kw: load_sider(data_home=SHARED_DATA, **kw),
}


def merge(old, new, key):
    """The old records this run did not redo, then the new ones."""
    redone = {key(rec) for rec in new}
    return [rec for rec in old if key(rec) not in redone] + new


def previous_results(path):
    """The JSON a previous run wrote at ``path``, or an empty dict."""
    path = Path(path)
    return json.loads(path.read_text()) if path.exists() else {}


def hide_labels(Y, r, seed):
    """Show each known entry with probability r; the rest are the targets."""
    visible = ~np.isnan(Y) & (np.random.RandomState(seed).rand(*Y.shape) < r)
    return np.where(visible, Y, np.nan), np.where(visible, np.nan, Y)


def summarize(records, key, means=()):
    """Records grouped by ``key(rec)`` (a string): ROC-AUC mean and standard deviation, the
    mean fit time and of each field in ``means`` over the records that have it (an
    evaluation of an existing fit, e.g. a blend grid, records none), and the number of
    records (seeds)."""
    groups = {}
    for rec in records:
        groups.setdefault(key(rec), []).append(rec)
    summary = {}
    for name, recs in groups.items():
        scores = [r["roc_auc"] for r in recs]
        stats = dict(roc_auc_mean=float(np.mean(scores)), roc_auc_std=float(np.std(scores)))
        for field in ("fit_seconds", *means):
            values = [r[field] for r in recs if field in r]
            if values:
                stats[f"{field}_mean"] = float(np.mean(values))
        summary[name] = dict(stats, n_seeds=len(recs))
    return summary


def grouped_bars(ax, models, groups, stats):
    """One bar per model in each group: the ``roc_auc_mean`` (± ``roc_auc_std``) of the summary
    entries ``stats(model)``, one per group (None: no bar). Returns the bar width."""
    width = 0.8 / len(models)
    ticks = np.arange(len(groups))
    for i, model in enumerate(models):
        entries = stats(model)
        ax.bar(ticks + i * width, [s["roc_auc_mean"] if s else np.nan for s in entries], width,
               yerr=[s["roc_auc_std"] if s else 0 for s in entries], capsize=2, label=model)
    ax.set_xticks(ticks + 0.4 - width / 2, groups)
    return width
