"""Every awkward format loads correctly or fails with ImageError naming the file."""

import os
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageOps
from seeds import rng

from common.files import atomic_write
from imaging import ImageError, load_image, load_image_eval, save_image

RNG = rng(0)
RGB8 = RNG.integers(0, 256, (6, 5, 3), dtype=np.uint8)


def _png16(path, array, orientation=None):
    """Write a 16-bit PNG with alpha or colour by hand (Pillow cannot), optionally with EXIF."""
    h, w, channels = array.shape
    raw = b"".join(b"\x00" + array[i].astype(">u2").tobytes() for i in range(h))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", w, h, 16, {2: 4, 3: 2, 4: 6}[channels], 0, 0, 0)
    exif = b""
    if orientation is not None:
        tags = Image.Exif()
        tags[0x0112] = orientation
        exif = chunk(b"eXIf", tags.tobytes()[6:])  # the TIFF block, without "Exif\0\0"
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + exif)
        f.write(chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_rgb_png_is_exact(tmp_path):
    Image.fromarray(RGB8).save(tmp_path / "a.png")
    image = load_image(tmp_path / "a.png")
    assert image.dtype == np.float32 and image.shape == (6, 5, 3)
    np.testing.assert_array_equal(np.rint(image * 255).astype(np.uint8), RGB8)
    np.testing.assert_array_equal(load_image_eval(tmp_path / "a.png"), RGB8)


def test_grayscale_replicated_and_kept_single_channel_for_eval(tmp_path):
    gray = RGB8[..., 0]
    Image.fromarray(gray, "L").save(tmp_path / "g.png")
    image = load_image(tmp_path / "g.png")
    assert image.shape == (6, 5, 3)
    np.testing.assert_allclose(image[..., 2] * 255, gray, atol=1e-4)
    evaluated = load_image_eval(tmp_path / "g.png")
    assert evaluated.shape == (6, 5, 1)
    np.testing.assert_array_equal(evaluated[..., 0], gray)


def test_sixteen_bit_grayscale_scaled_by_65535(tmp_path):
    data = np.array([[0, 65535], [32768, 1000]], np.uint16)
    Image.fromarray(data).save(tmp_path / "g16.png")
    image = load_image(tmp_path / "g16.png")
    np.testing.assert_allclose(image[..., 0], data / 65535.0, atol=1e-6)
    assert load_image_eval(tmp_path / "g16.png")[..., 0].tolist() == [[0, 255], [128, 4]]


def test_sixteen_bit_rgb_png_loads_at_full_precision(tmp_path):
    data = (np.arange(2 * 3 * 3).reshape(2, 3, 3) * 7000 + 37).astype(np.uint16)
    _png16(tmp_path / "c16.png", data)
    image = load_image(tmp_path / "c16.png")
    assert image.shape == (2, 3, 3)
    np.testing.assert_allclose(image, data / 65535.0, atol=1e-7)  # not truncated to 8 bits
    expected = np.rint(data / 65535.0 * 255.0).astype(np.uint8)
    np.testing.assert_array_equal(load_image_eval(tmp_path / "c16.png"), expected)


def test_sixteen_bit_rgba_png_composited_at_full_precision(tmp_path):
    data = np.array([[[65535, 0, 0, 65535], [0, 0, 0, 0], [0, 0, 0, 32768]]], np.uint16)
    _png16(tmp_path / "a16.png", data)
    image = load_image(tmp_path / "a16.png")
    np.testing.assert_allclose(image[0, 0], [1, 0, 0])
    np.testing.assert_allclose(image[0, 1], [1, 1, 1])
    np.testing.assert_allclose(image[0, 2], [1 - 32768 / 65535] * 3, atol=1e-7)


def test_sixteen_bit_gray_alpha_png_composited_at_full_precision(tmp_path):
    data = np.array([[[1000, 65535], [50000, 0], [20000, 16384]]], np.uint16)
    _png16(tmp_path / "la16.png", data)
    image = load_image(tmp_path / "la16.png", background=(0.0, 0.0, 0.0))
    gray, alpha = data[..., 0] / 65535.0, data[..., 1] / 65535.0
    np.testing.assert_allclose(image, np.repeat((gray * alpha)[..., None], 3, -1), atol=1e-7)
    evaluated = load_image_eval(tmp_path / "la16.png")  # over white, kept single-channel
    expected = np.rint((gray * alpha + 1.0 - alpha) * 255.0).astype(np.uint8)
    assert evaluated.shape == (1, 3, 1)
    np.testing.assert_array_equal(evaluated[..., 0], expected)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_sixteen_bit_png_orientation_agrees_with_pillow(tmp_path, orientation):
    data = RNG.integers(0, 65536, (3, 5, 3)).astype(np.uint16)
    _png16(tmp_path / "o.png", data, orientation)
    with Image.open(tmp_path / "o.png") as img:  # Pillow reads the high byte of each sample
        upright8 = np.asarray(ImageOps.exif_transpose(img).convert("RGB"), np.int32)
    image = load_image(tmp_path / "o.png")
    assert image.shape == upright8.shape
    high_byte = np.floor(image.astype(np.float64) * 65535.0 / 256.0 + 1e-6)
    np.testing.assert_array_equal(high_byte, upright8)


def test_corrupt_sixteen_bit_png_raises(tmp_path):
    _png16(tmp_path / "c16.png", np.zeros((4, 4, 3), np.uint16))
    blob = (tmp_path / "c16.png").read_bytes()
    (tmp_path / "c16.png").write_bytes(blob[:-30])
    with pytest.raises(ImageError, match="c16.png"):
        load_image(tmp_path / "c16.png")


def test_rgba_composited_over_white_by_default_and_given_background(tmp_path):
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = [255, 0, 0, 255]  # opaque red
    rgba[0, 1] = [255, 0, 0, 0]  # transparent red
    rgba[1, 0] = [0, 0, 0, 128]  # half-transparent black
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    image = load_image(tmp_path / "a.png")
    np.testing.assert_allclose(image[0, 0], [1, 0, 0])
    np.testing.assert_allclose(image[0, 1], [1, 1, 1])
    np.testing.assert_allclose(image[1, 0], [1 - 128 / 255] * 3, atol=1e-6)
    black = load_image(tmp_path / "a.png", background=(0.0, 0.0, 0.0))
    np.testing.assert_allclose(black[0, 1], [0, 0, 0])


def test_la_and_palette_with_transparency(tmp_path):
    la = Image.fromarray(np.array([[[50, 255], [50, 0]]], np.uint8), "LA")
    la.save(tmp_path / "la.png")
    np.testing.assert_allclose(load_image(tmp_path / "la.png")[0, :, 0], [50 / 255, 1.0])
    pal = Image.new("P", (2, 1))
    pal.putpalette([0, 0, 255, 0, 255, 0] + [0] * 762)
    pal.putpixel((0, 0), 0)
    pal.putpixel((1, 0), 1)
    pal.info["transparency"] = 1
    pal.save(tmp_path / "p.png", transparency=1)
    image = load_image(tmp_path / "p.png")
    np.testing.assert_allclose(image[0, 0], [0, 0, 1])
    np.testing.assert_allclose(image[0, 1], [1, 1, 1])  # transparent index -> background


def test_cmyk_jpeg(tmp_path):
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(tmp_path / "c.jpg", quality=100)
    image = load_image(tmp_path / "c.jpg")
    assert image.shape == (8, 8, 3)
    assert image[..., 0].mean() > 0.9 and image[..., 1:].mean() < 0.1  # red


def test_exif_orientation_applied(tmp_path):
    array = np.zeros((4, 6, 3), np.uint8)
    array[0, :] = 255  # white top row of a landscape image
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: display needs 90 degrees clockwise
    Image.fromarray(array).save(tmp_path / "r.jpg", exif=exif, quality=100)
    image = load_image(tmp_path / "r.jpg")
    assert image.shape == (6, 4, 3)
    assert image[:, -1].mean() > 0.9 and image[:, 0].mean() < 0.1  # top row became right column


def test_one_bit_image(tmp_path):
    Image.fromarray(np.array([[0, 255]], np.uint8)).convert("1").save(tmp_path / "b.png")
    np.testing.assert_allclose(load_image(tmp_path / "b.png")[0, :, 0], [0.0, 1.0])


@pytest.mark.parametrize(
    "make, cause",
    [
        (lambda p: None, "no such file"),
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_text("hello, not an image"), "not an image"),
        (lambda p: p.mkdir(), "directory"),
    ],
)
def test_bad_files_raise_image_error_naming_the_file(tmp_path, make, cause):
    path = tmp_path / "bad.png"
    make(path)
    with pytest.raises(ImageError, match=cause) as info:
        load_image(path)
    assert str(path) in str(info.value)


