"""GatedLabelConv (two sparse-dense products per direction) against a per-edge PyG layer.

Both compute the same function (checked here to 1e-5); the PyG version is what one writes
with ``MessagePassing``: one gated message per known label, mean aggregation.

    python benchmarks/bench_label_conv.py

Writes ``benchmarks/results/label_conv.json`` and ``label_conv.png``.
"""

import json
import time
from pathlib import Path

import torch
from torch_geometric.nn import MessagePassing

from sklearn_metalink.nn import GatedLabelConv, label_edges

HERE = Path(__file__).resolve().parent
# (data rows, tasks, fraction of labels known): a training episode, all of Tox21, ToxCast-like.
SHAPES = [(256, 12, 0.8), (7831, 12, 0.83), (2000, 617, 0.3)]
DIM = 256


class PerEdgeLabelConv(MessagePassing):
    """The same layer, one message per edge, sharing the weights of a GatedLabelConv."""

    def __init__(self, conv):
        super().__init__(aggr="mean")
        self.conv = conv

    def forward(self, h_src, h_dst, edge_index, label):
        out = self.propagate(edge_index, x=(h_src, h_dst), label=label, size=(len(h_src), len(h_dst)))
        c = self.conv
        return out + c.bias + torch.sigmoid(c.self_gate(h_dst)) * h_dst

    def message(self, x_j, label):
        c = self.conv
        return (c.message(x_j) + c.label_message[label]) * torch.sigmoid(c.gate(x_j) + c.label_gate[label])


def timed(fn, repeats=3):
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    torch.manual_seed(0)
    results = []
    for n, T, density in SHAPES:
        y = torch.randint(0, 2, (n, T)).float()
        y[torch.rand(n, T) > density] = float("nan")
        h_data, h_tasks = torch.randn(n, DIM, requires_grad=True), torch.randn(T, DIM, requires_grad=True)
        conv = GatedLabelConv(DIM)
        reference = PerEdgeLabelConv(conv)
        rows, cols = torch.nonzero(~torch.isnan(y), as_tuple=True)
        edge_index, label = torch.stack([cols, rows]), y[rows, cols].long()

        def sparse_step():
            to_data, _ = label_edges(y)
            conv(h_tasks, h_data, to_data).sum().backward()

        def per_edge_step():
            reference(h_tasks, h_data, edge_index, label).sum().backward()

        with torch.no_grad():
            to_data, _ = label_edges(y)
            diff = (conv(h_tasks, h_data, to_data) - reference(h_tasks, h_data, edge_index, label)).abs().max()
        record = dict(
            n_data=n, n_tasks=T, density=density, n_edges=int(len(label)), max_abs_diff=float(diff),
            sparse_seconds=timed(sparse_step), per_edge_seconds=timed(per_edge_step),
        )
        record["speedup"] = record["per_edge_seconds"] / record["sparse_seconds"]
        results.append(record)
        print(json.dumps(record), flush=True)

    out = HERE / "results" / "label_conv"
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = dict(what="forward + backward of one layer direction (data nodes <- task nodes), hidden 256",
                threads=torch.get_num_threads(), torch=torch.__version__)
    out.with_suffix(".json").write_text(json.dumps(dict(meta=meta, results=results), indent=1))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{r['n_data']}x{r['n_tasks']}\n{r['n_edges']:,} edges" for r in results]
    x = range(len(results))
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.bar([i - 0.2 for i in x], [r["sparse_seconds"] for r in results], 0.4, label="GatedLabelConv (sparse products)")
    ax.bar([i + 0.2 for i in x], [r["per_edge_seconds"] for r in results], 0.4, label="PyG MessagePassing (per edge)")
    ax.set_xticks(list(x), labels)
    ax.set_yscale("log")
    ax.set_ylabel("seconds, forward + backward (2 CPU cores)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out.with_suffix(".png"), dpi=110)


if __name__ == "__main__":
    main()
