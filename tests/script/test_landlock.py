"""Landlock, on its own: a process restricted to a storage folder cannot read, write or list
anything else, whatever Python it runs — the kernel refuses, not a Python check."""
import errno
import os
import socket
import subprocess

import pytest

from oakling.script import landlock, sandbox
from processes import in_child

pytestmark = pytest.mark.skipif(landlock.abi_version() == 0, reason="this kernel has no Landlock")


def restricted(storage, code: str) -> dict:
    """Run `code` (it fills `out`) in a forked child restricted to `storage`; returns `out`."""
    def run():
        out = {"status": landlock.restrict(read_only=sandbox.readable_paths(), read_write=[str(storage)])}
        exec(code, {"out": out, "os": os})
        return out

    return in_child(run)[0]


def attempt(expression: str) -> str:
    return f"""
try:
    {expression}
    out.setdefault("done", []).append({expression!r})
except OSError as e:
    out.setdefault("refused", []).append(e.errno)
"""


def test_the_storage_folder_is_the_only_place_it_writes(tmp_path):
    storage, outside = tmp_path / "storage", tmp_path / "outside"
    storage.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("hunter2")
    out = restricted(storage, "\n".join([
        attempt(f"open({str(storage / 'kept.txt')!r}, 'w').write('ok')"),
        attempt(f"open({str(outside / 'secret.txt')!r}).read()"),
        attempt(f"open({str(outside / 'marker.txt')!r}, 'w')"),
        attempt(f"os.listdir({str(outside)!r})"),
        attempt(f"os.rename({str(storage / 'kept.txt')!r}, {str(outside / 'moved.txt')!r})"),
        attempt(f"open('/proc/{os.getpid()}/environ', 'rb').read()"),
        attempt(f"os.open({str(outside)!r}, os.O_RDONLY)"),
    ]))
    assert out["status"].startswith("Landlock ABI")
    assert out["done"] == [f"open({str(storage / 'kept.txt')!r}, 'w').write('ok')"]
    assert len(out["refused"]) == 6
    assert (storage / "kept.txt").read_text() == "ok"
    assert not (outside / "marker.txt").exists() and not (outside / "moved.txt").exists()


def test_python_itself_stays_readable_and_unwritable(tmp_path):
    stdlib = sandbox._STDLIB_DIR
    out = restricted(tmp_path, "\n".join([
        "import json, email.mime.text",   # lazy imports read the standard library
        attempt(f"open({os.path.join(stdlib, 'json', '__init__.py')!r}).read()"),
        attempt(f"open({os.path.join(stdlib, 'json', 'oakling_marker.py')!r}, 'w')"),
    ]))
    assert len(out["done"]) == 1 and len(out["refused"]) == 1
    assert not os.path.exists(os.path.join(stdlib, "json", "oakling_marker.py"))


@pytest.mark.skipif(landlock.abi_version() < 6, reason="Landlock scopes signals and abstract sockets from ABI 6")
def test_it_cannot_signal_a_process_or_reach_an_abstract_socket_outside_its_sandbox(tmp_path):
    """Even as root: the kernel refuses the signal and the connection, and the sleeper lives."""
    sleeper = subprocess.Popen(["sleep", "30"])
    listening = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    name = f"\0oakling-test-{os.getpid()}"
    listening.bind(name)
    listening.listen(1)
    try:
        out = restricted(tmp_path, "\n".join([
            attempt(f"os.kill({sleeper.pid}, 9)"),
            attempt(f"__import__('socket').socket(1, 1).connect({name!r})"),
            attempt("os.kill(os.getpid(), 0)"),
        ]))
        assert sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()
        listening.close()
    assert out["status"].endswith("(files, signals, abstract sockets)")
    assert out["done"] == ["os.kill(os.getpid(), 0)"]
    assert out["refused"] == [errno.EPERM, errno.EPERM]
