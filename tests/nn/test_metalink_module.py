import torch

from sklearn_metalink.nn import MetaLinkModule, MLPEncoder

nan = float("nan")


def make_module():
    torch.manual_seed(0)
    return MetaLinkModule(MLPEncoder(6, 16), n_tasks=4, hidden=16, n_layers=2).eval()


def episode():
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(10, 6, generator=gen)
    y = torch.randint(0, 2, (10, 4), generator=gen).float()
    y[:4, 1:] = nan  # query rows: only task 0 visible
    is_support = torch.arange(10) >= 4
    return x, y, is_support


@torch.no_grad()
def test_query_rows_do_not_influence_each_other_in_an_episode():
    module = make_module()
    x, y, is_support = episode()
    full = module(x, y, is_support)
    keep = torch.tensor([0, 2] + list(range(4, 10)))
    part = module(x[keep], y[keep], is_support[keep])
    torch.testing.assert_close(part, full[[0, 2]])


@torch.no_grad()
def test_support_labels_change_the_predictions_of_query_rows():
    module = make_module()
    x, y, is_support = episode()
    flipped = y.clone()
    flipped[4:] = 1 - flipped[4:]
    assert not torch.allclose(module(x, y, is_support), module(x, flipped, is_support))


@torch.no_grad()
def test_inference_averages_the_stored_support_sets():
    module = make_module()
    x, y, is_support = episode()
    support = [(x[4:7], y[4:7], None), (x[7:], y[7:], None)]
    module.store_support(support)
    per_set = [
        module(torch.cat([x[:4], xs]), torch.cat([y[:4], ys]), torch.arange(4 + len(xs)) >= 4)
        for xs, ys, _ in support
    ]
    expected = torch.stack(per_set).mean(0)
    torch.testing.assert_close(module(x[:4], y[:4]), expected)


@torch.no_grad()
def test_shared_task_nodes_predict_columns_never_seen_in_training():
    torch.manual_seed(0)
    module = MetaLinkModule(MLPEncoder(6, 16), n_tasks=4, hidden=16, task_nodes="shared").eval()
    x, y, _ = episode()
    support = torch.cat([y, 1 - y[:, :2]], dim=1)  # 4 training columns + 2 new ones
    module.store_support([(x, support, None)], feature_index=torch.tensor([0, 1, 2, 3, -1, -1]))
    logits = module(x[:3], torch.full((3, 6), nan))
    assert logits.shape == (3, 6)
    # A new column labelled like a training column gets that column's state and logits.
    copy = torch.cat([y, y[:, :1]], dim=1)
    module.store_support([(x, copy, None)], feature_index=torch.tensor([0, 1, 2, 3, -1]))
    logits = module(x[:3], torch.full((3, 5), nan))
    torch.testing.assert_close(logits[:, 4], logits[:, 0])


@torch.no_grad()
def test_label_features_follow_the_feature_index():
    torch.manual_seed(0)
    module = MetaLinkModule(MLPEncoder(6, 16), n_tasks=3, hidden=16, task_nodes="shared")
    module.feature_index = torch.tensor([-1, 2, 0])
    y = torch.tensor([[1.0, 0.0, 1.0]])
    expected = torch.tensor([[1.0, nan, 0.0]])
    torch.testing.assert_close(module.label_features_of(y), expected, equal_nan=True)


@torch.no_grad()
def test_binding_a_support_that_keeps_the_columns_keeps_their_states_and_label_features():
    torch.manual_seed(0)
    module = MetaLinkModule(MLPEncoder(6, 16), n_tasks=4, hidden=16, task_nodes="shared").eval()
    x, y, _ = episode()
    module.store_support([(x, y, None)])
    before = module(x[:3], y[:3])
    feature_index = module.support_feature_index(2, keep_columns=True)
    assert feature_index.tolist() == [0, 1, 2, 3, -1, -1]
    support = torch.cat([y, 1 - y[:, :2]], dim=1)
    module.bind_support(x, support, feature_index=feature_index, keep_columns=True)
    assert module.stored_task_states.shape[2] == 6
    after = module(x[:3], torch.cat([y[:3], torch.full((3, 2), nan)], dim=1))
    torch.testing.assert_close(after[:, :4], before)
    # Without keep_columns only the new columns remain, none of them a training task.
    assert module.support_feature_index(2).tolist() == [-1, -1]


@torch.no_grad()
def test_label_features_of_another_support_follow_its_feature_index():
    module = MetaLinkModule(MLPEncoder(6, 16), n_tasks=3, hidden=16, task_nodes="shared")
    y = torch.tensor([[1.0, 0.0]])
    mapped = module.label_features_of(y, feature_index=torch.tensor([2, -1]))
    torch.testing.assert_close(mapped, torch.tensor([[nan, nan, 1.0]]), equal_nan=True)
    assert module.feature_index.tolist() == [0, 1, 2]


@torch.no_grad()
def test_inference_blends_the_neighbour_estimate_more_without_context():
    torch.manual_seed(0)
    module = MetaLinkModule(MLPEncoder(6, 16), n_tasks=4, hidden=16, neighbours=True).eval()
    x, y, _ = episode()
    module.store_support([(x, y, torch.zeros(len(x), 4))])
    network = module.query_logits(
        module.embed(x[:2], torch.full((2, 4), nan), torch.zeros(2, 4)),
        torch.full((2, 4), nan), module.stored_task_states[0],
    ) + module.task_bias
    estimate = torch.tensor([[2.0, -1.0, 0.5, 3.0]] * 2)
    no_context = torch.full((2, 4), nan)
    # With zero neighbour features the network part is unchanged; the blend then mixes in
    # the estimate with the weight for rows without context.
    blended = module(x[:2], no_context, neighbours=torch.zeros(2, 4))
    torch.testing.assert_close(blended, 0.5 * network)
    blended = module.blend(network, no_context, estimate)
    torch.testing.assert_close(blended, 0.5 * network + 0.5 * estimate)
    context = no_context.clone()
    context[:, 0] = 1.0
    torch.testing.assert_close(module.blend(network, context, estimate), 0.75 * network + 0.25 * estimate)


@torch.no_grad()
def test_label_pairs_start_neutral():
    """The label-pair weights start at zero: an untrained module predicts as without them."""
    x, y, is_support = episode()
    torch.manual_seed(0)
    with_pairs = MetaLinkModule(MLPEncoder(6, 16), n_tasks=4, hidden=16, label_pairs=True)
    assert torch.equal(with_pairs.eval()(x, y, is_support), make_module()(x, y, is_support))


@torch.no_grad()
def test_tasks_playing_new_tasks_get_no_label_pair_term():
    """As a column added by with_support has no pair weights, a training task that plays a
    new task in a step gets no pair term; the other tasks keep theirs."""
    x, y, is_support = episode()
    torch.manual_seed(0)
    module = MetaLinkModule(MLPEncoder(6, 16), n_tasks=4, hidden=16, label_pairs=True).eval()
    new = torch.tensor([False, True, False, True])
    without_pairs = module(x, y, is_support)
    module.label_pair_weight.fill_(1.0)
    logits = module(x, y, is_support, new_tasks=new.expand(len(x), -1))
    assert torch.equal(logits[:, new], without_pairs[:, new])
    assert not torch.equal(logits[:, ~new], without_pairs[:, ~new])
