"""Planted bugs in style transfer's losses (style_transfer/losses.py).

Each must be caught by tests/test_style_losses.py, the functions' own test file.
"""

from mutant import Mutant

OWN = ("tests/test_style_losses.py",)
LOSSES = "style_transfer/losses.py"


def _m(id: str, old: str, new: str, why: str) -> Mutant:
    return Mutant(id, LOSSES, old, new, OWN, why)


MUTANTS = [
    # ------------------------------------------------------------------ _float / content_loss
    _m(
        "style.float.dtype",
        "else tf.cast(x, tf.float32)",
        "else tf.cast(x, tf.float16)",
        "integer inputs widened to float16 instead of float32",
    ),
    _m(
        "style.content.divisor",
        "return tf.reduce_mean(tf.square(features - tf.cast(target",
        "return tf.reduce_sum(tf.square(features - tf.cast(target",
        "content loss summed (eq. 1 without the normalisation) instead of averaged",
    ),
    _m(
        "style.content.half",
        "return tf.reduce_mean(tf.square(features - tf.cast(target, features.dtype)))",
        "return 0.5 * tf.reduce_mean(tf.square(features - tf.cast(target, features.dtype)))",
        "eq. 1's factor 1/2 kept on top of the mean",
    ),
    _m(
        "style.content.power",
        "tf.square(features - tf.cast(target, features.dtype))",
        "tf.abs(features - tf.cast(target, features.dtype))",
        "absolute instead of squared differences",
    ),
    _m(
        "style.content.term",
        "tf.square(features - tf.cast(target, features.dtype))",
        "tf.square(features) - tf.square(tf.cast(target, features.dtype))",
        "difference of squares instead of square of the difference",
    ),
    # ------------------------------------------------------------------ gram_matrix
    _m(
        "style.gram.divisor",
        "shape[-3] * shape[-2] * shape[-1], gram.dtype",
        "shape[-3] * shape[-2] * shape[-2], gram.dtype",
        "Gram divided by h*w*w instead of h*w*N",
    ),
    _m(
        "style.gram.divisor_h",
        "shape[-3] * shape[-2] * shape[-1], gram.dtype",
        "shape[-3] * shape[-3] * shape[-1], gram.dtype",
        "Gram divided by h*h*N instead of h*w*N",
    ),
    _m(
        "style.gram.divisor_no_n",
        "shape[-3] * shape[-2] * shape[-1], gram.dtype",
        "shape[-3] * shape[-2], gram.dtype",
        "Gram divided by M = h*w only (eq. 3 normalised by positions, not N M)",
    ),
    _m(
        "style.gram.divisor_n2",
        "shape[-3] * shape[-2] * shape[-1], gram.dtype",
        "shape[-3] * shape[-2] * shape[-1] * shape[-1], gram.dtype",
        "Gram divided by h*w*N^2",
    ),
    _m(
        "style.gram.axis",
        "tf.linalg.matmul(rows, rows, transpose_a=True)",
        "tf.linalg.matmul(rows, rows, transpose_b=True)",
        "F F^T (positions x positions) instead of F^T F (maps x maps)",
    ),
    _m(
        "style.gram.reshape",
        "[shape[-3] * shape[-2], shape[-1]]",
        "[shape[-1], shape[-3] * shape[-2]]",
        "features reshaped to N x M without transposing (scrambles maps and positions)",
    ),
    # ------------------------------------------------------------------ style_layer_loss
    _m(
        "style.layer.divisor",
        "return tf.reduce_mean(tf.square(gram - tf.cast(target_gram",
        "return tf.reduce_sum(tf.square(gram - tf.cast(target_gram",
        "eq. 4 summed instead of averaged",
    ),
    _m(
        "style.layer.quarter",
        "tf.square(gram - tf.cast(target_gram, gram.dtype)))",
        "tf.square(gram - tf.cast(target_gram, gram.dtype))) / 4.0",
        "eq. 4's 1/4 kept on top of the mean",
    ),
    _m(
        "style.layer.power",
        "tf.square(gram - tf.cast(target_gram, gram.dtype))",
        "tf.abs(gram - tf.cast(target_gram, gram.dtype))",
        "absolute instead of squared Gram differences",
    ),
    _m(
        "style.layer.batch",
        "return tf.reduce_mean(tf.square(gram - tf.cast(target_gram, gram.dtype)))",
        "return tf.reduce_sum(tf.reduce_mean("
        "tf.square(gram - tf.cast(target_gram, gram.dtype)), axis=[-2, -1]))",
        "mean over the N x N entries but summed over the batch",
    ),
    # ------------------------------------------------------------------ style_loss
    _m(
        "style.style.weight",
        "w * style_layer_loss(gram_matrix(features[name]), target_grams[name])",
        "style_layer_loss(gram_matrix(features[name]), target_grams[name])",
        "eq. 5 without the layer weights w_l",
    ),
    _m(
        "style.style.weight_squared",
        "w * style_layer_loss(gram_matrix(features[name]), target_grams[name])",
        "w * w * style_layer_loss(gram_matrix(features[name]), target_grams[name])",
        "layer weight applied twice",
    ),
    _m(
        "style.style.term",
        "    return tf.add_n(terms)\n\n\ndef blended_style_loss(",
        "    return tf.add_n(terms[:1])\n\n\ndef blended_style_loss(",
        "only the first layer's term summed",
    ),
    _m(
        "style.style.mean",
        "    return tf.add_n(terms)\n\n\ndef blended_style_loss(",
        "    return tf.add_n(terms) / len(terms)\n\n\ndef blended_style_loss(",
        "layer terms averaged instead of summed",
    ),
    # ------------------------------------------------------------------ blended_style_loss
    _m(
        "style.blend.weight",
        "terms.append(blend * tf.add_n(per_layer))",
        "terms.append(tf.add_n(per_layer))",
        "style blend weights b_s dropped",
    ),
    _m(
        "style.blend.layer_weight",
        "[w * style_layer_loss(grams[n], targets[n])",
        "[style_layer_loss(grams[n], targets[n])",
        "layer weights w_l dropped in the blended loss",
    ),
    _m(
        "style.blend.layer_term",
        "terms.append(blend * tf.add_n(per_layer))",
        "terms.append(blend * tf.add_n(per_layer[:1]))",
        "only the first layer of each style summed",
    ),
    _m(
        "style.blend.style_term",
        "    return tf.add_n(terms)\n\n\ndef weighted_content_loss(",
        "    return tf.add_n(terms[:1])\n\n\ndef weighted_content_loss(",
        "only the first style summed",
    ),
    _m(
        "style.blend.order",
        "zip(blend_weights, style_grams, strict=True)",
        "zip(blend_weights[::-1], style_grams, strict=True)",
        "blend weights paired with the styles in reverse order",
    ),
    # ------------------------------------------------------------------ weighted_content_loss
    _m(
        "style.wcontent.weight",
        "tf.add_n([w * content_loss(features[n], targets[n])",
        "tf.add_n([content_loss(features[n], targets[n])",
        "content layer weights dropped",
    ),
    _m(
        "style.wcontent.term",
        "for n, w in layer_weights.items()])",
        "for n, w in list(layer_weights.items())[:1]])",
        "only the first content layer summed",
    ),
    # ------------------------------------------------------------------ total_variation_loss
    _m(
        "style.tv.scale_last_digit",
        "PIXEL_SCALE = 255.0",
        "PIXEL_SCALE = 256.0",
        "0-255 scale mistyped 256",
    ),
    _m(
        "style.tv.scale_middle_digit",
        "PIXEL_SCALE = 255.0",
        "PIXEL_SCALE = 245.0",
        "0-255 scale mistyped 245",
    ),
    _m(
        "style.tv.scale_first_digit",
        "PIXEL_SCALE = 255.0",
        "PIXEL_SCALE = 155.0",
        "0-255 scale mistyped 155",
    ),
    _m(
        "style.tv.horizontal_is_vertical",
        "+ tf.reduce_mean(tf.square(horizontal))",
        "+ tf.reduce_mean(tf.square(vertical))",
        "horizontal term replaced by the vertical one",
    ),
    _m(
        "style.tv.no_horizontal",
        "return tf.reduce_mean(tf.square(vertical)) + tf.reduce_mean(tf.square(horizontal))",
        "return tf.reduce_mean(tf.square(vertical))",
        "horizontal term dropped",
    ),
    _m(
        "style.tv.no_vertical",
        "return tf.reduce_mean(tf.square(vertical)) + tf.reduce_mean(tf.square(horizontal))",
        "return tf.reduce_mean(tf.square(horizontal))",
        "vertical term dropped",
    ),
    _m(
        "style.tv.average",
        "return tf.reduce_mean(tf.square(vertical)) + tf.reduce_mean(tf.square(horizontal))",
        "return (tf.reduce_mean(tf.square(vertical)) + tf.reduce_mean(tf.square(horizontal))) / 2",
        "the two directions averaged instead of summed",
    ),
    _m(
        "style.tv.divisor",
        "+ tf.reduce_mean(tf.square(horizontal))",
        "+ tf.reduce_sum(tf.square(horizontal))",
        "horizontal term summed instead of averaged",
    ),
    _m(
        "style.tv.beta",
        "return tf.reduce_mean(tf.square(vertical))",
        "return tf.reduce_mean(tf.abs(vertical))",
        "vertical term with beta = 1 instead of 2",
    ),
    _m(
        "style.tv.border_stride",
        "image[..., 1:, :, :] - image[..., :-1, :, :]",
        "image[..., 2:, :, :] - image[..., :-2, :, :]",
        "vertical differences two rows apart",
    ),
    _m(
        "style.tv.border_last_column",
        "image[..., :, 1:, :] - image[..., :, :-1, :]",
        "image[..., :, 1:-1, :] - image[..., :, :-2, :]",
        "last horizontal difference (the right border) left out",
    ),
    _m(
        "style.tv.border_first_row",
        "image[..., 1:, :, :] - image[..., :-1, :, :]",
        "image[..., 2:, :, :] - image[..., 1:-1, :, :]",
        "first vertical difference (the top border) left out",
    ),
    _m(
        "style.tv.axis",
        "image[..., :, 1:, :] - image[..., :, :-1, :]",
        "image[..., :, :, 1:] - image[..., :, :, :-1]",
        "horizontal differences taken across channels",
    ),
    # ------------------------------------------------------------------ total_loss
    _m(
        "style.total.swapped",
        "content_weight * content + style_weight * style",
        "style_weight * content + content_weight * style",
        "alpha and beta swapped",
    ),
    _m(
        "style.total.no_tv",
        "+ tv_weight * tv\n",
        "\n",
        "TV term dropped",
    ),
    _m(
        "style.total.tv_weight",
        "+ tv_weight * tv\n",
        "+ style_weight * tv\n",
        "TV weighted by beta instead of gamma",
    ),
    # ------------------------------------------------------------------ style_layer_weights
    _m(
        "style.layerweights.power",
        "float(exponent) ** i for i",
        "float(exponent) * (i + 1) for i",
        "w_l proportional to exponent * l instead of exponent ** l",
    ),
    _m(
        "style.layerweights.divisor",
        "{name: r / total for name",
        "{name: r / len(raw) for name",
        "weights divided by the number of layers instead of their sum",
    ),
    _m(
        "style.layerweights.order",
        "zip(layers, raw, strict=True)",
        "zip(layers, raw[::-1], strict=True)",
        "growing weights given to the shallow layers instead of the deep ones",
    ),
    _m(
        "style.layerweights.default",
        "exponent: float = 1.0",
        "exponent: float = 2.0",
        "default exponent mistyped (neural-style's default is 1)",
    ),
    # ------------------------------------------------------------------ normalized
    _m(
        "style.normalized.zero_sum",
        "sum(weights) <= 0",
        "sum(weights) < 0",
        "all-zero weights accepted (then divided by zero)",
    ),
    _m(
        "style.normalized.any_negative",
        "if any(w < 0 for w in weights)",
        "if all(w < 0 for w in weights)",
        "a negative weight accepted when another is positive",
    ),
    _m(
        "style.normalized.divisor",
        "return [float(w) / total for w in weights]",
        "return [float(w) / len(weights) for w in weights]",
        "divided by the count instead of the sum",
    ),
]
