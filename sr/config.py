"""Training configuration: one frozen dataclass whose per-model defaults are the papers' recipes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from sr.data import check_downscale
from sr.models import srcnn_border

MODELS = ("srcnn", "vdsr", "vdsr_sp")
PRECISIONS = ("float32", "mixed_bfloat16")
STRATEGIES = ("default", "mirrored", "multiworker")

# The recipe tables, in one place for sr_prepare.py, the trainers and the run.
PATCH_RECIPE = {"srcnn": "srcnn", "vdsr": "vdsr", "vdsr_sp": "subpixel"}  # model -> patch recipe
TRAINING_SETS = {  # patch recipe -> the papers' training images (folders under the data dir)
    "srcnn": ("T91",),
    "vdsr": ("T91", "BSDS200"),
    "subpixel": ("T91", "BSDS200"),
}
RECIPE_SCALES = {"srcnn": (3,), "vdsr": (2, 3, 4), "subpixel": (3,)}  # sr_prepare.py defaults
ON_THE_FLY_PATCH = {"srcnn": 33, "vdsr": 41, "vdsr_sp": 48}  # HR crop size of --on-the-fly
ON_THE_FLY_STEPS = 1000  # steps per epoch of --on-the-fly unless --steps-per-epoch
CHECKPOINT_MINUTES = 10.0  # a checkpoint inside an epoch at least this often
WORKER_TIMEOUT = 600.0  # multiworker: seconds a collective may wait (the chief validates meanwhile)


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run (written to ``config.json``).

    ``learning_rate`` applies to all layers except SRCNN's last, which uses
    ``last_layer_learning_rate``. The rate is multiplied by ``lr_decay`` every ``lr_step_epochs``
    epochs (0: constant). ``clip_theta`` enables VDSR's adjustable gradient clipping: every
    gradient component is clipped to ``[-theta/lr, theta/lr]`` for the current ``lr``.
    ``downscale`` adds shrunk copies of the ``images`` of an on-the-fly run (empty: none).
    ``srcnn_init`` is ``gaussian`` (the paper's) or ``he`` (see :func:`sr.models.srcnn`).
    ``ema`` is the decay of an exponential moving average of the weights, validated and saved
    beside them (0: none, the papers' recipe). ``checkpoint_minutes`` is how often a checkpoint
    is taken inside an epoch, ``worker_timeout`` how long a cluster waits for a lost worker (the
    only fields, with ``epochs``, that ``--resume`` may change).
    """

    model: str
    patches: str = ""
    on_the_fly: bool = False
    images: tuple[str, ...] = ()
    patch_size: int = 0
    downscale: tuple[float, ...] = ()
    scales: tuple[int, ...] = (3,)
    srcnn_variant: str = "9-1-5"
    srcnn_init: str = "gaussian"
    vdsr_sp_residual: bool = True
    depth: int = 20
    optimizer: str = "sgd"
    learning_rate: float = 1e-4
    last_layer_learning_rate: float | None = None
    momentum: float = 0.9
    weight_decay: float = 0.0
    lr_step_epochs: int = 0
    lr_decay: float = 0.1
    clip_theta: float | None = None
    epochs: int = 100
    batch_size: int = 128
    steps_per_epoch: int | None = None
    loss: str = "mse"
    huber_delta: float = 0.01
    augment: bool = False
    seed: int = 0
    precision: str = "float32"
    strategy: str = "default"
    validation: tuple[str, ...] = ()
    validation_scales: tuple[int, ...] = ()
    init_weights: str = ""
    ema: float = 0.0
    checkpoint_minutes: float = CHECKPOINT_MINUTES
    worker_timeout: float = WORKER_TIMEOUT

    def replace(self, **changes) -> TrainConfig:
        return dataclasses.replace(self, **changes)


# The papers' recipes. SRCNN: SGD with momentum 0.9, 1e-4 for conv1/conv2 and 1e-5 for conv3,
# batch 128, MSE (Dong et al. 2016, Sec. 4.1; the paper runs ~8e8 back-propagations, far more
# than our default epochs). VDSR: SGD momentum 0.9, weight decay 1e-4, lr 0.1 / 10 every 20
# epochs, 80 epochs, batch 64, adjustable clipping, scales 2-4 together (Kim et al. 2016,
# Sec. 4.1). The paper does not give theta. It bounds each step of each weight by theta before
# momentum; measured over VDSR's first 200 steps at lr 0.1 (bf16, seed 0): theta 0.01 blew the
# loss up to 3e5 and ended below bicubic, 1e-3 ended far below bicubic, 1e-4 trained smoothly
# (Set5 x3 31.22 dB against bicubic's 30.39).
_VDSR = TrainConfig(
    model="vdsr",
    scales=(2, 3, 4),
    optimizer="sgd",
    learning_rate=0.1,
    weight_decay=1e-4,
    lr_step_epochs=20,
    lr_decay=0.1,
    clip_theta=1e-4,
    epochs=80,
    batch_size=64,
)
PRESETS: dict[str, TrainConfig] = {
    "srcnn": TrainConfig(
        model="srcnn",
        scales=(3,),
        optimizer="sgd",
        learning_rate=1e-4,
        last_layer_learning_rate=1e-5,
        epochs=200,
        batch_size=128,
    ),
    "vdsr": _VDSR,
    # VDSR-sp keeps VDSR's recipe, one model per scale.
    "vdsr_sp": dataclasses.replace(_VDSR, model="vdsr_sp", scales=(3,)),
}


