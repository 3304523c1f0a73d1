"""The script process: forked from the device process for one Script node, sandboxed, runs the script.

    pid = spawn(config, channel)       # device process, while the runtime builds the pipeline

The child keeps only its ends of the channel (and stdio), dies with the device process, loads the
script's environment, closes the sandbox, says "ready", waits for "go" (sent when the pipeline
starts), and runs the script once, top to bottom. Its end is reported on the control link:
"done", or "failed" with a traceback that shows the script's own file name and lines (and the
standard library's), not oakling's.

Forking, rather than starting a new interpreter, makes a script ready in milliseconds: the device
process has already imported NumPy, the links and the message classes.
"""
from __future__ import annotations

import ctypes
import gc
import linecache
import os
from queue import SimpleQueue
import select
import signal
import sys
import textwrap
import threading
import traceback

from ..link import sharedmem
from ..link.control import ControlOp, follow
from ..link.link import LinkClosed
from ..log import LogLevel
from ..messages import clock as message_clock
from . import api, device_fcntl, gpio, limits, loopback, messages, namespaces, sandbox, whitelist
from .channel import Channel, QueueClosed, receive_into

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def storage_folder(device_id: str) -> str:
    """The folder scripts see as /media/mmcsd-0-0: $OAKLING_STORAGE, else one per device under
    $XDG_DATA_HOME (~/.local/share)."""
    configured = os.environ.get("OAKLING_STORAGE")
    if configured:
        return os.path.abspath(configured)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "oakling", device_id, "mmcsd-0-0")


class _Forker:
    """The thread scripts are forked from. The child's only stack is this thread's, so no frame of
    the runtime that built the pipeline (and holds every node's properties) is left for a script
    to walk; and the thread lives as long as the device process, because a child's parent-death
    signal follows the thread that forked it, not its process."""

    def __init__(self):
        self._requests = SimpleQueue()
        threading.Thread(target=self._serve, name="script-forker", daemon=True).start()

    def _serve(self):
        while True:
            work, done, failed = self._requests.get()
            try:
                work()
            except BaseException as e:   # the fork itself failed (no memory, no processes left)
                failed.append(e)
            finally:
                done.set()

    def run(self, work):
        """Run `work` in the forker thread; return once it has, raising what it raised."""
        done, failed = threading.Event(), []
        self._requests.put((work, done, failed))
        done.wait()
        if failed:
            raise failed[0]


_the_forker = None
_forker_lock = threading.Lock()


def _forker() -> _Forker:
    global _the_forker
    with _forker_lock:
        if _the_forker is None:
            _the_forker = _Forker()
        return _the_forker


def spawn(config: dict, channel: Channel) -> int:
    """Fork the script process (from the forker thread); returns its pid.

    The child enters its namespaces first thing; the parent then maps the child's user (a process
    may not map user 0 from inside its own new namespace) and lets it go on."""
    whitelist.preload(config["processor"])
    unshared_r, unshared_w = os.pipe()
    mapped_r, mapped_w = os.pipe()
    forked = []

    def fork():
        pid = os.fork()
        if pid:
            forked.append(pid)
            return
        code = 70
        try:
            os.close(unshared_r)
            os.close(mapped_w)
            network = config.get("network", sandbox.LOOPBACK)
            refused = namespaces.unshare(sandbox.private_network(config["processor"], network))
            os.write(unshared_w, b"-" if refused else b"u")
            if not refused and os.read(mapped_r, 1) != b"m":
                os._exit(code)   # the device could not map its user: nothing safe to run
            os.close(unshared_w)
            os.close(mapped_r)
            if refused:
                refused += f"; {namespaces.without_namespaces()}"
            config["namespaces"] = refused
            _child(config, channel)
            code = 0
        except BaseException:
            try:
                traceback.print_exc()
            except BaseException:
                pass
        finally:
            os._exit(code)

    try:
        _forker().run(fork)
    except BaseException:
        for fd in (unshared_r, unshared_w, mapped_r, mapped_w):
            os.close(fd)
        raise
    pid = forked[0]
    os.close(unshared_w)
    os.close(mapped_r)
    if config.get("cgroup"):   # joined from here too, in case its own user namespace keeps the child out
        try:
            for procs in config["cgroup"]:
                with open(procs, "w") as f:
                    f.write(str(pid))
        except OSError:
            pass   # the child tries, and says why it could not
    try:
        ready, _, _ = select.select([unshared_r], [], [], 5.0)
        if ready and os.read(unshared_r, 1) == b"u":
            namespaces.map_user(pid)
            os.write(mapped_w, b"m")
    except OSError:
        pass   # the child is gone, or its maps could not be written: it stops before the script runs
    finally:
        os.close(unshared_r)
        os.close(mapped_w)
    return pid


