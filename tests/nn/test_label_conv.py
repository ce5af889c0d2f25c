import numpy as np
import pytest
import torch

from sklearn_metalink.nn import GatedLabelConv, label_edges


def per_edge_reference(conv, h_src, h_dst, y, into="data"):
    """The layer written edge by edge, straight from the paper's equation."""
    out = torch.zeros_like(h_dst)
    degree = torch.zeros(len(h_dst))
    for i, t in zip(*np.nonzero(~np.isnan(y.numpy()))):
        src, dst = (t, i) if into == "data" else (i, t)
        label = int(y[i, t])
        u = h_src[src]
        message = (conv.message(u) + conv.label_message[label]) * torch.sigmoid(
            conv.gate(u) + conv.label_gate[label]
        )
        out[dst] += message
        degree[dst] += 1
    out = out / degree.clamp(min=1).unsqueeze(1)
    return out + conv.bias + torch.sigmoid(conv.self_gate(h_dst)) * h_dst


@pytest.fixture
def graph():
    gen = torch.Generator().manual_seed(0)
    y = torch.randint(0, 2, (9, 5), generator=gen).float()
    y[torch.rand(9, 5, generator=gen) < 0.4] = float("nan")
    y[3] = float("nan")  # a data node without any known label
    h_data = torch.randn(9, 8, generator=gen)
    h_tasks = torch.randn(5, 8, generator=gen)
    return y, h_data, h_tasks


@torch.no_grad()
def test_sparse_products_equal_the_per_edge_messages_into_data_nodes(graph):
    y, h_data, h_tasks = graph
    torch.manual_seed(0)
    conv = GatedLabelConv(8)
    to_data, _ = label_edges(y)
    expected = per_edge_reference(conv, h_tasks, h_data, y, into="data")
    torch.testing.assert_close(conv(h_tasks, h_data, to_data), expected, atol=1e-5, rtol=1e-5)


@torch.no_grad()
def test_sparse_products_equal_the_per_edge_messages_into_task_nodes(graph):
    y, h_data, h_tasks = graph
    torch.manual_seed(0)
    conv = GatedLabelConv(8)
    _, to_tasks = label_edges(y)
    expected = per_edge_reference(conv, h_data, h_tasks, y, into="tasks")
    torch.testing.assert_close(conv(h_data, h_tasks, to_tasks), expected, atol=1e-5, rtol=1e-5)


@torch.no_grad()
def test_a_node_without_known_labels_keeps_only_its_self_gate(graph):
    y, h_data, h_tasks = graph
    conv = GatedLabelConv(8)
    to_data, _ = label_edges(y)
    out = conv(h_tasks, h_data, to_data)
    expected = conv.bias + torch.sigmoid(conv.self_gate(h_data[3])) * h_data[3]
    torch.testing.assert_close(out[3], expected)


def test_gradients_flow_to_every_parameter(graph):
    y, h_data, h_tasks = graph
    conv = GatedLabelConv(8)
    to_data, _ = label_edges(y)
    conv(h_tasks, h_data, to_data).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in conv.parameters())


def test_repr_names_the_width():
    assert repr(GatedLabelConv(16)) == "GatedLabelConv(16)"
