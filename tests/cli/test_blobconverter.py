"""The blobconverter stand-in: the file name blobconverter would download, the oakling blob given for
that name instead, and an error naming the `--blob` to give."""
import sys
import types

import pytest

from oakling.cli.blobconverter import blob_file_name, standing_in_for_blobconverter
from oakling.models.substitution import ENV

NAME = "mobilenet-ssd_openvino_2021.4_6shave.blob"


@pytest.fixture
def oakling_blob(tmp_path):
    """A blob path to substitute (the stand-in only hands it back)."""
    return tmp_path / "image.blob"


def test_the_blobconverter_stand_in_returns_the_substitute_for_the_name_it_would_download(monkeypatch, oakling_blob):
    monkeypatch.setenv(ENV, f"{NAME}={oakling_blob}:yolo_openvino_2022.1_4shave.blob={oakling_blob}")
    before = sys.modules.get("blobconverter")
    with standing_in_for_blobconverter():
        import blobconverter
        assert blobconverter.from_zoo(name="mobilenet-ssd", shaves=6) == oakling_blob
        blobconverter.set_defaults(version="2022.1")
        assert blobconverter.from_onnx(model="models/yolo.onnx", data_type="FP16") == oakling_blob
        with pytest.raises(RuntimeError, match=r"blobconverter would download face_openvino_2022.1_4shave.blob, a "
                                               r"MyriadX blob .* `oakling run --blob "
                                               r"face_openvino_2022.1_4shave.blob=face.blob program.py`"):
            blobconverter.from_openvino(xml="face.xml", bin="face.bin")
    assert sys.modules.get("blobconverter") is before


@pytest.mark.parametrize("args, name", [
    (("yolo",), "yolo_openvino_2021.4_4shave.blob"),
    (("yolo", "2022.1"), "yolo_openvino_2022.1_4shave.blob"),
    (("yolo", None, 6), "yolo_openvino_2021.4_6shave.blob"),
])
def test_file_names_are_blobconverters_with_its_defaults(args, name):
    assert blob_file_name(*args) == name


@pytest.mark.parametrize("call, name", [
    (lambda bc: bc.from_config("face", path="face.yml"), "face_openvino_2021.4_4shave.blob"),
    (lambda bc: bc.from_caffe(proto="nets/ssd.prototxt"), "ssd_openvino_2021.4_4shave.blob"),
    (lambda bc: bc.from_tf(frozen_pb="nets/east.pb", shaves=5), "east_openvino_2021.4_5shave.blob"),
    (lambda bc: bc.compile_blob("raw", version=bc.Versions.v2021_3), "raw_openvino_2021.3_4shave.blob"),
])
def test_every_entry_point_looks_up_the_name_blobconverter_would_make(monkeypatch, oakling_blob, call, name):
    monkeypatch.setenv(ENV, f"{name}={oakling_blob}")
    with standing_in_for_blobconverter() as blobconverter:
        assert call(blobconverter) == oakling_blob


def test_set_defaults_last_only_for_the_run_and_the_real_package_comes_back(monkeypatch, oakling_blob):
    real = types.ModuleType("blobconverter")
    monkeypatch.setitem(sys.modules, "blobconverter", real)
    monkeypatch.setenv(ENV, f"net_openvino_2022.1_8shave.blob={oakling_blob}")
    with standing_in_for_blobconverter() as blobconverter:
        blobconverter.set_defaults(version="2022.1", shaves=8)
        assert blobconverter.from_zoo(name="net") == oakling_blob
        with pytest.raises(RuntimeError, match="has no zoo"):
            blobconverter.zoo_list()
    assert sys.modules["blobconverter"] is real
    assert blob_file_name("net") == "net_openvino_2021.4_4shave.blob"
