import pytest
import torch

from sklearn_metalink.nn import (
    GatedUpdate,
    MLPEncoder,
    TaskGraphModule,
)

nan = float("nan")
GRAPHS = ["complete", "star"]


def make_module(graph, n_tasks=4):
    torch.manual_seed(0)
    return TaskGraphModule(
        MLPEncoder(6, 16), n_tasks=n_tasks, hidden=16, task_hidden=8, n_heads=2, graph=graph
    ).eval()


def rows():
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(6, 6, generator=gen)
    y = torch.randint(0, 2, (6, 4), generator=gen).float()
    y[torch.rand(6, 4, generator=gen) < 0.5] = nan
    return x, y


@pytest.mark.parametrize("graph", GRAPHS)
@torch.no_grad()
def test_a_row_output_does_not_depend_on_the_other_rows_of_the_batch(graph):
    module = make_module(graph)
    x, y = rows()
    keep = torch.tensor([4, 1])
    torch.testing.assert_close(module(x[keep], y[keep]), module(x, y)[keep])


@pytest.mark.parametrize("graph", GRAPHS)
@torch.no_grad()
def test_a_known_label_changes_the_logits_of_the_other_tasks(graph):
    module = make_module(graph)
    x, _ = rows()
    unknown = torch.full((6, 4), nan)
    known = unknown.clone()
    known[:, 0] = 1
    changed = (module(x, known) - module(x, unknown)).abs()[:, 1:]
    assert (changed > 1e-4).all()


@torch.no_grad()
def test_complete_graph_relations_are_each_task_attention_over_the_others():
    x, y = rows()
    relations = make_module("complete").task_relations(x, y)
    assert relations.shape == (6, 4, 4)
    torch.testing.assert_close(relations.sum(1), torch.ones(6, 4))
    assert (relations.diagonal(dim1=1, dim2=2) == 0).all()


@torch.no_grad()
def test_star_graph_relations_are_mailbox_reads_times_task_gates():
    module = make_module("star")
    x, y = rows()
    relations = module.task_relations(x, y)
    states = module.initial_states(module.encoder(x), y)
    _, read = module.rounds[0].read(states[:, -1:], states[:, :-1], states[:, :-1])
    _, first_round = module.rounds[0](states, need_weights=True)
    assert relations.shape == (6, 4, 4)
    assert (relations >= 0).all() and (relations <= 1).all()
    # Rank one per row and round: task s's row is its read weight times each task's gate.
    ratio = first_round / read[:, 0, :, None]
    torch.testing.assert_close(ratio, ratio[:, :1].expand_as(ratio))


@pytest.mark.parametrize("graph", GRAPHS)
@torch.no_grad()
def test_a_single_task_passes_through_the_graph_without_nan(graph):
    module = make_module(graph, n_tasks=1)
    x, y = rows()
    assert torch.isfinite(module(x, y[:, :1])).all()
    assert torch.isfinite(module.task_relations(x, y[:, :1])).all()


def test_gated_update_broadcasts_one_message_to_all_states_and_stays_in_range():
    torch.manual_seed(0)
    update = GatedUpdate(8)
    states = torch.rand(3, 5, 8) * 2 - 1
    new, gate = update(states, torch.randn(3, 1, 8) * 10)
    assert new.shape == gate.shape == (3, 5, 8)
    assert (new.abs() <= 1).all()
    assert repr(update) == "GatedUpdate(8)"
