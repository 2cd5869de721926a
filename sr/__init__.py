"""Single-image super-resolution: SRCNN, VDSR and VDSR with sub-pixel convolution."""
