"""The Device's oakling options: keywords and environment variables, checked before the device starts."""
import pytest

import oakling as dai
from calibrations import wider_calibration

from oakling.host.options import OPTIONS, device_options
from oakling.sources import SourceError


def test_defaults_without_keywords_or_variables():
    options, blobs = device_options({}, {})
    assert options == {"realtime": True, "camera_end": "loop", "cameras": {}, "script_network": "loopback",
                       "calibration": None, "imu": {"type": "BNO086", "recording": None}, "motion": None, "trace": None,
                       "record_session": None, "replay": None, "view": None}
    assert not blobs


def test_unknown_keywords_name_the_ones_oakling_accepts():
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['camera'\] — oakling accepts") as e:
        device_options({"camera": {}}, {})
    assert all(name in str(e.value) for name in OPTIONS)


def test_a_keyword_wins_over_its_variable():
    options, _ = device_options({"script_network": "any", "realtime": False},
                                {"OAKLING_SCRIPT_NETWORK": "loopback", "OAKLING_REALTIME": "1"})
    assert options["script_network"] == "any" and options["realtime"] is False


def test_variables_apply_when_no_keyword_is_given():
    options, _ = device_options({}, {"OAKLING_SCRIPT_NETWORK": "any", "OAKLING_CAMERA_END": "stop"})
    assert options["script_network"] == "any" and options["camera_end"] == "stop"


@pytest.mark.parametrize("keywords, env, error, text", [
    ({"script_network": "lan"}, {}, RuntimeError, "Device\\(script_network=...\\): expected 'loopback'"),
    ({}, {"OAKLING_SCRIPT_NETWORK": "lan"}, RuntimeError, "OAKLING_SCRIPT_NETWORK: expected 'loopback'"),
    ({"blobs": ["a.blob"]}, {}, TypeError, "Device\\(blobs=...\\): expected a dict"),
    ({"cameras": {"CAM_Z": "synthetic"}}, {}, SourceError, "unknown camera socket 'CAM_Z'"),
    ({}, {"OAKLING_MOTION": "spin"}, SourceError, "OAKLING_MOTION: unknown motion 'spin'"),
])
def test_bad_values_say_where_they_came_from(keywords, env, error, text):
    with pytest.raises(error, match=text):
        device_options(keywords, env)


def test_blobs_map_file_names_to_the_blobs_to_load(tmp_path):
    nets = pytest.importorskip("nets")
    from oakling.models.converter import convert
    blob = convert(nets.square_model(tmp_path / "square.onnx"), tmp_path / "square.blob")
    _, blobs = device_options({"blobs": {"models/mobilenet-ssd.blob": str(blob)}}, {})
    assert blobs.find("elsewhere/mobilenet-ssd.blob") is not None and blobs.find("other.blob") is None


def test_a_substitute_that_is_no_oakling_blob_is_refused_at_once(tmp_path):
    blob = tmp_path / "mine.blob"
    blob.write_bytes(b"")
    with pytest.raises(Exception, match="mine.blob"):
        device_options({"blobs": {"mobilenet-ssd.blob": str(blob)}}, {})


def test_a_calibration_comes_from_the_device_option_or_the_environment(tmp_path):
    path = tmp_path / "calib.json"
    wider_calibration().eepromToJsonFile(path)
    options, _ = device_options({"calibration": str(path)}, environ={})
    assert options["calibration"] == wider_calibration().eepromToJson()
    options, _ = device_options({}, environ={"OAKLING_CALIBRATION": str(path)})
    assert options["calibration"] == wider_calibration().eepromToJson()
    assert device_options({"calibration": wider_calibration()}, environ={})[0]["calibration"]["cameraData"]
    assert device_options({}, environ={})[0]["calibration"] is None
    with pytest.raises(RuntimeError, match=r"OAKLING_CALIBRATION: Calibration data file '.*nothing.json' cannot be read"):
        device_options({}, environ={"OAKLING_CALIBRATION": str(tmp_path / "nothing.json")})
    with pytest.raises(TypeError, match=r"Device\(calibration=...\): expected a dai.CalibrationHandler or the path"):
        device_options({"calibration": 7.5}, environ={})