def _close_fds_except(keep: set[int]):
    for fd in sorted(int(name) for name in os.listdir("/proc/self/fd")):
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _die_with_parent(parent: int):
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(0)


DEVICE_PYTHON = (3, 9)   # the interpreter of the OAK's LEON CPUs


def syntax_newer_than_device(source: str, script_name: str) -> str | None:
    """A warning when the script uses syntax the OAK's Python 3.9 rejects (match, except*, ...):
    it runs here, and would fail to start on the camera."""
    import ast
    try:
        ast.parse(source, script_name, feature_version=DEVICE_PYTHON)
    except SyntaxError as e:
        # the parser names the statement's last line; the statement starts where a newer node does
        newer = [n.lineno for n in ast.walk(ast.parse(source)) if isinstance(n, (ast.Match, ast.TryStar))]
        version = ".".join(map(str, DEVICE_PYTHON))
        return (f"{script_name}, line {min(newer, default=e.lineno)}: {e.msg} — an OAK runs scripts on Python "
                f"{version}, where this is a SyntaxError; it runs here on Python "
                f"{sys.version_info.major}.{sys.version_info.minor}")
    return None


def script_traceback(exc: BaseException, script_name: str) -> tuple[str, str]:
    """(one-line summary, traceback) of a script's exception, without oakling's own frames."""
    te = traceback.TracebackException(type(exc), exc, exc.__traceback__, compact=True)
    line = None
    seen = set()
    stack = [te]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        kept = [f for f in t.stack if not f.filename.startswith(_PACKAGE_DIR)]
        t.stack = traceback.StackSummary.from_list(kept)
        stack.extend(x for x in (t.__cause__, t.__context__) if x is not None)
    ours = [f for f in te.stack if f.filename == script_name]
    if ours:
        line = ours[-1].lineno
    elif isinstance(exc, SyntaxError) and exc.filename == script_name:
        line = exc.lineno
    text = "".join(te.format()).rstrip()
    message = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()[-1]
    where = f" — {script_name}, line {line}" if line else ""
    return f"{message}{where}", text