def config_from_dict(data: dict) -> TrainConfig:
    """Rebuild a config from its JSON form (lists back to tuples, unknown keys ignored)."""
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names}
    return TrainConfig(**values)


def fields_from_flags(model: str, flags: dict) -> dict:
    """Config fields for the training flags a user gave (``None`` values: not given).

    ``flags`` are the trainers' argparse destinations (``lr``, ``lr_last``, ``variant``, ...);
    paths are made absolute. :class:`ValueError` names the flag of a value out of range.
    """
    given = {k: v for k, v in flags.items() if v is not None and v is not False}
    fields = {_FIELD.get(k, k): v for k, v in given.items() if k in _FIELD or k in _SAME}
    for name, key in (("patches", "patches"), ("init", "init_weights")):
        if name in given:
            fields[key] = str(Path(given[name]).resolve())
    for name, key in (("images", "images"), ("val", "validation")):
        if name in given:
            fields[key] = tuple(str(Path(d).resolve()) for d in given[name])
    if given.get("no_val"):
        fields["validation"] = ()
    if given.get("no_residual"):
        fields["vdsr_sp_residual"] = False
    if "clip_theta" in given:
        fields["clip_theta"] = given["clip_theta"] or None
    if "scales" in given:
        fields["scales"] = fields["validation_scales"] = tuple(given["scales"])
        if any(s < 2 or s > 8 for s in fields["scales"]):
            raise ValueError("--scales must be integers from 2 to 8")
    if "downscale" in given:
        try:
            fields["downscale"] = check_downscale(given["downscale"])
        except ValueError as err:
            raise ValueError(f"--{err}") from None
    for flag in ("lr", "batch_size", "depth"):
        if flag in given and given[flag] <= 0:
            raise ValueError(f"--{flag.replace('_', '-')} must be positive")
    if "epochs" in given and given["epochs"] < 1:
        raise ValueError("--epochs must be positive")
    if "worker_timeout" in given and not given["worker_timeout"] > 0:
        raise ValueError("--worker-timeout must be positive")
    if "ema" in given and not 0 <= given["ema"] < 1:
        raise ValueError("--ema must be a decay in [0, 1), e.g. 0.999")
    if "checkpoint_minutes" in given and not given["checkpoint_minutes"] > 0:
        raise ValueError("--checkpoint-minutes must be positive")
    if "variant" in given:
        srcnn_border(given["variant"])  # ValueError for an unknown variant
    return fields


def new_config(model: str, flags: dict, data_dir: Path) -> TrainConfig:
    """The config of a new run: the paper's recipe (``PRESETS``), the flags given, and the
    defaults that depend on them (the training sets, patch size and steps of ``--on-the-fly``,
    Set5 validation in ``data_dir`` at the training scales)."""
    if not flags.get("patches") and not flags.get("on_the_fly"):
        raise ValueError("give --patches FILE or --on-the-fly (or --resume)")
    if flags.get("patches") and flags.get("on_the_fly"):
        raise ValueError("--patches and --on-the-fly exclude each other")
    if flags.get("downscale") and not flags.get("on_the_fly"):
        raise ValueError("--downscale needs --on-the-fly (patch files: sr_prepare.py --downscale)")
    fields = fields_from_flags(model, flags)
    if not flags.get("on_the_fly"):  # crop settings mean nothing to a patch file
        fields = {k: v for k, v in fields.items() if k not in ("images", "patch_size")}
    preset = PRESETS[model]
    defaults = {"validation": (str((data_dir / "Set5").resolve()),)}
    if flags.get("on_the_fly"):
        sets = TRAINING_SETS[PATCH_RECIPE[model]]
        defaults["images"] = tuple(str((data_dir / name).resolve()) for name in sets)
        defaults["patch_size"] = ON_THE_FLY_PATCH[model]
        defaults["steps_per_epoch"] = ON_THE_FLY_STEPS
    config = preset.replace(**{**defaults, **fields})
    return config.replace(validation_scales=config.scales)


# flag destination -> config field, where the names differ
_FIELD = {
    "lr": "learning_rate",
    "lr_last": "last_layer_learning_rate",
    "variant": "srcnn_variant",
    "kernel_init": "srcnn_init",
    "lr_step": "lr_step_epochs",
}
# flags named as their config field
_SAME = {
    "on_the_fly", "patch_size", "optimizer", "depth", "momentum", "weight_decay", "lr_decay",
    "epochs", "batch_size", "steps_per_epoch", "loss", "huber_delta", "augment", "seed",
    "precision", "strategy", "checkpoint_minutes", "ema", "worker_timeout",
}  # fmt: skip
