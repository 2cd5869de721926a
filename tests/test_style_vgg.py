"""VGG19 feature extractor and weight loaders (Keras files, MatConvNet .mat), random weights."""

from __future__ import annotations

import imaging

import keras
import numpy as np
import pytest
import scipy.io

from style_transfer import vgg
from style_transfer.weights import WeightsError, build_keras_application


@pytest.fixture(scope="module")
def base():
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
    with pytest.raises(imaging.UserError):
        vgg.canonical_layer_name(bad)


def test_preprocess_matches_keras_caffe_mode():
    rng = np.random.default_rng(0)
    image = rng.random((2, 5, 4, 3)).astype(np.float32)
    ours = vgg.vgg19_preprocess(image).numpy()
    theirs = keras.applications.vgg19.preprocess_input(image * 255.0)
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
    x = np.random.default_rng(1).random((1, 12, 10, 3)).astype(np.float32)
    out = model(x)
    assert sorted(out) == ["block1_conv1", "block2_conv1"]
    assert out["block2_conv1"].shape == (1, 6, 5, 128)
    inner = keras.Model(base.input, base.get_layer("block2_conv1").output)
    np.testing.assert_allclose(
        out["block2_conv1"], inner(vgg.vgg19_preprocess(x)), rtol=1e-5, atol=1e-5
    )


def test_average_pooling(base):
    whole = vgg.load_vgg19("random", pooling="avg")
    assert sum(type(layer).__name__ == "AveragePooling2D" for layer in whole.layers) == 5
    model = vgg.vgg19_feature_model(["relu3_1"], base, pooling="avg")
    kinds = {type(layer).__name__ for layer in model.layers}
    assert "AveragePooling2D" in kinds and "MaxPooling2D" not in kinds
    x = np.random.default_rng(2).random((1, 8, 8, 3)).astype(np.float32)
    first = keras.Model(model.input, model.get_layer("block1_conv2").output)(x).numpy()
    pooled = keras.Model(model.input, model.get_layer("block1_pool").output)(x).numpy()
    np.testing.assert_allclose(pooled[0, 0, 0], first[0, :2, :2].mean(axis=(0, 1)), rtol=1e-5)


def test_mixed_bfloat16_outputs_float32_close_to_reference(base):
    x = np.random.default_rng(3).random((1, 16, 16, 3)).astype(np.float32)
    ref = vgg.vgg19_feature_model(["relu2_1"], base)(x)["block2_conv1"].numpy()
    bf16 = vgg.vgg19_feature_model(["relu2_1"], base, dtype_policy="mixed_bfloat16")(x)
    out = bf16["block2_conv1"]
    assert out.dtype == "float32"
    assert np.linalg.norm(out - ref) / np.linalg.norm(ref) < 0.05


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


def _matconvnet_layers(model: keras.Model, *, break_shape: bool = False) -> np.ndarray:
    """MatConvNet-style layer cell array from a Keras VGG19 (inverse of the loader's conversion)."""
    entries = []
    for name in vgg.VGG19_LAYERS:
        block, rest = name[5], name.split("_")[1]
        if rest.startswith("conv"):
            kernel, bias = model.get_layer(name).get_weights()
            if rest == "conv1" and block == "1":
                kernel = kernel[:, :, ::-1, :]  # Keras/Caffe BGR -> MatConvNet RGB
            kernel = np.transpose(kernel, (1, 0, 2, 3))
            if break_shape and name == "block3_conv2":
                kernel = kernel[:, :, :-1, :]
            params = np.empty((1, 2), dtype=object)
            params[0, 0], params[0, 1] = kernel, bias.reshape(1, -1)
            caffe = f"conv{block}_{rest[4:]}"
            entries.append({"name": caffe, "type": "conv", "weights": params})
            entries.append({"name": f"relu{block}_{rest[4:]}", "type": "relu", "weights": []})
        else:
            entries.append({"name": f"pool{block}", "type": "pool", "weights": []})
    cells = np.empty((1, len(entries)), dtype=object)
    for i, entry in enumerate(entries):
        cells[0, i] = entry
    return cells


def test_matconvnet_file_round_trip(base, tmp_path):
    path = tmp_path / "imagenet-vgg-verydeep-19.mat"
    scipy.io.savemat(path, {"layers": _matconvnet_layers(base)})
    loaded = vgg.load_vgg19(str(path))
    for a, b in zip(base.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_matconvnet_file_errors(base, tmp_path):
    bad_shape = tmp_path / "bad.mat"
    scipy.io.savemat(bad_shape, {"layers": _matconvnet_layers(base, break_shape=True)})
    with pytest.raises(WeightsError, match="conv3_2"):
        vgg.load_vgg19(str(bad_shape))
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
