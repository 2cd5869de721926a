"""Single-image super-resolution: SRCNN, VDSR and VDSR with sub-pixel convolution."""

import common.quiet  # noqa: F401  (first: TensorFlow is imported without its start-up log)
