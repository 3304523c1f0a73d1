"""The cv2 HighGUI stand-in: keys, limits, recording and forced ends, on a fake cv2 module."""
import types

import numpy as np
import pytest

from oakling.cli.limits import RunLimit
from oakling.cli.windows import WAIT_KEY_SLEEP, WND_PROP_VISIBLE, Windows, display_problem

Q, ESC = ord("q"), 27


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def fake_cv2(gui="GTK+ 3.24"):
    """A module object with the real HighGUI names, recording the calls that reach it."""
    cv2 = types.ModuleType("cv2")
    cv2.calls = []
    cv2.imshow = lambda name, mat: cv2.calls.append(("imshow", name))
    cv2.waitKey = lambda delay=0: cv2.calls.append(("waitKey", delay)) or -1
    cv2.pollKey = lambda: -1
    cv2.destroyAllWindows = lambda: cv2.calls.append(("destroyAllWindows",))
    cv2.getBuildInformation = lambda: f"\n  GUI:                           {gui}\n    VTK support: NO\n"
    return cv2


class ListRecorder:
    def __init__(self):
        self.frames = []

    def add(self, window, image):
        self.frames.append((window, image.shape))


def headless(limit, **kwargs):
    sleeps = []
    cv2 = fake_cv2()
    windows = Windows(cv2, limit, headless=True, sleep=sleeps.append, program="app.py", **kwargs)
    windows.install()
    return cv2, windows, sleeps


FRAME = np.zeros((240, 320, 3), np.uint8)


def test_install_replaces_highgui_on_the_module_and_uninstall_puts_it_back():
    cv2 = fake_cv2()
    original_imshow, original_wait = cv2.imshow, cv2.waitKey
    windows = Windows(cv2, RunLimit(), headless=True)
    windows.install()
    assert cv2.imshow == windows.imshow and cv2.namedWindow == windows.namedWindow
    windows.uninstall()
    assert cv2.imshow is original_imshow and cv2.waitKey is original_wait
    assert not hasattr(cv2, "namedWindow")    # the fake had none: none is left behind


def test_waitkey_answers_no_key_quickly_then_q_and_esc_in_turn_once_frames_are_reached():
    cv2, windows, sleeps = headless(RunLimit(max_frames=2))
    cv2.imshow("preview", FRAME)
    assert cv2.waitKey(1000) == -1
    assert cv2.waitKey(0) == -1
    assert sleeps == [WAIT_KEY_SLEEP, WAIT_KEY_SLEEP]   # never the delay asked for
    cv2.imshow("preview", FRAME)
    assert [cv2.waitKey(1), cv2.waitKeyEx(1), cv2.waitKey(1)] == [Q, ESC, Q]
    assert cv2.calls == []                              # nothing reached the real HighGUI


def test_the_busiest_window_counts():
    cv2, windows, _ = headless(RunLimit(max_frames=3))
    for _ in range(2):
        cv2.imshow("left", FRAME)
        cv2.imshow("right", FRAME)
        cv2.imshow("right", FRAME)
    assert windows.frames_shown == {"left": 2, "right": 4}
    assert cv2.waitKey(1) == Q


def test_seconds_are_wall_time_since_start():
    clock = FakeClock()
    limit = RunLimit(seconds=2, clock=clock)
    cv2, _, _ = headless(limit)
    limit.start()
    clock.now = 1.9
    assert cv2.waitKey(1) == -1
    clock.now = 2.0
    assert cv2.waitKey(1) == Q


def test_an_overdue_program_is_ended_from_imshow_or_waitkey_with_124(capsys):
    clock = FakeClock()
    limit = RunLimit(max_frames=1, grace=1.0, clock=clock)
    cv2, _, _ = headless(limit)
    limit.start()
    cv2.imshow("preview", FRAME)
    clock.now = 1.0
    cv2.imshow("preview", FRAME)       # within grace: goes on
    clock.now = 1.5
    with pytest.raises(SystemExit) as ended:
        cv2.imshow("preview", FRAME)
    assert ended.value.code == 124
    with pytest.raises(SystemExit):
        cv2.waitKey(1)
    err = capsys.readouterr().err
    assert err.count("app.py was still running 1 s after --max-frames 1") == 1
    assert limit.forced


def test_frames_go_to_the_recorder_and_the_notice_is_printed_once(capsys):
    recorder = ListRecorder()
    cv2, _, _ = headless(RunLimit(), recorder=recorder, notice="windows are not shown")
    cv2.imshow("a", FRAME)
    cv2.imshow(7, FRAME[:10])
    assert recorder.frames == [("a", (240, 320, 3)), ("7", (10, 320, 3))]
    assert capsys.readouterr().err == "windows are not shown\n"


def test_windows_read_as_closed_once_the_limit_is_reached():
    cv2, _, _ = headless(RunLimit(max_frames=2))
    assert cv2.getWindowProperty("preview", WND_PROP_VISIBLE) == 0.0
    cv2.namedWindow("preview")
    assert cv2.getWindowProperty("preview", WND_PROP_VISIBLE) == 1.0
    cv2.imshow("preview", FRAME)
    assert cv2.getWindowImageRect("preview") == (0, 0, 320, 240)
    cv2.imshow("preview", FRAME)
    assert cv2.getWindowProperty("preview", WND_PROP_VISIBLE) == 0.0
    cv2.destroyAllWindows()


def test_trackbars_keep_their_positions_and_call_back_on_change():
    cv2, _, _ = headless(RunLimit())
    changes = []
    cv2.createTrackbar("threshold", "preview", 40, 100, changes.append)
    assert cv2.getTrackbarPos("threshold", "preview") == 40
    cv2.setTrackbarPos("threshold", "preview", 140)
    assert cv2.getTrackbarPos("threshold", "preview") == 100 and changes == [100]
    cv2.setTrackbarPos("threshold", "preview", None)   # as OpenCV reads None: 0
    assert cv2.getTrackbarPos("threshold", "preview") == 0 and changes == [100, 0]
    assert cv2.selectROI("preview", FRAME) == (0, 0, 0, 0)
    assert cv2.setMouseCallback("preview", print) is None


def test_with_a_display_the_real_functions_run_and_q_comes_at_the_limit():
    cv2 = fake_cv2()
    windows = Windows(cv2, RunLimit(max_frames=1), headless=False)
    windows.install()
    assert cv2.destroyAllWindows is not windows.destroyAllWindows   # left alone
    cv2.imshow("preview", FRAME)
    assert cv2.waitKey(25) == Q
    assert cv2.calls == [("imshow", "preview"), ("waitKey", 25)]


def test_display_problem(monkeypatch):
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    assert display_problem(fake_cv2()) == "DISPLAY is not set"
    monkeypatch.setenv("DISPLAY", ":0")
    assert display_problem(fake_cv2("GTK+ 3.24")) is None
    assert "without a GUI" in display_problem(fake_cv2("NONE"))
