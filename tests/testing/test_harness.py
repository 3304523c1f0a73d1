"""oakling.testing: one node run by its real worker in the test's process, on a clock the test moves."""
from datetime import timedelta

import numpy as np
import pytest

import oakling as dai
from oakling.testing import ManualClock, NodeHarness, NoSuchPort, StreamEnded

T = dai.ImgFrame.Type


def image(seq=0, width=64, height=48):
    f = dai.ImgFrame()
    f.setCvFrame(np.full((height, width, 3), seq, np.uint8), T.BGR888i)
    f.setSequenceNum(seq)
    return f


def manip():
    p = dai.Pipeline()
    m = p.create(dai.node.ImageManip)
    m.initialConfig.setResize(32, 24)
    return m


# -- push, pull, close --

def test_push_pull_on_an_image_manip_then_close_ends_its_output():
    with NodeHarness(manip()) as h:
        for seq in range(3):
            h.push("inputImage", image(seq))
        outs = [h.pull("out") for _ in range(3)]
        assert [(o.getSequenceNum(), o.getWidth(), o.getHeight()) for o in outs] == [(0, 32, 24), (1, 32, 24),
                                                                                    (2, 32, 24)]
        assert h.try_pull("out") is None
        h.close("inputImage")
        with pytest.raises(StreamEnded, match=r"ImageManip\(0\).out ended"):
            h.pull("out")
        with pytest.raises(RuntimeError, match=r"closed this input"):
            h.push("inputImage", image())


def test_a_config_pushed_to_another_input_applies_to_the_next_images():
    m = manip()
    m.inputConfig.setWaitForMessage(True)
    with NodeHarness(m) as h:
        h.push("inputImage", image(1))
        h.push("inputConfig", dai.ImageManipConfig().setResize(16, 8))
        assert h.pull("out").getWidth() == 16


def test_a_harness_links_only_the_ports_it_is_told_to():
    m = manip()
    m.inputConfig.setWaitForMessage(True)
    with NodeHarness(m, inputs=["inputImage"]) as h:   # the node sees inputConfig unlinked, as in a pipeline
        h.push("inputImage", image(4))
        with pytest.raises(TimeoutError):
            h.pull("out", timeout=0.2)
        assert any("nothing is linked to it" in record.payload for record in h.logs)
        with pytest.raises(NoSuchPort, match=r"ImageManip\(0\).inputConfig is not linked to the test — this "
                                             r"harness links inputs inputImage; name it in NodeHarness\(inputs="):
            h.push("inputConfig", dai.ImageManipConfig())


# -- errors name the node and the port --

def test_unknown_ports_are_named_with_the_ports_there_are():
    with NodeHarness(manip()) as h:
        with pytest.raises(NoSuchPort, match=r"^ImageManip\(0\) has no input 'image' — its inputs are "
                                             r"inputConfig, inputImage$"):
            h.push("image", image())
        with pytest.raises(NoSuchPort, match=r"^ImageManip\(0\) has no output 'output' — its outputs are out$"):
            h.pull("output")
        with pytest.raises(NoSuchPort, match=r"has no input 'out'"):
            h.close("out")
    with pytest.raises(NoSuchPort, match=r"ImageManip\(0\) has no output 'preview'"):
        NodeHarness(manip(), outputs=["preview"])


def test_a_pull_that_times_out_names_the_port_and_the_clock():
    with NodeHarness(manip()) as h:
        h.advance(2.5)
        with pytest.raises(TimeoutError, match=r"ImageManip\(0\).out: no message within 0.05 s \(the node's clock "
                                               r"is at 2.5 s — advance\(\) it"):
            h.pull("out", timeout=0.05)


def test_a_failing_node_ends_its_outputs_with_the_reason():
    p = dai.Pipeline()
    script = p.create(dai.node.Script)
    script.setScript("raise ValueError('no luck')")
    script.outputs["out"]
    with NodeHarness(script) as h:
        with pytest.raises(StreamEnded, match=r"Script\(0\) failed: ValueError: no luck"):
            h.pull("out", timeout=10)
        assert "ValueError: no luck" in h.failure
        assert any("no luck" in record.payload for record in h.logs)


