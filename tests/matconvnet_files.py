"""MatConvNet network files for tests, written from MatConvNet's published layout.

Written from MatConvNet's ``utils/import-caffe.py`` (which made imagenet-vgg-verydeep-19.mat),
not from our loader: `layers` is a 1 x L cell array of structs
(name, type, and for convolutions weights = {kernel, bias}); a kernel is h x w x in x out with
the first layer's input channels in RGB order; the bias a 1 x out row; the mean pixel is
`normalization.averageImage` (old file, a constant H x W x 3 image) or
`meta.normalization.averageImage` (newer files, 1 x 1 x 3).
"""

from __future__ import annotations

import numpy as np
import scipy.io
import seeds

VGG19_WIDTHS = {1: 64, 2: 128, 3: 256, 4: 512, 5: 512}
VGG19_CONVS = {1: 2, 2: 2, 3: 4, 4: 4, 5: 4}


def matconvnet_entries(widths: dict[int, int], seed: int = 0) -> list[dict]:
    """MatConvNet layer structs of a VGG19-shaped network, random weights, in file order."""
    rng = seeds.rng(seed)
    entries, channels = [], 3
    for block, count in VGG19_CONVS.items():
        for i in range(1, count + 1):
            out = widths[block]
            kernel = rng.normal(0, np.sqrt(2 / (9 * channels)), (3, 3, channels, out))
            weights = np.empty((1, 2), dtype=object)
            weights[0, 0] = kernel.astype(np.float32)
            weights[0, 1] = rng.normal(0, 0.1, (1, out)).astype(np.float32)
            entries.append(
                {"name": f"conv{block}_{i}", "type": "conv", "weights": weights, "pad": [1.0] * 4}
            )
            entries.append({"name": f"relu{block}_{i}", "type": "relu"})
            channels = out
        entries.append({"name": f"pool{block}", "type": "pool", "method": "max", "pool": [2.0, 2]})
    fc = np.empty((1, 2), dtype=object)
    fc[0, 0], fc[0, 1] = np.zeros((1, 1, channels, 2), np.float32), np.zeros((1, 2), np.float32)
    entries.append({"name": "fc6", "type": "conv", "weights": fc})
    entries.append({"name": "prob", "type": "softmax"})
    return entries


def write_matconvnet(path, entries: list[dict], mean_rgb=None, layout: str = "old") -> None:
    """Save ``entries`` as a MatConvNet file; ``mean_rgb`` as the old or the newer layout has it."""
    cells = np.empty((1, len(entries)), dtype=object)
    for i, entry in enumerate(entries):
        cells[0, i] = entry
    contents: dict = {"layers": cells}
    classes = {"name": np.array(["n01440764"], dtype=object), "description": ["tench"]}
    if mean_rgb is not None and layout == "old":  # a constant image, bilinearly resized
        image = np.ones((6, 5, 1)) * np.asarray(mean_rgb, np.float64).reshape(1, 1, 3)
        normalization = {"averageImage": image, "imageSize": [224.0, 224, 3], "border": [0.0, 0]}
        contents.update(normalization=normalization, classes=classes)
    elif mean_rgb is not None:
        mean = np.asarray(mean_rgb, np.float32).reshape(1, 1, 3)
        normalization = {"averageImage": mean, "imageSize": [224.0, 224, 3, 1]}
        contents["meta"] = {"normalization": normalization, "classes": classes}
    scipy.io.savemat(path, contents, oned_as="row")


def matconvnet_forward(image, kernel, bias, mean_rgb) -> np.ndarray:
    """MatConvNet's first layer on an RGB [0, 1] image: (255 x - mean) correlated with
    ``kernel`` (h x w x in x out), zero padding 1, plus bias, then ReLU."""
    x = np.pad(image * 255.0 - np.asarray(mean_rgb), ((1, 1), (1, 1), (0, 0)))
    h, w = image.shape[:2]
    out = np.zeros((h, w, kernel.shape[-1])) + bias.reshape(-1)
    for dy in range(3):
        for dx in range(3):
            out += np.einsum("hwc,co->hwo", x[dy : dy + h, dx : dx + w], kernel[dy, dx])
    return np.maximum(out, 0.0)
