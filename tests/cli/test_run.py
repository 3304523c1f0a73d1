"""`oakling run`: real subprocesses running DepthAI programs unchanged, plus the argument split."""
import json
import os
import re
import signal
import subprocess
import sys

import cv2
import numpy as np
import pytest

from cli_programs import (PREVIEW, PREVIEW_WITHOUT_WAITKEY, REPORT_AND_EXIT, TRACKER, TRACKER_LINE, cli_env,
                          oakling_cli, write_program)
from oakling.cli import main
from oakling.cli.run import build_parser, split_argv


def test_max_frames_ends_the_program_through_its_own_q_check_and_records_every_frame(tmp_path):
    program = write_program(tmp_path, PREVIEW)
    out = tmp_path / "out"
    # No --headless: without DISPLAY, headless is automatic.
    run = oakling_cli("run", "--max-frames", "5", "--record", str(out), program, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "ended on q" in run.stdout
    frames = sorted((out / "preview").iterdir())
    assert [f.name for f in frames] == [f"{i:06d}.png" for i in range(5)]
    image = cv2.imread(str(frames[-1]))
    assert image.shape == (240, 320, 3)
    assert image.any()
    assert "recorded 5 frames of window 'preview'" in run.stderr


def test_seconds_ends_the_program_after_that_much_wall_time(tmp_path):
    program = write_program(tmp_path, PREVIEW)
    out = tmp_path / "out"
    run = oakling_cli("run", "--headless", "--seconds", "1.5", "--record", str(out), program, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "ended on q" in run.stdout
    assert 1.5 < run.seconds < 1.5 + 4   # interpreter and device start-up included
    assert len(list((out / "preview").iterdir())) >= 10   # the camera runs at 30 FPS


def test_a_program_that_never_calls_waitkey_is_stopped_after_the_grace_period(tmp_path):
    program = write_program(tmp_path, PREVIEW_WITHOUT_WAITKEY)
    run = oakling_cli("run", "--headless", "--max-frames", "3", "--grace", "0.3", program, cwd=tmp_path)
    assert run.returncode == 124
    assert "still running 0.3 s after --max-frames 3" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_program_that_shows_nothing_is_interrupted_after_seconds_and_grace(tmp_path):
    program = write_program(tmp_path, "import time\nwhile True:\n    time.sleep(0.05)\n")
    run = oakling_cli("run", "--seconds", "0.3", "--grace", "0.2", program)
    assert run.returncode == 124
    assert "still running 0.2 s after --seconds 0.3" in run.stderr and "Traceback" not in run.stderr
    assert run.seconds < 3


def test_ctrl_c_ends_the_run_with_130(tmp_path):
    program = write_program(tmp_path, "import time\nprint('ready', flush=True)\ntime.sleep(30)\n")
    process = subprocess.Popen([sys.executable, "-m", "oakling.cli", "run", program], env=cli_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "ready\n"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=10)
    assert process.returncode == 130
    assert "interrupted (Ctrl-C)" in err and "Traceback" not in err


@pytest.mark.parametrize("code", [0, 3])
def test_the_programs_exit_code_is_the_exit_code(tmp_path, code):
    program = write_program(tmp_path, REPORT_AND_EXIT)
    run = oakling_cli("run", program, str(code), cwd=tmp_path)
    assert run.returncode == code, run.stderr


def test_an_api_oakling_lacks_exits_1_naming_it_and_the_programs_line(tmp_path):
    program = write_program(tmp_path, TRACKER, "tracker_app.py")
    run = oakling_cli("run", program, cwd=tmp_path)
    assert run.returncode == 1
    assert "NotImplementedError" in run.stderr
    assert "dai.node.SPIIn" in run.stderr
    assert f"tracker_app.py:{TRACKER_LINE}" in run.stderr
    assert "Traceback" not in run.stderr and "oakling/node.py" not in run.stderr


def test_program_args_cameras_and_offline_reach_the_program(tmp_path):
    program = write_program(tmp_path, REPORT_AND_EXIT)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"")
    (tmp_path / "calib.json").write_text("{}")
    run = oakling_cli("run", "--camera", "rgb=clip.mp4", "--camera=CAM_c=webcam:0", "--offline",
                      "--camera-end", "loop", "--script-network", "any", "--calibration", "calib.json", "--motion", "pan",
                      program,
                      "--camera", "x", "--", "--headless",
                      cwd=tmp_path, env={"OAKLING_CAMERA_CENTER": "old.mp4", "OAKLING_CAMERA_CAM_B": "b/"})
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["argv"] == ["--camera", "x", "--", "--headless"]
    assert seen["depthai"] == "oakling"
    assert seen["path0"] == os.path.realpath(tmp_path)
    assert seen["env"] == {"OAKLING_CAMERA_CAM_A": str(clip), "OAKLING_CAMERA_CAM_B": "b/",
                           "OAKLING_CAMERA_CAM_C": "webcam:0", "OAKLING_REALTIME": "0",
                           "OAKLING_CAMERA_END": "loop",
                           "OAKLING_SCRIPT_NETWORK": "any", "OAKLING_MOTION": "pan",
                           "OAKLING_CALIBRATION": str(tmp_path / "calib.json")}   # CENTER is CAM_A: --camera wins


def test_a_camera_fed_from_an_image_shows_it(tmp_path):
    picture = np.zeros((480, 640, 3), np.uint8)
    picture[:] = (200, 40, 10)
    cv2.imwrite(str(tmp_path / "blue.png"), picture)
    program = write_program(tmp_path, PREVIEW)
    run = oakling_cli("run", "--camera", "RGB=blue.png", "--max-frames", "2", "--record", "out", program,
                      cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    shown = cv2.imread(str(tmp_path / "out" / "preview" / "000001.png"))
    assert shown.shape == (240, 320, 3)
    np.testing.assert_allclose(shown.mean(axis=(0, 1)), (200, 40, 10), atol=3)


def test_an_uncaught_exception_shows_the_programs_frames_only(tmp_path):
    write_program(tmp_path, "def check(n):\n    raise ValueError(f'bad value {n}')\n", "helper.py")
    program = write_program(tmp_path, "import helper\n\nhelper.check(7)\n")
    run = oakling_cli("run", program, cwd="/")   # helper.py is found next to the program
    assert run.returncode == 1
    lines = run.stderr.splitlines()
    assert lines[0] == "oakling run: ValueError: bad value 7"
    assert "app.py:3 in <module>" in run.stderr and "helper.py:2 in check" in run.stderr
    assert "runpy" not in run.stderr


def test_version_and_help(tmp_path):
    run = oakling_cli("--version")
    assert run.returncode == 0 and run.stdout.startswith("oakling ")
    run = oakling_cli("run", "--help")
    assert run.returncode == 0
    for option in ("--camera", "--headless", "--max-frames", "--seconds", "--record", "--offline", "example"):
        assert option in run.stdout


@pytest.mark.parametrize("argv, message", [
    (["run"], "the program to run is missing"),
    (["run", "--camera", "CAM_Z=x.mp4", "app.py"], "unknown socket 'CAM_Z'"),
    (["run", "--camera", "clip.mp4", "app.py"], "expected SOCKET=SOURCE"),
    (["run", "--camera", "rgb=a.mp4", "--camera", "CAM_A=b.mp4", "app.py"], "CAM_A given twice"),
    (["run", "--max-frames", "0", "app.py"], "--max-frames must be at least 1"),
    (["run", "--max-frames", "3", "--seconds", "1", "app.py"], "not allowed with argument"),
    (["run", "--bogus", "app.py"], "unrecognized arguments: --bogus"),
    (["run", "missing.py"], "no such program: missing.py"),
    (["walk"], "invalid choice: 'walk'"),
])
def test_usage_errors_exit_2_with_a_message(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text("")
    assert main(argv) == 2
    assert message in capsys.readouterr().err


_, TAKES_VALUE = build_parser()


@pytest.mark.parametrize("argv, expected", [
    (["app.py"], ([], "app.py", [])),
    (["app.py", "--seconds", "3", "x"], ([], "app.py", ["--seconds", "3", "x"])),
    (["--seconds", "3", "--headless", "app.py", "-v"], (["--seconds", "3", "--headless"], "app.py", ["-v"])),
    (["--camera=RGB=a.mp4", "app.py", "--", "z"], (["--camera=RGB=a.mp4"], "app.py", ["--", "z"])),
    (["--record", "out", "--", "-weird.py", "a"], (["--record", "out"], "-weird.py", ["a"])),
    (["--headless"], (["--headless"], None, [])),
])
def test_options_before_the_program_are_oaklings_and_the_rest_the_programs(argv, expected):
    assert split_argv(argv, TAKES_VALUE) == expected


def test_every_option_that_takes_a_value_is_known_to_the_split():
    parser, takes_value = build_parser()
    for action in parser._actions:
        if action.option_strings and action.nargs != 0:
            assert set(action.option_strings) <= takes_value, action.option_strings


IMU_PROGRAM = """\
import cv2
import depthai as dai

print("IMU:", dai.Device().getConnectedIMU())
pipeline = dai.Pipeline()
imu = pipeline.create(dai.node.IMU)
imu.enableIMUSensor([dai.IMUSensor.ACCELEROMETER_RAW, dai.IMUSensor.GYROSCOPE_RAW], 400)
imu.setBatchReportThreshold(1)
imu.setMaxBatchReports(10)
xout = pipeline.create(dai.node.XLinkOut)
xout.setStreamName("imu")
imu.out.link(xout.input)
seen = set()
with dai.Device(pipeline) as device:
    q = device.getOutputQueue(name="imu", maxSize=50, blocking=False)
    while True:
        for packet in q.get().packets:
            seen.add((packet.acceleroMeter.x, packet.gyroscope.z))
        if cv2.waitKey(1) == ord('q'):
            break
print("seen:", sorted(seen))
"""


def test_imu_readings_come_from_the_recording_imu_names(tmp_path):
    """A gen2 IMU program that loops until 'q' runs to its end under a time limit, fed the recording
    --imu names (played in a loop, as cameras' videos are in real time)."""
    (tmp_path / "rec.csv").write_text("# imu: BMI270\n0,accelerometer,-9.5,0,0\n0,gyroscope,0,0,0.5\n"
                                     "0.1,accelerometer,-9.25,0,0\n0.2,gyroscope,0,0,0.75\n")
    program = write_program(tmp_path, IMU_PROGRAM)
    run = oakling_cli("run", "--headless", "--seconds", "4", "--imu", "rec.csv", program, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "IMU: BMI270" in run.stdout
    assert "seen: [(-9.5, 0.5), (-9.25, 0.5), (-9.25, 0.75)]" in run.stdout
    bad = oakling_cli("run", "--imu", "missing.csv", program, cwd=tmp_path)
    assert bad.returncode == 2 and "--imu missing.csv: " in bad.stderr and "no IMU recording" in bad.stderr


CAMERA_PROGRAM = """\
import cv2
import depthai as dai

with dai.Device() as device:
    pipeline = dai.Pipeline()
    streams = []
    for cam in device.getConnectedCameraFeatures():
        c = pipeline.create(dai.node.Camera)
        c.setBoardSocket(cam.socket)
        c.setPreviewSize(320, 200)
        x = pipeline.create(dai.node.XLinkOut)
        c.preview.link(x.input)
        stream = f"{cam.name} ({cam.socket})"
        x.setStreamName(stream)
        streams.append(stream)
    device.startPipeline(pipeline)
    shown = {}
    while not device.isClosed():
        for stream in device.getQueueEvents(streams):
            for message in device.getOutputQueue(stream).tryGetAll():
                frame = message.getCvFrame()
                shown[stream] = frame.shape
                cv2.imshow(stream, frame)
        if cv2.waitKey(1) == ord('q'):
            break
print(sorted(shown.items()))
"""


def test_a_program_shows_every_connected_camera_through_camera_nodes(tmp_path):
    """gen2's camera_preview.py pattern: a unified Camera per connected socket, queue events, tryGetAll."""
    program = write_program(tmp_path, CAMERA_PROGRAM)
    run = oakling_cli("run", "--headless", "--seconds", "4", program, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert ("[('color (CameraBoardSocket.CAM_A)', (200, 320, 3)), ('left (CameraBoardSocket.CAM_B)', (200, 320, 3)), "
            "('right (CameraBoardSocket.CAM_C)', (200, 320, 3))]") in run.stdout


def test_trace_records_an_unchanged_programs_pipeline(tmp_path):
    program = write_program(tmp_path, PREVIEW)
    run = oakling_cli("run", "--headless", "--max-frames", "5", "--trace", "trace.json", program, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    events = json.loads((tmp_path / "trace.json").read_text())
    names = {e["tid"]: e["args"]["name"] for e in events if e["name"] == "thread_name"}
    assert names == {0: "ColorCamera(0)", 1: "XLinkOut(1)"}
    sends = [e for e in events if e["ph"] == "X" and e["name"] == "send preview → XLinkOut(1).in"]
    written = [e for e in events if e["ph"] == "X" and e["name"] == "process in"]
    assert len(sends) >= 5 and [e["args"]["seq"] for e in sends] == [e["args"]["seq"] for e in written]
    bad = oakling_cli("run", "--trace", "nowhere/trace.json", program, cwd=tmp_path)
    assert bad.returncode == 2 and "--trace: cannot write the trace" in bad.stderr, bad.stderr


VIEWED = """\
import json, time, urllib.request
import depthai as dai

pipeline = dai.Pipeline()
cam = pipeline.create(dai.node.ColorCamera)
cam.setPreviewSize(64, 48)
xout = pipeline.create(dai.node.XLinkOut)
xout.setStreamName("preview")
cam.preview.link(xout.input)
with dai.Device(pipeline) as device:
    queue = device.getOutputQueue("preview", 4, False)
    for _ in range(10):
        queue.get()
    figures = json.loads(urllib.request.urlopen(device.getViewUrl() + "figures.json", timeout=30).read())
    print(figures["text"]["n1-f0"])
"""


def test_view_serves_an_unchanged_programs_pipeline(tmp_path):
    program = write_program(tmp_path, VIEWED)
    run = oakling_cli("run", "--headless", "--view-port", "0", program, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert re.search(r"oakling: live view of the pipeline at http://127\.0\.0\.1:\d+/", run.stderr), run.stderr
    taken = int(re.fullmatch(r"in [\d.]+/s · to host [\d.]+/s · (\d+) taken\n", run.stdout).group(1))
    assert taken >= 10
    bad = oakling_cli("run", "--view-port", "99999", program, cwd=tmp_path)
    assert bad.returncode == 2 and "--view-port: 99999 is not a port number" in bad.stderr, bad.stderr


def test_session_options_become_the_environment_and_are_checked(tmp_path):
    from oakling.cli.run import session_environment
    env = session_environment(str(tmp_path / "rec"), None)
    assert env == {"OAKLING_RECORD_SESSION": str(tmp_path / "rec")}
    with pytest.raises(ValueError, match=r"--replay: .*manifest\.json is missing"):
        session_environment(None, str(tmp_path))
    with pytest.raises(ValueError, match=r"--record-session: cannot record into"):
        session_environment(str(tmp_path / "a" / "b"), None)


def test_record_session_and_replay_an_unchanged_program(tmp_path):
    from oakling.session.diff import compare
    from oakling.session.format import SessionReader
    program = write_program(tmp_path, PREVIEW)
    run = oakling_cli("run", "--headless", "--max-frames", "4", "--record-session", "rec", program, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    recorded = SessionReader(tmp_path / "rec")
    assert recorded.manifest["program"] == program
    assert recorded.manifest["sources"]["CAM_A"]["pictures"] >= 4 and recorded.topics["xlinkout/preview"] >= 4
    run = oakling_cli("run", "--headless", "--max-frames", "2", "--replay", "rec", "--record-session", "again",
                      program, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    report = compare(tmp_path / "rec", tmp_path / "again")   # the program quits after 2 frames: a prefix of the run
    assert report.equal or report.first.field == "message count", report.first
    bad = oakling_cli("run", "--replay", "nowhere", program, cwd=tmp_path)
    assert bad.returncode == 2 and "--replay: no recording at" in bad.stderr, bad.stderr
