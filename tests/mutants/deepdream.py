"""Planted bugs in DeepDream's octave geometry, resizing and 8-bit output (deepdream/octaves.py)."""

from mutant import Mutant

OWN = ("tests/test_deepdream.py",)

_EXPONENTS = "exponents = [finest - (octaves - 1 - k) for k in range(octaves)]"
_FIRST_SIDE = "(_side(height, octave_scale, e, rounding), _side(width, octave_scale, e, rounding))"

MUTANTS = [
    # -- octave_shapes
    Mutant(
        "deepdream.octaves.exponent",
        "deepdream/octaves.py",
        _EXPONENTS,
        "exponents = [finest - (octaves - k) for k in range(octaves)]",
        OWN,
        "exponents off by one: the finest octave one step below --finest-octave",
    ),
    Mutant(
        "deepdream.octaves.count_short",
        "deepdream/octaves.py",
        _EXPONENTS,
        "exponents = [finest - (octaves - 1 - k) for k in range(1, octaves)]",
        OWN,
        "range starts at 1: one octave (the coarsest) missing",
    ),
    Mutant(
        "deepdream.octaves.count_long",
        "deepdream/octaves.py",
        _EXPONENTS,
        "exponents = [finest - (octaves - 1 - k) for k in range(octaves + 1)]",
        OWN,
        "range one too long: an extra octave above the finest",
    ),
    Mutant(
        "deepdream.octaves.order",
        "deepdream/octaves.py",
        _EXPONENTS,
        "exponents = [finest - k for k in range(octaves)]",
        OWN,
        "finest first instead of coarsest first",
    ),
    Mutant(
        "deepdream.octaves.swap",
        "deepdream/octaves.py",
        _FIRST_SIDE,
        "(_side(width, octave_scale, e, rounding), _side(height, octave_scale, e, rounding))",
        OWN,
        "height and width swapped",
    ),
    Mutant(
        "deepdream.octaves.default_finest",
        "deepdream/octaves.py",
        "finest: int = 0,",
        "finest: int = 1,",
        OWN,
        "by default the finest octave is 1.4x the input, not the input",
    ),
    Mutant(
        "deepdream.octaves.default_rounding",
        "deepdream/octaves.py",
        'rounding: str = "float64",',
        'rounding: str = "float32",',
        OWN,
        "the Keras example's sizes computed in float32 (169 / 1.3**2 gives 100, not 99)",
    ),
    Mutant(
        "deepdream.side.multiply",
        "deepdream/octaves.py",
        "return int(side / scale ** (-exponent))",
        "return int(side * scale**exponent)",
        OWN,
        "side * scale**-i instead of the Keras example's side / scale**i (78 / 1.3: 59, not 60)",
    ),
    Mutant(
        "deepdream.side.exponent_down",
        "deepdream/octaves.py",
        "return int(side / scale ** (-exponent))",
        "return int(side / scale ** (1 - exponent))",
        OWN,
        "shrinking octaves one exponent too small (the input octave shrunk once)",
    ),
    Mutant(
        "deepdream.side.round",
        "deepdream/octaves.py",
        "return int(side * scale**exponent)",
        "return round(side * scale**exponent)",
        OWN,
        "enlarged sides rounded instead of truncated (77 * 1.5: 116, not 115)",
    ),
    Mutant(
        "deepdream.side.float64_factor",
        "deepdream/octaves.py",
        "np.float32(side) * np.float32(scale**exponent)",
        "np.float32(side) * np.float64(scale**exponent)",
        OWN,
        "the tutorial's float32 product done in float64 (90 * 1.3: 117, not 116)",
    ),
    Mutant(
        "deepdream.side.float32_power",
        "deepdream/octaves.py",
        "np.float32(side) * np.float32(scale**exponent)",
        "np.float32(side) * np.float32(scale) ** exponent",
        OWN,
        "the power taken in float32 instead of float64 then rounded (100 * 1.3**2: 168 vs 169)",
    ),
    # -- resize_image / resize_channels
    Mutant(
        "deepdream.resize.antialias",
        "deepdream/octaves.py",
        'method="bilinear", antialias=False',
        'method="bilinear", antialias=True',
        OWN,
        "bilinear shrinking antialiased, unlike the Keras example and the tutorial",
    ),
    Mutant(
        "deepdream.resize.dispatch",
        "deepdream/octaves.py",
        'if method == "bilinear":',
        'if method != "bilinear":',
        OWN,
        "the two resize kernels swapped",
    ),
    Mutant(
        "deepdream.resize.channels",
        "deepdream/octaves.py",
        "for channel in range(image.shape[-1]):",
        "for channel in range(image.shape[-1] - 1):",
        OWN,
        "the last colour channel never resized (left uninitialised)",
    ),
    # -- quantize
    Mutant(
        "deepdream.quantize.truncate_scale",
        "deepdream/octaves.py",
        "np.clip(x * np.float32(255.0), 0.0, 255.0)",
        "np.clip(x * np.float32(256.0), 0.0, 255.0)",
        OWN,
        "truncation of 256 x instead of 255 x",
    ),
    Mutant(
        "deepdream.quantize.keras_offset",
        "deepdream/octaves.py",
        "centred / np.float32(2.0) + np.float32(0.5)",
        "centred / np.float32(2.0) + np.float32(0.6)",
        OWN,
        "the Keras deprocessing's + 0.5 mistyped 0.6 (hidden by the stretch except at clipping)",
    ),
    Mutant(
        "deepdream.quantize.keras_round_trip",
        "deepdream/octaves.py",
        "levels = (centred / np.float32(2.0) + np.float32(0.5)) * np.float32(255.0)",
        "levels = x * np.float32(255.0)",
        OWN,
        "the [-1, 1] round trip skipped: 2/255 stays level 2 instead of dropping to 1",
    ),
    Mutant(
        "deepdream.quantize.stretch_min",
        "deepdream/octaves.py",
        "stretched -= stretched.min()",
        "stretched -= 0",
        OWN,
        "save_img's stretch without subtracting the minimum",
    ),
    Mutant(
        "deepdream.quantize.stretch_scale",
        "deepdream/octaves.py",
        "stretched *= np.float32(255.0)",
        "stretched *= np.float32(254.0)",
        OWN,
        "the stretch to [0, 254]",
    ),
]
