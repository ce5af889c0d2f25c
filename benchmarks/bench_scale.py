"""Scale: predict throughput, and fit cost against rows and tasks.

Three parts, each a separate run (``--part``), each point in a fresh subprocess so that its
peak memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``: the resident set of the whole
process, Python, numpy and torch included, about 0.4 GB before any data) is its own:

* ``throughput``: MetaLinkClassifier with its defaults (``max_epochs=2``: the weights do not
  change the cost) fitted on Tox21, 2,048-bit Morgan fingerprints as ``MorganFingerprint``
  returns them (dense uint8); predict_proba on 20,000 Tox21 rows drawn with replacement,
  without context and with half of the 12 labels of another Tox21 row as context; with the
  default ``n_neighbors=100``, with 25 (the default before) and with ``n_neighbors=0``.
  Best of three calls, rows/s.
* ``rows``: fit seconds per epoch (``max_epochs=1``, ``n_neighbors=0``: the network) and
  peak memory against rows: Tox21 sizes of synthetic rows (30 of 2,048 random bits on, CSR),
  1 % of the labels known over 1,000 tasks, up to ``--max-rows``; MUV (93k x 17, ECFP4)
  when ``../shared/data`` has it. Also the neighbour search that ``n_neighbors > 0`` adds:
  the seconds to find the candidates of 2,000 rows among the fit rows, from which the
  all-pairs search of fit (every fit row against every other) follows.
* ``tasks``: the same per-epoch fit and memory against tasks (12, 617, 2,000) at 10,000
  synthetic rows.
* ``search``: the neighbour search alone (``NeighbourIndex.nearest``, 500 candidates, as
  MetaLinkClassifier asks) against rows: synthetic rows up to ``--max-rows`` and MUV; the
  seconds to build the index (the clusters, from 20,000 rows), rows/s of 2,000 queries,
  the all-pairs search of fit derived from it, and for MUV that search measured whole.
* ``muv-fit``: MetaLinkClassifier with its defaults fitted on MUV (93k x 17), timed whole.

A linear fit ``seconds = a + b * rows`` (and of memory) is stored with the points.

    python benchmarks/bench_scale.py --part throughput
    python benchmarks/bench_scale.py --part rows --max-rows 300000
    python benchmarks/bench_scale.py --part rows --sources synthetic --row-sizes 1000000 \
        --max-rows 1000000 --label-dtype float16 --tag float16_labels   # about 25 minutes
    python benchmarks/bench_scale.py --part rows --sources synthetic --threads 2 --tag two_threads
    python benchmarks/bench_scale.py --part tasks
    python benchmarks/bench_scale.py --part search --max-rows 1000000
    python benchmarks/bench_scale.py --part muv-fit
    python benchmarks/bench_scale.py --no-run      # plot from the JSON
    PYTHONPATH=../main python benchmarks/bench_scale.py --part throughput --tag main

Writes ``results/scale.json`` and ``results/scale.png``. One torch thread (``--threads`` for
more), on a shared 2-core machine whose other jobs slow every number here.
"""

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch

from common import SHARED_DATA, previous_results

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "scale.json"
ROW_SIZES = (1_000, 10_000, 30_000, 100_000, 300_000, 1_000_000)
TASK_SIZES = (12, 617, 2_000)
N_BITS, BITS_ON, LABEL_DENSITY = 2048, 30, 0.01


def peak_gib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def synthetic(n_rows, n_tasks, seed=0, label_dtype="float32"):
    """CSR fingerprints with BITS_ON random bits per row; 1 % known labels, 10 % positive,
    in float32 (or ``label_dtype``: fit uses a float Y as it is)."""
    rng = np.random.RandomState(seed)
    indices = np.sort(
        rng.randint(0, N_BITS, size=(n_rows, BITS_ON)).astype(np.int32), axis=1
    ).ravel()
    X = sp.csr_matrix(
        (np.ones(len(indices), dtype=np.float32), indices,
         np.arange(0, n_rows * BITS_ON + 1, BITS_ON)), shape=(n_rows, N_BITS),
    )
    X.sum_duplicates()
    X.data[:] = 1.0
    Y = np.full((n_rows, n_tasks), np.nan, dtype=label_dtype)
    # Known cells drawn by position: no (rows, tasks) array of draws inflates the peak.
    known = np.unique(rng.randint(0, n_rows * n_tasks, size=int(LABEL_DENSITY * n_rows * n_tasks)))
    Y.flat[known] = rng.rand(len(known)) < 0.1
    return X, Y


def tox21_fingerprints():
    from sklearn_metalink.chem import MorganFingerprint
    from sklearn_metalink.datasets import load_tox21

    smiles, Y = load_tox21(return_X_y=True)
    return MorganFingerprint(invalid="zeros").fit_transform(smiles), np.asarray(Y, dtype=float)


