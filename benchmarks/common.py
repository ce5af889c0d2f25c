"""Helpers shared by the benchmark scripts."""

import json
from pathlib import Path

import numpy as np


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
