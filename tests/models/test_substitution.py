"""Blob substitution: a program's blob file name → an oakling blob, from OAKLING_BLOBS and from
Device(blobs=...), down to real inferences on a device process."""
import struct

import numpy as np
import pytest

import nets
import oakling as dai
from oakling.models.blob import MyriadXBlobError
from oakling.models.converter import build_blob
from oakling.models.substitution import ENV, BlobSubstitutionError, Substitutions

MYRIADX_NAME = "foo_openvino_2021.4_6shave.blob"


def myriadx_blob(path):
    header = struct.pack("<13I", 9709, 1000, 2021, 4, 1, 1, 10, 0, 0, 1, 0, 6, 6)
    path.write_bytes(b"\x7fELF" + b"\0" * 48 + header + b"\0" * 64)
    return path


@pytest.fixture(scope="module")
def oakling_blob(tmp_path_factory):
    d = tmp_path_factory.mktemp("substitute")
    return build_blob(nets.image_model(d / "image.onnx"), input_precision="U8",
                      output_precision="FP32").write(d / "image.blob")


@pytest.fixture(autouse=True)
def no_blobs_in_env(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)


# ------------------------------------------------------------------------------------------------
# Reading substitutions
# ------------------------------------------------------------------------------------------------

def test_oakling_blobs_entries_match_by_file_name_whatever_the_folder():
    subs = Substitutions.from_env({ENV: "a.blob=/m/a.blob: models/b.blob=/m/b=x.blob"})
    assert subs.find("/home/user/.cache/blobconverter/a.blob") == ("/m/a.blob", f"{ENV} (a.blob=/m/a.blob)")
    assert subs.find("b.blob")[0] == "/m/b=x.blob"   # a NAME with a folder is keyed by its file name
    assert subs.find("c.blob") is None
    assert not Substitutions.from_env({})


@pytest.mark.parametrize("text", ["a.blob", "=x.blob", "a.blob="])
def test_a_badly_written_entry_names_the_variable_and_the_form(text):
    with pytest.raises(BlobSubstitutionError, match=rf"{ENV}: expected NAME=PATH .* got '{text}'"):
        Substitutions.from_env({ENV: text})


def test_device_option_substitutes_are_checked_when_given(tmp_path, oakling_blob):
    with pytest.raises(BlobSubstitutionError, match=r"Device\(blobs=\{'a.blob': 'missing.blob'\}\): .*missing.blob "
                                                    r"doesn't exist — give the path of a blob made with"):
        dai.Device(dai.Pipeline(), blobs={"a.blob": "missing.blob"})
    myriadx = myriadx_blob(tmp_path / "m.blob")
    with pytest.raises(BlobSubstitutionError, match=r"Device\(blobs=.*is a MyriadX blob"):
        Substitutions.from_option({"a.blob": myriadx})
    with pytest.raises(TypeError, match="expected a dict"):
        Substitutions.from_option(["a.blob"])
    assert Substitutions.from_option({"x/a.blob": oakling_blob}).find("a.blob")[0] == str(oakling_blob)


def test_openvino_blob_reads_the_substitute_of_a_file_that_does_not_exist(monkeypatch, oakling_blob):
    monkeypatch.setenv(ENV, f"{MYRIADX_NAME}={oakling_blob}")
    blob = dai.OpenVINO.Blob(f"/nowhere/{MYRIADX_NAME}")
    assert blob.networkInputs["images"].dims == [16, 16, 3, 1]


def test_a_substitute_that_is_missing_or_not_an_oakling_blob_is_an_error_naming_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV, f"{MYRIADX_NAME}={tmp_path / 'gone.blob'}")
    nn = dai.Pipeline().create(dai.node.NeuralNetwork)
    with pytest.raises(BlobSubstitutionError, match=rf"{ENV} \({MYRIADX_NAME}=.*gone.blob\): .*gone.blob doesn't exist"):
        nn.setBlobPath(MYRIADX_NAME)
    (tmp_path / "text.blob").write_text("not a blob")
    monkeypatch.setenv(ENV, f"{MYRIADX_NAME}={tmp_path / 'text.blob'}")
    with pytest.raises(BlobSubstitutionError, match=rf"{ENV} .*text.blob is not an oakling blob"):
        dai.OpenVINO.Blob(MYRIADX_NAME)


# ------------------------------------------------------------------------------------------------
# No substitution: the refusal says how to give one
# ------------------------------------------------------------------------------------------------

