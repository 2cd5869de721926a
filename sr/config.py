"""Training configuration: one frozen dataclass whose per-model defaults are the papers' recipes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

MODELS = ("srcnn", "vdsr", "vdsr_sp")
PRECISIONS = ("float32", "mixed_bfloat16")
STRATEGIES = ("default", "mirrored")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run (written to ``config.json``).

    ``learning_rate`` applies to all layers except SRCNN's last, which uses
    ``last_layer_learning_rate``. The rate is multiplied by ``lr_decay`` every ``lr_step_epochs``
    epochs (0: constant). ``clip_theta`` enables VDSR's adjustable gradient clipping: every
    gradient component is clipped to ``[-theta/lr, theta/lr]`` for the current ``lr``.
    ``downscale`` adds shrunk copies of the ``images`` of an on-the-fly run (empty: none).
    ``srcnn_init`` is ``gaussian`` (the paper's) or ``he`` (see :func:`sr.models.srcnn`).
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
