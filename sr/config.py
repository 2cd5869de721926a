"""Training configuration: one frozen dataclass, and per-model presets that are the papers' recipes.

:class:`TrainConfig` owns the defaults, the validation (``__post_init__``) and the command-line
form of every field (``metadata``, see :func:`common.cli.flag`); :data:`PRESETS` holds each
model's recipe and is the only place where those numbers are written.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from common.cli import flag
from common.errors import UserError
from common.precision import PRECISIONS
from sr.data import check_downscale
from sr.losses import LOSSES
from sr.models import SRCNN_INITS, srcnn_border
from sr.protocol import check_scales

MODELS = ("srcnn", "vdsr", "vdsr_sp")
OPTIMIZERS = ("sgd", "adam")
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

#: Flags that only some models have (every other flag is every model's).
MODEL_FLAGS = {
    "srcnn_variant": ("srcnn",),
    "srcnn_init": ("srcnn",),
    "last_layer_learning_rate": ("srcnn",),
    "vdsr_sp_residual": ("vdsr_sp",),
    "depth": ("vdsr", "vdsr_sp"),
}


def absolute_path(text: str) -> str:
    """argparse ``type`` of path flags: the path made absolute ("" stays "", i.e. not given)."""
    return str(Path(text).resolve()) if text else text


def _opt(default, help: str, **kwargs):
    """A field with ``default`` and the command-line form :func:`common.cli.flag` (``help``...)."""
    return field(default=default, metadata=flag(help, **kwargs))


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run (written to ``config.json``).

    ``learning_rate`` applies to all layers except SRCNN's last, which uses
    ``last_layer_learning_rate``. The rate is multiplied by ``lr_decay`` every ``lr_step_epochs``
    epochs (0: constant). ``clip_theta`` enables VDSR's adjustable gradient clipping: every
    gradient component is clipped to ``[-theta/lr, theta/lr]`` for the current ``lr`` (0 is
    stored as None: off). ``downscale`` adds shrunk copies of the ``images`` of an on-the-fly run
    (empty: none). ``srcnn_init`` is ``gaussian`` (the paper's) or ``he`` (see
    :func:`sr.models.srcnn`). ``ema`` is the decay of an exponential moving average of the
    weights, validated and saved beside them (0: none, the papers' recipe).
    ``checkpoint_minutes`` is how often a checkpoint is taken inside an epoch, ``worker_timeout``
    how long a cluster waits for a lost worker (the only fields, with ``epochs``, that
    ``--resume`` may change). A value out of range raises :class:`UserError` naming its flag.
    """

    model: str
    patches: str = _opt("", "patch file (.h5) from sr_prepare.py", type=absolute_path)
    on_the_fly: bool = _opt(False, "random crops degraded every step instead", action="store_true")
    images: tuple[str, ...] = _opt(
        (), "folders for --on-the-fly", nargs="+", metavar="DIR", type=absolute_path
    )
    patch_size: int = _opt(0, "HR crop size of --on-the-fly", type=int)
    downscale: tuple[float, ...] = _opt(
        (),
        "with --on-the-fly: also crop each image shrunk by these factors in (0, 1] "
        "(e.g. 1.0 0.7 0.5)",
        type=float,
        nargs="+",
        metavar="F",
    )
    scales: tuple[int, ...] = _opt((3,), "training scales", type=int, nargs="+")
    srcnn_variant: str = _opt(
        "9-1-5", "kernel sizes, 9-1-5 or 9-5-5", flags=["--variant"], metavar="VARIANT"
    )
    srcnn_init: str = _opt(
        "gaussian",
        "conv1/conv2 initialisation: gaussian std 0.001 (the paper's) or he (He normal)",
        flags=["--kernel-init"],
        choices=SRCNN_INITS,
    )
    vdsr_sp_residual: bool = _opt(
        True,
        "no residual over the bicubic upscaling",
        flags=["--no-residual"],
        action="store_false",
    )
    depth: int = _opt(20, "conv layers", type=int)
    optimizer: str = _opt("sgd", "optimizer", choices=OPTIMIZERS)
    learning_rate: float = _opt(1e-4, "learning rate", flags=["--lr"], type=float, metavar="LR")
    last_layer_learning_rate: float | None = _opt(
        None, "rate of the last layer", flags=["--lr-last"], type=float, metavar="LR_LAST"
    )
    momentum: float = _opt(0.9, "SGD momentum", type=float)
    weight_decay: float = _opt(0.0, "L2 on kernels", type=float)
    lr_step_epochs: int = _opt(
        0,
        "rate times --lr-decay every N epochs, 0: never",
        flags=["--lr-step"],
        type=int,
        metavar="LR_STEP",
    )
    lr_decay: float = _opt(0.1, "factor of the rate every --lr-step epochs", type=float)
    clip_theta: float | None = _opt(None, "adjustable clipping theta, 0: off", type=float)
    epochs: int = _opt(100, "epochs", type=int)
    batch_size: int = _opt(128, "patches per step", type=int)
    steps_per_epoch: int | None = _opt(None, "cap the steps of an epoch", type=int)
    loss: str = _opt("mse", "training loss", choices=LOSSES)
    huber_delta: float = _opt(0.01, "delta of --loss huber", type=float)
    augment: bool = _opt(False, "random rotation/flip of each patch", action="store_true")
    seed: int = _opt(0, "random seed", type=int)
    precision: str = _opt("float32", "Keras dtype policy of the network", choices=PRECISIONS)
    strategy: str = _opt(
        "default", "where to train; multiworker: the cluster of TF_CONFIG", choices=STRATEGIES
    )
    validation: tuple[str, ...] = _opt(
        (),
        "validation folders, every epoch",
        flags=["--val"],
        nargs="+",
        metavar="DIR",
        type=absolute_path,
    )
    validation_scales: tuple[int, ...] = ()
    init_weights: str = _opt(
        "",
        "start from a .weights.h5 of the same model",
        flags=["--init"],
        metavar="WEIGHTS",
        type=absolute_path,
    )
    ema: float = _opt(
        0.0,
        "also keep, validate and save a moving average of the weights, e.g. 0.999 "
        "(best_ema.weights.h5)",
        type=float,
        metavar="DECAY",
    )
    checkpoint_minutes: float = _opt(
        CHECKPOINT_MINUTES, "checkpoint inside an epoch this often", type=float
    )
    worker_timeout: float = _opt(
        WORKER_TIMEOUT, "multiworker: seconds to wait for a lost worker before stopping", type=float
    )

    def __post_init__(self) -> None:
        for name, choices in (
            ("model", MODELS),
            ("optimizer", OPTIMIZERS),
            ("loss", LOSSES),
            ("precision", PRECISIONS),
            ("strategy", STRATEGIES),
            ("srcnn_init", SRCNN_INITS),
        ):
            if getattr(self, name) not in choices:
                raise UserError(f"{name} must be one of {', '.join(choices)}")
        self._set("scales", check_scales(self.scales, "--scales"))
        try:
            self._set("downscale", check_downscale(self.downscale))
        except ValueError as err:
            raise UserError(f"--{err}") from None
        self._set("clip_theta", self.clip_theta or None)  # 0: no clipping
        for name, flag_name in (
            ("learning_rate", "--lr"),
            ("batch_size", "--batch-size"),
            ("depth", "--depth"),
            ("epochs", "--epochs"),
            ("worker_timeout", "--worker-timeout"),
        ):
            if not getattr(self, name) > 0:
                raise UserError(f"{flag_name} must be positive")
        if not 0 <= self.ema < 1:
            raise UserError("--ema must be a decay in [0, 1), e.g. 0.999")
        if not self.checkpoint_minutes > 0:
            raise UserError("--checkpoint-minutes must be positive")
        if self.loss == "huber" and not self.huber_delta > 0:
            raise UserError("--huber-delta must be positive")
        try:
            srcnn_border(self.srcnn_variant)
        except ValueError as err:
            raise UserError(str(err)) from None

    def _set(self, name: str, value) -> None:
        object.__setattr__(self, name, value)  # normalising a frozen instance while it is built

    def replace(self, **changes) -> TrainConfig:
        return dataclasses.replace(self, **changes)