def forget_environment():
    """Leave the script none of the host program's environment variables (tokens, keys, paths):
    unset each one, then overwrite the bytes the kernel shows as this process's
    /proc/<pid>/environ, the copy the process was started with, which unsetting leaves in place."""
    os.environ.clear()   # unsetenv() for each, so libc's environ is empty too
    try:
        with open("/proc/self/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        start, end = int(fields[47]), int(fields[48])   # env_start, env_end: proc(5) fields 50 and 51
    except (OSError, IndexError, ValueError):
        return
    if 0 < start < end:
        ctypes.memset(start, 0, end - start)


def _child(config: dict, channel: Channel):
    parent = os.getppid()
    forget_environment()
    clock = config.get("clock")   # a test's clock (oakling.testing), else None: the machine's
    lender = config.get("loopback")   # the device's end lends the host's loopback (loopback.py)
    _close_fds_except(channel.script_fds() | {0, 1, 2} | (clock.fds() if clock else set())
                      | ({lender.fileno()} if lender else set()))
    gc.freeze()   # what came with the fork stays as it is: never collected, never closing a descriptor
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is for the host, which closes the device
    _die_with_parent(parent)
    sharedmem.forget_all()   # the device's regions and lending links are not this process's

    end = channel.script_end()
    control = end.control
    node_id, name, processor = config["node_id"], config["name"], config["processor"]
    label = f"Script({node_id})"

    def log(level, text):
        try:
            control.send_control({"op": ControlOp.LOG, "level": int(level), "text": text})
        except LinkClosed:
            os._exit(0)

    def report(op: ControlOp, **fields):
        try:
            control.send_control({"op": op, **fields})
        except LinkClosed:
            pass

    def finish(code: int):
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)

    inputs, receivers = {}, []
    for port, (link, queue, counters, index, bell, blocking) in end.inputs.items():
        inputs[port] = api.ScriptInput(f"{label}.io['{port}']", queue, counters, index, bell, blocking,
                                       link if blocking else None)
        if not blocking:   # keep it drained, so the device never waits on a non-blocking input
            receivers.append(threading.Thread(target=receive_into, args=(link, queue, messages.adopt),
                                              name=f"script-in-{port}", daemon=True))
    linked = dict(config["outputs"])
    outputs = {port: api.ScriptOutput(f"{label}.io['{port}']", link, counters, index, bell, linked[port])
               for port, (link, counters, index, bell) in end.outputs.items()}
    node = api.ScriptNode(node_id, inputs, outputs, log)
    storage = config["storage"]
    try:
        os.makedirs(storage, exist_ok=True)
    except OSError as e:
        summary = (f"the storage folder {storage} cannot be used ({e.strerror or e}) — set OAKLING_STORAGE "
                   f"to a folder this user may write")
        report(ControlOp.FAILED, summary=summary, report="")
        finish(1)

    def gpio_written(pin, old, new):   # the device tells the other scripts (their interrupts)
        try:
            control.send_control({"op": ControlOp.GPIO, "pin": pin, "old": old, "new": new})
        except LinkClosed:
            os._exit(0)

    pins = gpio.ScriptGpio(config.get("gpio"), gpio_written)
    modules = {"GPIO": pins.module, **sandbox.storage_modules(storage)}
    if processor == whitelist.LEON_CSS:
        modules["fcntl"] = device_fcntl.module(config.get("network", sandbox.LOOPBACK))
    if clock is not None:   # Clock.now(), new messages' timestamps and `import time` follow it
        clock.follow()
        message_clock.use(clock.now_ns)
        modules["time"] = clock.time_module()
    api.Device.calibration = config.get("calibration")
    globals_ = api.environment(node, config["device_id"])
    globals_["__builtins__"] = sandbox.restricted_builtins(processor, storage, modules)
    globals_["__file__"] = name

    source = textwrap.dedent(config["source"])
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    try:
        code = compile(source, name, "exec")
    except (SyntaxError, ValueError) as e:
        summary, text = script_traceback(e, name)
        report(ControlOp.FAILED, summary=summary, report=text)
        finish(1)
    newer = syntax_newer_than_device(source, name)
    if newer:
        log(LogLevel.WARN, newer)

    def thread_failed(args):
        if args.exc_type is SystemExit:
            return
        summary, text = script_traceback(args.exc_value, name)
        summary += limits.explain(args.exc_value)
        log(LogLevel.ERR, f"thread '{args.thread.name if args.thread else '?'}' stopped: {summary}\n{text}")

    threading.excepthook = thread_failed
    network = config.get("network", sandbox.LOOPBACK)
    if processor == whitelist.LEON_CSS and network == sandbox.LOOPBACK:
        if lender is not None and config["namespaces"] is None:   # its own network: lend it the host's loopback
            loopback.lend_host_loopback(lender)
        sandbox.loopback_by_default()
    go = threading.Event()
    pins.start()
    try:
        layers = sandbox.enter(processor, storage, config["memory_limit"], name, cpu_limit=config.get("cpu_limit"),
                               network=network, cgroup=config.get("cgroup"),
                               namespaces_refused=config.get("namespaces", "not tried"))
    except OSError as e:
        report(ControlOp.FAILED, summary=f"the script's sandbox could not be built: {e}", report="")
        finish(1)
    for thread in receivers:
        thread.start()
    threading.Thread(target=_follow_device, args=(control, go, pins), name="script-control", daemon=True).start()
    report(ControlOp.READY, **layers)
    go.wait()

    ours = {t for t in threading.enumerate()}
    try:
        exec(code, globals_)
        for thread in threading.enumerate():   # the script's own threads (servers, ...) run on
            if thread not in ours and not thread.daemon:
                thread.join()
    except SystemExit:
        pass
    except QueueClosed as e:   # an input ended: the script ends with it, as downstream nodes do
        report(ControlOp.DONE, reason=str(e))
        finish(0)
    except BaseException as e:
        summary, text = script_traceback(e, name)
        summary += limits.explain(e)   # the limit it ran into, if any, and how to raise it
        if isinstance(e, MemoryError):
            globals_.clear()   # free what the script held, so the report itself can be made
        report(ControlOp.FAILED, summary=summary, report=text)
        finish(1)
    report(ControlOp.DONE, reason=None)
    finish(0)


def _follow_device(control, go: threading.Event, pins: gpio.ScriptGpio):
    """The control link, script side: "go" starts the script, "gpio" is a pin written by the host
    or another script; the link's end means the device is gone."""
    def pin_written(record):
        pins.changed(record.body["pin"], record.body["old"], record.body["new"])

    try:
        follow(control, {ControlOp.GO: lambda record: go.set(), ControlOp.GPIO: pin_written})
    except LinkClosed:
        os._exit(0)
