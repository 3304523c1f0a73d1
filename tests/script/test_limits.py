"""A script's resource limits: first each one in a forked child that applies them directly, then end to
end, where a script that exceeds one is stopped with a log line naming the node, the limit and its
value, while the rest of the pipeline goes on.

A script's memory is counted by a cgroup of its own where the device process may make one, else by
its address space (RLIMIT_AS); the end-to-end tests expect whichever `limits.cgroup_home()` says this
machine offers (the device process runs as the same user, in the same cgroup, as the test)."""
import errno
import gc
import json
import mmap
import os
import resource
import signal
from collections import namedtuple

import pytest

import oakling as dai
from oakling.script import limits
from processes import in_child, kernel_allows_namespaces
from pipelines import camera_pipeline

MiB = 1 << 20
TIMEOUT = 10
CGROUP = limits.cgroup_home() is not None
OVER_MEMORY = " (the Script's memory limit is 64 MiB: script.setMemoryLimit(bytes) on the host changes it)"


# -- in a forked child --

def limited(code: str, memory_limit: int = 64 * MiB, cgroup: list[str] | None = None, storage=None) -> dict:
    """Run `code` in a forked child after `limits.apply(memory_limit, cgroup=cgroup)`; it may fill
    `out`. Returns `out`, with "counted" (what apply said), "before" (VmSize before it) and, if the
    code raised, "error" (type: message), "errno" and "hint" (`limits.explain`)."""
    def run():
        if storage is not None:
            os.chdir(storage)
        gc.collect()   # files an earlier test left to the collector: closed now, not while the code counts
        out = {"before": limits._status_bytes("VmSize")}
        out["counted"] = limits.apply(memory_limit, cgroup=cgroup)
        scope = {"out": out, "os": os, "mmap": mmap, "resource": resource, "limits": limits}
        try:
            exec(code, scope)
        except BaseException as e:
            scope.clear()   # what it held: the report needs memory
            out.update(error=f"{type(e).__name__}: {e}", errno=getattr(e, "errno", None), hint=limits.explain(e))
        return out

    out, status = in_child(run)
    assert out is not None, f"the child died without a word ({status:#x})"
    return out


HOARD_MAPPED_MEMFDS = """
held = []
while len(held) < 128:                    # 1 GiB: far past any limit the tests set
    fd = os.memfd_create("hoard")
    os.ftruncate(fd, 8 << 20)
    block = mmap.mmap(fd, 8 << 20)        # shared memory: RLIMIT_DATA alone does not count it
    os.close(fd)
    for offset in range(0, 8 << 20, 4096):
        block[offset] = 1                 # resident, every page
    held.append(block)
    out["held"] = len(held) << 20 << 3
"""


def test_the_address_space_bounds_shared_memory_a_script_maps():
    out = limited(HOARD_MAPPED_MEMFDS)
    assert out["counted"] == "memory counted as address space (RLIMIT_AS)"
    assert out["errno"] == errno.ENOMEM, out
    assert 64 * MiB <= out["held"] <= 64 * MiB + limits.ADDRESS_MARGIN   # the limit, and no more than the margin
    assert out["hint"] == OVER_MEMORY


def test_the_limits_the_child_gets():
    out = limited("""
r = resource
out["as"], out["data"], out["nofile"], out["fsize"], out["core"], out["cpu"] = (
    r.getrlimit(r.RLIMIT_AS), r.getrlimit(r.RLIMIT_DATA), r.getrlimit(r.RLIMIT_NOFILE), r.getrlimit(r.RLIMIT_FSIZE),
    r.getrlimit(r.RLIMIT_CORE), r.getrlimit(r.RLIMIT_CPU))
out["fds"] = len(os.listdir("/proc/self/fd")) - 1
""")
    assert out["fsize"] == [limits.FILE_SIZE_LIMIT] * 2 and out["core"] == [0, 0]
    assert out["nofile"][0] == out["nofile"][1] >= out["fds"] + limits.OPEN_FILES
    cap = out["as"][0]   # no cgroup given: the address space is limited
    assert 64 * MiB + limits.ADDRESS_MARGIN <= cap - out["before"] <= 64 * MiB + limits.ADDRESS_MARGIN + 16 * MiB
    assert out["as"][1] == cap and out["data"][0] < cap
    assert out["cpu"] == [resource.RLIM_INFINITY] * 2   # no CPU limit asked for