def test_a_myriadx_blob_without_substitute_is_refused_when_the_pipeline_is_built(tmp_path):
    path = myriadx_blob(tmp_path / MYRIADX_NAME)
    with pytest.raises(MyriadXBlobError, match=f"oakling run --blob {MYRIADX_NAME}=foo.blob program.py"):
        dai.OpenVINO.Blob(path)
    p = dai.Pipeline()
    nn = p.create(dai.node.NeuralNetwork)
    nn.setBlobPath(path)    # a Device(blobs=...) may still substitute it
    with pytest.raises(RuntimeError) as e:
        p.serializeToJson()
    text = str(e.value)
    assert text.startswith(f"NeuralNetwork(0).setBlobPath('{path}'): {path} is a MyriadX blob (OpenVINO 2021.4")
    assert "`oakling convert foo_openvino_2021.4_6shave.onnx" in text
    assert f"`oakling run --blob {MYRIADX_NAME}=foo.blob program.py` (or {ENV}={MYRIADX_NAME}=foo.blob, or " \
           f"dai.Device(pipeline, blobs={{'{MYRIADX_NAME}': 'foo.blob'}}))" in text


def test_a_missing_blob_without_substitute_keeps_gen2s_message(tmp_path):
    p = dai.Pipeline()
    p.create(dai.node.NeuralNetwork).setBlobPath(tmp_path / "gone.blob")
    with pytest.raises(RuntimeError, match=r"Cannot load blob, file at path .*gone.blob doesn't exist. — to run "
                                           r"the program unchanged, substitute .* --blob gone.blob=gone.blob"):
        dai.Device(p)


def test_a_later_good_blob_replaces_the_problem(tmp_path, oakling_blob):
    p = dai.Pipeline()
    nn = p.create(dai.node.NeuralNetwork)
    nn.setBlobPath(tmp_path / "gone.blob")
    nn.setBlob(dai.OpenVINO.Blob(oakling_blob))
    assert p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"]["blobUri"] == "asset:__blob"


# ------------------------------------------------------------------------------------------------
# Real inferences through the substitute
# ------------------------------------------------------------------------------------------------

def infer_through(device) -> tuple:
    pixels = np.arange(16 * 16 * 3, dtype=np.uint8).reshape(16, 16, 3) % 251
    frame = dai.ImgFrame()
    frame.setCvFrame(pixels, dai.ImgFrame.Type.BGR888p)
    frame.setSequenceNum(41)
    device.getInputQueue("in").send(frame)
    out = device.getOutputQueue("out").get(timeout=20)
    want = nets.image_reference(pixels.transpose(2, 0, 1)[None])[1]
    return out.getSequenceNum(), np.allclose(out.getTensor("pooled"), want, rtol=1e-4, atol=1e-3)


def pipeline_loading(path):
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("in")
    nn = p.create(dai.node.NeuralNetwork)
    nn.setBlobPath(path)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    xin.out.link(nn.input)
    nn.out.link(xout.input)
    return p


def test_device_option_runs_the_substitute_of_a_file_that_does_not_exist(tmp_path, oakling_blob):
    p = pipeline_loading(tmp_path / "models" / MYRIADX_NAME)
    with dai.Device(p, blobs={MYRIADX_NAME: str(oakling_blob)}) as device:
        assert infer_through(device) == (41, True)


def test_a_device_option_that_matches_no_blob_is_said(tmp_path, oakling_blob, capfd):
    p = pipeline_loading(oakling_blob)
    with dai.Device(p, blobs={"mobilenet.blob": str(oakling_blob)}) as device:
        assert infer_through(device) == (41, True)    # the program's own blob runs
    err = capfd.readouterr().err
    assert (f"[host] [warning] Device(blobs=...): 'mobilenet.blob' matches no blob the pipeline loads by path "
            f"(it loads ['{oakling_blob.name}'])") in err, err


def test_oakling_blobs_runs_the_substitute_of_a_myriadx_blob(monkeypatch, tmp_path, oakling_blob):
    monkeypatch.setenv(ENV, f"other.blob=/x/other.blob:{MYRIADX_NAME}={oakling_blob}")
    p = pipeline_loading(myriadx_blob(tmp_path / MYRIADX_NAME))
    with dai.Device(p) as device:
        assert infer_through(device) == (41, True)


def test_the_device_option_wins_over_the_variable(monkeypatch, tmp_path, oakling_blob):
    other = build_blob(nets.image_model(tmp_path / "small.onnx", height=8, width=8),
                       input_precision="U8").write(tmp_path / "small.blob")
    monkeypatch.setenv(ENV, f"{MYRIADX_NAME}={other}")
    p = pipeline_loading(MYRIADX_NAME)
    assert p.getNode(1).properties["blobSize"] == other.stat().st_size   # until the Device substitutes
    with dai.Device(p, blobs={MYRIADX_NAME: oakling_blob}) as device:
        assert infer_through(device) == (41, True)
