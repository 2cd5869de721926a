"""Planted bugs in super-resolution's training losses (sr/losses.py), the sub-pixel layer
(sr/models.py PixelShuffle) and VDSR's adjustable gradient clipping (sr/training.py)."""

from mutant import Mutant

LOSSES = ("tests/test_sr_losses.py",)  # also the clipping's own tests
MODELS = ("tests/test_sr_models.py",)

_MSE_ERROR = "error = tf.cast(prediction, tf.float32) - tf.cast(label, tf.float32)\n    return 0.5"
_SHUFFLE = (
    "x = tf.reshape(x, tf.stack([n, h, w, s, s, c]))\n"
    "        x = tf.transpose(x, [0, 1, 3, 2, 4, 5])"
)

MUTANTS = [
    # -- per-example reduction
    Mutant(
        "sr.per_example.axis",
        "sr/losses.py",
        "tf.reshape(values, [tf.shape(values)[0], -1])",
        "tf.reshape(values, [tf.shape(values)[1], -1])",
        LOSSES,
        "patch sums keyed by the height axis instead of the batch axis (off by one)",
    ),
    Mutant(
        "sr.per_example.mean",
        "sr/losses.py",
        "return tf.reduce_sum(tf.reshape(",
        "return tf.reduce_mean(tf.reshape(",
        LOSSES,
        "mean over the patch instead of the sum (Caffe's EuclideanLoss sums)",
    ),
    Mutant(
        "sr.per_example.channels",
        "sr/losses.py",
        "tf.reduce_sum(tf.reshape(values, [tf.shape(values)[0], -1]), axis=1)",
        "tf.reduce_sum(values, axis=[1, 2])",
        LOSSES,
        "summed over height and width only, the channel axis kept",
    ),
    # -- mse
    Mutant(
        "sr.mse.half",
        "sr/losses.py",
        "return 0.5 * _per_example_sum(tf.square(error))",
        "return _per_example_sum(tf.square(error))",
        LOSSES,
        "the 1/2 of VDSR Eq. 1 dropped",
    ),
    Mutant(
        "sr.mse.constant",
        "sr/losses.py",
        "return 0.5 * _per_example_sum(tf.square(error))",
        "return 0.6 * _per_example_sum(tf.square(error))",
        LOSSES,
        "1/2 mistyped 0.6",
    ),
    Mutant(
        "sr.mse.sign",
        "sr/losses.py",
        _MSE_ERROR,
        _MSE_ERROR.replace(" - ", " + "),
        LOSSES,
        "error F(x) + y instead of F(x) - y",
    ),
    # -- mae
    Mutant(
        "sr.mae.abs",
        "sr/losses.py",
        "_per_example_sum(tf.abs(error))",
        "_per_example_sum(error)",
        LOSSES,
        "signed errors summed: the L1 norm's absolute value dropped",
    ),
    # -- huber
    Mutant(
        "sr.huber.half",
        "sr/losses.py",
        "0.5 * tf.square(quadratic)",
        "tf.square(quadratic)",
        LOSSES,
        "quadratic branch e^2 instead of e^2/2",
    ),
    Mutant(
        "sr.huber.constant",
        "sr/losses.py",
        "0.5 * tf.square(quadratic)",
        "0.25 * tf.square(quadratic)",
        LOSSES,
        "quadratic branch's 1/2 mistyped 0.25",
    ),
    Mutant(
        "sr.huber.linear_delta",
        "sr/losses.py",
        "delta * (error - quadratic)",
        "(error - quadratic)",
        LOSSES,
        "linear branch |e| - delta/2 without the factor delta (invisible at delta 1)",
    ),
    Mutant(
        "sr.huber.linear_offset",
        "sr/losses.py",
        "delta * (error - quadratic)",
        "delta * (error - 0.5 * quadratic)",
        LOSSES,
        "linear branch delta |e| (the -delta/2 offset lost) and a spurious term below delta",
    ),
    Mutant(
        "sr.huber.threshold",
        "sr/losses.py",
        "quadratic = tf.minimum(error, delta)",
        "quadratic = tf.minimum(error, 1.0)",
        LOSSES,
        "branch boundary at |e| = 1 whatever delta",
    ),
    Mutant(
        "sr.huber.default_delta",
        "sr/losses.py",
        "prediction: tf.Tensor, delta: float = 1.0)",
        "prediction: tf.Tensor, delta: float = 1.5)",
        LOSSES,
        "default delta 1 mistyped 1.5",
    ),
    # -- get_loss
    Mutant(
        "sr.get_loss.forward",
        "sr/losses.py",
        "huber(label, prediction, huber_delta)",
        "huber(label, prediction)",
        LOSSES,
        "the requested Huber delta not forwarded (the default 1 used)",
    ),
    Mutant(
        "sr.get_loss.default_delta",
        "sr/losses.py",
        "huber_delta: float = 1.0)",
        "huber_delta: float = 0.1)",
        LOSSES,
        "get_loss's default delta 1 mistyped 0.1",
    ),
    Mutant(
        "sr.get_loss.zero_delta",
        "sr/losses.py",
        "if huber_delta <= 0:",
        "if huber_delta < 0:",
        LOSSES,
        "delta 0 accepted (a Huber loss that is identically 0)",
    ),
    Mutant(
        "sr.get_loss.mae",
        "sr/losses.py",
        'if name == "mae":\n        return mae',
        'if name == "mae":\n        return mse',
        LOSSES,
        "the L1 loss's name gives the Euclidean loss",
    ),
    # -- PixelShuffle
    Mutant(
        "sr.pixel_shuffle.ij_swap",
        "sr/models.py",
        "tf.transpose(x, [0, 1, 3, 2, 4, 5])",
        "tf.transpose(x, [0, 1, 4, 2, 3, 5])",
        MODELS,
        "sub-pixel offsets i and j swapped: channel (j*r + i)*C + c",
    ),
    Mutant(
        "sr.pixel_shuffle.hw_swap",
        "sr/models.py",
        "tf.transpose(x, [0, 1, 3, 2, 4, 5])",
        "tf.transpose(x, [0, 2, 3, 1, 4, 5])",
        MODELS,
        "height and width of the low-resolution grid swapped",
    ),
    Mutant(
        "sr.pixel_shuffle.channel_major",
        "sr/models.py",
        _SHUFFLE,
        "x = tf.reshape(x, tf.stack([n, h, w, c, s, s]))\n"
        "        x = tf.transpose(x, [0, 1, 4, 2, 5, 3])",
        MODELS,
        "channel-major order (c*r*r + i*r + j, PyTorch's NCHW layout), not depth_to_space's",
    ),
    Mutant(
        "sr.pixel_shuffle.shape_channels",
        "sr/models.py",
        "c // (s * s),",
        "c // s,",
        MODELS,
        "compute_output_shape divides the depth by r instead of r*r",
    ),
    Mutant(
        "sr.pixel_shuffle.shape_width",
        "sr/models.py",
        "None if w is None else w * s,",
        "None if w is None else h * s,",
        MODELS,
        "compute_output_shape's width from the height",
    ),
    Mutant(
        "sr.pixel_shuffle.shape_height",
        "sr/models.py",
        "None if h is None else h * s,",
        "None if h is None else h,",
        MODELS,
        "compute_output_shape's height not scaled",
    ),
    # -- adjustable gradient clipping
    Mutant(
        "sr.clip.product",
        "sr/training.py",
        "bound = theta / learning_rate",
        "bound = theta * learning_rate",
        LOSSES,
        "bound theta * gamma instead of theta / gamma",
    ),
    Mutant(
        "sr.clip.inverse",
        "sr/training.py",
        "bound = theta / learning_rate",
        "bound = learning_rate / theta",
        LOSSES,
        "bound gamma / theta",
    ),
    Mutant(
        "sr.clip.one_sided",
        "sr/training.py",
        "tf.clip_by_value(gradient, -bound, bound)",
        "tf.minimum(gradient, bound)",
        LOSSES,
        "only the upper bound applied: not symmetric in sign",
    ),
    Mutant(
        "sr.clip.norm",
        "sr/training.py",
        "tf.clip_by_value(gradient, -bound, bound)",
        "tf.clip_by_norm(gradient, bound)",
        LOSSES,
        "the gradient's norm clipped instead of each component",
    ),
    Mutant(
        "sr.clip.base_rate",
        "sr/training.py",
        "rate = tf.cast(optimizer.learning_rate, tf.float32)",
        "rate = tf.cast(c.learning_rate, tf.float32)",
        LOSSES,
        "the bound from the base learning rate, not the current (decayed) one",
    ),
    Mutant(
        "sr.clip.off",
        "sr/training.py",
        "if c.clip_theta:\n            rate",
        "if not c.clip_theta:\n            rate",
        LOSSES,
        "the trainer clips only when --clip-theta is off",
    ),
]
