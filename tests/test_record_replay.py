"""Record and replay on real device processes: a pipeline with a camera (fed from a video made
here), an ImageManip, a Script (fed from the host through XLinkIn) and a NeuralNetwork is recorded
(`Device(record_session=...)`), replayed into a second recording (`Device(replay=..., record_session=...)`),
and `oakling replay-diff` finds the two runs' outputs identical; a changed program is told apart."""
import json

import numpy as np

import pytest

import nets
import oakling as dai
from media import make_video
from oakling.cli import replay_diff
from oakling.models.converter import build_blob
from oakling.calibration import calibration_of
from oakling.messages.clock import to_timedelta
from oakling.session.format import RecordingError, SessionReader, picture_planes

FRAMES = 5
SCRIPT = """
k = node.io['cfg'].get().getData()[0]
while True:
    frame = node.io['frames'].get()
    b = Buffer(2)
    b.setData([k, frame.getSequenceNum() % 256])
    b.setSequenceNum(frame.getSequenceNum())
    b.setTimestamp(frame.getTimestamp())
    node.io['tagged'].send(b)
    node.io['frames_out'].send(frame)
"""


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("record")
    make_video(d / "clip.mp4", count=FRAMES, size=(64, 48))
    blob = build_blob(nets.image_model(d / "net.onnx"), input_precision="U8", output_precision="FP32")
    return {"video": str(d / "clip.mp4"), "blob": str(blob.write(d / "net.blob"))}


def pipeline(blob: str, resize=(16, 16)):
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(32, 24)
    cam.setInterleaved(False)
    manip = p.create(dai.node.ImageManip)
    manip.initialConfig.setResize(*resize)
    manip.initialConfig.setFrameType(dai.ImgFrame.Type.BGR888p)
    cam.preview.link(manip.inputImage)
    script = p.create(dai.node.Script)
    script.setScript(SCRIPT)
    manip.out.link(script.inputs["frames"])
    cfg = p.create(dai.node.XLinkIn)
    cfg.setStreamName("cfg")
    cfg.out.link(script.inputs["cfg"])
    nn = p.create(dai.node.NeuralNetwork)
    nn.setBlobPath(blob)
    script.outputs["frames_out"].link(nn.input)
    for name, out in (("manip", manip.out), ("tagged", script.outputs["tagged"]), ("nn", nn.out)):
        x = p.create(dai.node.XLinkOut)
        x.setStreamName(name)
        out.link(x.input)
    return p


def run(p, k: int, **options) -> dict:
    """Run until the camera's video ends; what each output stream gave."""
    got = {}
    with dai.Device(p, **options) as device:
        queues = {name: device.getOutputQueue(name, maxSize=FRAMES * 4) for name in ("manip", "tagged", "nn")}
        buf = dai.Buffer()
        buf.setData([k])
        device.getInputQueue("cfg").send(buf)
        for name, q in queues.items():
            got[name] = []
            while True:
                try:
                    got[name].append(q.get())
                except dai.StreamEnded:
                    break
    return got


@pytest.fixture(scope="module")
def recorded(media, tmp_path_factory):
    d = tmp_path_factory.mktemp("sessions")
    first = d / "first"
    outputs = run(pipeline(media["blob"]), 3, cameras={"CAM_A": media["video"]}, realtime=False,
                  record_session=first)
    return first, outputs, d


