"""A dependency-free semi-log loss plot (Pillow only), for --progress-plot."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from PIL import Image, ImageDraw

_COLORS = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189))


def loss_plot(
    iterations: Sequence[int],
    series: Mapping[str, Sequence[float]],
    size: tuple[int, int] = (720, 480),
) -> np.ndarray:
    """Draw ``series`` (positive values) against ``iterations`` on a log y axis.

    Returns:
        uint8 RGB image ``(size[1], size[0], 3)``; white background, one coloured line and
        legend entry per series, decade grid lines labelled ``1e<k>``.
    """
    width, height = size
    left, right, top, bottom = 70, 20, 20, 40
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    values = [v for vals in series.values() for v in vals if v > 0 and math.isfinite(v)]
    if not iterations or not values:
        draw.text((left, top), "no data", fill="black")
        return np.asarray(img)
    lo, hi = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    hi = max(hi, lo + 1)
    x0, x1 = min(iterations), max(max(iterations), min(iterations) + 1)

    def to_px(it: float, val: float) -> tuple[float, float]:
        x = left + (it - x0) / (x1 - x0) * (width - left - right)
        y = top + (hi - math.log10(val)) / (hi - lo) * (height - top - bottom)
        return x, y

    for decade in range(lo, hi + 1):
        _, y = to_px(x0, 10.0**decade)
        draw.line([(left, y), (width - right, y)], fill=(225, 225, 225))
        draw.text((5, y - 6), f"1e{decade}", fill="black")
    draw.rectangle([left, top, width - right, height - bottom], outline="black")
    draw.text((left, height - bottom + 8), f"{x0}", fill="black")
    draw.text((width - right - 40, height - bottom + 8), f"{x1}", fill="black")
    draw.text(((width - 60) // 2, height - bottom + 20), "iterations", fill="black")
    for k, (name, vals) in enumerate(series.items()):
        color = _COLORS[k % len(_COLORS)]
        points = [to_px(i, v) for i, v in zip(iterations, vals, strict=True) if v > 0]
        if len(points) > 1:
            draw.line(points, fill=color, width=2)
        elif points:
            draw.point(points, fill=color)
        draw.text((width - right - 110, top + 8 + 14 * k), f"- {name}", fill=color)
    return np.asarray(img)