def test_a_cpu_limit_is_rounded_up_to_whole_seconds_with_a_hard_limit_a_second_later():
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        limits.apply(64 * MiB, cpu_limit=1.5)
        os.write(write, json.dumps(resource.getrlimit(resource.RLIMIT_CPU)).encode())
        os._exit(0)
    os.close(write)
    assert json.loads(os.read(read, 100)) == [2, 3]
    os.close(read)
    os.waitpid(pid, 0)


def test_a_memfd_filled_without_mapping_it_is_bounded_by_the_file_size_limit():
    """Data written into a memfd is memory no mapping shows: the file size limit bounds each one."""
    out = limited(f"""
fd = os.memfd_create("unmapped")
try:
    os.ftruncate(fd, {limits.FILE_SIZE_LIMIT} + 1)
except OSError as e:
    out["truncate"] = e.errno
os.pwrite(fd, b"1234", {limits.FILE_SIZE_LIMIT} - 4)   # up to the limit: allowed (sparse, nothing allocated)
os.pwrite(fd, b"5", {limits.FILE_SIZE_LIMIT})
""")
    assert out["truncate"] == errno.EFBIG
    assert out["errno"] == errno.EFBIG and out["hint"] == " (a Script may write files of at most 1 GiB)"


def test_open_files_are_limited_beyond_those_held_at_start(tmp_path):
    out = limited("""
held = []
while True:
    held.append(open("/dev/null"))
    out["opened"] = len(held)
""")
    assert out["opened"] == limits.OPEN_FILES and out["errno"] == errno.EMFILE
    assert out["hint"] == (" (a Script may have 256 files and sockets open besides the runtime's own: close those it "
                           "no longer needs)")


def test_a_file_cannot_grow_past_the_file_size_limit_and_the_write_fails_rather_than_the_process(tmp_path):
    out = limited(f"""
with open("big.bin", "wb") as f:
    f.seek({limits.FILE_SIZE_LIMIT} - 4)
    f.write(b"12345678")                  # 4 bytes fit; CPython ignores SIGXFSZ, so the rest raises
""", storage=tmp_path)
    assert out["error"] == "OSError: [Errno 27] File too large"
    assert (tmp_path / "big.bin").stat().st_size == limits.FILE_SIZE_LIMIT
    assert limits.file_size_limit(2 << 30) == 2 << 30   # a larger memory limit: its messages' memfds may be as large


def test_joining_a_cgroup_leaves_memory_to_it_and_a_cgroup_that_cannot_be_joined_to_the_address_space(tmp_path):
    procs = tmp_path / "cgroup.procs"
    procs.write_text("")
    joined = limited('out["as"] = resource.getrlimit(resource.RLIMIT_AS)', cgroup=[str(procs)])
    assert joined["counted"] == "memory counted by a cgroup"
    assert procs.read_text() == "0"   # the writing process joins
    assert joined["as"] == list(resource.getrlimit(resource.RLIMIT_AS))   # left as it was
    gone = tmp_path / "gone" / "cgroup.procs"
    missing = limited('out["as"] = resource.getrlimit(resource.RLIMIT_AS)', cgroup=[str(gone)])
    assert missing["counted"] == ("memory counted as address space (RLIMIT_AS); cgroup not joined: "
                                  "No such file or directory")
    assert missing["as"][0] - missing["before"] >= 64 * MiB + limits.ADDRESS_MARGIN


@pytest.mark.parametrize("exc, threads_counted, hint", [
    (MemoryError(), False, OVER_MEMORY),
    (OSError(errno.ENOMEM, "Cannot allocate memory"), True, OVER_MEMORY),
    (OSError(errno.EFBIG, "File too large"), False, " (a Script may write files of at most 1 GiB)"),
    (RuntimeError("can't start new thread"), False, " (each thread's stack takes {stack} of the Script's memory limit "
                                                    "of 64 MiB: script.setMemoryLimit(bytes) on the host changes it)"),
    (OSError(errno.ENOENT, "No such file"), False, ""),
    (ZeroDivisionError(), False, ""),
])
def test_an_exception_that_comes_from_a_limit_says_which_and_its_value(monkeypatch, exc, threads_counted, hint):
    monkeypatch.setattr(limits, "_applied", {"memory_limit": 64 * MiB, "threads": threads_counted, "open_files": 256,
                                             "file_size": 1 << 30})
    assert limits.explain(exc) == hint.format(stack=limits.size_text(limits.thread_stack_size()))


