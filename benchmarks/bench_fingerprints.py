"""MorganFingerprint on the Tox21 SMILES against a bare RDKit loop.

The transformer adds input checks, the invalid-SMILES policy, chunking and feature names on
top of RDKit; this measures what that costs. Target: within 1.2x of the bare loop.

Run from the repository root:

    .venv/bin/python benchmarks/bench_fingerprints.py

Writes benchmarks/results/fingerprints.json and benchmarks/results/fingerprints.png.
"""

import json
import os
import platform
import statistics
import time
from pathlib import Path

import matplotlib
import numpy as np
import rdkit
import sklearn
from rdkit import Chem, rdBase
from rdkit.Chem import rdFingerprintGenerator

from sklearn_metalink.chem import MorganFingerprint
from sklearn_metalink.datasets import load_tox21

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the Agg backend)

RESULTS = Path(__file__).parent / "results"
REPEATS = 7
TARGET_RATIO = 1.2


def bare_loop(smiles):
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    return np.array([generator.GetFingerprintAsNumPy(Chem.MolFromSmiles(s)) for s in smiles])


def seconds(function, argument):
    start = time.perf_counter()
    function(argument)
    return time.perf_counter() - start


def main():
    all_smiles, _ = load_tox21(return_X_y=True)
    valid = [s for s in all_smiles if Chem.MolFromSmiles(s) is not None]
    parallel = MorganFingerprint(n_jobs=2)
    parallel.fit_transform(valid)  # start the worker processes outside the timing
    cases = {
        "bare RDKit loop": (bare_loop, valid),
        "MorganFingerprint()": (MorganFingerprint().fit_transform, valid),
        "MorganFingerprint(invalid='partial'), all rows": (
            MorganFingerprint(invalid="partial").fit_transform,
            all_smiles,
        ),
        "MorganFingerprint(sparse=True)": (MorganFingerprint(sparse=True).fit_transform, valid),
        "MorganFingerprint(n_jobs=2), warm workers": (parallel.fit_transform, valid),
    }
    np.testing.assert_array_equal(bare_loop(valid), MorganFingerprint().fit_transform(valid))

    # Interleaved repeats, so that load from other processes hits every case alike.
    times = {name: [] for name in cases}
    for _ in range(REPEATS):
        for name, (function, argument) in cases.items():
            times[name].append(seconds(function, argument))

    bare = min(times["bare RDKit loop"])
    ours = min(times["MorganFingerprint()"])
    report = {
        "task": "Morgan radius 2, 2048 bits, Tox21 SMILES",
        "n_molecules_valid": len(valid),
        "n_molecules_all": len(all_smiles),
        "repeats": REPEATS,
        "seconds_min": {name: round(min(t), 4) for name, t in times.items()},
        "seconds_median": {name: round(statistics.median(t), 4) for name, t in times.items()},
        "ratio_to_bare_loop_min": round(ours / bare, 3),
        "ratio_to_bare_loop_median": round(
            statistics.median(times["MorganFingerprint()"])
            / statistics.median(times["bare RDKit loop"]),
            3,
        ),
        "target_ratio": TARGET_RATIO,
        "within_target": ours / bare <= TARGET_RATIO,
        "molecules_per_second_ours": round(len(valid) / ours),
        "environment": {
            "python": platform.python_version(),
            "rdkit": rdkit.__version__,
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
            "cpu_count": os.cpu_count(),
            "load_average_1min": round(os.getloadavg()[0], 2),
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "fingerprints.json").write_text(json.dumps(report, indent=2) + "\n")
    plot(times, RESULTS / "fingerprints.png", report)
    print(json.dumps(report, indent=2))


def plot(times, path, report):
    names = list(times)
    best = [min(times[name]) for name in names]
    medians = [statistics.median(times[name]) for name in names]
    figure, axes = plt.subplots(figsize=(9, 3.5))
    positions = np.arange(len(names))
    axes.barh(positions, best, color=["0.6"] + ["tab:blue"] * (len(names) - 1))
    axes.plot(medians, positions, "k|", markersize=14)
    axes.set_yticks(positions, names)
    axes.invert_yaxis()
    axes.set_xlabel(f"seconds: bar = best of {report['repeats']}, | = median (lower is better)")
    axes.set_title(
        f"Morgan r=2, 2048 bits, {report['n_molecules_valid']:,} Tox21 SMILES: "
        f"{report['ratio_to_bare_loop_min']}x the bare RDKit loop",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=120)


if __name__ == "__main__":
    with rdBase.BlockLogs():  # RDKit's log lines about the [AlH3] salts, in every case alike
        main()
