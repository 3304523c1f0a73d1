"""UVC: gen2's port, properties and serialization; the frames reach the host on the "uvc" stream."""
import pytest

import oakling as dai


def uvc_pipeline():
    pipeline = dai.Pipeline()
    cam = pipeline.createColorCamera()
    cam.setResolution(dai.ColorCameraProperties.SensorResolution.THE_1080_P)
    uvc = pipeline.createUVC()
    cam.video.link(uvc.input)
    config = dai.Device.Config()
    config.board.uvc = dai.BoardConfig.UVC(1920, 1080)
    config.board.uvc.frameType = dai.ImgFrame.Type.NV12
    pipeline.setBoardConfig(config.board)
    return pipeline, uvc


def test_port_properties_and_schema_are_gen2s():
    pipeline, uvc = uvc_pipeline()
    assert uvc.getName() == "UVC" and [i.name for i in uvc.getInputs()] == ["in"]
    assert uvc.input.getBlocking() and uvc.input.getQueueSize() == 8
    uvc.setGpiosOnInit({58: 0, 37: 1})
    uvc.setGpiosOnStreamOn({58: 1})
    node = dict(pipeline.serializeToJson()["pipeline"]["nodes"])[uvc.id]
    assert node["properties"] == {"gpioInit": {"58": 0, "37": 1}, "gpioStreamOn": {"58": 1}, "gpioStreamOff": {}}
    with pytest.raises(TypeError, match=r"UVC\(1\).setGpiosOnStreamOff: expected a dict"):
        uvc.setGpiosOnStreamOff([1, 2])


def test_the_frames_a_webcam_viewer_would_see_reach_the_uvc_stream():
    pipeline, _ = uvc_pipeline()
    with dai.Device(pipeline) as device:
        frames = [device.getOutputQueue("uvc").get() for _ in range(3)]
    assert all(f.getType() == dai.ImgFrame.Type.NV12 and (f.getWidth(), f.getHeight()) == (1920, 1080)
               for f in frames)
    assert [f.getSequenceNum() for f in frames] == sorted({f.getSequenceNum() for f in frames})


def test_the_uvc_stream_name_is_taken():
    pipeline, _ = uvc_pipeline()
    xout = pipeline.createXLinkOut()
    xout.setStreamName("uvc")
    with dai.Device() as device:
        with pytest.raises(RuntimeError, match="both use the stream name 'uvc'"):
            device.startPipeline(pipeline)
