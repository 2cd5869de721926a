"""Reading and writing images: float32 RGB in [0, 1] inside, uint8 (or 16-bit) only on disk.

Every awkward file Pillow can decode is accepted: grayscale (``1``, ``L``, ``I;16``, ``I``),
grayscale or colour with alpha (``LA``, ``RGBA``, ``PA``), palettes with a transparent index,
CMYK and YCbCr JPEGs, 16-bit PNGs (grayscale or colour, read at full 16-bit precision; Pillow
truncates colour ones to 8 bits, so those are decoded by TensorFlow), and images whose EXIF
orientation tag says they were shot rotated. Alpha is composited over a background (white by
default, like an image viewer on a page), so transparent pixels do not turn into arbitrary
colours.

Failures (missing file, directory, empty file, not an image, truncated data, decompression
bomb) raise :class:`imaging.errors.ImageError` naming the file and the cause.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from common.files import OutputError, atomic_write
from imaging.errors import ImageError

#: Largest image accepted by default, in pixels (Pillow's own decompression-bomb limit).
DEFAULT_MAX_PIXELS = 89_478_485

_SIXTEEN_BIT_MODES = {"I;16", "I;16B", "I;16L", "I;16N", "I"}
_ALPHA_MODES = {"LA", "La", "RGBA", "RGBa", "PA"}


def load_image(
    path: str | os.PathLike,
    *,
    background: tuple[float, float, float] = (1.0, 1.0, 1.0),
    max_pixels: int | None = None,
) -> np.ndarray:
    """Load any image as float32 RGB in [0, 1], shape ``(H, W, 3)``.

    Grayscale is replicated to three channels, 16-bit data is divided by 65535, alpha is
    composited over ``background`` (RGB in [0, 1]) and the EXIF orientation is applied.
    """
    img = _open(path, max_pixels)
    gray, alpha = _planes(img, path)
    if gray.shape[-1] == 1:
        gray = np.repeat(gray, 3, axis=-1)
    if alpha is not None:
        bg = np.asarray(background, dtype=np.float32).reshape(1, 1, 3)
        gray = gray * alpha + bg * (1.0 - alpha)
    return np.ascontiguousarray(gray, dtype=np.float32)


def load_image_eval(path: str | os.PathLike, *, max_pixels: int | None = None) -> np.ndarray:
    """Load an image for evaluation as uint8, keeping grayscale files single-channel.

    Returns ``(H, W, 1)`` for grayscale files (used as Y directly by the evaluation protocol)
    and ``(H, W, 3)`` RGB otherwise; 8-bit data is returned bit-exact, 16-bit data rounded to
    the nearest 8-bit level, alpha composited over white.
    """
    img = _open(path, max_pixels)
    if img.mode == "L":
        return np.asarray(img, dtype=np.uint8)[..., None].copy()
    if img.mode == "RGB" and not _png_colour_depth16(path):
        return np.asarray(img, dtype=np.uint8).copy()
    planes, alpha = _planes(img, path)
    if alpha is not None:
        planes = planes * alpha + (1.0 - alpha)
    # rounded from the float32 planes, bit for bit as before (to_uint8 computes in float64)
    return np.clip(np.rint(planes * 255.0), 0, 255).astype(np.uint8)


def _open(path: str | os.PathLike, max_pixels: int | None) -> Image.Image:
    """Open, fully decode and orient an image, mapping every failure to ImageError."""
    name = os.fspath(path)
    limit = DEFAULT_MAX_PIXELS if max_pixels is None else int(max_pixels)
    if os.path.isdir(name):
        raise ImageError(f"{name}: is a directory, not an image")
    if not os.path.exists(name):
        raise ImageError(f"{name}: no such file")
    if os.path.getsize(name) == 0:
        raise ImageError(f"{name}: file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(name) as img:
                width, height = img.size
                if width * height > limit:
                    raise ImageError(
                        f"{name}: {width}x{height} is {width * height:,} pixels, more than the "
                        f"limit of {limit:,} (possible decompression bomb)"
                    )
                img.load()
                img = _orient(img)
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise ImageError(f"{name}: too many pixels (possible decompression bomb): {err}") from err
    except UnidentifiedImageError as err:
        raise ImageError(f"{name}: not an image file that Pillow can read") from err
    except PermissionError as err:
        raise ImageError(f"{name}: permission denied") from err
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise ImageError(f"{name}: corrupt or truncated image ({err})") from err
    return img


def _orient(img: Image.Image) -> Image.Image:
    """Apply the EXIF orientation tag (cameras store portrait photos sideways)."""
    try:
        oriented = ImageOps.exif_transpose(img)
    except Exception:  # a broken EXIF block must not stop the image from loading
        return img.copy()
    return oriented if oriented is not None else img.copy()


def _planes(img: Image.Image, path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray | None]:
    """Float32 colour planes in [0, 1], ``(H, W, 1 or 3)``, and alpha ``(H, W, 1)`` or None."""
    if _png_colour_depth16(path):
        data = _oriented(_decode_png16(path), path) / 65535.0
        colour = data[..., :1] if data.shape[-1] < 3 else data[..., :3]
        alpha = data[..., -1:] if data.shape[-1] in (2, 4) else None
        return colour, alpha
    mode = img.mode
    if mode == "P":
        mode_to = "RGBA" if "transparency" in img.info else "RGB"
        img, mode = img.convert(mode_to), mode_to
    if mode in _SIXTEEN_BIT_MODES:
        data = np.asarray(img).astype(np.float32) / 65535.0
        return np.clip(data, 0.0, 1.0)[..., None], None
    if mode == "F":
        return np.clip(np.asarray(img, dtype=np.float32), 0.0, 1.0)[..., None], None
    if mode in ("1", "L"):
        return _unit(img.convert("L"))[..., None], None
    if mode in ("LA", "La"):
        data = _unit(img.convert("LA"))
        return data[..., :1], data[..., 1:]
    if mode in _ALPHA_MODES:
        data = _unit(img.convert("RGBA"))
        return data[..., :3], data[..., 3:]
    return _unit(img.convert("RGB")), None


def _png_colour_depth16(path: str | os.PathLike) -> bool:
    """True for a 16-bit PNG with colour or alpha, which Pillow would truncate to 8 bits.

    The IHDR chunk follows the 8-byte signature: width, height, bit depth (byte 24) and colour
    type (byte 25: 2 RGB, 4 gray + alpha, 6 RGBA). 16-bit grayscale (type 0) Pillow reads whole.
    """
    with open(path, "rb") as handle:
        head = handle.read(26)
    if len(head) < 26 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return False
    return head[24] == 16 and head[25] in (2, 4, 6)


def _decode_png16(path: str | os.PathLike) -> np.ndarray:
    """All channels of a 16-bit PNG as float32 in [0, 65535], ``(H, W, C)``, via TensorFlow."""
    import tensorflow as tf  # deferred: only these files need it

    with open(path, "rb") as handle:
        contents = handle.read()
    try:
        pixels = tf.io.decode_png(contents, channels=0, dtype=tf.uint16).numpy()
    except (tf.errors.InvalidArgumentError, tf.errors.DataLossError) as err:
        raise ImageError(f"{os.fspath(path)}: corrupt or truncated image ({err.message})") from err
    return pixels.astype(np.float32)


#: EXIF orientation tag value -> the array operation that shows the image upright.
_EXIF_ORIENTATION = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.transpose(1, 0, 2),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),
    8: lambda a: np.rot90(a, 1),
}


def _oriented(array: np.ndarray, path: str | os.PathLike) -> np.ndarray:
    """Apply the file's EXIF orientation to ``(H, W, C)`` data decoded outside Pillow."""
    try:
        with Image.open(path) as img:
            orientation = img.getexif().get(0x0112, 1)
    except Exception:  # a broken EXIF block must not stop the image from loading
        orientation = 1
    transform = _EXIF_ORIENTATION.get(orientation)
    return np.ascontiguousarray(transform(array)) if transform else array


