"""Loss functions of style transfer: hand computations, invariants and gradients."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from style_transfer import losses as L
from style_transfer import transfer, vgg


def test_content_loss_by_hand():
    f = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])  # (1, 1, 2, 2)
    p = np.array([[[[0.0, 2.0], [1.0, 8.0]]]])
    # mean of (1, 0, 4, 16)
    assert float(L.content_loss(f, p)) == pytest.approx(21.0 / 4.0)


def test_gram_matrix_by_hand():
    f = np.array([[[1.0, 2.0], [3.0, 4.0]]])  # h=1, w=2, N=2: positions (1,2) and (3,4)
    expected = (np.outer([1, 2], [1, 2]) + np.outer([3, 4], [3, 4])) / (1 * 2 * 2)
    np.testing.assert_allclose(L.gram_matrix(f).numpy(), expected)
    np.testing.assert_allclose(expected, [[2.5, 3.5], [3.5, 5.0]])


def test_style_layer_loss_by_hand():
    g = tf.constant([[2.5, 3.5], [3.5, 5.0]])
    a = tf.zeros((2, 2))
    assert float(L.style_layer_loss(g, a)) == pytest.approx((6.25 + 12.25 + 12.25 + 25) / 4)


def test_style_loss_weights_layers():
    rng = np.random.default_rng(0)
    feats = {"a": rng.normal(size=(1, 3, 4, 2)), "b": rng.normal(size=(1, 2, 2, 5))}
    targets = {"a": np.eye(2), "b": np.zeros((5, 5))}
    w = {"a": 0.25, "b": 0.75}
    by_hand = sum(w[k] * np.mean((L.gram_matrix(feats[k]).numpy()[0] - targets[k]) ** 2) for k in w)
    assert float(L.style_loss(feats, targets, w)) == pytest.approx(by_hand)


def test_total_variation_by_hand():
    image = np.zeros((2, 2, 3))
    image[0, 1, 0] = 1.0
    # one vertical and one horizontal difference of 255 among 6 entries each
    assert float(L.total_variation_loss(image)) == pytest.approx(255.0**2 / 6 * 2)


def test_total_variation_zero_on_constant_image():
    image = np.full((1, 7, 5, 3), 0.3, np.float32)
    assert float(L.total_variation_loss(image)) == 0.0


def test_total_loss_combines_terms():
    assert float(L.total_loss(2.0, 3.0, 4.0, 5.0, 500.0, 100.0)) == pytest.approx(10 + 1500 + 400)


def test_style_layer_weight_exponent():
    w = L.style_layer_weights(["a", "b", "c"], 2.0)
    assert list(w.values()) == pytest.approx([1 / 7, 2 / 7, 4 / 7])
    assert list(L.style_layer_weights(["a", "b"]).values()) == pytest.approx([0.5, 0.5])


def test_normalized_rejects_zero_and_negative():
    assert L.normalized([1, 3]) == pytest.approx([0.25, 0.75])
    with pytest.raises(ValueError):
        L.normalized([0, 0])
    with pytest.raises(ValueError):
        L.normalized([1, -1])


def test_gram_symmetric_positive_semidefinite_and_batched():
    rng = np.random.default_rng(1)
    f = rng.normal(size=(2, 6, 5, 8)).astype(np.float32)
    g = L.gram_matrix(f).numpy()
    assert g.shape == (2, 8, 8)
    np.testing.assert_allclose(g, np.swapaxes(g, -1, -2), atol=1e-6)
    assert np.linalg.eigvalsh(g.astype(np.float64)).min() > -1e-5
    np.testing.assert_allclose(g[1], L.gram_matrix(f[1]).numpy(), rtol=1e-5, atol=1e-7)


def test_blended_style_loss_is_weighted_sum():
    rng = np.random.default_rng(2)
    feats = {"a": rng.normal(size=(1, 4, 4, 3))}
    t1 = {"a": rng.normal(size=(3, 3))}
    t2 = {"a": rng.normal(size=(3, 3))}
    w = {"a": 1.0}
    blended = L.blended_style_loss(feats, [t1, t2], [0.25, 0.75], w)
    by_parts = 0.25 * L.style_loss(feats, t1, w) + 0.75 * L.style_loss(feats, t2, w)
    assert float(blended) == pytest.approx(float(by_parts))


def _numeric_gradient(fn, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = eps
        grad[index] = (float(fn(x + step)) - float(fn(x - step))) / (2 * eps)
    return grad


def _tape_gradient(fn, x: np.ndarray) -> np.ndarray:
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        value = fn(t)
    return tape.gradient(value, t).numpy()


@pytest.mark.parametrize("which", ["content", "style", "tv"])
def test_loss_gradients_match_finite_differences(which):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1, 3, 4, 5))
    target = rng.normal(size=x.shape)
    gram_target = L.gram_matrix(target).numpy()
    fns = {
        "content": lambda v: L.content_loss(v, target),
        "style": lambda v: L.style_layer_loss(L.gram_matrix(v), gram_target),
        "tv": lambda v: L.total_variation_loss(v[..., :3]),
    }
    fn = fns[which]
    np.testing.assert_allclose(
        _tape_gradient(fn, x), _numeric_gradient(fn, x), rtol=1e-5, atol=1e-7
    )


@pytest.fixture(scope="module")
def vgg_random():
    return vgg.load_vgg19("random")


def _objective(model, content, style, config):
    content_w = transfer.content_layer_weights(config)
    style_w = transfer.style_layer_weights(config)
    targets = model(content[None])
    grams = {n: L.gram_matrix(f) for n, f in model(style[None]).items()}

    def fn(x):
        feats = model(x)
        c = L.weighted_content_loss(feats, targets, content_w)
        s = L.blended_style_loss(feats, [grams], [1.0], style_w)
        return L.total_loss(c, s, L.total_variation_loss(x), 5.0, 500.0, 0.01)

    return fn


def test_network_loss_gradient_matches_finite_differences(vgg_random):
    config = transfer.StyleConfig(
        content_layers=("relu2_1",), style_layers=("relu1_1", "relu2_1"), tv_weight=0.01
    )
    layers = transfer.feature_layers(config)
    model64 = vgg.vgg19_feature_model(layers, vgg_random, "avg", dtype_policy="float64")
    rng = np.random.default_rng(4)
    content, style, x = (rng.random((8, 8, 3)) for _ in range(3))
    fn = _objective(model64, content, style, config)
    grad = _tape_gradient(fn, x[None])
    for _ in range(3):
        d = rng.normal(size=grad.shape)
        eps = 1e-6
        numeric = (float(fn(x[None] + eps * d)) - float(fn(x[None] - eps * d))) / (2 * eps)
        assert float(np.sum(grad * d)) == pytest.approx(numeric, rel=1e-5)

    # the float32 tf.function used by the optimisers computes the same loss and gradient
    model32 = vgg.vgg19_feature_model(layers, vgg_random, "avg")
    config = transfer.StyleConfig(
        content_layers=("relu2_1",),
        style_layers=("relu1_1", "relu2_1"),
        tv_weight=0.01,
    )
    evaluate = transfer.make_evaluate(
        model32, content.astype(np.float32), [style.astype(np.float32)], config, (8, 8), [1.0]
    )
    values, grad32 = evaluate(tf.constant(x[None], tf.float32))
    assert float(values["total"]) == pytest.approx(float(fn(x[None])), rel=1e-4)
    cosine = np.sum(grad32 * grad) / np.linalg.norm(grad32) / np.linalg.norm(grad)
    assert cosine > 0.99999
    assert evaluate.experimental_get_tracing_count() == 1
    evaluate(tf.constant(x[None], tf.float32) * 0.5)
    assert evaluate.experimental_get_tracing_count() == 1


def test_losses_vanish_at_their_targets(vgg_random):
    config = transfer.StyleConfig(content_layers=("relu2_1",), style_layers=("relu1_1", "relu2_1"))
    model = vgg.vgg19_feature_model(transfer.feature_layers(config), vgg_random)
    rng = np.random.default_rng(5)
    content = rng.random((16, 16, 3)).astype(np.float32)
    style = rng.random((16, 16, 3)).astype(np.float32)
    evaluate = transfer.make_evaluate(model, content, [style], config, (16, 16), [1.0])
    at_style, _ = evaluate(tf.constant(style[None]))
    at_content, _ = evaluate(tf.constant(content[None]))
    assert float(at_style["style"]) == 0.0
    assert float(at_style["content"]) > 0.0
    assert float(at_content["content"]) == 0.0
    assert float(at_content["style"]) > 0.0
    flat, _ = evaluate(tf.fill((1, 16, 16, 3), 0.5))
    assert float(flat["tv"]) == 0.0


def test_gram_of_bfloat16_features_is_float32_and_accurate():
    rng = np.random.default_rng(6)
    f = tf.cast(np.maximum(rng.normal(size=(1, 64, 64, 16)), 0), tf.bfloat16)
    g = L.gram_matrix(f)
    assert g.dtype == tf.float32
    reference = L.gram_matrix(tf.cast(f, tf.float32)).numpy()
    assert np.abs(g.numpy() - reference).max() <= 0.01 * np.abs(reference).max()
