"""`oakling run --blob NAME=PATH` and the blobconverter stand-in: parsing, checks, and a real run."""
import pytest

import nets
from cli_programs import oakling_cli, write_program
from oakling.cli import main
from oakling.cli.blobs import blob_environment
from oakling.models.converter import build_blob
from oakling.models.substitution import ENV, BlobSubstitutionError

NAME = "mobilenet-ssd_openvino_2021.4_6shave.blob"


@pytest.fixture(scope="module")
def oakling_blob(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli-blobs")
    return build_blob(nets.image_model(d / "image.onnx"), input_precision="U8").write(d / "image.blob")


def test_blob_values_become_oakling_blobs_with_absolute_paths(monkeypatch, oakling_blob):
    monkeypatch.chdir(oakling_blob.parent)
    env = blob_environment([f"{NAME}=image.blob"], environ={ENV: f"other.blob=/x/o.blob:{NAME}=/old.blob"})
    assert env == {ENV: f"other.blob=/x/o.blob:{NAME}={oakling_blob}"}
    assert blob_environment([]) == {}


@pytest.mark.parametrize("values, message", [
    (["image.blob"], "--blob: expected NAME=PATH"),
    ([f"{NAME}=missing.blob"], f"--blob {NAME}=missing.blob: .*missing.blob doesn't exist"),
    ([f"{NAME}=image.blob", f"x/{NAME}=image.blob"], f"--blob: {NAME} given twice"),
])
def test_bad_blob_values_say_which(monkeypatch, oakling_blob, values, message):
    monkeypatch.chdir(oakling_blob.parent)
    with pytest.raises(BlobSubstitutionError, match=message):
        blob_environment(values, environ={})


def test_a_bad_blob_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text("")
    assert main(["run", "--blob", f"{NAME}=missing.blob", "app.py"]) == 2
    assert f"oakling run: error: --blob {NAME}=missing.blob: " in capsys.readouterr().err


PROGRAM = """\
import numpy as np
import blobconverter
import depthai as dai

pipeline = dai.Pipeline()
xin = pipeline.create(dai.node.XLinkIn)
xin.setStreamName("in")
zoo = pipeline.create(dai.node.NeuralNetwork)
zoo.setBlobPath(blobconverter.from_zoo(name="mobilenet-ssd", shaves=6))
local = pipeline.create(dai.node.NeuralNetwork)
local.setBlobPath("models/face-detection_openvino_2021.4_4shave.blob")   # not there at all
for nn, name in ((zoo, "zoo"), (local, "local")):
    xin.out.link(nn.input)
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName(name)
    nn.out.link(xout.input)

with dai.Device(pipeline) as device:
    frame = dai.ImgFrame()
    frame.setCvFrame(np.full((16, 16, 3), 3, np.uint8), dai.ImgFrame.Type.BGR888p)
    frame.setSequenceNum(5)
    device.getInputQueue("in").send(frame)
    for name in ("zoo", "local"):
        out = device.getOutputQueue(name).get()
        print(name, out.getSequenceNum(), out.getAllLayerNames())
"""


def test_a_program_written_for_the_camera_runs_unchanged_with_blob(tmp_path, oakling_blob):
    program = write_program(tmp_path, PROGRAM)
    run = oakling_cli("run", "--blob", f"{NAME}={oakling_blob}", "--blob",
                      f"face-detection_openvino_2021.4_4shave.blob={oakling_blob}", program, cwd=tmp_path,
                      env={ENV: None})
    assert run.returncode == 0, run.stderr
    assert "zoo 5 ['features', 'pooled']" in run.stdout
    assert "local 5 ['features', 'pooled']" in run.stdout


def test_a_blob_substitute_the_program_never_loads_is_said_at_the_end(tmp_path, oakling_blob):
    program = write_program(tmp_path, PROGRAM)
    misspelt = "mobilenet-ssd_openvino_2021.4_5shave.blob"
    run = oakling_cli("run", "--blob", f"{NAME}={oakling_blob}", "--blob",
                      f"face-detection_openvino_2021.4_4shave.blob={oakling_blob}", "--blob",
                      f"{misspelt}={oakling_blob}", program, cwd=tmp_path, env={ENV: None})
    assert run.returncode == 0, run.stderr
    warnings = [line for line in run.stderr.splitlines() if "warning" in line]
    assert warnings == [f"oakling run: warning: --blob {misspelt}={oakling_blob} was not used: the program loaded "
                        f"no blob file named {misspelt} (it loaded face-detection_openvino_2021.4_4shave.blob, "
                        f"image.blob, {NAME})"]   # image.blob: the path blobconverter's stand-in returned