def best_rows_per_second(predict, n_rows, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        predict()
        times.append(time.perf_counter() - start)
    return n_rows / min(times)


def point_throughput(n_neighbors, n_query=20_000):
    from sklearn_metalink import MetaLinkClassifier

    X, Y = tox21_fingerprints()
    model = MetaLinkClassifier(max_epochs=2, n_neighbors=n_neighbors, random_state=0).fit(X, Y)
    rng = np.random.RandomState(0)
    Xq = X[rng.randint(0, len(X), n_query)]
    other = Y[rng.randint(0, len(X), n_query)]
    context = np.where(rng.rand(*other.shape) < 0.5, other, np.nan)
    model.predict_proba(Xq[:1000], context[:1000])  # warm-up
    return dict(
        n_neighbors=n_neighbors, fit_rows=len(X), n_query=n_query, x_dtype=str(Xq.dtype),
        bits_on_mean=float((Xq != 0).sum(axis=1).mean()),
        rows_per_second_context=best_rows_per_second(
            lambda: model.predict_proba(Xq, context), n_query),
        rows_per_second_no_context=best_rows_per_second(
            lambda: model.predict_proba(Xq), n_query),
    )


def point_fit(n_rows, n_tasks, source, neighbour_queries=2_000, label_dtype="float32"):
    from sklearn_metalink import MetaLinkClassifier
    from sklearn_metalink.estimators._retrieval import LabelNeighbours

    if source == "muv":
        X, Y = muv_fingerprints()
    else:
        X, Y = synthetic(n_rows, n_tasks, label_dtype=label_dtype)
    n_rows, n_tasks = Y.shape
    data_gib = peak_gib()
    model = MetaLinkClassifier(max_epochs=1, n_neighbors=0, random_state=0)
    start = time.perf_counter()
    model.fit(X, Y)
    fit_seconds = time.perf_counter() - start
    record = dict(
        source=source, rows=n_rows, tasks=n_tasks, y_dtype=str(Y.dtype),
        fit_epoch_seconds=fit_seconds,
        peak_gib_data=data_gib, peak_gib=peak_gib(),
    )
    queries = X[:neighbour_queries]
    context = np.where(np.random.RandomState(0).rand(queries.shape[0], n_tasks) < 0.5,
                       Y[:neighbour_queries], np.nan)
    record["predict_rows_per_second_context"] = best_rows_per_second(
        lambda: model.predict_proba(queries, context), queries.shape[0], repeats=2)
    record["predict_rows_per_second_no_context"] = best_rows_per_second(
        lambda: model.predict_proba(queries), queries.shape[0], repeats=2)
    if n_rows <= 300_000:
        neighbours = LabelNeighbours(X, Y, 25, 500)
        start = time.perf_counter()
        neighbours.candidates(queries)
        seconds = time.perf_counter() - start
        record.update(
            neighbour_search_rows_per_second=queries.shape[0] / seconds,
            # Fit finds the candidates of every fit row among all the others: rows x this.
            neighbour_fit_seconds_derived=n_rows * seconds / queries.shape[0],
        )
    record["peak_gib"] = peak_gib()
    return record


def muv_fingerprints():
    from sklearn_metalink.chem import MorganFingerprint
    from sklearn_metalink.datasets import load_muv

    smiles, Y = load_muv(data_home=SHARED_DATA, return_X_y=True)
    X = sp.csr_matrix(MorganFingerprint(invalid="zeros").fit_transform(smiles))
    return X, np.asarray(Y, dtype=np.float32)


def point_search(n_rows, source, n_queries=2_000, n_candidates=500):
    from sklearn_metalink.estimators._retrieval import _CHUNK, NeighbourIndex

    X = muv_fingerprints()[0] if source == "muv" else synthetic(n_rows, 1)[0]
    n_rows = X.shape[0]
    start = time.perf_counter()
    index = NeighbourIndex(X)
    record = dict(source=source, rows=n_rows, build_seconds=time.perf_counter() - start,
                  clustered=index.cluster is not None)

    def search(rows, exclude):
        for lo in range(0, len(rows), _CHUNK):
            hi = min(lo + _CHUNK, len(rows))
            index.nearest(X[rows[lo:hi]], n_candidates,
                          None if exclude is None else exclude[lo:hi])

    queries = np.random.RandomState(0).choice(n_rows, min(n_queries, n_rows), replace=False)
    start = time.perf_counter()
    search(queries, queries)
    seconds = time.perf_counter() - start
    record.update(search_rows_per_second=len(queries) / seconds,
                  fit_search_seconds_derived=n_rows * seconds / len(queries))
    if source == "muv":
        start = time.perf_counter()
        search(np.arange(n_rows), np.arange(n_rows))
        record["fit_search_seconds"] = time.perf_counter() - start
    record["peak_gib"] = peak_gib()
    return record


def point_muv_fit():
    from sklearn_metalink import MetaLinkClassifier

    X, Y = muv_fingerprints()
    model = MetaLinkClassifier(random_state=0)
    start = time.perf_counter()
    model.fit(X, Y)
    seconds = time.perf_counter() - start
    history = model.net_.history
    return dict(rows=X.shape[0], tasks=Y.shape[1], fit_seconds=seconds,
                epochs=int(model.n_epochs_),
                epoch_seconds_mean=float(np.mean([row["dur"] for row in history])),
                clustered=model._neighbours.index.cluster is not None, peak_gib=peak_gib())


def run_point(args):
    """One point in a fresh interpreter (its own peak memory), as a record."""
    command = [sys.executable, __file__, "--point", json.dumps(args)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def linear_fit(x, y):
    slope, intercept = np.polyfit(np.asarray(x, dtype=float), np.asarray(y, dtype=float), 1)
    return dict(slope=float(slope), intercept=float(intercept))


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(18, 4.2))
    rows = [r for r in results.get("rows", []) if r["source"] == "synthetic"]
    muv = [r for r in results.get("rows", []) if r["source"] == "muv"]
    fits = results.get("rows_linear_fit", {})
    for ax, field, label in ((axes[0], "fit_epoch_seconds", "seconds (one epoch)"),
                             (axes[1], "peak_gib", "peak RSS of the process (GiB)")):
        if rows:
            ax.plot([r["rows"] for r in rows], [r[field] for r in rows], "o-",
                    label="synthetic, 1,000 tasks, n_neighbors=0")
        if field in fits:
            n = np.array([1e3, 1e6])
            ax.plot(n, fits[field]["intercept"] + fits[field]["slope"] * n, "k:", lw=1,
                    label="linear fit, extrapolated to 10^6")
        two = [r for r in results.get("rows_two_threads", []) if r["source"] == "synthetic"]
        if two:
            ax.plot([r["rows"] for r in two], [r[field] for r in two], "o--", color="C0",
                    alpha=0.6, label="the same, two torch threads")
        for r in results.get("rows_float16_labels", []):
            ax.plot(r["rows"], r[field], "D", color="C4", ms=8,
                    label="10^6 synthetic rows, float16 labels, n_neighbors=0")
        for r in muv:
            ax.plot(r["rows"], r[field], "r*", ms=12, label="MUV (17 tasks), n_neighbors=0")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("fit rows")
        ax.set_ylabel(label)
    search = [r for r in rows + muv if "neighbour_fit_seconds_derived" in r]
    axes[0].plot([r["rows"] for r in search], [r["neighbour_fit_seconds_derived"] for r in search],
                 "s--", label="neighbour search of fit, 25 neighbours (derived)")
    clustered = sorted(results.get("search", []), key=lambda r: r["rows"])
    if clustered:
        axes[0].plot([r["rows"] for r in clustered],
                     [r["fit_search_seconds_derived"] for r in clustered], "^-", color="C2",
                     label="neighbour search of fit, clustered from 20k rows (derived)")
    axes[1].axhline(4, color="grey", ls="--", lw=1, label="4 GiB")
    for ax in axes[:2]:
        ax.legend(fontsize=7)
    tasks = results.get("tasks", [])
    if tasks:
        axes[2].plot([r["tasks"] for r in tasks], [r["fit_epoch_seconds"] for r in tasks], "o-",
                     label="one torch thread")
        two = results.get("tasks_two_threads", [])
        if two:
            axes[2].plot([r["tasks"] for r in two], [r["fit_epoch_seconds"] for r in two], "o--",
                         color="C0", alpha=0.6, label="two torch threads")
        axes[2].legend(fontsize=7, loc="upper left")
        axes[2].set_ylabel("seconds (one epoch, 10,000 rows)")
        axes[2].set_xlabel("tasks")
        twin = axes[2].twinx()
        twin.plot([r["tasks"] for r in tasks], [r["peak_gib"] for r in tasks], "s--", color="C1")
        twin.set_ylabel("peak RSS (GiB, dashed)")
    stages = {"throughput_main": "dense\nlayer", "throughput_sparse": "sparse\nlayer",
              "throughput_float_codes": "float\ncodes", "throughput": "now",
              "throughput_two_threads": "now, 2\nthreads"}
    bars = [(key, r) for key in stages for r in results.get(key, [])]
    if bars:
        names = [f"{stages[key]}\nk={r['n_neighbors']}" for key, r in bars]
        x = np.arange(len(bars))
        axes[3].bar(x - 0.2, [r["rows_per_second_context"] for _, r in bars], 0.4,
                    label="half of 12 labels as context")
        axes[3].bar(x + 0.2, [r["rows_per_second_no_context"] for _, r in bars], 0.4,
                    label="no context")
        axes[3].axhline(50_000, color="k", ls=":", label="target 50,000")
        axes[3].set_xticks(x, names, fontsize=6)
        axes[3].set_xlabel("n_neighbors = k")
        axes[3].set_ylabel("predict rows/s, Tox21 model (1 thread unless marked)")
        axes[3].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("throughput", "rows", "tasks", "search", "muv-fit"))
    parser.add_argument("--max-rows", type=int, default=100_000)
    parser.add_argument("--row-sizes", type=int, nargs="+", default=list(ROW_SIZES),
                        help="rows part: the synthetic sizes (up to --max-rows)")
    parser.add_argument("--label-dtype", default="float32", choices=("float32", "float16"),
                        help="rows part: the synthetic label matrix's dtype")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--sources", nargs="+", default=["synthetic", "muv"],
                        choices=["synthetic", "muv"], help="rows part: which data")
    parser.add_argument("--point", help=argparse.SUPPRESS)
    parser.add_argument("--no-run", action="store_true")
    parser.add_argument("--tag", default="", help="stores the part as PART_TAG, e.g. "
                        "'--part throughput --tag main' with PYTHONPATH at another checkout")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.point:
        point = json.loads(args.point)
        torch.set_num_threads(point.pop("threads"))
        kind = point.pop("kind")
        record = dict(throughput=point_throughput, fit=point_fit, search=point_search,
                      muv_fit=point_muv_fit)[kind](**point)
        print(json.dumps(dict(record, torch_threads=torch.get_num_threads())))
        return
    results = previous_results(OUT)
    if args.part:
        common, kept = dict(threads=args.threads), []
        if args.part == "throughput":
            points = [dict(kind="throughput", n_neighbors=k, **common) for k in (100, 25, 0)]
        elif args.part == "rows":
            points = [dict(kind="fit", n_rows=n, n_tasks=1000, source="synthetic",
                           label_dtype=args.label_dtype, **common)
                      for n in args.row_sizes if n <= args.max_rows
                      and "synthetic" in args.sources]
            if "muv" in args.sources and (SHARED_DATA / "muv.csv.gz").exists():
                points.append(dict(kind="fit", n_rows=0, n_tasks=0, source="muv", **common))
            # The points of the sources this run does not redo are kept (in "rows" only).
            kept = [r for r in results.get("rows", [])
                    if r["source"] not in args.sources and not args.tag]
        elif args.part == "search":
            points = [dict(kind="search", n_rows=n, source="synthetic", **common)
                      for n in ROW_SIZES if n <= args.max_rows]
            points.append(dict(kind="search", n_rows=0, source="muv", **common))
        elif args.part == "muv-fit":
            points = [dict(kind="muv_fit", **common)]
        else:
            points = [dict(kind="fit", n_rows=10_000, n_tasks=t, source="synthetic", **common)
                      for t in TASK_SIZES]
        records = []
        for point in points:
            records.append(run_point(point))
            print(json.dumps(records[-1]), flush=True)
        if args.part == "rows":
            records = sorted(records + kept, key=lambda r: (r["source"] == "muv", r["rows"]))
        part = args.part.replace("-", "_")
        results[f"{part}_{args.tag}" if args.tag else part] = records
    synthetic_rows = [r for r in results.get("rows", []) if r["source"] == "synthetic"]
    if len(synthetic_rows) >= 2:
        n = [r["rows"] for r in synthetic_rows]
        results["rows_linear_fit"] = dict(
            fit_epoch_seconds=linear_fit(n, [r["fit_epoch_seconds"] for r in synthetic_rows]),
            peak_gib=linear_fit(n, [r["peak_gib"] for r in synthetic_rows]),
        )
    if len(results.get("tasks", [])) >= 2:
        t = [r["tasks"] for r in results["tasks"]]
        results["tasks_linear_fit"] = dict(
            fit_epoch_seconds=linear_fit(t, [r["fit_epoch_seconds"] for r in results["tasks"]]),
            peak_gib=linear_fit(t, [r["peak_gib"] for r in results["tasks"]]),
        )
    results["meta"] = dict(
        protocol=__doc__.split("\n\n")[1].replace("\n", " "), torch=torch.__version__,
        python=platform.python_version(), date=time.strftime("%Y-%m-%d"),
        machine="2 cores shared with other jobs (busy)",
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=1))
    plot(results, OUT.with_suffix(".png"))


if __name__ == "__main__":
    main()