def test_truncated_file(tmp_path):
    Image.fromarray(RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(tmp_path / "t.png")
    data = (tmp_path / "t.png").read_bytes()
    (tmp_path / "t.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match="truncated"):
        load_image(tmp_path / "t.png")


def test_decompression_bomb(tmp_path):
    Image.new("L", (100, 100)).save(tmp_path / "big.png")
    with pytest.raises(ImageError, match="decompression bomb"):
        load_image(tmp_path / "big.png", max_pixels=5000)


def test_save_round_trip_and_rounding(tmp_path):
    levels = np.array([[10, 11, 12]], np.float64)
    image = np.repeat(((levels + [[0.4, -0.4, 0.6]]) / 255.0)[..., None], 3, axis=-1)
    save_image(tmp_path / "o.png", image.astype(np.float32))
    saved = np.asarray(Image.open(tmp_path / "o.png"))
    assert saved[0, :, 0].tolist() == [10, 11, 13]
    save_image(tmp_path / "g.png", np.full((2, 2, 1), 2.0))  # clipped, grayscale
    assert Image.open(tmp_path / "g.png").mode == "L"
    assert np.asarray(Image.open(tmp_path / "g.png")).max() == 255
    save_image(tmp_path / "o.jpg", image)
    assert Image.open(tmp_path / "o.jpg").format == "JPEG"


def test_save_rejects_unknown_extension_and_missing_directory(tmp_path):
    with pytest.raises(ImageError, match="extension"):
        save_image(tmp_path / "o.xyz", np.zeros((2, 2, 3)))
    with pytest.raises(ImageError, match="does not exist"):
        save_image(tmp_path / "nope" / "o.png", np.zeros((2, 2, 3)))


def test_save_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "o.png"
    target.write_bytes(b"previous")

    def broken_save(self, fp, *args, **kwargs):
        fp.write(b"half an image")
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(OSError):
        save_image(target, np.zeros((2, 2, 3)))
    assert target.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["o.png"]


def test_atomic_write_text_has_normal_permissions(tmp_path):
    with atomic_write(tmp_path / "c.json") as f:
        f.write("{}")
    assert (tmp_path / "c.json").read_text() == "{}"
    assert (tmp_path / "c.json").stat().st_mode & 0o044  # readable by others, unlike mkstemp