def test_nothing_is_explained_in_a_process_without_limits(monkeypatch):
    monkeypatch.setattr(limits, "_applied", {})
    assert limits.explain(MemoryError()) == ""


# -- where a script's cgroup goes --

CGROUP2 = "35 24 0:30 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n"
HYBRID = ("28 24 0:25 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
          "33 24 0:29 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n")


@pytest.mark.parametrize("mountinfo, own, homes", [
    (CGROUP2, "0::/user.slice/app.scope\n", ["/sys/fs/cgroup/user.slice/app.scope", "/sys/fs/cgroup/user.slice",
                                             "/sys/fs/cgroup"]),
    (CGROUP2, "0::/\n", ["/sys/fs/cgroup"]),
    (HYBRID, "4:memory:/x\n0::/\n", ["/sys/fs/cgroup/unified"]),   # v1 memory: the v2 root has no memory controller
    ("35 24 0:30 /docker/ab /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "0::/docker/ab/init\n",
     ["/sys/fs/cgroup/init", "/sys/fs/cgroup"]),                     # a mount of part of the hierarchy
    ("35 24 0:30 /docker/ab /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "0::/elsewhere\n", []),
    ("35 24 0:30 / /sys/fs/my\\040cgroups rw - cgroup2 cgroup2 rw\n", "0::/a\n", ["/sys/fs/my cgroups/a",
                                                                                  "/sys/fs/my cgroups"]),
    ("28 24 0:25 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n", "4:memory:/x\n", []),   # v1 only
])
def test_a_scripts_cgroup_is_looked_for_from_the_device_processes_own_upwards(mountinfo, own, homes):
    assert limits.candidate_homes(mountinfo, own) == homes


V1 = ("28 24 0:25 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
      "29 24 0:26 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
      "30 24 0:27 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu,cpuacct\n")


@pytest.mark.parametrize("controller, own, homes", [
    ("memory", "8:pids:/\n4:memory:/api/ab\n0::/\n", ["/sys/fs/cgroup/memory/api/ab", "/sys/fs/cgroup/memory/api",
                                                     "/sys/fs/cgroup/memory"]),
    ("pids", "8:pids:/\n4:memory:/api/ab\n0::/\n", ["/sys/fs/cgroup/pids"]),
    ("cpuacct", "2:cpu,cpuacct:/x\n", ["/sys/fs/cgroup/cpu/x", "/sys/fs/cgroup/cpu"]),   # a shared hierarchy
    ("blkio", "8:pids:/\n", []),                                                         # not mounted
])
def test_on_v1_a_scripts_cgroup_is_looked_for_in_each_controllers_hierarchy(controller, own, homes):
    assert limits.candidate_homes(V1, own, controller) == homes


@pytest.fixture
def cgroupfs(tmp_path, monkeypatch):
    """A folder that behaves as a cgroup folder with the memory and pids controllers (the v2 and v1
    interface files both), and tmp_path/pids as a v1 pids one: a new folder in them has the
    interface files, and rmdir removes one with its files."""
    home = tmp_path / "home"
    home.mkdir()
    homes = (str(home), str(tmp_path / "pids"))   # the second: a v1 pids hierarchy, if a test makes it
    real_mkdir, real_rmdir = os.mkdir, os.rmdir

    def mkdir(path, *args):
        real_mkdir(path, *args)
        if os.path.dirname(path) == homes[0]:
            for name in ("cgroup.procs", "memory.max", "memory.swap.max", "pids.max", "memory.events",
                         "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.oom_control"):
                open(os.path.join(path, name), "w").close()
        elif os.path.dirname(path) == homes[1]:
            for name in ("cgroup.procs", "pids.max"):
                open(os.path.join(path, name), "w").close()

    def rmdir(path):
        if os.path.dirname(path) in homes:
            for name in os.listdir(path):
                os.remove(os.path.join(path, name))
        real_rmdir(path)

    monkeypatch.setattr(limits.os, "mkdir", mkdir)
    monkeypatch.setattr(limits.os, "rmdir", rmdir)
    return home


def test_a_scripts_cgroup_gets_its_limits_and_reports_an_oom_kill_when_closed(cgroupfs):
    cgroup = limits.ScriptCgroup.make("Script(3)", 64 * MiB, home=str(cgroupfs))
    folder = cgroupfs / os.path.basename(cgroup.path)
    assert folder.name.startswith(f"oakling-{os.getpid()}-Script-3-")   # whose it is, for the sweep
    assert limits.ScriptCgroup.make("Script(3)", 64 * MiB, home=str(cgroupfs)).path != cgroup.path
    assert cgroup.procs == [str(folder / "cgroup.procs")] and cgroup.version == 2
    assert (folder / "memory.max").read_text() == str(64 * MiB + limits.CGROUP_MARGIN)
    assert (folder / "memory.swap.max").read_text() == "0" and (folder / "pids.max").read_text() == "128"
    (folder / "memory.events").write_text("low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n")
    cgroup.close()
    assert cgroup.oom_kills == 1 and not folder.exists()


def test_on_v1_a_scripts_cgroup_is_one_per_hierarchy_with_the_same_limits(cgroupfs, tmp_path):
    pids = tmp_path / "pids"
    pids.mkdir()
    cgroup = limits.ScriptCgroup.make("Script(3)", 64 * MiB, home=limits.V1Homes(str(cgroupfs), str(pids)))
    memory_folder, pids_folder = (os.path.join(home, os.path.basename(cgroup.path)) for home in (cgroupfs, pids))
    assert cgroup.version == 1 and cgroup.paths == [memory_folder, pids_folder]
    assert cgroup.procs == [os.path.join(memory_folder, "cgroup.procs"), os.path.join(pids_folder, "cgroup.procs")]
    assert open(os.path.join(memory_folder, "memory.limit_in_bytes")).read() == str(64 * MiB + limits.CGROUP_MARGIN)
    assert open(os.path.join(memory_folder, "memory.memsw.limit_in_bytes")).read() == str(64 * MiB +
                                                                                          limits.CGROUP_MARGIN)
    assert open(os.path.join(pids_folder, "pids.max")).read() == "128"
    with open(os.path.join(memory_folder, "memory.oom_control"), "w") as f:
        f.write("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
    cgroup.close()
    assert cgroup.oom_kills == 2 and not os.path.exists(memory_folder) and not os.path.exists(pids_folder)


def test_no_cgroup_where_one_cannot_be_made_and_nothing_left_behind(tmp_path):
    assert limits.ScriptCgroup.make("Script(3)", 64 * MiB, home=str(tmp_path / "missing")) is None
    plain = tmp_path / "plain"   # a folder, not a cgroup: a new folder in it has no memory.max
    plain.mkdir()
    assert limits.ScriptCgroup.make("Script(3)", 64 * MiB, home=str(plain)) is None
    assert list(plain.iterdir()) == []


def test_cgroups_left_by_device_processes_that_are_gone_are_swept(tmp_path):
    dead = tmp_path / "oakling-999999999-Script-1"   # above pid_max: no such process
    alive = tmp_path / f"oakling-{os.getpid()}-Script-1"
    other = tmp_path / "system.slice"
    for folder in (dead, alive, other):
        folder.mkdir()
    limits._sweep(str(tmp_path))
    assert not dead.exists() and alive.exists() and other.exists()


@pytest.mark.skipif(not CGROUP, reason="no cgroup with the memory controller that this user may use here")
def test_the_kernel_stops_a_process_in_a_scripts_cgroup_at_its_memory_limit():
    cgroup = limits.ScriptCgroup.make("Script(9)", 64 * MiB)
    assert cgroup is not None
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            limits.apply(64 * MiB, cgroup=cgroup.procs)
            held = []
            while len(held) < 128:
                fd = os.memfd_create("hoard")
                os.ftruncate(fd, 8 << 20)
                block = mmap.mmap(fd, 8 << 20)
                os.close(fd)
                for offset in range(0, 8 << 20, 4096):
                    block[offset] = 1
                held.append(block)
                os.write(write, b"8")
        finally:
            os._exit(0)
    os.close(write)
    held = len(b"".join(iter(lambda: os.read(read, 65536), b""))) * 8 * MiB
    os.close(read)
    _, status = os.waitpid(pid, 0)
    cgroup.close()
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert cgroup.oom_kills >= 1 and held <= 64 * MiB + limits.CGROUP_MARGIN and not os.path.exists(cgroup.path)


# -- end to end --

REPORT = """
def report(value):
    b = Buffer(0)
    b.setData(str(value).encode())
    node.io['out'].send(b)
"""

Outcome = namedtuple("Outcome", "reports ended failed hog idle frames running script")


def run_until_stopped(source: str, memory_limit: int = 64 * MiB) -> Outcome:
    """A camera streaming to the host, an idle script, and `source` as Script "hog.py" (after REPORT),
    sending what it reports to stream "out". Waits for that stream's end, then takes three more
    camera frames."""
    p, _, _ = camera_pipeline(64, 64, fps=30)
    hog = p.create(dai.node.Script)
    hog.setScript(REPORT + source, "hog.py")
    hog.setMemoryLimit(memory_limit)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    hog.outputs["out"].link(xout.input)
    idle = p.create(dai.node.Script)
    idle.setScript("import time\ntime.sleep(3600)\n")
    with dai.Device(p) as device:
        preview = device.getOutputQueue("preview", 1, False)
        preview.get(timeout=TIMEOUT)
        out = device.getOutputQueue("out")
        reports = []
        with pytest.raises(dai.StreamEnded) as ended:
            while True:
                reports.append(int(bytes(out.get(timeout=TIMEOUT).getData())))
        failed = device.getFailedNodes()
        stats = device.getScriptStats()
        frames = [preview.get(timeout=TIMEOUT).getSequenceNum() for _ in range(3)]   # the camera goes on
        running = device.isPipelineRunning()
    return Outcome(reports, str(ended.value), failed, stats[f"Script({hog.id})"], stats[f"Script({idle.id})"], frames,
                   running, f"Script({hog.id})")


def check_only_the_script_stopped(outcome: Outcome, reason: str):
    assert outcome.failed == {outcome.script: reason}
    assert reason in outcome.ended
    assert not outcome.hog["running"] and outcome.idle["running"] and outcome.running
    assert outcome.frames == sorted(set(outcome.frames))   # new frames, one after another


MEMFD_HOARD = """
import os
mmap = os.sys.modules['mmap']             # not on the whitelist, but loaded: a route past the builtins
held = []
while len(held) < 128:                    # 1 GiB: far past the limit
    fd = os.memfd_create('hoard')
    os.ftruncate(fd, 8 << 20)
    block = mmap.mmap(fd, 8 << 20)
    os.close(fd)
    for offset in range(0, 8 << 20, 4096):
        block[offset] = 1
    held.append(block)
    report(len(held) * (8 << 20))
"""


def test_a_script_that_maps_shared_memory_past_its_limit_is_stopped_and_the_pipeline_goes_on():
    limit = 64 * MiB
    outcome = run_until_stopped(MEMFD_HOARD, limit)
    held = outcome.reports[-1] if outcome.reports else 0
    if CGROUP:
        reason = ("the script used more than its memory limit of 64 MiB (heap, shared memory and the files it wrote, "
                  "as its cgroup counts them) and was stopped — script.setMemoryLimit(bytes) on the host raises it")
        assert held <= limit + limits.CGROUP_MARGIN
    else:
        reason = "OSError: [Errno 12] Cannot allocate memory — hog.py, line 13" + OVER_MEMORY
        assert limit <= held <= limit + limits.ADDRESS_MARGIN
    check_only_the_script_stopped(outcome, reason)
    # What it held at most, beyond what an idle script (forked from the same device process) holds.
    assert outcome.hog["maxRssBytes"] - outcome.idle["maxRssBytes"] <= limit + limits.ADDRESS_MARGIN


THREAD_BOMB = """
import threading
stop = threading.Event()
started = 0
while started < 5000:
    threading.Thread(target=stop.wait, daemon=True).start()
    started += 1
    report(started)
"""


def test_a_thread_bomb_is_stopped_and_the_pipeline_goes_on():
    limit = 2 << 30   # room for more threads than a cgroup allows
    outcome = run_until_stopped(THREAD_BOMB, limit)
    started = outcome.reports[-1]
    if CGROUP or kernel_allows_namespaces():   # counted by its cgroup, or by RLIMIT_NPROC in its own namespace
        hint = f"a Script may run at most {limits.MAX_THREADS} threads, the runtime's own included"
        assert started < limits.MAX_THREADS
    else:
        stack = limits.thread_stack_size()
        hint = (f"each thread's stack takes {limits.size_text(stack)} of the Script's memory limit of 2 GiB: "
                f"script.setMemoryLimit(bytes) on the host changes it")
        assert started <= (limit + limits.ADDRESS_MARGIN) // stack
    check_only_the_script_stopped(outcome, f"RuntimeError: can't start new thread — hog.py, line 11 ({hint})")


OPEN_FILE_HOARD = """
held = []
while len(held) < 5000:
    held.append(open(f'open-{len(held)}.txt', 'w'))
    report(len(held))
"""


def test_a_script_that_opens_too_many_files_in_storage_is_stopped_and_the_pipeline_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("OAKLING_STORAGE", str(tmp_path))
    outcome = run_until_stopped(OPEN_FILE_HOARD)
    opened = outcome.reports[-1]
    assert limits.OPEN_FILES - 8 <= opened <= limits.OPEN_FILES   # the runtime's own descriptors may take a few
    assert len(list(tmp_path.glob("open-*.txt"))) == opened
    check_only_the_script_stopped(
        outcome, f"OSError: [Errno 24] Too many open files: 'open-{opened}.txt' — hog.py, line 9 (a Script may have "
                 f"256 files and sockets open besides the runtime's own: close those it no longer needs)")


BIG_FILE = f"""
report(0)
with open('/media/mmcsd-0-0/big.bin', 'wb') as f:
    f.seek({limits.FILE_SIZE_LIMIT} - 4)
    f.write(b'12345678')
"""


def test_a_script_that_writes_a_file_past_the_size_limit_is_stopped_and_the_file_ends_at_the_limit(tmp_path,
                                                                                                  monkeypatch):
    monkeypatch.setenv("OAKLING_STORAGE", str(tmp_path))
    outcome = run_until_stopped(BIG_FILE)
    assert (tmp_path / "big.bin").stat().st_size == limits.FILE_SIZE_LIMIT   # not a byte more
    check_only_the_script_stopped(
        outcome, "OSError: [Errno 27] File too large — hog.py, line 8 (a Script may write files of at most 1 GiB)")


BIG_FILE_IN_A_THREAD = f"""
import threading
def record():
    with open('big.bin', 'wb') as f:
        f.seek({limits.FILE_SIZE_LIMIT})
        f.write(b'1')
recorder = threading.Thread(target=record, name='recorder')
recorder.start()
recorder.join()
report('went on')
"""


def test_a_limit_reached_in_a_scripts_thread_is_logged_with_the_limit_and_the_script_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("OAKLING_STORAGE", str(tmp_path))
    p = dai.Pipeline()
    script = p.create(dai.node.Script)
    script.setScript(REPORT + BIG_FILE_IN_A_THREAD, "hog.py")
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    script.outputs["out"].link(xout.input)
    logs = []
    with dai.Device(p) as device:
        device.addLogCallback(logs.append)
        out = device.getOutputQueue("out")
        assert bytes(out.get(timeout=TIMEOUT).getData()) == b"went on"
        with pytest.raises(dai.StreamEnded):
            out.get(timeout=TIMEOUT)
        assert device.getFailedNodes() == {}
    errors = [m.payload.splitlines()[0] for m in logs if m.level == dai.LogLevel.ERR]
    assert errors == ["thread 'recorder' stopped: OSError: [Errno 27] File too large — hog.py, line 9 (a Script may "
                      "write files of at most 1 GiB)"]