def test_the_device_and_its_scripts_read_the_calibration_given():
    p = dai.Pipeline()
    script = p.create(dai.node.Script)
    script.setScript("""
        b = Buffer(0)
        b.setData(str(Device.readCalibration2().getBaselineDistance()).encode())
        node.io['out'].send(b)
    """)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    script.outputs["out"].link(xout.input)
    with dai.Device(p, calibration=wider_calibration(12.0)) as device:
        assert device.readCalibration().getBaselineDistance() == 12.0
        assert bytes(device.getOutputQueue("out").get(timeout=10).getData()) == b"12.0"
    with dai.Device(p) as device:
        assert device.readCalibration().getBaselineDistance() == 7.5
        assert bytes(device.getOutputQueue("out").get(timeout=10).getData()) == b"7.5"


@pytest.mark.parametrize("keyword, env, port", [
    (None, "", None), (None, "0", None), (None, "off", None), (False, "1", None),
    (True, "", {"port": 8421, "any_if_taken": True}), (None, "1", {"port": 8421, "any_if_taken": True}),
    (None, "any", {"port": 0, "any_if_taken": False}), (None, "8500", {"port": 8500, "any_if_taken": False}),
    (0, "", {"port": 0, "any_if_taken": False}), (8600, "1", {"port": 8600, "any_if_taken": False}),
])
def test_the_live_views_port_from_the_keyword_or_oakling_view(keyword, env, port):
    keywords = {} if keyword is None else {"view": keyword}
    assert device_options(keywords, {"OAKLING_VIEW": env})[0]["view"] == port


@pytest.mark.parametrize("keywords, env, error, text", [
    ({"view": "yes"}, {}, TypeError, r"Device\(view=...\): expected True or a port number, got str"),
    ({"view": 70000}, {}, RuntimeError, r"Device\(view=...\): 70000 is not a port number"),
    ({}, {"OAKLING_VIEW": "maybe"}, RuntimeError, r"OAKLING_VIEW='maybe': give 1 \(port 8421\), a port number, or any"),
])
def test_a_bad_view_option_says_where_it_came_from(keywords, env, error, text):
    with pytest.raises(error, match=text):
        device_options(keywords, env)


def _recorded(folder, calibration=None):
    """A finished recording with CAM_A and CAM_C pictures, made by the device's own session."""
    import numpy as np
    from oakling.session.device import DeviceSession
    session = DeviceSession({"record_session": {"dir": str(folder)}, "calibration": calibration}, {"nodes": []})
    for socket in (0, 2):
        session.picture(socket, 0, 0, np.zeros((2, 2), np.uint8))
    session.close()
    return folder


def test_a_recording_folder_is_made_and_its_parent_checked(tmp_path):
    options, _ = device_options({"record_session": tmp_path / "run1"}, {})
    assert options["record_session"]["dir"] == str(tmp_path / "run1")
    options, _ = device_options({}, {"OAKLING_RECORD_SESSION": str(tmp_path / "run2")})
    assert options["record_session"]["dir"] == str(tmp_path / "run2")
    with pytest.raises(RuntimeError, match=r"Device\(record_session=...\): cannot record into .*the folder .*no/such "
                                           r"does not exist"):
        device_options({"record_session": tmp_path / "no" / "such" / "run"}, {})
    (tmp_path / "file").write_text("")
    with pytest.raises(RuntimeError, match="is a file — name a folder"):
        device_options({"record_session": tmp_path / "file"}, {})


def test_a_replay_feeds_the_recorded_cameras_offline_with_the_recorded_calibration(tmp_path):
    folder = _recorded(tmp_path / "rec", calibration=wider_calibration().eepromToJson())
    options, _ = device_options({"replay": folder, "cameras": {"CAM_B": "synthetic"}}, {})
    assert options["realtime"] is False and options["camera_end"] == "stop"
    assert options["cameras"]["0"] == {"kind": "recording", "path": str(folder), "camera": "CAM_A", "name": "rec CAM_A"}
    assert options["cameras"]["2"]["camera"] == "CAM_C" and options["cameras"]["1"]["kind"] == "synthetic"
    assert options["calibration"] == wider_calibration().eepromToJson()
    assert options["replay"] == {"dir": str(folder)}
    given = wider_calibration(baseline_cm=20.0)   # the program's own calibration wins
    options, _ = device_options({"replay": folder, "calibration": given}, {})
    assert options["calibration"] == given.eepromToJson()


def test_a_replay_is_checked_before_the_device_starts(tmp_path):
    from oakling.session.format import RecordingError
    with pytest.raises(RecordingError, match=r"OAKLING_REPLAY: .*manifest\.json is missing"):
        device_options({}, {"OAKLING_REPLAY": str(tmp_path)})
    folder = _recorded(tmp_path / "rec")
    with pytest.raises(RuntimeError, match="both name .* record the replay into another folder"):
        device_options({"replay": folder, "record_session": folder}, {})
