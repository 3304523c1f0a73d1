"""What `cv2.imshow` and its friends do under `oakling run`.

DepthAI programs show frames with `cv2.imshow` and stop on `cv2.waitKey(1) == ord('q')`. For one
run, `Windows.install()` replaces those functions on the `cv2` module object itself (so `import
cv2` and `from cv2 import imshow` in the program both get them), and `uninstall()` puts the
originals back.

Headless (no display, or `--headless`): no window is opened. `imshow` counts and records frames;
`waitKey`/`waitKeyEx` sleep 1 ms (never the delay asked for) and answer "no key" (-1) until the
run's limit is reached, then `'q'` — and ESC on the call after, alternately, for programs that
quit on ESC. `getWindowProperty(w, cv2.WND_PROP_VISIBLE)` is 1 for an open window and 0 once the
limit is reached, as if the user had closed it. Trackbars keep their positions; mouse callbacks are
never called; `selectROI` selects nothing.

With a display: the real functions run; `imshow` also counts and records, and `waitKey` answers
`'q'` once the limit is reached, whatever the real key was.

A program still running `grace` seconds after the limit is ended from its next `imshow` or
`waitKey` by SystemExit(124) (see limits.py).
"""
from __future__ import annotations

import os
import re
import sys
import threading
import time

from .limits import FORCED_EXIT_CODE, RunLimit

NO_KEY = -1
QUIT_KEYS = (ord("q"), 27)   # answered in turn once the limit is reached
WAIT_KEY_SLEEP = 0.001
WND_PROP_VISIBLE = 4


def display_problem(cv2=None) -> str | None:
    """Why windows cannot be shown on this machine, or None if they can."""
    if sys.platform not in ("darwin", "win32") and not (os.environ.get("DISPLAY")
                                                        or os.environ.get("WAYLAND_DISPLAY")):
        return "DISPLAY is not set"
    if cv2 is not None and re.search(r"^\s*GUI:\s*NONE\s*$", cv2.getBuildInformation(), re.MULTILINE):
        return "this OpenCV was built without a GUI (opencv-python-headless)"
    return None


