"""Scripts that try to bring the device down rather than out: memory the limit does not see, thread
bombs, a crash of the interpreter, descriptors pushed into the device process. Each test is one
technique, run as a real Script node in a pipeline of its own beside a camera, and checks the
effect: the memory the script held, the threads it ran, the device process alive and its
descriptors, the camera's frames still coming."""
import time

import pytest

from attacks import Attacks, status
from oakling.script import limits
from processes import alive, kernel_allows_namespaces

ATTACKS = Attacks()
MEMORY_LIMIT = 64 << 20


@pytest.fixture
def outcome(request, tmp_path):
    """Run the test's attack alone, in a device with a camera; the camera's frames are counted
    while the script lingers (`outcome.extra["frames"]`)."""
    name = request.function.__name__

    def frames_keep_coming(device, outcomes):
        pid, deadline = outcomes[name].pid, time.monotonic() + 3
        while not ATTACKS.attacks[name].linger and pid and alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)   # a script that does not linger: let it end (or crash) first
        while pid and not alive(pid) and not device.getFailedNodes() and time.monotonic() < deadline:
            time.sleep(0.02)   # a script that died: its failure on its way
        queue = device.getOutputQueue("frames", 4, False)
        deadline, count = time.monotonic() + 0.5, 0
        while time.monotonic() < deadline:
            try:
                queue.get(timeout=0.5)
                count += 1
            except (RuntimeError, TimeoutError):
                break
        outcomes[name].extra["frames"] = count
        outcomes[name].extra["device_alive"] = device._process.poll() is None

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OAKLING_STORAGE", str(tmp_path))
        return ATTACKS.only(name).run({"MEMORY_LIMIT": MEMORY_LIMIT}, camera=True, after=frames_keep_coming)[name]


def assert_the_pipeline_went_on(outcome):
    assert outcome.extra["device_alive"], f"the device process died: {outcome}"
    assert outcome.extra["frames"] >= 3, f"the camera delivered {outcome.extra['frames']} frames in 0.5 s: {outcome}"


def shared_memory_held(outcome, device):
    """The shared memory (memfd, shared mappings) resident in the script's process, in bytes."""
    held = status(outcome.pid, "RssShmem") if outcome.pid else None
    return int(held.split()[0]) * 1024 if held else 0


@ATTACKS.add("""
    mmap = _os.sys.modules['mmap']
    size, touched = MEMORY_LIMIT, 0
    try:
        for _ in range(4):   # 8 times the limit, half in memfds, half in shared anonymous mappings
            fd = _os.memfd_create('hoard')
            _os.ftruncate(fd, size)
            for hoard in (mmap.mmap(fd, size, mmap.MAP_SHARED), mmap.mmap(-1, size, mmap.MAP_SHARED)):
                for at in range(0, size, 4096):
                    hoard[at] = 1
                    touched += 4096
    finally:
        found.append(touched >> 20)
""", memory_limit=MEMORY_LIMIT, linger=1.0, probe=shared_memory_held)
def test_shared_memory_stays_within_the_scripts_memory_limit(outcome):
    """RLIMIT_DATA counts private memory only: a memfd or a shared anonymous mapping, written page by
    page, is memory the script holds all the same."""
    assert outcome.report or outcome.failure
    bound = MEMORY_LIMIT + limits.ADDRESS_MARGIN   # the documented bound without a cgroup (with one: the limit)
    assert outcome.probed <= bound, \
        f"the script held {outcome.probed >> 20} MiB of shared memory with a {MEMORY_LIMIT >> 20} MiB limit: {outcome}"
    assert_the_pipeline_went_on(outcome)


def threads_held(outcome, device):
    held = status(outcome.pid, "Threads") if outcome.pid else None
    return int(held) if held else 0


@ATTACKS.add("""
    import threading, time
    threading.stack_size(32768)                       # small stacks: more threads in the same memory
    started = 0
    try:
        for _ in range(8000):
            threading.Thread(target=time.sleep, args=(3,), daemon=True).start()
            started += 1
    finally:
        found.append(started)
""", linger=1.0, probe=threads_held)
def test_a_thread_bomb_is_bounded_and_the_pipeline_goes_on(outcome):
    """Threads until something gives: the script may not fill the machine's process table (a
    thread is a task of its own): its memory limit bounds them, and the device goes on."""
    assert outcome.report or outcome.failure
    # In its own user namespace the kernel counts the script's threads (RLIMIT_NPROC); otherwise each
    # one's stack and guard page count in the address space its memory limit and margin bound.
    bound = limits.MAX_THREADS if kernel_allows_namespaces() else (MEMORY_LIMIT + limits.ADDRESS_MARGIN) // 36864 + 16
    assert outcome.probed <= bound, f"the script ran {outcome.probed} threads: {outcome}"
    assert_the_pipeline_went_on(outcome)


@ATTACKS.add("""
    import json
    _os.sys.setrecursionlimit(10 ** 8)
    nested = []
    for _ in range(300000):
        nested = [nested]
    report('recursing')
    json.dumps(nested)                                 # recursion in C: overflows the C stack
""")
def test_a_crash_of_its_interpreter_leaves_the_device_running(outcome):
    """sys.setrecursionlimit lifted, then deep recursion in C (json.dumps of a deeply nested list): a
    segmentation fault of the script's process, which must end the script alone."""
    assert outcome.report, outcome
    assert_the_pipeline_went_on(outcome)
    assert outcome.failure, "the crash was not reported as the Script's failure"


def descriptors_of_the_device(outcome, device):
    import os
    return len(os.listdir(f"/proc/{device._process.pid}/fd"))


@ATTACKS.add("""
    link = node.io['out']._link
    spare = [_os.dup(0) for _ in range(250)]          # any descriptors will do
    sent = 0
    for _ in range(40):
        link.send_control({'op': 'log', 'level': 2, 'text': 'nothing to see'}, fds=spare)
        sent += len(spare)
    found.append(sent)
""", linger=1.0, probe=descriptors_of_the_device)
def test_descriptors_pushed_over_its_link_do_not_pile_up_in_the_device(outcome):
    """Every record may carry descriptors (SCM_RIGHTS): each one the device is handed and does not
    close stays open in the device process, until it can open no more."""
    assert outcome.report or outcome.failure
    assert outcome.probed < 1000, f"the device process holds {outcome.probed} descriptors: {outcome}"
    assert_the_pipeline_went_on(outcome)
