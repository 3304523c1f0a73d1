"""Scripts after what their process inherits: the host program's standard output and error. A
script keeps them (its print() goes there), so a script that can do more than write to them reaches
the host's terminal or log file. Here the device process starts with its standard output on a log
file that already holds what the host program printed (a secret among it) and its standard error on
a terminal (a pseudo-terminal this test holds); each test is one technique, run as a real Script
node in a real pipeline (both at once, in one device), and checks the effect: the log's content did
not come back, nothing was typed into the terminal."""
import contextlib
import os
import tty
import uuid

import pytest

from attacks import Attacks

ATTACKS = Attacks()
LOG_SECRET = f"oakling-printed-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    storage = tmp_path_factory.mktemp("descriptors")
    log = tmp_path_factory.mktemp("host") / "host-output.log"
    log.write_text(f"host: connected with token {LOG_SECRET}\n")
    log_fd = os.open(log, os.O_WRONLY | os.O_APPEND)    # as a shell opens `program >> host-output.log`
    terminal, terminal_side = os.openpty()
    tty.setraw(terminal_side)                          # no echo, no line editing: typed bytes arrive as they are
    os.set_blocking(terminal_side, False)

    @contextlib.contextmanager
    def on_the_log_and_the_terminal():
        saved = os.dup(1), os.dup(2)
        os.dup2(log_fd, 1)
        os.dup2(terminal_side, 2)
        try:
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])

    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("OAKLING_STORAGE", str(storage))
            outcomes = ATTACKS.run({"LOG_SECRET_LENGTH": len(LOG_SECRET)}, starting=on_the_log_and_the_terminal)
        try:
            typed = os.read(terminal_side, 4096)       # what the terminal's reader would get
        except BlockingIOError:
            typed = b""
        yield {"outcomes": outcomes, "typed": typed}
    finally:
        for fd in (log_fd, terminal, terminal_side):
            os.close(fd)


@pytest.fixture
def outcome(world, request):
    return world["outcomes"][request.function.__name__]


@ATTACKS.add("""
    posix = _os.sys.modules['posix']
    for attempt in (lambda: open('/proc/self/fd/1').read(), lambda: open('/dev/stdout').read(),
                    lambda: open('/proc/%d/fd/1' % _os.getppid()).read(),
                    lambda: (posix.lseek(1, 0, 0), posix.read(1, 4096))[1]):
        try:
            found.append(attempt())
        except Exception as e:
            found.append(repr(e))
""")
def test_its_inherited_standard_output_reads_back_nothing_the_host_printed(outcome):
    """Standard output is a write-only descriptor, but /proc/self/fd/1 opens the file it names
    afresh, for reading."""
    assert outcome.report or outcome.failure, f"the attack neither reported nor failed: {outcome.extra}"
    assert LOG_SECRET not in outcome.report, f"the script read the host program's output log: {outcome}"


@ATTACKS.add("""
    fcntl = _os.sys.modules['fcntl']
    TIOCSTI = 0x5412
    for fd in (0, 1, 2):
        try:
            for byte in b'touch escaped\\n':
                fcntl.ioctl(fd, TIOCSTI, bytes([byte]))
            found.append('typed on %d' % fd)
        except Exception as e:
            found.append(repr(e))
""")
def test_tiocsti_types_nothing_into_the_hosts_terminal(world, outcome):
    """ioctl(TIOCSTI) pushes bytes into a terminal's input, as if typed: the shell the program was
    started from would run them once the program ends."""
    assert outcome.report or outcome.failure, f"the attack neither reported nor failed: {outcome.extra}"
    assert world["typed"] == b"", f"the script typed {world['typed']!r} into the host's terminal: {outcome}"