# The papers' recipes: SRCNN (Dong et al. 2016, Sec. 4.1), VDSR (Kim et al. 2016, Sec. 4.1).
# VDSR's paper gives no clipping theta; 1e-4 is measured (docs/sr-training-notes.md).
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


def skipped_flags(model: str) -> tuple[str, ...]:
    """The config fields whose flags ``model``'s trainer does not have (see MODEL_FLAGS)."""
    return tuple(name for name, models in MODEL_FLAGS.items() if model not in models)


def resume_fields(model: str, given: dict) -> dict:
    """The config fields a ``--resume`` asks for: the ``given`` flag values (config field names),
    validated and normalised as a new run's would be (``--clip-theta 0`` is None, ``--scales``
    also sets the validation scales). :class:`UserError` names a flag out of range."""
    config = PRESETS[model].replace(**given)
    fields = {name: getattr(config, name) for name in given}
    if "scales" in given:
        fields["validation_scales"] = config.scales
    return fields


def new_config(model: str, given: dict, data_dir: Path) -> TrainConfig:
    """The config of a new run: the paper's recipe (``PRESETS``), the ``given`` flag values
    (config field names), and the defaults that depend on them (the training sets, patch size
    and steps of ``--on-the-fly``, Set5 validation in ``data_dir`` at the training scales)."""
    on_the_fly = bool(given.get("on_the_fly"))
    if not given.get("patches") and not on_the_fly:
        raise UserError("give --patches FILE or --on-the-fly (or --resume)")
    if given.get("patches") and on_the_fly:
        raise UserError("--patches and --on-the-fly exclude each other")
    if given.get("downscale") and not on_the_fly:
        raise UserError("--downscale needs --on-the-fly (patch files: sr_prepare.py --downscale)")
    if not on_the_fly:  # crop settings mean nothing to a patch file
        given = {k: v for k, v in given.items() if k not in ("images", "patch_size")}
    defaults: dict = {"validation": (str((data_dir / "Set5").resolve()),)}
    if on_the_fly:
        sets = TRAINING_SETS[PATCH_RECIPE[model]]
        defaults["images"] = tuple(str((data_dir / name).resolve()) for name in sets)
        defaults["patch_size"] = ON_THE_FLY_PATCH[model]
        defaults["steps_per_epoch"] = ON_THE_FLY_STEPS
    config = PRESETS[model].replace(**{**defaults, **given})
    return config.replace(validation_scales=config.scales)
