"""
The graph MetaLink sees: one minibatch in each of the four settings
====================================================================

MetaLink turns a minibatch into a graph. Every row is a **data node** (its vector comes from
an encoder of X), every task is a **task node**, and every *known* label is an **edge**
between them that carries the label (1 or 0). An unknown label of a query row is predicted
as a **link** between its data node and the task node.

The four settings differ only in which edges the graph has:

* **standard**: the query row has no known label; every label of it is predicted.
* **relational**: some labels of the query row are known and become edges (its context).
* **meta**: the tasks are new (never seen in fit); their task nodes start from one shared
  vector and learn who they are only from the few support rows labelled on them.
* **relational-meta**: the same, and some new-task labels of the query row are known too.

The edges below are built by :func:`sklearn_metalink.nn.label_edges`, the function the
model itself uses, from small label matrices written out in the code (NaN = unknown).
"""

import matplotlib.pyplot as plt
import numpy as np
import torch

from sklearn_metalink.nn import label_edges

nan = np.nan
SUPPORT = ["support 1", "support 2", "support 3"]

# Rows: three support rows, then the query row. Columns: the tasks of the graph.
# In the query row, "?" marks the labels to predict (known in the data, hidden from the model).
SETTINGS = {
    "standard": dict(
        tasks=["task 1", "task 2", "task 3", "task 4"],
        labels=[[1, 0, 1, nan], [0, 0, nan, 1], [1, nan, 0, 0], [nan, nan, nan, nan]],
        targets=[0, 1, 2, 3],
    ),
    "relational": dict(
        tasks=["task 1", "task 2", "task 3", "task 4"],
        labels=[[1, 0, 1, nan], [0, 0, nan, 1], [1, nan, 0, 0], [1, 0, nan, nan]],
        targets=[2, 3],
    ),
    "meta": dict(
        tasks=["new task A", "new task B"],
        labels=[[1, nan], [0, 1], [nan, 0], [nan, nan]],
        targets=[0, 1],
    ),
    "relational-meta": dict(
        tasks=["new task A", "new task B"],
        labels=[[1, nan], [0, 1], [nan, 0], [0, nan]],
        targets=[1],
    ),
}


def draw(ax, title, tasks, labels, targets):
    Y = torch.tensor(labels, dtype=torch.float32)
    _, to_tasks = label_edges(Y)  # edges into the task nodes: (n_tasks, n_data) incidences
    rows = SUPPORT + ["query"]
    y_row = np.linspace(1, 0, len(rows))
    y_task = np.linspace(0.85, 0.15, len(tasks)) if len(tasks) > 2 else [0.7, 0.3]
    for incidence, style in ((to_tasks.pos, dict(color="tab:green", ls="-")),
                             (to_tasks.neg, dict(color="tab:red", ls="--"))):
        task_index, row_index = incidence.coalesce().indices().numpy()
        for t, r in zip(task_index, row_index):
            ax.plot([0, 1], [y_row[r], y_task[t]], lw=2, zorder=1, **style)
    for t in targets:
        ax.annotate("", xy=(0.97, y_task[t]), xytext=(0.03, y_row[-1]), zorder=1,
                    arrowprops=dict(arrowstyle="-|>", color="0.35", ls=":", lw=1.8))
        ax.text(0.5, (y_row[-1] + y_task[t]) / 2, "?", fontsize=12, ha="center", va="center",
                color="0.2", bbox=dict(boxstyle="circle,pad=0.1", fc="white", ec="none"))
    for r, name in enumerate(rows):
        color = "tab:orange" if name == "query" else "tab:blue"
        ax.scatter(0, y_row[r], s=420, color=color, zorder=2, edgecolor="k")
        ax.text(-0.16, y_row[r], name, ha="right", va="center", fontsize=9)
    marker_color = "tab:purple" if "meta" in title else "tab:gray"
    for t, name in enumerate(tasks):
        ax.scatter(1, y_task[t], s=420, marker="s", color=marker_color, zorder=2, edgecolor="k")
        ax.text(1.16, y_task[t], name, ha="left", va="center", fontsize=9)
    ax.set_title(title)
    ax.set_xlim(-0.85, 1.95)
    ax.set_ylim(-0.12, 1.12)
    ax.axis("off")


fig, axes = plt.subplots(1, 4, figsize=(15, 3.8))
for ax, (title, setting) in zip(axes, SETTINGS.items()):
    draw(ax, title, **setting)
handles = [
    plt.Line2D([], [], color="tab:green", lw=2, label="known label 1 (edge)"),
    plt.Line2D([], [], color="tab:red", lw=2, ls="--", label="known label 0 (edge)"),
    plt.Line2D([], [], color="0.35", lw=1.8, ls=":", label="link to predict"),
    plt.Line2D([], [], color="tab:blue", marker="o", ls="", ms=10, label="support data node"),
    plt.Line2D([], [], color="tab:orange", marker="o", ls="", ms=10, label="query data node"),
    plt.Line2D([], [], color="tab:gray", marker="s", ls="", ms=10, label="task node (seen in fit)"),
    plt.Line2D([], [], color="tab:purple", marker="s", ls="", ms=10, label="new task node"),
]
fig.legend(handles=handles, loc="lower center", ncol=7, fontsize=8, frameon=False)
fig.tight_layout(rect=(0, 0.08, 1, 1))
plt.show()

# %%
# In training, every step draws such a graph from the training rows: a query batch whose
# known labels are each shown with probability ``visible_ratio`` (the rest are the targets of
# the loss), and a disjoint support batch that shows all its labels. After ``fit``, the task
# node states computed from fixed support sets are stored, so a prediction needs only the
# query row and its own known labels. In the meta settings,
# :func:`~sklearn_metalink.with_support` computes the states of the new task nodes from a
# support you give it, with no gradient step; see :doc:`../meta`.
