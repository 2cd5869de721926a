"""StyleConfig owns its defaults, checks and flags; keep_best keeps the last stage's best image."""

from __future__ import annotations

import re

import numpy as np
import pytest

from common.cli import ArgumentParser, add_config_flags, config_from_args
from style_transfer import cli, outputs
from style_transfer.config import StyleConfig, StyleConfigError, option


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"content_weight_blend": 1.5}, "--content-weight-blend must be in [0, 1]"),
        ({"style_blend_weights": (0.0, 0.0)}, "--style-blend-weights must not all be zero"),
        ({"sizes": (16, 32), "stage_iterations": (3,)}, "one count per --sizes value"),
        ({"sizes": (16, 9000)}, "above 8192 pixels"),
        ({"beta2": 1.0}, "--beta2 must be in [0, 1)"),
        ({"epsilon": 0.0}, "--eps must be"),
        ({"optimizer": "sgd"}, "unknown optimizer"),
        ({"style_layers": ("relu1_1", "relu7_1")}, "--style-layers: unknown VGG19 layer"),
        ({"style_layers": ("relu1_1", "conv1_1", "relu1_1")}, "--style-layers: a layer is given"),
    ],
)
def test_config_rejects_bad_values_in_one_line(changes, message):
    with pytest.raises(StyleConfigError, match=re.escape(message)):
        StyleConfig(**changes)
    with pytest.raises(ValueError):  # library callers may catch ValueError
        StyleConfig(**changes)


def test_flags_come_from_the_fields():
    assert option("epsilon") == "--eps" and option("lbfgs_memory") == "--lbfgs-memory"
    parser = ArgumentParser(prog="t")
    add_config_flags(parser, StyleConfig)
    assert config_from_args(parser, StyleConfig, parser.parse_args([])) == StyleConfig()
    args = parser.parse_args(["--eps", "1e-6", "--sizes", "16", "32", "--iterations", "7"])
    config = config_from_args(parser, StyleConfig, args)
    assert (config.epsilon, config.sizes, config.iterations) == (1e-6, (16, 32), 7)
    text = " ".join(cli.build_parser().format_help().split())
    assert "(default: relu1_1 relu2_1 relu3_1 relu4_1 relu5_1)" in text
    assert "(default: 1000)" in text and "(default: lbfgs)" in text


def test_keep_best_takes_the_lowest_loss_of_the_last_stage():
    def step(it, width, total):
        return (
            it,
            np.zeros((4, width, 3), np.float32),
            {"content": 0, "style": 0, "tv": 0, "total": total},
        )

    steps = [step(1, 8, 1.0), step(2, 8, 0.5), step(3, 16, 9.0), step(4, 16, 3.0), step(5, 16, 4.0)]
    seen = []
    rows, best = outputs.keep_best(steps, lambda s, b: seen.append(b[0]))
    assert best[0] == 4 and seen == [1, 2, 3, 4, 4]
    assert [r[:3] for r in rows] == [(1, 8, 4), (2, 8, 4), (3, 16, 4), (4, 16, 4), (5, 16, 4)]