class Windows:
    """The stand-in for OpenCV's HighGUI during one run.

    `recorder` (or None) gets every shown frame; `notice` (or None) is printed to stderr the first
    time a frame is shown, to tell the user their windows are not shown."""

    HEADLESS = ("imshow", "waitKey", "waitKeyEx", "pollKey", "namedWindow", "destroyWindow",
                "destroyAllWindows", "resizeWindow", "moveWindow", "setWindowTitle", "setWindowProperty",
                "getWindowProperty", "getWindowImageRect", "createTrackbar", "getTrackbarPos",
                "setTrackbarPos", "setTrackbarMin", "setTrackbarMax", "setMouseCallback", "selectROI",
                "selectROIs", "startWindowThread", "displayOverlay", "displayStatusBar")
    WITH_DISPLAY = ("imshow", "waitKey", "waitKeyEx", "pollKey")

    def __init__(self, cv2, limit: RunLimit, *, headless: bool, recorder=None, program: str = "the program",
                 notice: str | None = None, sleep=time.sleep):
        self._cv2 = cv2
        self._limit = limit
        self._headless = headless
        self._recorder = recorder
        self._program = program
        self._notice = notice
        self._sleep = sleep
        self._lock = threading.Lock()
        self._shown: dict[str, int] = {}            # window → frames shown
        self._open: dict[str, tuple[int, int]] = {}  # window → (width, height) of its last frame
        self._trackbars: dict[tuple[str, str], list] = {}   # (trackbar, window) → [pos, min, max, onChange]
        self._quit_answers = 0
        self._originals: dict[str, object] = {}

    # -- install --
    def install(self):
        names = self.HEADLESS if self._headless else self.WITH_DISPLAY
        for name in names:
            self._originals[name] = getattr(self._cv2, name, None)
            setattr(self._cv2, name, getattr(self, name))

    def uninstall(self):
        for name, original in self._originals.items():
            if original is None:
                delattr(self._cv2, name)
            else:
                setattr(self._cv2, name, original)
        self._originals.clear()

    @property
    def frames_shown(self) -> dict[str, int]:
        return dict(self._shown)

    # -- the limit --
    def _end_if_overdue(self):
        if self._limit.overdue() and threading.current_thread() is threading.main_thread():
            if self._limit.mark_forced():
                print(self._limit.force_message(self._program), file=sys.stderr, flush=True)
            raise SystemExit(FORCED_EXIT_CODE)

    def _key(self, key: int) -> int:
        if not self._limit.reached():
            return key
        answer = QUIT_KEYS[self._quit_answers % len(QUIT_KEYS)]
        self._quit_answers += 1
        return answer

    # -- showing --
    def imshow(self, winname, mat):
        self._end_if_overdue()
        if self._notice is not None:
            print(self._notice, file=sys.stderr, flush=True)
            self._notice = None
        winname = str(winname)
        if self._recorder is not None:
            self._recorder.add(winname, mat)
        with self._lock:
            self._shown[winname] = self._shown.get(winname, 0) + 1
            busiest = max(self._shown.values())
            shape = getattr(mat, "shape", None) or (0, 0)
            self._open[winname] = (int(shape[1]), int(shape[0])) if len(shape) >= 2 else (0, 0)
        self._limit.frames_shown(busiest)
        if not self._headless:
            self._originals["imshow"](winname, mat)

    def waitKey(self, delay=0):
        return self._wait("waitKey", delay)

    def waitKeyEx(self, delay=0):
        return self._wait("waitKeyEx", delay)

    def _wait(self, name: str, delay) -> int:
        self._end_if_overdue()
        if self._headless:
            self._sleep(WAIT_KEY_SLEEP)
            key = NO_KEY
        else:
            key = self._originals[name](delay)
        return self._key(key)

    def pollKey(self):
        self._end_if_overdue()
        return self._key(NO_KEY if self._headless else self._originals["pollKey"]())

    # -- windows (headless) --
    def namedWindow(self, winname, flags=None):
        with self._lock:
            self._open.setdefault(str(winname), (0, 0))

    def destroyWindow(self, winname):
        with self._lock:
            self._open.pop(str(winname), None)

    def destroyAllWindows(self):
        with self._lock:
            self._open.clear()

    def resizeWindow(self, winname, *size):
        pass

    def moveWindow(self, winname, x, y):
        pass

    def setWindowTitle(self, winname, title):
        pass

    def setWindowProperty(self, winname, prop_id, prop_value):
        pass

    def getWindowProperty(self, winname, prop_id):
        """An open window is visible until the limit is reached; then it reads as closed."""
        is_open = str(winname) in self._open and not self._limit.reached()
        if prop_id == WND_PROP_VISIBLE:
            return 1.0 if is_open else 0.0
        return 1.0 if is_open else -1.0

    def getWindowImageRect(self, winname):
        width, height = self._open.get(str(winname), (0, 0))
        return (0, 0, width, height)

    def startWindowThread(self):
        return 0

    def displayOverlay(self, winname, text, delayms=0):
        pass

    def displayStatusBar(self, winname, text, delayms=0):
        pass

    # -- trackbars, mouse, ROI (headless) --
    def createTrackbar(self, trackbarName, windowName, value, count, onChange=None):
        self._trackbars[(str(trackbarName), str(windowName))] = [int(value), 0, int(count), onChange]

    def getTrackbarPos(self, trackbarname, winname):
        return self._trackbars.get((str(trackbarname), str(winname)), [-1])[0]

    def setTrackbarPos(self, trackbarname, winname, pos):
        bar = self._trackbars.get((str(trackbarname), str(winname)))
        if bar is not None:
            pos = 0 if pos is None else int(pos)   # OpenCV's bindings read None as 0
            bar[0] = min(max(pos, bar[1]), bar[2])
            if callable(bar[3]):
                bar[3](bar[0])

    def setTrackbarMin(self, trackbarname, winname, minval):
        bar = self._trackbars.get((str(trackbarname), str(winname)))
        if bar is not None:
            bar[1] = int(minval)

    def setTrackbarMax(self, trackbarname, winname, maxval):
        bar = self._trackbars.get((str(trackbarname), str(winname)))
        if bar is not None:
            bar[2] = int(maxval)

    def setMouseCallback(self, windowName, onMouse, param=None):
        pass

    def selectROI(self, *args, **kwargs):
        return (0, 0, 0, 0)

    def selectROIs(self, *args, **kwargs):
        return ()
