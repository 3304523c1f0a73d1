"""The blob format: bytes round trip, damaged files, MyriadX blobs."""
import json
import struct

import pytest

import oakling as dai
from oakling.models.blob import (ALIGNMENT, MAGIC, BlobError, ModelBlob, MyriadXBlobError, TensorSpec,
                                 image_arrangement)


def make_blob(cache=b"compiled", **meta):
    base = {"format": 1, "precision": "FP32", "threads": 0, "layers": 5,
            "inputs": [{"name": "images", "shape": [1, 3, 416, 416], "dtype": "U8", "layout": "NCHW",
                        "preprocess": {"mean": None, "scale": [255.0], "reverse_channels": False}}],
            "outputs": [{"name": "out", "shape": [1, 85, 3549], "dtype": "FP16", "layout": ""}],
            "options": {"shaves": 6}, "cache": {"openvino": "x"} if cache else None}
    base.update(meta)
    return ModelBlob(base, b"<net/>", b"\x01\x02\x03" * 100, cache)


def myriadx_bytes(major=2021, minor=4, shaves=6):
    header = struct.pack("<13I", 9709, 1000, major, minor, 1, 1, 10, 0, 0, 1, 0, shaves, shaves)
    return b"\x7fELF" + b"\0" * 48 + header + b"\0" * 900


def test_round_trip_keeps_every_section_aligned():
    blob = make_blob()
    data = blob.to_bytes()
    assert data.startswith(MAGIC)
    assert struct.unpack_from("<I", data, 8)[0] == 1
    back = ModelBlob.from_bytes(data)
    assert (back.meta, back.xml, back.weights, back.cache) == (blob.meta, blob.xml, blob.weights, blob.cache)
    count = struct.unpack_from("<I", data, 12)[0]
    offsets = [struct.unpack_from("<16sQQ", data, 16 + 32 * i)[1] for i in range(count)]
    assert count == 4 and all(o % ALIGNMENT == 0 for o in offsets)
    assert back.inputs == [TensorSpec("images", (1, 3, 416, 416), "U8", "NCHW")]
    assert back.outputs[0].describe() == "[1,85,3549] FP16"
    assert back.inputs[0].describe() == "[1,3,416,416] U8 planar"


def test_the_cache_is_optional(tmp_path):
    path = make_blob(cache=None).write(tmp_path / "m.blob")
    blob = ModelBlob.read(path)
    assert blob.cache is None and blob.meta["cache"] is None


@pytest.mark.parametrize("damage, message", [
    (lambda d: b"PK\x03\x04" + d[4:], "is not an oakling blob"),
    (lambda d: d[:8] + struct.pack("<I", 99) + d[12:], "format 99, newer than this oakling reads"),
    (lambda d: d[:len(d) - 50], "is truncated"),
    (lambda d: b"", "is not an oakling blob"),
])
def test_damaged_blobs_say_what_is_wrong(damage, message):
    with pytest.raises(BlobError, match=message):
        ModelBlob.from_bytes(damage(make_blob().to_bytes()), "m.blob")


def test_a_missing_file_is_named():
    with pytest.raises(BlobError, match="doesn't exist"):
        ModelBlob.read("/nonexistent/model.blob")


def test_myriadx_blob_is_refused_with_the_convert_command(tmp_path):
    path = tmp_path / "mobilenet-ssd_openvino_2021.4_6shave.blob"
    path.write_bytes(myriadx_bytes())
    with pytest.raises(MyriadXBlobError) as e:
        ModelBlob.read(path)
    text = str(e.value)
    assert "is a MyriadX blob (OpenVINO 2021.4, 6 shaves)" in text
    assert "runs nowhere else" in text
    assert "`oakling convert mobilenet-ssd_openvino_2021.4_6shave.onnx -o mobilenet-ssd_openvino_2021.4_6shave.blob " \
           "--shaves 6`" in text
    assert "--input-precision U8" in text
    with pytest.raises(MyriadXBlobError):
        dai.OpenVINO.Blob(path)
    pipeline = dai.Pipeline()
    pipeline.create(dai.node.NeuralNetwork).setBlobPath(path)   # refused when built: a substitute may come
    with pytest.raises(RuntimeError, match="MyriadX blob"):
        pipeline.serializeToJson()


@pytest.mark.parametrize("shape, layout, arrangement", [
    ((1, 3, 32, 32), "", "planar"), ((1, 32, 32, 3), "", "interleaved"), ((1, 1, 32, 32), "", "grey"),
    ((1, 1000), "", ""), ((1, 3, 32, 32), "NHWC", "planar"), ((1, 32, 32, 3), "NHWC", "interleaved"),
])
def test_image_arrangement_comes_from_the_layout_or_the_shape(shape, layout, arrangement):
    # a layout that does not fit the shape is ignored in favour of the shape's evidence
    spec = TensorSpec("x", shape, "U8", layout if layout and shape[-1] == 3 else "")
    assert image_arrangement(spec) == arrangement


def test_metadata_is_plain_json():
    data = make_blob().to_bytes()
    offset, size = struct.unpack_from("<16sQQ", data, 16)[1:]
    assert json.loads(data[offset:offset + size])["inputs"][0]["name"] == "images"
