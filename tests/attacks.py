"""Attacker scripts in real pipelines, many at once: one Script node per attack, each sending back
one report of what it got, so that a test checks the effect an attack was after (a secret in its
report, a marker file, a connection, a signal) and not the error it ran into.

    ATTACKS = Attacks()

    @ATTACKS.add('''
        found.append(open(SECRET_FILE).read())
    ''')
    def test_reading_the_secret_directly_gets_nothing(outcome):
        assert SECRET not in outcome.report

    outcomes = ATTACKS.run({"SECRET_FILE": path})   # a module fixture: {test name: Outcome}

Each script starts with a preamble: the constants given (the attack's own ones too: its MARKER,
its ports), `found` (a list the attack fills) and `report(*items)`. Whatever the attack does,
`found` is sent back once it ends or raises; `linger=` keeps it alive after that (a probe of the
test may then look at what it left running).
"""
from __future__ import annotations

import contextlib
import ipaddress
import os
import textwrap
import time
from dataclasses import dataclass, field
from typing import Callable

import oakling as dai

PREAMBLE = """\
import os as _os
_PID = _os.getpid()
found = []
_reported = []
def report(*items):
    if _reported:
        return
    _reported.append(1)
    data = (str(_PID) + ' ' + repr(list(items))).encode('utf-8', 'backslashreplace')
    message = Buffer(len(data))
    message.setData(list(data))
    node.io['out'].send(message)
"""

EPILOGUE = """
except BaseException as _error:
    found.append('raised ' + type(_error).__name__ + ': ' + str(_error))
report(*found)
"""


@dataclass
class Attack:
    source: str
    processor: int = dai.ProcessorType.LEON_CSS
    memory_limit: int | None = None
    linger: float = 0.0          # seconds the script stays alive after its report
    probe: Callable | None = None   # probe(outcome, device), while the script lingers


@dataclass
class Outcome:
    report: str = ""             # what the script sent back ("" if nothing came)
    pid: int | None = None       # its process
    failure: str | None = None   # its node's entry in getFailedNodes(), if any
    probed: object = None        # what the attack's probe returned
    extra: dict = field(default_factory=dict)   # what else the test's fixture noted

    def __str__(self):
        return f"report {self.report!r}, failure {self.failure!r}"


def script_source(attack: Attack, constants: dict) -> str:
    lines = [f"{name} = {value!r}" for name, value in constants.items()]
    body = textwrap.indent(textwrap.dedent(attack.source).strip("\n"), "    ")
    linger = f"import time as _time\n_time.sleep({attack.linger})\n" if attack.linger else ""
    return "\n".join(lines) + "\n" + PREAMBLE + "try:\n" + body + "\n" + EPILOGUE + linger


class Attacks:
    """A registry of attacks, one per test, that run together in one pipeline."""

    def __init__(self):
        self.attacks: dict[str, Attack] = {}

    def only(self, name: str) -> "Attacks":
        """The attack of test `name` alone, to run in a device of its own."""
        alone = Attacks()
        alone.attacks[name] = self.attacks[name]
        return alone

    def add(self, source: str, **options):
        def register(test):
            self.attacks[test.__name__] = Attack(source, **options)
            return test
        return register

    def run(self, constants: dict, per_attack: Callable[[str], dict] = lambda name: {}, *,
            bystanders: tuple[str, ...] = (), camera: bool = False, starting=contextlib.nullcontext,
            timeout: float = 15.0, after=None) -> dict[str, Outcome]:
        """Run every attack at once in one device; {test name: Outcome}. `bystanders` are the
        sources of Script nodes that run beside the attacks (and whose secrets they are after);
        `camera` adds a camera streaming to "frames" (the rest of the pipeline, which must go on);
        `starting()` is a context the device process is started in (what it inherits);
        `after(device, outcomes)` runs once every report is in, before the device closes."""
        p = dai.Pipeline()
        if camera:
            cam = p.create(dai.node.ColorCamera)
            cam.setPreviewSize(64, 64)
            frames = p.create(dai.node.XLinkOut)
            frames.setStreamName("frames")
            cam.preview.link(frames.input)
        labels = {}
        for name, attack in self.attacks.items():
            script = p.create(dai.node.Script)
            script.setProcessor(attack.processor)
            if attack.memory_limit:
                script.setMemoryLimit(attack.memory_limit)
            script.setScript(script_source(attack, {**constants, **per_attack(name)}), f"{name}.py")
            out = p.create(dai.node.XLinkOut)
            out.setStreamName(name)
            script.outputs["out"].link(out.input)
            labels[name] = f"Script({script.id})"
        for source in bystanders:
            p.create(dai.node.Script).setScript(source, "bystander.py")
        outcomes = {name: Outcome() for name in self.attacks}
        with starting():
            device = dai.Device(p)
        with device:
            deadline = time.monotonic() + timeout
            for name in self.attacks:
                try:
                    data = device.getOutputQueue(name).get(timeout=max(0.1, deadline - time.monotonic())).getData()
                    pid, _, report = bytes(data).decode("utf-8", "replace").partition(" ")
                    outcomes[name].report, outcomes[name].pid = report, int(pid)
                except (RuntimeError, TimeoutError) as e:   # it died, or never answered
                    outcomes[name].report = ""
                    outcomes[name].extra["error"] = str(e)
            for name, attack in self.attacks.items():
                if attack.probe is not None:
                    outcomes[name].probed = attack.probe(outcomes[name], device)
            if after is not None:
                after(device, outcomes)
            failed = device.getFailedNodes()
            for name in self.attacks:
                outcomes[name].failure = failed.get(labels[name])
            device_pid = device._process.pid
        for outcome in outcomes.values():
            outcome.extra["device_pid"] = device_pid
        return outcomes


def local_addresses() -> tuple[list[str], list[str]]:
    """This machine's IPv4 and IPv6 addresses other than loopback and link-local ones."""
    v4 = []
    try:
        with open("/proc/net/fib_trie") as f:
            lines = f.read().splitlines()
        for previous, line in zip(lines, lines[1:]):
            if line.strip() == "/32 host LOCAL":
                address = previous.split()[-1]
                if not address.startswith("127.") and address not in v4:
                    v4.append(address)
    except OSError:
        pass
    v6 = []
    try:
        with open("/proc/net/if_inet6") as f:
            for line in f:
                raw = line.split()[0]
                address = ":".join(raw[i:i + 4] for i in range(0, 32, 4))
                if raw != "0" * 31 + "1" and not raw.startswith("fe80"):
                    v6.append(str(ipaddress.IPv6Address(address)))
    except OSError:
        pass
    return v4, v6


def descendants(pid: int) -> list[int]:
    """Every process below `pid`."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children") as f:
                    kids = [int(c) for c in f.read().split()]
            except OSError:
                continue
            found += kids
            todo += kids
    return found


def status(pid: int, field_name: str) -> str | None:
    """A field of /proc/<pid>/status ("VmRSS", "TracerPid", ...), or None if the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field_name + ":"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None
