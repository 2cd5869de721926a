"""VGG19 feature extractor and weight loaders (Keras files, MatConvNet .mat), random weights."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import scipy.io
from matconvnet_files import VGG19_WIDTHS, matconvnet_entries, matconvnet_forward, write_matconvnet
from seeds import rng, seed, seed_keras

from common.errors import UserError
from common.pretrained import WeightsError, build_keras_application
from style_transfer import vgg


@pytest.fixture(scope="module")
def base():
    seed_keras(40)  # module fixtures run before the per-test seeding of conftest.py
    return vgg.load_vgg19("random")


@pytest.mark.parametrize(
    ("name", "keras_name"),
    [
        ("relu4_2", "block4_conv2"),
        ("conv4_2", "block4_conv2"),
        ("relu1_1", "block1_conv1"),
        ("relu5_4", "block5_conv4"),
        ("pool3", "block3_pool"),
        ("block3_conv4", "block3_conv4"),
        ("block5_pool", "block5_pool"),
    ],
)
def test_layer_name_aliases(name, keras_name):
    assert vgg.canonical_layer_name(name) == keras_name


@pytest.mark.parametrize("bad", ["relu6_1", "relu1_3", "block2_conv3", "fc6", "", "conv4-2"])
def test_unknown_layer_name(bad):
    with pytest.raises(ValueError, match="unknown VGG19 layer"):
        vgg.canonical_layer_name(bad)
    with pytest.raises(UserError):
        vgg.canonical_layer_name(bad)


def test_preprocess_matches_keras_caffe_mode():
    image = rng(0).random((2, 5, 4, 3)).astype(np.float32)
    ours = vgg.vgg19_preprocess(image).numpy()
    theirs = keras.applications.vgg19.preprocess_input(image * 255.0)
    # float32 values below 256: an ulp is <= 1.5e-5, and each side rounds 2-3 times
    np.testing.assert_allclose(ours, theirs, atol=1e-4)
    red = vgg.vgg19_preprocess(np.array([1.0, 0.0, 0.0])).numpy()
    np.testing.assert_allclose(red, [-103.939, -116.779, 255 - 123.68], atol=1e-4)


def test_random_weights_warn_loudly(capsys):
    vgg.load_vgg19("random")
    err = capsys.readouterr().err
    assert "RANDOM" in err and "WARNING" in err


def test_feature_model_truncated_with_aliases(base):
    model = vgg.vgg19_feature_model(["relu2_1", "block1_conv1", "conv2_1"], base)
    names = [layer.name for layer in model.layers]
    assert "block2_conv1" in names and "block2_conv2" not in names
    x = rng(1).random((1, 12, 10, 3)).astype(np.float32)
    out = model(x)
    assert sorted(out) == ["block1_conv1", "block2_conv1"]
    assert out["block2_conv1"].shape == (1, 6, 5, 128)
    inner = keras.Model(base.input, base.get_layer("block2_conv1").output)
    # the same float32 layers on the same input (equal here); rtol for a conv summed in another
    # order (u sqrt(576) = 1.4e-6 a layer, 3 layers), atol for the ReLU's zeros
    np.testing.assert_allclose(
        out["block2_conv1"], inner(vgg.vgg19_preprocess(x)), rtol=1e-5, atol=1e-5
    )


def test_average_pooling(base):
    whole = vgg.load_vgg19("random", pooling="avg")
    assert sum(type(layer).__name__ == "AveragePooling2D" for layer in whole.layers) == 5
    model = vgg.vgg19_feature_model(["relu3_1"], base, pooling="avg")
    kinds = {type(layer).__name__ for layer in model.layers}
    assert "AveragePooling2D" in kinds and "MaxPooling2D" not in kinds
    x = rng(2).random((1, 8, 8, 3)).astype(np.float32)
    first = keras.Model(model.input, model.get_layer("block1_conv2").output)(x).numpy()
    pooled = keras.Model(model.input, model.get_layer("block1_pool").output)(x).numpy()
    # float32 means of 4 values >= 0 (ReLU): a few roundings, <= 3 u = 2e-7 relative
    np.testing.assert_allclose(pooled[0, 0, 0], first[0, :2, :2].mean(axis=(0, 1)), rtol=1e-5)


def test_mixed_bfloat16_outputs_float32_close_to_reference(base):
    x = rng(3).random((1, 16, 16, 3)).astype(np.float32)
    ref = vgg.vgg19_feature_model(["relu2_1"], base)(x)["block2_conv1"].numpy()
    bf16 = vgg.vgg19_feature_model(["relu2_1"], base, dtype_policy="mixed_bfloat16")(x)
    out = bf16["block2_conv1"]
    assert out.dtype == "float32"
    # bfloat16 rounds inputs, weights and outputs of each of the 3 convolutions to 8 bits (u =
    # 2^-8 = 3.9e-3): measured 1.0-1.1 u, with oneDNN's kernels and without; 0.02 is 5 u
    assert np.linalg.norm(out - ref) / np.linalg.norm(ref) < 0.02


def test_keras_weights_file_round_trip(base, tmp_path):
    path = tmp_path / "vgg19.weights.h5"
    base.save_weights(path)
    loaded = vgg.load_vgg19(str(path))
    for a, b in zip(base.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_keras_weights_file_errors(tmp_path):
    with pytest.raises(WeightsError, match="not found"):
        vgg.load_vgg19(str(tmp_path / "missing.h5"))
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not an hdf5 file")
    with pytest.raises(WeightsError, match="not usable as VGG19"):
        vgg.load_vgg19(str(junk))
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    other.save_weights(tmp_path / "other.weights.h5")
    with pytest.raises(WeightsError, match="not usable as VGG19"):
        vgg.load_vgg19(str(tmp_path / "other.weights.h5"))
    with pytest.raises(WeightsError, match="unsupported"):
        (tmp_path / "w.txt").write_text("x")
        vgg.load_vgg19(str(tmp_path / "w.txt"))


def test_imagenet_offline_gives_one_clear_message():
    def offline(**kwargs):
        raise Exception("URL fetch failure on https://example/vgg19.h5: None -- no network")

    with pytest.raises(WeightsError) as info:
        build_keras_application(offline, "imagenet", name="VGG19", include_top=False)
    message = str(info.value)
    assert "offline" in message and "~/.keras/models" in message and "\n" not in message


# --------------------------------------------------------------------------- MatConvNet files


@pytest.fixture(scope="module")
def vgg_mat_entries():
    return matconvnet_entries(VGG19_WIDTHS, seed=seed(41))


@pytest.mark.parametrize(
    ("layout", "mean_rgb"),
    [("old", (123.68, 116.779, 103.939)), ("old", (90.0, 140.5, 60.25)), ("new", (131, 99, 77))],
)
def test_matconvnet_file_as_published(vgg_mat_entries, tmp_path, layout, mean_rgb):
    path = tmp_path / "imagenet-vgg-verydeep-19.mat"
    write_matconvnet(path, vgg_mat_entries, mean_rgb, layout)
    # a float32 averageImage (MatConvNet's are single) is within 4e-6 of the mean (half an ulp
    # of 128), a float64 one (averaged in float64) within 1e-13; 1e-4 is ample for both
    assert vgg.read_matconvnet_mean(str(path)) == pytest.approx(mean_rgb, abs=1e-4)
    loaded = vgg.load_vgg19(str(path))
    assert loaded.vgg_mean_rgb == pytest.approx(mean_rgb, abs=1e-4)
    stored = {e["name"]: e["weights"][0] for e in vgg_mat_entries if e["name"].startswith("conv")}
    for name in ("block2_conv1", "block5_conv4"):  # h x w x in x out in both
        kernel, bias = loaded.get_layer(name).get_weights()
        caffe = "conv" + name[5] + "_" + name[-1]
        np.testing.assert_array_equal(kernel, stored[caffe][0])
        np.testing.assert_array_equal(bias, stored[caffe][1].reshape(-1))
    # What the network computes, against MatConvNet's definition (orientation, RGB, the mean):
    image = rng(5).random((9, 7, 3))
    features = vgg.vgg19_feature_model(["relu1_1"], loaded)
    assert features.vgg_mean_rgb == pytest.approx(mean_rgb, abs=1e-4)  # as read, see above
    ours = features(image[None].astype(np.float32))["block1_conv1"].numpy()[0]
    kernel, bias = stored["conv1_1"]
    expected = matconvnet_forward(image, kernel.astype(np.float64), bias, mean_rgb)
    # float32 sums of 27 terms (255 x - mean) k, sum|terms| up to ~1e3 (outputs up to ~450):
    # u sqrt(27) 1e3 = 3e-4 (measured <= 1.2e-4), plus the float32 rounding of 255 x
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-3)
    transposed = matconvnet_forward(image, kernel.transpose(1, 0, 2, 3), bias, mean_rgb)
    assert np.abs(ours - transposed).max() > 0.1  # the test sees the kernel orientation


def test_matconvnet_mean_other_than_imagenet_changes_the_features(vgg_mat_entries, tmp_path):
    paths = {}
    for key, mean in (("imagenet", (123.68, 116.779, 103.939)), ("other", (60.0, 150.0, 200.0))):
        paths[key] = tmp_path / f"{key}.mat"
        write_matconvnet(paths[key], vgg_mat_entries, mean)
    image = rng(6).random((1, 8, 8, 3)).astype(np.float32)
    out = {
        k: vgg.vgg19_feature_model(["relu1_1"], str(p))(image)["block1_conv1"].numpy()
        for k, p in paths.items()
    }
    reference = vgg.vgg19_feature_model(
        ["relu1_1"], str(paths["imagenet"]), mean_rgb=(60, 150, 200)
    )
    # the same float32 mean and layer on the same input (equal here); rtol for a reordered sum
    np.testing.assert_allclose(out["other"], reference(image)["block1_conv1"], rtol=1e-5)
    assert np.abs(out["other"] - out["imagenet"]).max() > 1.0


def test_matconvnet_file_without_mean_uses_imagenet(vgg_mat_entries, tmp_path):
    path = tmp_path / "no-mean.mat"
    write_matconvnet(path, vgg_mat_entries, None)
    assert vgg.read_matconvnet_mean(str(path)) is None
    assert vgg.load_vgg19(str(path), pooling="avg").vgg_mean_rgb == vgg.IMAGENET_MEAN_RGB


def test_matconvnet_file_errors(vgg_mat_entries, tmp_path):
    broken = [dict(e) for e in vgg_mat_entries]
    index = next(i for i, e in enumerate(broken) if e["name"] == "conv3_2")
    weights = np.empty((1, 2), dtype=object)
    weights[0, 0] = broken[index]["weights"][0, 0][:, :, :-1, :]
    weights[0, 1] = broken[index]["weights"][0, 1]
    broken[index]["weights"] = weights
    bad_shape = tmp_path / "bad.mat"
    write_matconvnet(bad_shape, broken)
    with pytest.raises(WeightsError, match="conv3_2"):
        vgg.load_vgg19(str(bad_shape))
    missing = tmp_path / "missing.mat"
    write_matconvnet(missing, [e for e in vgg_mat_entries if e["name"] != "conv4_4"])
    with pytest.raises(WeightsError, match="conv4_4 missing"):
        vgg.load_vgg19(str(missing))
    corrupt = tmp_path / "corrupt.mat"
    corrupt.write_bytes(b"\x00garbage" * 50)
    with pytest.raises(WeightsError, match="not a readable"):
        vgg.load_vgg19(str(corrupt))
    no_layers = tmp_path / "empty.mat"
    scipy.io.savemat(no_layers, {"meta": np.zeros(3)})
    with pytest.raises(WeightsError, match="no 'layers'"):
        vgg.load_vgg19(str(no_layers))
    with pytest.raises(WeightsError, match="not found"):
        vgg.load_vgg19(str(tmp_path / "absent.mat"))


def test_same_pool_padding_rounds_odd_sides_up(base):
    x = rng(7).random((1, 13, 9, 3)).astype(np.float32)
    valid = vgg.vgg19_feature_model(["relu2_1"], base)(x)["block2_conv1"]
    same = vgg.vgg19_feature_model(["relu2_1"], base, pool_padding="same")(x)["block2_conv1"]
    assert valid.shape == (1, 6, 4, 128) and same.shape == (1, 7, 5, 128)
    inner = vgg.vgg19_feature_model(["relu1_2"], base)(x)["block1_conv2"].numpy()[0]
    pooled = keras.Model(
        *(lambda m: (m.input, m.get_layer("block1_pool").output))(
            vgg.vgg19_feature_model(["relu2_1"], base, pool_padding="same")
        )
    )(x).numpy()[0]
    # a max picks one value, and both models compute the same float32 convolutions (equal here)
    np.testing.assert_allclose(pooled[6, 4], inner[12, 8], rtol=1e-6)  # the corner pooled alone
    np.testing.assert_allclose(pooled[0, 0], inner[:2, :2].max(axis=(0, 1)), rtol=1e-6)
    with pytest.raises(ValueError, match="padding"):
        vgg.vgg19_feature_model(["relu2_1"], base, pool_padding="full")


def test_transposed_kernels_swap_the_spatial_axes(base):
    model = vgg.vgg19_feature_model(["relu1_2"], base, transpose_kernels=True)
    for name in ("block1_conv1", "block1_conv2"):
        np.testing.assert_array_equal(
            model.get_layer(name).get_weights()[0],
            base.get_layer(name).get_weights()[0].transpose(1, 0, 2, 3),
        )


def test_legacy_keras_h5_file_as_distributed_by_keras(base, tmp_path):
    """Keras' own vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 uses the legacy h5 layout."""
    h5py = pytest.importorskip("h5py")
    legacy = pytest.importorskip("keras.src.legacy.saving.legacy_h5_format")
    path = tmp_path / "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
    with h5py.File(path, "w") as handle:
        legacy.save_weights_to_hdf5_group(handle, base)
    loaded = vgg.load_vgg19(str(path))
    for a, b in zip(base.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    vgg16 = keras.applications.VGG16(weights=None, include_top=False, input_shape=(None, None, 3))
    wrong = tmp_path / "vgg16.h5"
    with h5py.File(wrong, "w") as handle:
        legacy.save_weights_to_hdf5_group(handle, vgg16)
    with pytest.raises(WeightsError, match="not usable as VGG19"):
        vgg.load_vgg19(str(wrong))


def test_bfloat16_outputs_on_request(base):
    model = vgg.vgg19_feature_model(
        ["relu1_1"], base, dtype_policy="mixed_bfloat16", float32_outputs=False
    )
    out = model(np.zeros((1, 8, 8, 3), np.float32))
    assert out["block1_conv1"].dtype == "bfloat16"