# -- the clock --

def test_a_color_camera_paces_to_its_fps_on_the_manual_clock():
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(64, 48)
    cam.setFps(10)
    with NodeHarness(cam, outputs=["preview"]) as h:
        first = h.pull("preview")
        assert (first.getSequenceNum(), first.getTimestamp()) == (0, timedelta(0))
        assert h.clock.wait_for_sleepers()   # the camera waits for its next frame's time
        assert h.try_pull("preview") is None
        h.advance(0.05)
        assert h.try_pull("preview") is None
        h.advance(0.05)
        second = h.pull("preview")
        assert (second.getSequenceNum(), second.getTimestamp()) == (1, timedelta(seconds=0.1))
        assert second.getTimestampDevice() == second.getTimestamp()
        h.advance(0.1)
        assert h.pull("preview").getTimestamp() == timedelta(seconds=0.2)


def test_xlink_out_fps_limit_follows_the_manual_clock():
    p = dai.Pipeline()
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("results")
    xout.setFpsLimit(2)   # one message per 0.5 s
    with NodeHarness(xout) as h:
        h.push("in", image(0))
        assert h.pull("results").getSequenceNum() == 0
        h.advance(0.5)
        h.push("input", image(1))
        assert h.pull("results").getSequenceNum() == 1
        h.advance(0.25)   # 0.25 s after the last one sent: these are dropped
        h.push("in", image(2))
        h.push("in", image(3))
        h.close("in")
        with pytest.raises(StreamEnded):
            h.pull("results")


def test_xlink_in_takes_what_the_test_pushes_by_its_stream_name():
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("frames")
    with NodeHarness(xin) as h:
        h.push("frames", image(9))
        assert h.pull("out").getSequenceNum() == 9
        h.close("frames")
        with pytest.raises(StreamEnded):
            h.pull("out")
        with pytest.raises(NoSuchPort, match=r"XLinkIn\(0\) has no input 'in' — its inputs are 'frames' "
                                             r"\(its stream\)"):
            h.push("in", image())


WATCHDOG = """
import time
from datetime import timedelta

beat = node.io['beat'].get()                 # the first heartbeat starts the watch
last = Clock.now()
node.io['seen'].send(beat)
while Clock.now() - last <= timedelta(seconds=1):
    time.sleep(0.1)
node.io['alarm'].send(Buffer())              # stamped with Clock.now()
"""


def test_a_scripts_clock_and_sleep_follow_advance():
    p = dai.Pipeline()
    script = p.create(dai.node.Script)
    script.setScript(WATCHDOG)
    script.inputs["beat"]
    script.outputs["seen"]
    script.outputs["alarm"]
    with NodeHarness(script) as h:
        h.push("beat", dai.Buffer())
        h.pull("seen", timeout=10)
        assert h.clock.wait_for_sleepers()   # the script's own sleep, seen from here
        h.advance(0.5)
        with pytest.raises(TimeoutError):
            h.pull("alarm", timeout=0.3)
        h.advance(0.6)
        alarm = h.pull("alarm", timeout=10)
        assert alarm.getTimestamp() == timedelta(seconds=1.1)


def test_a_clock_may_start_elsewhere_and_is_shared_by_the_script():
    p = dai.Pipeline()
    script = p.create(dai.node.Script)
    script.setScript("""
import time
b = Buffer()
b.setTimestamp(Clock.now())
b.setData(list(str(time.monotonic()).encode()))
node.io['out'].send(b)
""")
    script.outputs["out"]
    with NodeHarness(script, clock=ManualClock(start=100.0)) as h:
        out = h.pull("out", timeout=10)
        assert out.getTimestamp() == timedelta(seconds=100)
        assert bytes(out.getData()) == b"100.0"


def test_advance_only_goes_forward():
    with pytest.raises(ValueError, match="only goes forward"):
        ManualClock().advance(-1)


# -- NeuralNetwork, with a real model --