def _unit(img: Image.Image) -> np.ndarray:
    return np.asarray(img, dtype=np.uint8).astype(np.float32) / 255.0


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Float image in [0, 1] to uint8 with round-half-to-even and clipping; uint8 passes through."""
    array = np.asarray(image)
    if array.dtype == np.uint8:
        return array
    return np.clip(np.rint(array.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)


def save_image(path: str | os.PathLike, image: np.ndarray, *, quality: int = 95) -> None:
    """Save a float image in [0, 1] (or uint8) atomically; the format comes from the extension.

    ``image`` is ``(H, W)``, ``(H, W, 1)`` (saved as grayscale) or ``(H, W, 3)`` RGB. Values are
    clipped to [0, 1] and rounded to the nearest 8-bit level. The file appears complete or not
    at all: it is written to a temporary file in the same directory and renamed.
    """
    name = os.fspath(path)
    fmt = Image.registered_extensions().get(Path(name).suffix.lower())
    if fmt is None:
        suffix = Path(name).suffix
        raise ImageError(f"{name}: unknown image extension {suffix!r} (use .png or .jpg)")
    array = to_uint8(image)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] != 3):
        raise ImageError(f"{name}: cannot save an array of shape {array.shape} as an image")
    pil = Image.fromarray(array)
    options: dict[str, Any] = {"quality": quality} if fmt in ("JPEG", "WEBP") else {}
    try:
        with atomic_write(name, "wb") as handle:
            pil.save(handle, format=fmt, **options)
    except OutputError as err:  # the folder is missing or read-only
        raise ImageError(str(err)) from None
    except (ValueError, KeyError) as err:  # Pillow: format cannot hold this image
        raise ImageError(f"{name}: cannot write as {fmt}: {err}") from err
