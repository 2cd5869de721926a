"""Loss functions of style transfer (style_transfer/losses.py) against references written here.

The references are independent of the module: explicit loops in float64, typed from Gatys, Ecker &
Bethge, "Image Style Transfer Using Convolutional Neural Networks" (CVPR 2016), eqs. 1, 3, 4, 5
and 7, normalised by the number of terms as in losses.py's docstring, and from the total
variation of Mahendran & Vedaldi (CVPR 2015) with beta = 2 on the 0-255 scale (the TV term of
anishathalye/neural-style). Arrays have shapes whose every dimension differs, so a divisor or an
axis mixed up with another changes the value. Plus hand computations, invariants and gradients.
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from seeds import rng, seed_keras

from style_transfer import losses as L
from style_transfer import transfer, vgg

#: Comparisons in float64: each reference and each loss sums at most ~10^3 products, so their
#: rounding errors are below n * 2^-53 ~ 1e-13 relative; 1e-11 leaves a margin and is still far
#: below any planted bug (the smallest changes a value by more than 1e-3 relative).
RTOL64 = 1e-11


# --------------------------------------------------------------------------- references


def content_reference(f: np.ndarray, p: np.ndarray) -> float:
    """Eq. 1, (1/2) sum (F - P)^2, normalised to the mean over all entries (losses.py)."""
    total = 0.0
    for index in np.ndindex(f.shape):
        total += (f[index] - p[index]) ** 2
    return total / f.size


def gram_reference(f: np.ndarray) -> np.ndarray:
    """Eq. 3, G_ij = sum_k F_ik F_jk over the h * w positions k, divided by h * w * N."""
    *lead, h, w, n = f.shape
    gram = np.zeros((*lead, n, n))
    for b in np.ndindex(*lead):
        for i in range(n):
            for j in range(n):
                total = 0.0
                for y in range(h):
                    for x in range(w):
                        total += f[(*b, y, x, i)] * f[(*b, y, x, j)]
                gram[(*b, i, j)] = total / (h * w * n)
    return gram


def layer_reference(g: np.ndarray, a: np.ndarray) -> float:
    """Eq. 4, 1/(4 N^2 M^2) sum (G - A)^2, normalised to the mean over all entries."""
    g, a = np.broadcast_arrays(g, a)
    total = 0.0
    for index in np.ndindex(g.shape):
        total += (g[index] - a[index]) ** 2
    return total / g.size


def tv_reference(image: np.ndarray) -> float:
    """Mahendran & Vedaldi's TV with beta = 2 on x = 255 * image, each direction's mean."""
    x = 255.0 * image
    *lead, height, width, channels = x.shape
    vertical = horizontal = 0.0
    n_vertical = n_horizontal = 0
    for b in np.ndindex(*lead):
        for i in range(height):
            for j in range(width):
                for c in range(channels):
                    if i + 1 < height:
                        vertical += (x[(*b, i + 1, j, c)] - x[(*b, i, j, c)]) ** 2
                        n_vertical += 1
                    if j + 1 < width:
                        horizontal += (x[(*b, i, j + 1, c)] - x[(*b, i, j, c)]) ** 2
                        n_horizontal += 1
    return vertical / n_vertical + horizontal / n_horizontal


# --------------------------------------------------------------------------- content_loss


def test_content_loss_by_hand():
    f = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])  # (1, 1, 2, 2)
    p = np.array([[[[0.0, 2.0], [1.0, 8.0]]]])
    # mean of (1, 0, 4, 16)
    assert float(L.content_loss(f, p)) == pytest.approx(21.0 / 4.0)


def test_content_loss_matches_loop_reference_in_float64():
    f, p = rng(10).normal(size=(2, 2, 3, 5, 7))
    loss = L.content_loss(f, p)
    assert loss.shape == () and loss.dtype == tf.float64
    assert float(loss) == pytest.approx(content_reference(f, p), rel=RTOL64)
    assert float(L.content_loss(p, p)) == 0.0


def test_content_loss_dtypes():
    f, p = rng(11).normal(size=(2, 3, 5, 7)).astype(np.float32)
    loss = L.content_loss(f, p)
    assert loss.dtype == tf.float32
    # float32 inputs: 210 squared differences averaged; relative error ~ sqrt(210) * 6e-8 < 1e-6
    assert float(loss) == pytest.approx(content_reference(f.astype(float), p), rel=1e-5)
    ints = L.content_loss(np.array([[3, 1, 2]]), np.array([[1, 1, 0]]))
    # (4 + 0 + 4) / 3: exact integers, one float32 rounding of 8/3 (6e-8, below the default 1e-6)
    assert ints.dtype == tf.float32 and float(ints) == pytest.approx(8.0 / 3.0)


# --------------------------------------------------------------------------- gram_matrix


def test_gram_matrix_by_hand():
    f = np.array([[[1.0, 2.0], [3.0, 4.0]]])  # h=1, w=2, N=2: positions (1,2) and (3,4)
    expected = (np.outer([1, 2], [1, 2]) + np.outer([3, 4], [3, 4])) / (1 * 2 * 2)
    np.testing.assert_allclose(L.gram_matrix(f).numpy(), expected)
    np.testing.assert_allclose(expected, [[2.5, 3.5], [3.5, 5.0]])


def test_gram_matrix_by_hand_all_sizes_differ():
    # h = 1, w = 2, N = 3: positions (1, 0, 2) and (0, 3, 1); outer products summed by hand
    f = np.array([[[1.0, 0.0, 2.0], [0.0, 3.0, 1.0]]])
    expected = np.array([[1.0, 0.0, 2.0], [0.0, 9.0, 3.0], [2.0, 3.0, 5.0]]) / 6.0
    # float64: the integer sums are exact, then one or two roundings by the divisor (1.1e-16 each)
    np.testing.assert_allclose(L.gram_matrix(f).numpy(), expected, rtol=1e-15)


@pytest.mark.parametrize("shape", [(3, 5, 7), (2, 3, 5, 7), (4, 2, 3, 5, 7)])
def test_gram_matrix_matches_loop_reference_with_leading_axes(shape):
    f = rng(12).normal(size=shape)
    g = L.gram_matrix(f)
    assert g.dtype == tf.float64
    assert g.shape == (*shape[:-3], 7, 7)
    # atol for entries that cancel to ~0: 15 float64 products of |F|^2 < ~20, / 105, round to
    # 15 * 20 * 1.1e-16 / 105 = 3e-16 at most
    np.testing.assert_allclose(g.numpy(), gram_reference(f), rtol=RTOL64, atol=1e-15)


def test_gram_matrix_float32_matches_reference():
    f = rng(13).normal(size=(2, 3, 5, 7)).astype(np.float32)
    g = L.gram_matrix(f)
    assert g.dtype == tf.float32
    # 15 float32 products per entry: absolute error ~ 15 * 6e-8 * max|F|^2 / (h w N); entries
    # may cancel, so the bound is absolute, on the scale of the terms
    scale = np.max(f.astype(float) ** 2) / (3 * 5 * 7)
    np.testing.assert_allclose(g.numpy(), gram_reference(f.astype(float)), atol=1e-5 * scale)


def test_gram_symmetric_positive_semidefinite_and_batched():
    f = rng(1).normal(size=(2, 6, 5, 8)).astype(np.float32)
    g = L.gram_matrix(f).numpy()
    assert g.shape == (2, 8, 8)
    # entries are float32 sums of 30 products / 240, sum|terms| / 240 ~ 0.1: G_ij and G_ji summed
    # in other orders differ by u sqrt(30) 0.1 = 3e-8 (30 u 0.1 = 2e-7 at worst)
    np.testing.assert_allclose(g, np.swapaxes(g, -1, -2), atol=1e-6)
    # that rounding moves eigenvalues by <= 8 * 2e-7; these Grams' smallest are ~0.02 anyway
    assert np.linalg.eigvalsh(g.astype(np.float64)).min() > -1e-5
    # the same sums, maybe blocked otherwise in a batch: 3e-8 near 0, 1e-5 relative elsewhere
    np.testing.assert_allclose(g[1], L.gram_matrix(f[1]).numpy(), rtol=1e-5, atol=1e-7)


def test_gram_of_bfloat16_features_is_float32_and_accurate():
    f = tf.cast(np.maximum(rng(6).normal(size=(1, 64, 64, 16)), 0), tf.bfloat16)
    g = L.gram_matrix(f)
    assert g.dtype == tf.float32
    values = tf.cast(f, tf.float64).numpy()[0].reshape(-1, 16)  # the bfloat16 values, exactly
    reference = values.T @ values / (64 * 64 * 16)  # eq. 3 in float64
    # a bfloat16 result has 8 significant bits (relative rounding <= 2^-8 = 0.0039); 0.01 of
    # the largest entry also covers oneDNN's blocked bfloat16 accumulation on AMX / AVX-512 BF16
    assert np.abs(g.numpy() - reference).max() <= 0.01 * np.abs(reference).max()


# --------------------------------------------------------------------------- style_layer_loss


def test_style_layer_loss_by_hand():
    g = tf.constant([[2.5, 3.5], [3.5, 5.0]])
    a = tf.zeros((2, 2))
    assert float(L.style_layer_loss(g, a)) == pytest.approx((6.25 + 12.25 + 12.25 + 25) / 4)


def test_style_layer_loss_matches_loop_reference_batched():
    g, a = rng(14).normal(size=(2, 3, 7, 7))
    loss = L.style_layer_loss(g, a)
    assert loss.shape == () and loss.dtype == tf.float64
    assert float(loss) == pytest.approx(layer_reference(g, a), rel=RTOL64)
    # a single target Gram (N, N) against a batch of Grams: the mean over the whole batch
    assert float(L.style_layer_loss(g, a[0])) == pytest.approx(layer_reference(g, a[0]), rel=RTOL64)
    assert float(L.style_layer_loss(a, a)) == 0.0


# --------------------------------------------------------------------------- style_loss


def _layer_features(seed: int) -> dict[str, np.ndarray]:
    draw = rng(seed)
    return {"a": draw.normal(size=(2, 3, 5, 7)), "b": draw.normal(size=(2, 4, 6, 11))}


def _layer_targets(seed: int) -> dict[str, np.ndarray]:
    draw = rng(seed)
    return {"a": draw.normal(size=(2, 7, 7)) / 5, "b": draw.normal(size=(2, 11, 11)) / 5}


def test_style_loss_weights_layers():
    feats, targets = _layer_features(0), _layer_targets(1)
    w = {"a": 0.3, "b": 0.9}  # not summing to 1: the weights are used as given
    # eq. 5 with eqs. 3 and 4 from the references above
    by_hand = sum(w[k] * layer_reference(gram_reference(feats[k]), targets[k]) for k in w)
    loss = L.style_loss(feats, targets, w)
    assert loss.shape == ()
    assert float(loss) == pytest.approx(by_hand, rel=RTOL64)
    # each layer alone, so that neither term can hide behind the other
    for k in w:
        alone = L.style_loss(feats, targets, {k: w[k]})
        expected = w[k] * layer_reference(gram_reference(feats[k]), targets[k])
        assert float(alone) == pytest.approx(expected, rel=RTOL64)


def test_style_loss_zero_at_its_own_grams():
    feats = _layer_features(2)
    targets = {k: gram_reference(f) for k, f in feats.items()}
    loss = float(L.style_loss(feats, targets, {"a": 0.5, "b": 0.5}))
    # float64 rounding (~1e-16) of O(1) Gram entries, squared: far below 1e-24
    assert loss == pytest.approx(0.0, abs=1e-24)


# --------------------------------------------------------------------------- blended_style_loss


def test_blended_style_loss_matches_reference():
    feats = _layer_features(3)
    styles = [_layer_targets(4), _layer_targets(5), _layer_targets(6)]
    blend = [0.2, 0.5, 1.3]  # all different, so a reordering or a dropped style shows
    w = {"a": 0.7, "b": 0.4}
    expected = sum(
        b * sum(w[k] * layer_reference(gram_reference(feats[k]), s[k]) for k in w)
        for b, s in zip(blend, styles, strict=True)
    )
    loss = L.blended_style_loss(feats, styles, blend, w)
    assert loss.shape == ()
    assert float(loss) == pytest.approx(expected, rel=RTOL64)


def test_blended_style_loss_is_weighted_sum():
    feats = {"a": rng(2).normal(size=(1, 3, 5, 7))}
    t1 = {"a": rng(7).normal(size=(1, 7, 7))}
    t2 = {"a": rng(8).normal(size=(1, 7, 7))}
    w = {"a": 1.0}
    blended = L.blended_style_loss(feats, [t1, t2], [0.25, 0.75], w)
    by_parts = 0.25 * L.style_loss(feats, t1, w) + 0.75 * L.style_loss(feats, t2, w)
    assert float(blended) == pytest.approx(float(by_parts), rel=RTOL64)
    single = L.blended_style_loss(feats, [t1], [1.0], w)
    assert float(single) == pytest.approx(float(L.style_loss(feats, t1, w)), rel=RTOL64)


# --------------------------------------------------------------------------- weighted_content_loss


def test_weighted_content_loss_matches_reference():
    feats, targets = _layer_features(9), _layer_features(10)
    w = {"a": 0.35, "b": 0.8}
    expected = sum(w[k] * content_reference(feats[k], targets[k]) for k in w)
    loss = L.weighted_content_loss(feats, targets, w)
    assert loss.shape == ()
    assert float(loss) == pytest.approx(expected, rel=RTOL64)
    for k in w:
        alone = L.weighted_content_loss(feats, targets, {k: w[k]})
        expected = w[k] * content_reference(feats[k], targets[k])
        assert float(alone) == pytest.approx(expected, rel=RTOL64)


# --------------------------------------------------------------------------- total_variation_loss


def test_total_variation_by_hand():
    image = np.zeros((2, 2, 3))
    image[0, 1, 0] = 1.0
    # one vertical and one horizontal difference of 255 among 6 entries each
    assert float(L.total_variation_loss(image)) == pytest.approx(255.0**2 / 6 * 2)


def test_total_variation_of_an_impulse_by_hand():
    image = np.zeros((3, 4, 3))  # H = 3, W = 4: (H-1) W C = 24 vertical, H (W-1) C = 27
    image[1, 2, 0] = 1.0  # inside: two vertical and two horizontal differences of 255
    expected = 255.0**2 * (2 / 24 + 2 / 27)
    # float64: sums of 24 and 27 exact squares, two divisions and a sum, <= 5 roundings of 1.1e-16
    assert float(L.total_variation_loss(image)) == pytest.approx(expected, rel=1e-12)


def test_total_variation_of_a_ramp_by_hand():
    # x = 0.1 i + 0.03 j + 0.05 c: every vertical step 0.1, horizontal 0.03, across channels 0.05
    i, j, c = np.meshgrid(np.arange(3), np.arange(4), np.arange(3), indexing="ij")
    image = 0.1 * i + 0.03 * j + 0.05 * c
    expected = 255.0**2 * (0.1**2 + 0.03**2)  # = 708.7725
    # float64: the pixels (<= 0.5) are rounded by 5.6e-17, so the 0.03 steps by 4e-15 relative,
    # 8e-15 once squared; 1e-12 leaves a margin
    assert float(L.total_variation_loss(image)) == pytest.approx(expected, rel=1e-12)
    assert float(L.total_variation_loss(np.swapaxes(image, 0, 1))) == pytest.approx(
        expected, rel=1e-12
    )


def test_total_variation_matches_loop_reference_batched():
    image = rng(15).random((2, 5, 7, 3))
    loss = L.total_variation_loss(image)
    assert loss.shape == () and loss.dtype == tf.float64
    assert float(loss) == pytest.approx(tv_reference(image), rel=RTOL64)
    # a batch's TV is the mean of its images' TVs (equal sizes)
    each = [tv_reference(image[k]) for k in range(2)]
    assert float(loss) == pytest.approx(np.mean(each), rel=RTOL64)
    # float32 input: two float32 means of 210 squared differences on the 0-255 scale against the
    # float64 loop (on the same float32 values): u sqrt(210) = 9e-7 each, 1e-5 is 10x that
    image32 = image.astype(np.float32)
    loss32 = L.total_variation_loss(image32)
    assert loss32.dtype == tf.float32
    assert float(loss32) == pytest.approx(tv_reference(image32.astype(np.float64)), rel=1e-5)


def test_total_variation_zero_on_constant_image():
    image = np.full((1, 7, 5, 3), 0.3, np.float32)
    assert float(L.total_variation_loss(image)) == 0.0


# --------------------------------------------------------------------------- total_loss


def test_total_loss_combines_terms():
    assert float(L.total_loss(2.0, 3.0, 4.0, 5.0, 500.0, 100.0)) == pytest.approx(10 + 1500 + 400)
    # each term alone, with its own weight (eq. 7 plus TV: alpha L_c + beta L_s + gamma L_tv)
    assert float(L.total_loss(1.0, 0.0, 0.0, 5.0, 500.0, 100.0)) == 5.0
    assert float(L.total_loss(0.0, 1.0, 0.0, 5.0, 500.0, 100.0)) == 500.0
    assert float(L.total_loss(0.0, 0.0, 1.0, 5.0, 500.0, 100.0)) == 100.0
    c, s, tv = (tf.constant(v, tf.float32) for v in (7.0, 11.0, 13.0))
    assert float(L.total_loss(c, s, tv, 2.0, 3.0, 0.5)) == pytest.approx(14 + 33 + 6.5)


# --------------------------------------------------------------------------- layer weights


def test_style_layer_weight_exponent():
    # float64 weights (a few roundings of 1.1e-16 each): the default rel 1e-6 is ample and still
    # tells any other exponent or normaliser apart
    w = L.style_layer_weights(["a", "b", "c"], 2.0)
    assert list(w) == ["a", "b", "c"]
    assert list(w.values()) == pytest.approx([1 / 7, 2 / 7, 4 / 7])
    assert list(L.style_layer_weights(["a", "b"]).values()) == pytest.approx([0.5, 0.5])
    # neural-style multiplies the weight by the exponent at each deeper layer, then normalises:
    # 0.5 over four layers is 1, 1/2, 1/4, 1/8 out of 15/8
    four = L.style_layer_weights(["p", "q", "r", "s"], 0.5)
    assert list(four.values()) == pytest.approx([8 / 15, 4 / 15, 2 / 15, 1 / 15])
    assert list(L.style_layer_weights(["x", "y", "z"]).values()) == pytest.approx([1 / 3] * 3)
    assert L.style_layer_weights(["only"], 3.0) == {"only": 1.0}


def test_normalized_rejects_zero_and_negative():
    assert L.normalized([1, 3]) == pytest.approx([0.25, 0.75])
    assert L.normalized([2.0, 0.0, 6.0]) == pytest.approx([0.25, 0.0, 0.75])
    assert L.normalized([5]) == [1.0]
    with pytest.raises(ValueError):
        L.normalized([0, 0])
    with pytest.raises(ValueError):
        L.normalized([1, -1])
    with pytest.raises(ValueError):  # negative although the sum is positive
        L.normalized([2, -0.5])


# --------------------------------------------------------------------------- gradients


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
    draw = rng(3)
    x = draw.normal(size=(1, 3, 4, 5))
    target = draw.normal(size=x.shape)
    gram_target = gram_reference(target)
    fns = {
        "content": lambda v: L.content_loss(v, target),
        "style": lambda v: L.style_layer_loss(L.gram_matrix(v), gram_target),
        "tv": lambda v: L.total_variation_loss(v[..., :3]),
    }
    fn = fns[which]
    # float64 central differences of polynomials in x (truncation eps^2 f''' / 6 ~ 1e-12 |g|).
    # Rounding: each f(x +- eps) sums ~60 terms, off by ~2^-53 sqrt(60) |f| = 1e-15 |f|, so the
    # quotient by ~1e-9 |f| (|f| is 4e-3 .. 3e5, the TV on the 0-255 scale the largest;
    # measured <= 2e-10 |f|); 4e-9 |f| bounds it, rtol covers the tape's own rounding
    atol = 4e-9 * abs(float(fn(x)))
    np.testing.assert_allclose(
        _tape_gradient(fn, x), _numeric_gradient(fn, x), rtol=1e-7, atol=atol
    )


@pytest.fixture(scope="module")
def vgg_random():
    seed_keras(20)  # module fixtures run before the per-test seeding of conftest.py
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
    draw = rng(4)
    content, style, x = (draw.random((8, 8, 3)) for _ in range(3))
    fn = _objective(model64, content, style, config)
    grad = _tape_gradient(fn, x[None])
    for _ in range(3):
        d = draw.normal(size=grad.shape)
        # a ReLU pre-activation within eps of 0 along d puts the difference ~1% off: at eps 1e-6
        # one draw in 120 (seeds 0-39) did; at 1e-8 none. Rounding: 2^-53 |f| / eps = 4e-6 with
        # |f| ~ 300 (measured <= 6.6e-6), so abs 4e-5; rel for derivatives up to ~700
        eps = 1e-8
        numeric = (float(fn(x[None] + eps * d)) - float(fn(x[None] - eps * d))) / (2 * eps)
        assert float(np.sum(grad * d)) == pytest.approx(numeric, rel=1e-5, abs=4e-5)

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
    # float32 through 3 convolutions of <= 576 terms (u sqrt(576) = 1.4e-6 each) and the Gram and
    # loss means: a few 1e-6 relative, in the forward pass and in the backward; measured 1e-7 and
    # 2e-7. (A cosine would miss a gradient off by a constant factor)
    assert float(values["total"]) == pytest.approx(float(fn(x[None])), rel=1e-5)
    error = np.linalg.norm(grad32.numpy().astype(np.float64) - grad) / np.linalg.norm(grad)
    assert error < 1e-5
    assert evaluate.experimental_get_tracing_count() == 1
    evaluate(tf.constant(x[None], tf.float32) * 0.5)
    assert evaluate.experimental_get_tracing_count() == 1


def test_losses_vanish_at_their_targets(vgg_random):
    config = transfer.StyleConfig(content_layers=("relu2_1",), style_layers=("relu1_1", "relu2_1"))
    model = vgg.vgg19_feature_model(transfer.feature_layers(config), vgg_random)
    draw = rng(5)
    content = draw.random((16, 16, 3)).astype(np.float32)
    style = draw.random((16, 16, 3)).astype(np.float32)
    evaluate = transfer.make_evaluate(model, content, [style], config, (16, 16), [1.0])
    at_style, _ = evaluate(tf.constant(style[None]))
    at_content, _ = evaluate(tf.constant(content[None]))
    assert float(at_style["style"]) == 0.0
    assert float(at_style["content"]) > 0.0
    assert float(at_content["content"]) == 0.0
    assert float(at_content["style"]) > 0.0
    flat, _ = evaluate(tf.fill((1, 16, 16, 3), 0.5))
    assert float(flat["tv"]) == 0.0