def test_a_neural_network_runs_its_model(tmp_path):
    nets = pytest.importorskip("nets")
    from oakling.models.converter import build_blob
    blob = build_blob(nets.image_model(tmp_path / "image.onnx"), input_precision="U8", output_precision="FP32")
    p = dai.Pipeline()
    nn = p.create(dai.node.NeuralNetwork)
    nn.setBlobPath(blob.write(tmp_path / "image.blob"))
    picture = nets.picture(seed=3)
    frame = dai.ImgFrame()
    frame.setCvFrame(picture, T.BGR888p)
    frame.setSequenceNum(5)
    with NodeHarness(nn) as h:
        h.push("input", frame)
        out = h.pull("out", timeout=20)
        assert out.getSequenceNum() == 5
        features, pooled = nets.image_reference(picture.transpose(2, 0, 1)[None])
        np.testing.assert_allclose(out.getTensor("pooled"), pooled, rtol=1e-5, atol=1e-5)
        assert h.pull("passthrough").getSequenceNum() == 5


def test_options_are_the_devices():
    with pytest.raises(TypeError, match=r"NodeHarness\(ImageManip\(0\)\): unknown option\(s\) \['fps'\] — it "
                                        r"takes the Device's \['calibration', 'camera_end', 'cameras', 'imu', 'motion', "
                                        r"'realtime', 'record_session', 'replay', 'script_network', 'stereo', 'trace', 'view'\]"):
        NodeHarness(manip(), fps=10)


def test_a_mono_camera_paces_to_its_fps_on_the_manual_clock():
    p = dai.Pipeline()
    mono = p.create(dai.node.MonoCamera)
    mono.setFps(4)
    with NodeHarness(mono) as h:
        assert h.pull("out").getTimestamp() == timedelta(0)
        assert h.clock.wait_for_sleepers()
        h.advance(0.2)
        assert h.try_pull("out") is None
        h.advance(0.05)
        frame = h.pull("out")
        assert (frame.getSequenceNum(), frame.getTimestamp()) == (1, timedelta(seconds=0.25))


def test_an_xlink_out_sends_each_message_whole_or_its_metadata_alone():
    for metadata_only, size in ((False, 64 * 48 * 3), (True, 0)):
        p = dai.Pipeline()
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName("frames")
        xout.setMetadataOnly(metadata_only)
        with NodeHarness(xout) as h:
            h.push("in", image(3))
            got = h.pull("frames")
            assert (got.getSequenceNum(), got.getWidth(), len(got.getData())) == (3, 64, size)
            h.close("in")
            with pytest.raises(StreamEnded, match=r"XLinkOut\(0\) stream 'frames' ended: the test closed "
                                                  r"XLinkOut\(0\).input"):
                h.pull("frames")


def test_a_repeated_error_is_logged_once_per_second_of_the_nodes_clock():
    with NodeHarness(manip()) as h:
        for _ in range(3):
            h.push("inputImage", dai.ImgFrame())   # no pixels: dropped with an error line
        h.push("inputImage", image(1))
        assert h.pull("out").getSequenceNum() == 1   # the frames before it are done with
        h.advance(1.0)
        h.push("inputImage", dai.ImgFrame())
        h.push("inputImage", image(2))
        assert h.pull("out").getSequenceNum() == 2
        errors = [r for r in h.logs if r.level == dai.LogLevel.ERR]
        assert [r.time for r in errors] == [0.0, 1.0]
        assert all("ImageManip(0).inputImage: expected a frame of type" in r.payload for r in errors)


def test_a_harness_traces_its_node(tmp_path):
    import json
    path = tmp_path / "trace.json"
    frame = dai.ImgFrame()
    frame.setCvFrame(np.zeros((24, 32, 3), np.uint8), dai.ImgFrame.Type.BGR888p)
    frame.setSequenceNum(4)
    with NodeHarness(manip(), trace=str(path)) as h:
        h.push("inputImage", frame)
        assert h.pull("out").getSequenceNum() == 4
    slices = [(e["name"], e["args"]["seq"]) for e in json.loads(path.read_text()) if e["ph"] == "X"]
    assert slices == [("send out → ImageManip(0).out", 4), ("process inputImage", 4)]
