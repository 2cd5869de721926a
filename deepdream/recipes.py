"""DeepDream's named recipes: every setting that makes a reference's algorithm, stated explicitly.

* ``default`` (ours): :class:`deepdream.config.DreamConfig`'s defaults.
* ``keras``: keras-io ``examples/generative/deep_dream.py`` (F. Chollet) step for step.
* ``tutorial``: the TensorFlow tutorial ``tutorials/generative/deepdream`` (tiled version).
"""

from __future__ import annotations

import dataclasses

from deepdream.config import RECIPE_NAMES, DreamConfig, LayerTerm

#: Fields that describe the run rather than the algorithm: a recipe leaves them at their
#: defaults (the recipe's label and its layers aside), and the run's flags set them.
RUN_FIELDS = ("recipe", "model", "terms", "seed", "precision", "weights")

#: Config fields a recipe sets and a flag of the same name can override.
RECIPE_FIELDS = tuple(f.name for f in dataclasses.fields(DreamConfig) if f.name not in RUN_FIELDS)

#: The named recipes: every setting that makes a reference's algorithm, stated explicitly.
#: The run-specific fields (seed, precision, weights) keep their defaults.
RECIPES: dict[str, DreamConfig] = {
    "default": DreamConfig(),
    # keras-io examples/generative/deep_dream.py: its layers, 3 octaves of 1.4, 20 steps of
    # 0.01 in [-1, 1] (0.005 here), loss on a[:, 2:-2, 2:-2] over the whole map's size, gradient
    # / max(mean|g|, 1e-6) ([-1, 1] units; 2e-6 here), an octave stops after the step whose loss
    # exceeded 15, tf.image.resize bilinear, lost detail added after the ascent, no clipping,
    # whole-image gradients without jitter, uint8 by truncation and then keras.utils.save_img's
    # default min-max stretch to [0, 255].
    "keras": DreamConfig(
        recipe="keras",
        loss_border=2,
        normalize="mean_abs",
        grad_epsilon=2e-6,
        clip=False,
        max_loss=15.0,
        resize="bilinear",
        detail="after",
        jitter=0,
        tile_size=0,
        tile_shift=False,
        quantize="keras",
    ),
    # tensorflow/docs site/en/tutorials/generative/deepdream.ipynb, tiled version
    # (run_deep_dream_with_octaves): mixed3 + mixed5, sum of mean activations, octaves
    # 1.3**-2 ... 1.3**2 of the input's size (float32 sizes), 100 steps of 0.01 in [-1, 1], gradient
    # / (std + 1e-8) ([-1, 1] units; 2e-8 here), clipping, bilinear resize of the previous
    # result, a random roll of up to 512 px and 512 px tiles (the last of each axis skipped).
    "tutorial": DreamConfig(
        recipe="tutorial",
        terms=(LayerTerm("mixed3", 1.0), LayerTerm("mixed5", 1.0)),
        objective="mean",
        octaves=5,
        octave_scale=1.3,
        finest_octave=2,
        octave_rounding="float32",
        steps=100,
        normalize="std",
        grad_epsilon=2e-8,
        resize="bilinear",
        detail="none",
        jitter=512,
        tile_size=512,
        tile_layout="tutorial",
        tile_shift=False,
    ),
}

assert tuple(RECIPES) == RECIPE_NAMES, "RECIPE_NAMES (the --recipe choices) must list RECIPES"
