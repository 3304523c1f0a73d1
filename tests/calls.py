"""A call run in a daemon thread, so a test can check that it blocks, wakes and what it returns
without ever hanging."""
import threading
import time

WAKE = 1.0   # how long a blocked call may take to wake once it should


class Call:
    """Run `fn` in a daemon thread; keep its result or exception; never hang the test."""

    def __init__(self, fn, *args):
        self.result = self.error = None
        self.finished_at = None
        self._thread = threading.Thread(target=self._run, args=(fn, args), daemon=True)
        self._thread.start()

    def _run(self, fn, args):
        try:
            self.result = fn(*args)
        except BaseException as e:   # noqa: BLE001 — handed to the test
            self.error = e
        self.finished_at = time.monotonic()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float = WAKE):
        """Wait for the call to finish (failing the test if it does not); returns self."""
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the call is still blocked"
        return self

    def value(self, timeout: float = 5.0):
        """Wait for the call, then return its result or raise its exception."""
        self.join(timeout)
        if self.error is not None:
            raise self.error
        return self.result