def test_recording_holds_what_entered_and_left(recorded):
    first, outputs, _ = recorded
    reader = SessionReader(first)
    manifest = reader.manifest
    assert manifest["sources"]["CAM_A"]["pictures"] == FRAMES
    assert manifest["sources"]["CAM_A"]["source"]["kind"] == "video"
    assert manifest["streams"]["xlinkin"] == {"cfg": 1}
    assert manifest["streams"]["xlinkout"] == {name: len(outputs[name]) for name in ("manip", "tagged", "nn")}
    assert {n["name"] for _, n in manifest["schema"]["nodes"]} >= {"ColorCamera", "ImageManip", "Script",
                                                                     "NeuralNetwork"}
    assert [len(outputs[n]) for n in ("manip", "tagged", "nn")] == [FRAMES] * 3
    pictures = list(reader.records("camera/CAM_A"))
    assert [p["seq"] for p in pictures] == list(range(FRAMES))
    fmt, planes = picture_planes(pictures[0])
    assert fmt == "yuv420" and planes[0].shape == (48, 64)
    # the frames that left carry the recorded pictures' numbers and times
    assert [m.getSequenceNum() for m in outputs["manip"]] == [p["seq"] for p in pictures]
    assert [m.getTimestamp() for m in outputs["manip"]] == [to_timedelta(p["ts"]) for p in pictures]
    assert [list(m.getData()) for m in outputs["tagged"]] == [[3, i] for i in range(FRAMES)]
    assert all(np.any(m.getData()) for m in outputs["nn"])   # the model computed something
    # the pictures are the decoder's own planes, bit for bit
    from oakling.sources.video import VideoSource
    video = VideoSource(manifest["sources"]["CAM_A"]["source"]["path"])
    for record in pictures:
        decoded = video.read()
        for got, want in zip(picture_planes(record)[1], (decoded.y, decoded.u, decoded.v), strict=True):
            np.testing.assert_array_equal(got, want)
    video.close()
    assert reader.calibration() == calibration_of(None).eepromToJson()


def test_replay_gives_the_same_outputs(recorded, media, capsys):
    first, outputs, d = recorded
    second = d / "second"
    # the host now sends 9, but a replay feeds XLinkIn what was recorded (3)
    replayed = run(pipeline(media["blob"]), 9, replay=first, record_session=second)
    assert [list(m.getData()) for m in replayed["tagged"]] == [[3, i] for i in range(FRAMES)]
    for name in ("manip", "nn"):
        assert [bytes(m.getData()) for m in replayed[name]] == [bytes(m.getData()) for m in outputs[name]]
        assert [m.getTimestamp() for m in replayed[name]] == [m.getTimestamp() for m in outputs[name]]
    assert replay_diff.main([str(first), str(second)]) == 0
    assert "identical" in capsys.readouterr().out
    assert json.loads((second / "manifest.json").read_text())["replay_of"] == str(first)


def test_a_changed_program_differs_from_its_recording(recorded, media, capsys):
    first, _, d = recorded
    changed = d / "changed"
    run(pipeline(media["blob"], resize=(16, 8)), 3, replay=first, record_session=changed)
    assert replay_diff.main([str(first), str(changed)]) == 1
    out = capsys.readouterr().out
    assert "first difference" in out and "manip" in out and "index 0" in out


def test_a_missing_recording_is_named(tmp_path, media):
    with pytest.raises(RecordingError, match=r"manifest\.json is missing.*record-session"):
        dai.Device(pipeline(media["blob"]), replay=tmp_path)



def test_imu_packets_replay_as_recorded(tmp_path):
    def imu_pipeline():
        p = dai.Pipeline()
        imu = p.create(dai.node.IMU)
        imu.enableIMUSensor(dai.IMUSensor.ACCELEROMETER_RAW, 100)
        imu.setBatchReportThreshold(2)
        imu.setMaxBatchReports(2)
        x = p.create(dai.node.XLinkOut)
        x.setStreamName("imu")
        imu.out.link(x.input)
        return p

    def values(folder, **options):
        with dai.Device(imu_pipeline(), **options) as device:
            q = device.getOutputQueue("imu", maxSize=16)
            # the readings are seeded, so repeat anyway: their times tell a replay from a new run
            return [[(p.acceleroMeter.x, p.acceleroMeter.getTimestamp()) for p in q.get().packets] for _ in range(3)]

    recorded = values(tmp_path, record_session=tmp_path / "rec")
    replayed = values(tmp_path, replay=tmp_path / "rec")
    assert replayed == recorded and len(recorded[0]) == 2
