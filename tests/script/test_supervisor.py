"""The supervisor forks a real script process and follows it: the script's outputs reach the linked
inputs, its log lines come through, and its end is `run()` returning, or ScriptFailed with the
script's own traceback or with how its process died."""
import os
import threading

import pytest

import oakling as dai
from oakling.log import LogLevel
from oakling.runtime.ports import DeviceInput, DeviceOutput
from oakling.script import limits
from oakling.script.supervisor import ScriptFailed, ScriptSupervisor


@pytest.fixture
def storage(tmp_path, monkeypatch):
    monkeypatch.setenv("OAKLING_STORAGE", str(tmp_path))
    return tmp_path


def supervise(source, inputs=(), properties=None):
    """A supervisor of `source` with one output `out` linked to an input; returns (supervisor, that input,
    the log lines)."""
    out, downstream = DeviceOutput("Script(5).io['out']"), DeviceInput("X(6).in", True, 8, True)
    out.targets.append(downstream)
    downstream.add_producer()
    lines = []
    supervisor = ScriptSupervisor(5, "Script(5)", {"scriptName": "probe.py", **(properties or {})}, source,
                                  list(inputs), {"out": out}, {}, lambda level, text: lines.append((level, text)),
                                  threading.Event())
    return supervisor, downstream, lines


def test_what_the_script_sends_and_logs_arrives_in_order_then_run_returns(storage):
    supervisor, downstream, lines = supervise(
        "for k in range(3):\n"
        "    node.io['out'].send(Buffer(4))\n"
        "node.warn('sent 3')\n")
    supervisor.run()
    assert [len(downstream.get(timeout=5).getData()) for _ in range(3)] == [4, 4, 4]
    assert (LogLevel.WARN, "sent 3") in lines
    stats = supervisor.stats()
    assert stats["running"] is False and stats["cpuSeconds"] >= 0 and stats["memoryLimitBytes"] > 0


def test_an_input_the_supervisor_feeds_reaches_the_script_and_its_end_ends_the_script(storage):
    supervisor, downstream, _ = supervise(
        "while True:\n"
        "    msg = node.io['in'].get()\n"
        "    node.io['out'].send(msg)\n", inputs=[("in", True, 4)])
    runner = threading.Thread(target=supervisor.run)
    runner.start()
    for k in range(3):
        supervisor.feeds["in"].put(dai.Buffer().setSequenceNum(k))
    supervisor.feeds["in"].close("upstream ended")
    runner.join(10)
    assert not runner.is_alive()
    assert [downstream.get(timeout=5).getSequenceNum() for _ in range(3)] == [0, 1, 2]


def test_a_script_that_raises_fails_with_its_own_traceback(storage):
    supervisor, _, _ = supervise("x = 1\nraise KeyError('gone')\n")
    with pytest.raises(ScriptFailed) as e:
        supervisor.run()
    assert str(e.value) == "KeyError: 'gone' — probe.py, line 2"
    assert 'File "probe.py", line 2' in e.value.report and "oakling/" not in e.value.report


def test_a_process_that_dies_says_how(storage):
    supervisor, _, _ = supervise("import os\nos._exit(3)\n")
    with pytest.raises(ScriptFailed, match="the script's process exited with code 3"):
        supervisor.run()


@pytest.mark.parametrize("oom_kills, reason", [
    (1, "the script used more than its memory limit of 64 MiB (heap, shared memory and the files it wrote, as its "
        "cgroup counts them) and was stopped — script.setMemoryLimit(bytes) on the host raises it"),
    (0, "the script's process was killed by SIGKILL"),
])
def test_a_script_killed_in_its_cgroup_is_reported_as_over_its_memory_limit_if_the_oom_killer_did_it(
        storage, tmp_path, monkeypatch, oom_kills, reason):
    folder = tmp_path / "cgroup"   # stands in for the script's cgroup: what the kernel would have written
    folder.mkdir()
    (folder / "cgroup.procs").write_text("")
    (folder / "memory.events").write_text(f"low 0\nhigh 0\nmax 3\noom 1\noom_kill {oom_kills}\n")
    monkeypatch.setattr(limits.ScriptCgroup, "make", classmethod(lambda cls, label, memory: cls([str(folder)], 2)))
    supervisor, _, _ = supervise("import os\nos.kill(os.getpid(), 9)\n", properties={"memoryLimit": 64 << 20})
    with pytest.raises(ScriptFailed) as failed:
        supervisor.run()
    assert str(failed.value) == reason
    joined = (folder / "cgroup.procs").read_text()
    assert joined and joined.isdigit()   # the device (its pid) and the script's process ("0") put it in
    assert supervisor.stats()["running"] is False


def test_without_a_script_run_says_to_set_one(storage):
    supervisor, _, _ = supervise(None, properties={"scriptUri": "asset:__script"})
    with pytest.raises(ScriptFailed, match=r"no script \(scriptUri 'asset:__script'\) — call setScript\(\)"):
        supervisor.run()


def test_close_ends_a_script_that_would_run_forever(storage):
    supervisor, _, _ = supervise("import time\nwhile True:\n    time.sleep(0.01)\n")
    runner = threading.Thread(target=supervisor.run)
    runner.start()
    supervisor._stop_event.set()
    supervisor.close()
    runner.join(10)
    assert not runner.is_alive() and supervisor.stats()["running"] is False


def test_a_closed_supervisor_leaves_none_of_its_descriptors_open(storage):
    """A script's channel (its sockets and doorbells) is closed with it: a device that runs many
    pipelines one after another does not run out of descriptors."""
    def open_descriptors():
        return len(os.listdir("/proc/self/fd"))

    def run_one():
        supervisor, _, _ = supervise("pass\n", inputs=[("in", True, 4), ("latest", False, 2)])
        supervisor.run()
        supervisor.close()

    run_one()   # what is made once per process (the GPIO board) is made
    before = open_descriptors()
    for _ in range(10):
        run_one()
    assert open_descriptors() - before < 5   # three doorbells a script: 30 if they stayed open


def test_a_fork_that_fails_is_reported_and_leaves_nothing_open(storage, monkeypatch):
    """The kernel refuses the fork (no memory, no process left): the node fails saying so, its
    channel is closed, and the next script still starts."""
    def open_descriptors():
        return len(os.listdir("/proc/self/fd"))

    supervise("pass\n")[0].close()   # what is made once per process is made
    before = open_descriptors()

    def refused():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    with monkeypatch.context() as patch:
        patch.setattr(os, "fork", refused)
        supervisor, _, _ = supervise("pass\n", inputs=[("in", True, 4)])
        with pytest.raises(ScriptFailed, match="could not start the script's process: BlockingIOError"):
            supervisor.run()
        supervisor.close()
    assert open_descriptors() <= before
    working, downstream, _ = supervise("node.io['out'].send(Buffer(2))\n")
    working.run()
    assert len(downstream.get(timeout=5).getData()) == 2
