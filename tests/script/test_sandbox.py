"""The sandbox on its own: code run in a forked child that closes the sandbox around itself, as a
script process does. Each blocked action must fail with an error that says why; what gen2's
device allows must still work."""
import json
import os
import platform
import socket
import threading

import pytest

from oakling.script import sandbox, whitelist
from oakling.script.api import gpio_module

MSS, CSS = whitelist.LEON_MSS, whitelist.LEON_CSS


def sandboxed(code, processor=MSS, storage=None, memory_limit=sandbox.DEFAULT_MEMORY_LIMIT):
    """Run `code` sandboxed in a child; it may fill `result`. Returns {"ok": result} or
    {"error": type name, "message": text}."""
    storage = str(storage) if storage else None
    whitelist.preload(processor)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            result = {}
            table = sandbox.restricted_builtins(processor, storage,
                                                {"GPIO": gpio_module(), **sandbox.storage_modules(storage)})
            if storage:
                os.chdir(storage)
            if processor == CSS:
                sandbox.loopback_by_default()
            sandbox.enter(processor, storage, memory_limit, "<test>")
            try:
                exec(compile(code, "<test>", "exec"), {"__builtins__": table, "result": result})
                out = {"ok": result}
            except BaseException as e:
                out = {"error": type(e).__name__, "message": str(e)}
            os.write(write_end, json.dumps(out, default=str).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    chunks = []
    while True:
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    assert chunks, "the sandboxed child died without a word"
    return json.loads(b"".join(chunks))


REAL_IMPORT = "import os; real = os.sys.modules['builtins'].__import__\n"

BLOCKED = {
    "os.system": ("import os; os.system('true')", "may not start programs"),
    "os.fork": ("import os; os.fork()", "may not start programs"),
    "os.execv": ("import os; os.execv('/bin/true', ['true'])", "may not start programs"),
    "os.posix_spawn": ("import os; os.posix_spawn('/bin/true', ['true'], {})", "may not start programs"),
    "subprocess, past the import hook": (REAL_IMPORT + "real('subprocess').run(['true'])", "may not start programs"),
    "read /etc": ("open('/etc/hostname').read()", "only use files under /media/mmcsd-0-0"),
    "write outside storage": ("open('/tmp/oakling-sandbox-escape.txt', 'w')", "only use files under"),
    "list /": ("import os; os.listdir('/')", "only use files under"),
    "remove outside storage": ("import os; os.remove('/tmp/nothing-here')", "only use files under"),
    "parent of storage": ("open('/media/mmcsd-0-0/../escape.txt', 'w')", "only use files under"),
    "chdir": ("import os; os.chdir('/')", "not allowed"),
    "symlink": ("import os; os.symlink('/etc', '/media/mmcsd-0-0/etc')", "not allowed"),
    "ctypes": (REAL_IMPORT + "real('ctypes').CDLL(None)", "ctypes.dlopen"),
    "ctypes memory": (REAL_IMPORT + "real('ctypes').string_at(1024, 8)", "not allowed"),
    "object graph": ("import gc; gc.get_objects()", "gc.get_objects"),
    "bytecode": ("import marshal; marshal.loads(marshal.dumps(1))", "marshal.loads"),
    "frames": ("import os; os.sys._getframe(0)", "sys._getframe"),
    "traceback frames": ("try:\n    1/0\nexcept Exception as e:\n    e.__traceback__.tb_frame", "object.__getattr__"),
    "sys.path": (REAL_IMPORT + "os.sys.path.insert(0, '/media/mmcsd-0-0')\nreal('wave')", "sys.path"),
    "a module past the import hook": (REAL_IMPORT + "real('wave')", "No module named 'wave' on LEON_MSS"),
    "raise own limits": (REAL_IMPORT + "r = real('resource'); r.setrlimit(r.RLIMIT_DATA, (-1, -1))", "not allowed"),
    "compile as the library": (f"compile('x = 1', {sandbox._STDLIB_DIR + '/os.py'!r}, 'exec')", "may not compile"),
    "socket on LEON_MSS": (REAL_IMPORT + "real('socket').socket()", "only available to Scripts on LEON_CSS"),
    "signal the parent": ("import os; os.kill(os.getppid(), 0)", "may only signal itself"),
}


@pytest.mark.parametrize("name", sorted(BLOCKED))
def test_blocked_action_fails_with_a_clear_error(name, tmp_path):
    code, message = BLOCKED[name]
    out = sandboxed(code, storage=tmp_path)
    assert "error" in out, f"{name} was allowed"
    assert message in out["message"], out
    assert not os.path.exists("/tmp/oakling-sandbox-escape.txt")


@pytest.mark.parametrize("code, processor, message", [
    ("import numpy", MSS, "No module named 'numpy' on LEON_MSS"),
    ("import cv2", CSS, "No module named 'cv2' on LEON_CSS"),
    ("import subprocess", CSS, "whitelisted standard library"),
    ("import socket", MSS, "'socket' is only available to Scripts on LEON_CSS — call script.setProcessor"),
    ("import http.server", MSS, "only available to Scripts on LEON_CSS"),
    ("from http import server", MSS, "only available to Scripts on LEON_CSS"),
    ("import xml.etree", CSS, "No module named 'xml.etree'"),
])
def test_imports_outside_the_whitelist_raise_import_error(code, processor, message):
    out = sandboxed(code, processor)
    assert out["error"] == "ModuleNotFoundError" and message in out["message"], out


def test_an_import_error_can_be_caught_as_scripts_do():
    out = sandboxed("try:\n    import numpy\nexcept ImportError as e:\n    result['name'] = e.name")
    assert out == {"ok": {"name": "numpy"}}


def test_what_the_device_allows_still_works(tmp_path):
    out = sandboxed("""
import json, re, math, struct, collections, datetime, threading, time, textwrap, heapq, functools, enum
import GPIO, os
result['json'] = json.loads(json.dumps({'a': [1, 2]}))
result['re'] = re.findall(r'\\d+', 'a1b22')
result['strptime'] = str(datetime.datetime.strptime('2024-05-01', '%Y-%m-%d').date())
result['struct'] = struct.unpack('<I', struct.pack('<I', 7))[0]
t = threading.Thread(target=lambda: result.setdefault('thread', 'ran')); t.start(); t.join()
Point = collections.namedtuple('Point', 'x y')
result['namedtuple'] = Point(1, 2).y
with open('/media/mmcsd-0-0/a.txt', 'w') as f:
    f.write('x')
os.makedirs('/media/mmcsd-0-0/sub', exist_ok=True)
result['files'] = sorted(os.listdir('/media/mmcsd-0-0'))
result['cwd'] = os.getcwd()
result['exists'] = os.path.exists('/media/mmcsd-0-0/a.txt')
result['signal self'] = os.kill(os.getpid(), 0)
""", storage=tmp_path)
    assert out == {"ok": {"json": {"a": [1, 2]}, "re": ["1", "22"], "strptime": "2024-05-01", "struct": 7,
                          "thread": "ran", "namedtuple": 2, "files": ["a.txt", "sub"],
                          "cwd": "/media/mmcsd-0-0", "exists": True, "signal self": None}}
    assert (tmp_path / "a.txt").read_text() == "x"


def test_leon_css_has_its_library_and_loopback_networking():
    out = sandboxed("""
import socket, threading, hashlib, base64, random, logging, traceback, http.server, urllib.parse
server = socket.socket()
server.bind(('', 0))                    # gen2 scripts bind to '': here that is loopback
server.listen(1)
host, port = server.getsockname()
def serve():
    conn, _ = server.accept()
    conn.sendall(conn.recv(16).upper())
    conn.close()
threading.Thread(target=serve).start()
client = socket.create_connection(('127.0.0.1', port))
client.sendall(b'ping')
result['reply'] = client.recv(16).decode()
result['bound'] = host
result['sha'] = hashlib.sha256(b'').hexdigest()[:8]
try:
    1 / 0
except ZeroDivisionError:
    result['traceback'] = traceback.format_exc().splitlines()[-1]
for address in [('8.8.8.8', 53), ('example.com', 80)]:
    try:
        socket.create_connection(address, timeout=1)
    except PermissionError as e:
        result.setdefault('denied', []).append(str(e).split(':')[0])
try:
    socket.socket(socket.AF_UNIX)
except PermissionError as e:
    result['unix'] = 'denied'
""", CSS)
    assert out["ok"]["reply"] == "PING" and out["ok"]["bound"] == "127.0.0.1"
    assert out["ok"]["sha"] == "e3b0c442" and out["ok"]["traceback"] == "ZeroDivisionError: division by zero"
    assert out["ok"]["denied"] == ["socket.getaddrinfo('8.8.8.8')", "socket.getaddrinfo('example.com')"]
    assert out["ok"]["unix"] == "denied"


def test_the_memory_limit_turns_a_runaway_allocation_into_memory_error():
    out = sandboxed("hoard = [bytearray(8 << 20) for _ in range(64)]", memory_limit=64 << 20)
    assert out["error"] == "MemoryError"
    out = sandboxed("hoard = [bytearray(8 << 20) for _ in range(4)]\nresult['ok'] = len(hoard)",
                    memory_limit=64 << 20)
    assert out == {"ok": {"ok": 4}}


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the seccomp filter is x86-64 only")
@pytest.mark.parametrize("processor", [MSS, CSS])
def test_seccomp_alone_stops_programs_whatever_python_does(processor):
    """Layer 3 without the others: the kernel refuses what the audit hook would."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            installed = sandbox._install_seccomp(processor)
            outcome = {"installed": installed}
            for name, action in [("fork", os.fork), ("exec", lambda: os.execv("/bin/true", ["true"])),
                                 ("unix socket", lambda: socket.socket(socket.AF_UNIX)),
                                 ("inet socket", lambda: socket.socket().close()),
                                 ("chdir", lambda: os.chdir("/"))]:
                try:
                    action()
                    outcome[name] = "allowed"
                except PermissionError:
                    outcome[name] = "denied"
            ran = []
            t = threading.Thread(target=lambda: ran.append(1))
            t.start()
            t.join()
            outcome["thread"] = "allowed" if ran else "denied"
            os.write(write_end, json.dumps(outcome).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    outcome = json.loads(os.read(read_end, 65536))
    os.close(read_end)
    os.waitpid(pid, 0)
    assert outcome == {"installed": True, "fork": "denied", "exec": "denied", "unix socket": "denied",
                       "inet socket": "allowed" if processor == CSS else "denied", "chdir": "denied",
                       "thread": "allowed"}
