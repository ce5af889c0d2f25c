import numpy as np
import pytest
import torch

from sklearn_metalink.nn import GatedLabelConv, label_edges


def per_edge_reference(conv, h_src, h_dst, y, into="data"):
    """The layer written edge by edge, straight from the paper's equation; with
    ``per_label`` the label picks the half of the weights and the mean it goes to."""
    out = torch.zeros(2, *h_dst.shape)
    degree = torch.zeros(2, len(h_dst))
    for i, t in zip(*np.nonzero(~np.isnan(y.numpy()))):
        src, dst = (t, i) if into == "data" else (i, t)
        label = int(y[i, t])
        a, g = conv.message(h_src[src]), conv.gate(h_src[src])
        if conv.per_label:  # first half: positive edges, second half: negative ones
            a, g = a.chunk(2)[1 - label], g.chunk(2)[1 - label]
        message = (a + conv.label_message[label]) * torch.sigmoid(g + conv.label_gate[label])
        group = label if conv.per_label else 0
        out[group, dst] += message
        degree[group, dst] += 1
    out = (out / degree.clamp(min=1).unsqueeze(2)).sum(0)
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
@pytest.mark.parametrize("per_label", [False, True])
def test_sparse_products_equal_the_per_edge_messages_into_data_nodes(graph, per_label):
    y, h_data, h_tasks = graph
    torch.manual_seed(0)
    conv = GatedLabelConv(8, per_label=per_label)
    to_data, _ = label_edges(y)
    expected = per_edge_reference(conv, h_tasks, h_data, y, into="data")
    torch.testing.assert_close(conv(h_tasks, h_data, to_data), expected, atol=1e-5, rtol=1e-5)


@torch.no_grad()
@pytest.mark.parametrize("per_label", [False, True])
def test_sparse_products_equal_the_per_edge_messages_into_task_nodes(graph, per_label):
    y, h_data, h_tasks = graph
    torch.manual_seed(0)
    conv = GatedLabelConv(8, per_label=per_label)
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


@torch.no_grad()
def test_per_label_layer_starts_as_positive_minus_negative_prototype():
    conv = GatedLabelConv(4, per_label=True)
    for table in (conv.label_message, conv.label_gate, conv.gate.weight, conv.gate.bias):
        table.zero_()  # gates at 1/2, no label offsets: only the prototypes remain
    h_src = torch.randn(6, 4)
    y = torch.tensor([[1.0], [1.0], [0.0], [float("nan")], [0.0], [0.0]])
    _, to_tasks = label_edges(y)
    out = conv(h_src, torch.zeros(1, 4), to_tasks) - conv.bias  # self gate of 0 adds 0
    expected = 0.5 * (h_src[:2].mean(0) - h_src[[2, 4, 5]].mean(0))
    torch.testing.assert_close(out[0], expected)


def test_repr_names_the_width():
    assert repr(GatedLabelConv(16)) == "GatedLabelConv(16)"
    assert repr(GatedLabelConv(16, per_label=True)) == "GatedLabelConv(16, per_label=True)"
