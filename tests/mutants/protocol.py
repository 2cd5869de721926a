"""Planted bugs in the SR protocol's scoring and degradation (sr/protocol.py)."""

from mutant import Mutant

OWN = ("tests/test_sr_protocol.py",)
P = "sr/protocol.py"

MUTANTS = [
    Mutant(
        "protocol.measure.shave_short",
        P,
        "shave(np.asarray(hr_y, np.float64), scale)",
        "shave(np.asarray(hr_y, np.float64), scale - 1)",
        OWN,
        "ground truth shaved by scale - 1 (shapes then differ)",
    ),
    Mutant(
        "protocol.measure.shave_both_short",
        P,
        "    ref = shave(np.asarray(hr_y, np.float64), scale)\n"
        "    est = shave(round_uint8(sr_y).astype(np.float64), scale)",
        "    ref = shave(np.asarray(hr_y, np.float64), scale - 1)\n"
        "    est = shave(round_uint8(sr_y).astype(np.float64), scale - 1)",
        OWN,
        "one border pixel too few shaved on both planes",
    ),
    Mutant(
        "protocol.measure.no_rounding",
        P,
        "shave(round_uint8(sr_y).astype(np.float64), scale)",
        "shave(np.asarray(sr_y, np.float64), scale)",
        OWN,
        "output scored without rounding it to uint8",
    ),
    Mutant(
        "protocol.measure.psnr_peak",
        P,
        "return psnr(ref, est, 255.0), ssim(ref, est, 255.0)",
        "return psnr(ref, est, 256.0), ssim(ref, est, 255.0)",
        OWN,
        "PSNR peak 256",
    ),
    Mutant(
        "protocol.measure.ssim_peak",
        P,
        "return psnr(ref, est, 255.0), ssim(ref, est, 255.0)",
        "return psnr(ref, est, 255.0), ssim(ref, est, 256.0)",
        OWN,
        "SSIM dynamic range 256",
    ),
    Mutant(
        "protocol.round.floor",
        P,
        "np.clip(np.rint(image), 0, 255)",
        "np.clip(np.floor(image), 0, 255)",
        OWN,
        "truncated instead of rounded",
    ),
    Mutant(
        "protocol.round.half_up",
        P,
        "np.clip(np.rint(image), 0, 255)",
        "np.clip(np.floor(image + 0.5), 0, 255)",
        OWN,
        "halves rounded up, not to even",
    ),
    Mutant(
        "protocol.round.clip_high",
        P,
        "np.clip(np.rint(image), 0, 255)",
        "np.clip(np.rint(image), 0, 254)",
        OWN,
        "clipped at 254",
    ),
    Mutant(
        "protocol.degrade.lr_not_rounded",
        P,
        "lr = round_uint8(imresize(hr, 1.0 / scale))",
        "lr = imresize(hr, 1.0 / scale).astype(np.uint8)",
        OWN,
        "LR truncated by astype instead of rounded",
    ),
    Mutant(
        "protocol.degrade.modcrop",
        P,
        "hr = modcrop(np.asarray(y), scale)",
        "hr = modcrop(np.asarray(y), scale + 1)",
        OWN,
        "modcrop to the wrong multiple",
    ),
    Mutant(
        "protocol.scale.range",
        P,
        "if scale not in SCALES:",
        "if scale not in SCALES[:-1]:",
        OWN,
        "the largest scale refused",
    ),
]
