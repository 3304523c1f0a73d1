"""gen2's `dai.OpenVINO`: the version helpers, and Blob's inputs and outputs as gen2 TensorInfo."""
import pytest

import oakling as dai
from oakling.models.blob import ModelBlob, TensorSpec
from oakling.models.gen2 import tensor_info


def make_blob():
    """A blob of a 416×416 U8 image in, one FP16 output, converted for 6 shaves."""
    meta = {"format": 1, "precision": "FP32", "threads": 0, "layers": 5,
            "inputs": [{"name": "images", "shape": [1, 3, 416, 416], "dtype": "U8", "layout": "NCHW",
                        "preprocess": {"mean": None, "scale": [255.0], "reverse_channels": False}}],
            "outputs": [{"name": "out", "shape": [1, 85, 3549], "dtype": "FP16", "layout": ""}],
            "options": {"shaves": 6}, "cache": None}
    return ModelBlob(meta, b"<net/>", b"\x01\x02\x03" * 100, None)


def test_openvino_blob_gives_gen2_tensor_infos(tmp_path):
    path = make_blob().write(tmp_path / "m.blob")
    blob = dai.OpenVINO.Blob(str(path))
    info = blob.networkInputs["images"]
    assert info.dims == [416, 416, 3, 1]          # gen2: innermost first, so dims[:2] is (W, H)
    assert info.dataType == dai.TensorInfo.DataType.U8F
    assert info.order == dai.TensorInfo.StorageOrder.NCHW
    assert info.strides == [1, 416, 416 * 416, 3 * 416 * 416]
    assert blob.networkOutputs["out"].dataType == dai.TensorInfo.DataType.FP16
    assert (blob.numShaves, blob.stageCount, blob.version) == (6, 5, dai.OpenVINO.VERSION_UNIVERSAL)
    assert dai.OpenVINO.Blob(path.read_bytes()).networkInputs.keys() == {"images"}


def test_openvino_version_helpers():
    ov = dai.OpenVINO
    assert ov.getVersionName(ov.VERSION_2021_4) == "2021.4"
    assert ov.parseVersionName("2022.1") == ov.Version.VERSION_2022_1
    assert ov.getBlobLatestSupportedVersion(2021, 4) == ov.VERSION_2021_4
    assert ov.getBlobSupportedVersions(6, 0)[-1] == ov.VERSION_2022_1
    assert ov.areVersionsBlobCompatible(ov.VERSION_2021_3, ov.VERSION_2021_4)
    assert not ov.areVersionsBlobCompatible(ov.VERSION_2020_3, ov.VERSION_2021_4)
    assert ov.VERSION_2021_4 in ov.getVersions()


@pytest.mark.parametrize("shape, dtype, layout, order, strides", [
    ((1, 1000), "FP16", "", "NC", [2, 2000]),
    ((1, 3, 8, 4), "FP32", "", "NCHW", [4, 16, 128, 384]),
    ((1, 8, 4, 3), "U8", "NHWC", "NHWC", [1, 3, 12, 96]),
    ((3, 8, 4), "U8", "", "CHW", [1, 4, 32]),
])
def test_tensor_infos_take_the_layout_else_the_default_for_the_rank(shape, dtype, layout, order, strides):
    info = tensor_info(TensorSpec("t", shape, dtype, layout))
    assert info.order == dai.TensorInfo.StorageOrder[order]
    assert info.dims == list(reversed(shape)) and info.numDimensions == len(shape) and info.strides == strides


@pytest.mark.parametrize("call, message", [
    (lambda ov: ov.getVersionName(ov.VERSION_UNIVERSAL), "Unknown version enum"),
    (lambda ov: ov.parseVersionName("2019.1"), "Cannot parse version name: 2019.1"),
    (lambda ov: ov.getBlobLatestSupportedVersion(4, 0), "no OpenVINO version supports blob version 4.0"),
])
def test_version_helpers_refuse_what_they_do_not_know(call, message):
    with pytest.raises(RuntimeError, match=message):
        call(dai.OpenVINO)


def test_the_universal_version_is_compatible_with_every_other():
    ov = dai.OpenVINO
    assert ov.areVersionsBlobCompatible(ov.VERSION_UNIVERSAL, ov.VERSION_2020_3)
    assert ov.getBlobSupportedVersions(4, 0) == []


def test_a_blob_is_read_from_a_path_bytes_or_a_list_of_bytes_only(tmp_path):
    data = make_blob().to_bytes()
    assert dai.OpenVINO.Blob(list(data)).networkOutputs.keys() == {"out"}
    assert repr(dai.OpenVINO.Blob(bytearray(data))) == \
        f"OpenVINO.Blob(inputs=['images'], outputs=['out'], {len(data)} bytes)"
    with pytest.raises(TypeError, match="expected a path or the blob's bytes, got int"):
        dai.OpenVINO.Blob(42)
