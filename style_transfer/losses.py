"""Loss functions of Gatys, Ecker & Bethge, "Image Style Transfer Using Convolutional Neural
Networks" (CVPR 2016), normalised as anishathalye/neural-style normalises them.

Notation of the paper: layer l has N_l feature maps of M_l = h_l * w_l positions; F^l (N_l x M_l)
are the features of the generated image x, P^l those of the content image p, A^l the Gram matrix of
the style image a. The paper's sums grow with the image size; the normalised forms below divide
by the number of terms so that one set of weights (content 5, style 500, TV 100, as in neural-style)
gives the same balance at any resolution:

* content (eq. 1, (1/2) sum (F - P)^2):             L_c,l = mean_{ij} (F_ij - P_ij)^2
* Gram matrix (eq. 3, G_ij = sum_k F_ik F_jk):     G_ij  = sum_k F_ik F_jk / (N_l M_l)
* style layer (eq. 4, 1/(4 N^2 M^2) sum (G - A)^2): E_l  = mean_{ij} (G_ij - A_ij)^2
* style (eq. 5, sum_l w_l E_l):                     L_s  = sum_l w_l E_l, with sum_l w_l = 1
* total variation (Mahendran & Vedaldi 2015, beta = 2, on the 0-255 pixel scale):
  L_tv = mean (x_{i+1,j} - x_{i,j})^2 + mean (x_{i,j+1} - x_{i,j})^2 over all three channels
* total (eq. 7 plus TV): L = alpha L_c + beta L_s + gamma L_tv

Features are those of VGG19 on Caffe-preprocessed input (0-255 scale), so the magnitudes match
neural-style's. All functions are pure: tensors in, scalar (or Gram) tensors out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import tensorflow as tf

#: Pixel scale on which the total-variation loss is measured (neural-style works in 0-255 units).
PIXEL_SCALE = 255.0


def _float(x) -> tf.Tensor:
    """float32 or float64 tensor (float64 kept for finite-difference checks; bfloat16 widened)."""
    x = tf.convert_to_tensor(x)
    return x if x.dtype in (tf.float32, tf.float64) else tf.cast(x, tf.float32)


def content_loss(features: tf.Tensor, target: tf.Tensor) -> tf.Tensor:
    """Content loss of one layer, Gatys et al. eq. 1 normalised: ``mean((F - P)^2)``.

    Args:
        features: F, activations of the generated image, shape ``(..., h, w, N)``.
        target: P, activations of the content image, same shape.

    Returns:
        float32 scalar.
    """
    features = _float(features)
    return tf.reduce_mean(tf.square(features - tf.cast(target, features.dtype)))


def gram_matrix(features: tf.Tensor) -> tf.Tensor:
    """Gram matrix, Gatys et al. eq. 3, divided by the layer size: ``G = F^T F / (h w N)``.

    Args:
        features: activations, shape ``(..., h, w, N)`` (a leading batch axis is kept).
            bfloat16 features (mixed precision) are multiplied in bfloat16, like the
            convolutions that produced them; the result is float32.

    Returns:
        float32 (float64 for float64 input) tensor ``(..., N, N)``, symmetric positive
        semi-definite.
    """
    features = tf.convert_to_tensor(features)
    shape = tf.shape(features)
    rows = tf.reshape(features, tf.concat([shape[:-3], [shape[-3] * shape[-2], shape[-1]]], 0))
    gram = _float(tf.linalg.matmul(rows, rows, transpose_a=True))
    return gram / tf.cast(shape[-3] * shape[-2] * shape[-1], gram.dtype)


def style_layer_loss(gram: tf.Tensor, target_gram: tf.Tensor) -> tf.Tensor:
    """Style loss of one layer, Gatys et al. eq. 4 normalised: ``E_l = mean((G - A)^2)``.

    Args:
        gram: G of the generated image, ``(..., N, N)`` (see :func:`gram_matrix`).
        target_gram: A of the style image, same shape.
    """
    gram = _float(gram)
    return tf.reduce_mean(tf.square(gram - tf.cast(target_gram, gram.dtype)))


def style_loss(
    features: Mapping[str, tf.Tensor],
    target_grams: Mapping[str, tf.Tensor],
    layer_weights: Mapping[str, float],
) -> tf.Tensor:
    """Style loss over layers, Gatys et al. eq. 5: ``L_s = sum_l w_l E_l``.

    Args:
        features: ``{layer: F^l}`` of the generated image.
        target_grams: ``{layer: A^l}`` of the style image.
        layer_weights: ``{layer: w_l}`` (normally summing to 1, see :func:`style_layer_weights`).
    """
    terms = [
        w * style_layer_loss(gram_matrix(features[name]), target_grams[name])
        for name, w in layer_weights.items()
    ]
    return tf.add_n(terms)


def blended_style_loss(
    features: Mapping[str, tf.Tensor],
    style_grams: Sequence[Mapping[str, tf.Tensor]],
    blend_weights: Sequence[float],
    layer_weights: Mapping[str, float],
) -> tf.Tensor:
    """Several styles: ``sum_s b_s sum_l w_l E_l(s)`` (neural-style's --style-blend-weights).

    Each Gram matrix of the generated image is computed once and compared with every style.
    """
    grams = {name: gram_matrix(features[name]) for name in layer_weights}
    terms = []
    for blend, targets in zip(blend_weights, style_grams, strict=True):
        per_layer = [w * style_layer_loss(grams[n], targets[n]) for n, w in layer_weights.items()]
        terms.append(blend * tf.add_n(per_layer))
    return tf.add_n(terms)


def weighted_content_loss(
    features: Mapping[str, tf.Tensor],
    targets: Mapping[str, tf.Tensor],
    layer_weights: Mapping[str, float],
) -> tf.Tensor:
    """``sum_l w_l L_c,l`` (neural-style's --content-weight-blend between relu4_2 and relu5_2)."""
    return tf.add_n([w * content_loss(features[n], targets[n]) for n, w in layer_weights.items()])


def total_variation_loss(image: tf.Tensor) -> tf.Tensor:
    """Total-variation regulariser on the 0-255 scale (squared neighbour differences, beta = 2).

    ``L_tv = mean_{c,i,j} (x_{i+1,j,c} - x_{i,j,c})^2 + mean_{c,i,j} (x_{i,j+1,c} - x_{i,j,c})^2``
    with x = 255 * image, i.e. neural-style's TV term; zero exactly on constant images.

    Args:
        image: RGB in [0, 1], shape ``(..., H, W, 3)``.
    """
    image = _float(image) * PIXEL_SCALE
    vertical = image[..., 1:, :, :] - image[..., :-1, :, :]
    horizontal = image[..., :, 1:, :] - image[..., :, :-1, :]
    return tf.reduce_mean(tf.square(vertical)) + tf.reduce_mean(tf.square(horizontal))


def total_loss(
    content: tf.Tensor,
    style: tf.Tensor,
    tv: tf.Tensor,
    content_weight: float,
    style_weight: float,
    tv_weight: float,
) -> tf.Tensor:
    """Gatys et al. eq. 7 plus TV: ``alpha L_c + beta L_s + gamma L_tv``."""
    return content_weight * content + style_weight * style + tv_weight * tv


def style_layer_weights(layers: Sequence[str], exponent: float = 1.0) -> dict[str, float]:
    """neural-style's --style-layer-weight-exp: ``w_l ~ exponent**l``, summing to 1."""
    raw = [float(exponent) ** i for i in range(len(layers))]
    total = sum(raw)
    return {name: r / total for name, r in zip(layers, raw, strict=True)}


def normalized(weights: Sequence[float]) -> list[float]:
    """Scale non-negative ``weights`` to sum 1 (raises ValueError if they sum to 0 or are < 0)."""
    if any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError(f"weights must be non-negative and not all zero, got {list(weights)}")
    total = float(sum(weights))
    return [float(w) / total for w in weights]
