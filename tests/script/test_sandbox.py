"""The sandbox on its own: code run in a forked child that closes the sandbox around itself, as a
script process does. Each blocked action must fail with an error that says why; what gen2's
device allows must still work."""
import json
import os

import pytest

from oakling.script import limits, sandbox, whitelist
from oakling.script.api import gpio_module

MSS, CSS = whitelist.LEON_MSS, whitelist.LEON_CSS


def sandboxed(code, processor=MSS, storage=None, memory_limit=limits.DEFAULT_MEMORY_LIMIT, network=sandbox.LOOPBACK):
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
            if processor == CSS and network == sandbox.LOOPBACK:
                sandbox.loopback_by_default()
            sandbox.enter(processor, storage, memory_limit, "<test>", network=network)
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


# Paths outside the storage folder, refused before they reach the file system, also by the calls
# that raise no audit event (os.stat, os.path.exists, os.access, os.readlink, ...).
OUTSIDE = {
    "os.stat": "import os; os.stat('/etc/hostname')",
    "os.lstat": "import os; os.lstat('/etc')",
    "os.path.exists": "import os; os.path.exists('/etc/hostname')",
    "os.path.isfile": "import os.path; os.path.isfile('/etc/hostname')",
    "os.path.isdir": "from os import path; path.isdir('/home')",
    "os.path.getsize": "import os; os.path.getsize('/etc/hostname')",
    "os.path.realpath": "import os; os.path.realpath('/proc/self/exe')",
    "os.access": "import os; os.access('/etc/shadow', os.R_OK)",
    "os.readlink": "import os; os.readlink('/proc/self/exe')",
    "os.statvfs": "import os; os.statvfs('/')",
    "os.listdir": "import os; os.listdir('/media/mmcsd-0-0/..')",
    "os.scandir": "import os; list(os.scandir('/etc'))",
    "os.walk": "import os; list(os.walk('/etc'))",
    "os.chmod": "import os; os.chmod('/tmp', 0o777)",
    "os.remove": "import os; os.remove('/tmp/oakling-nothing')",
    "os.rename": "import os; os.rename('/media/mmcsd-0-0/a.txt', '/tmp/oakling-escape.txt')",
    "os.mkdir": "import os; os.mkdir('/tmp/oakling-escape')",
    "shutil.copy": "import shutil; shutil.copy('/etc/hostname', 'copy.txt')",
    "shutil.copyfile": "from shutil import copyfile; copyfile('/media/mmcsd-0-0/a.txt', '/tmp/oakling-escape.txt')",
    "shutil.rmtree": "import shutil; shutil.rmtree('/tmp/oakling-escape')",
    "shutil.disk_usage": "import shutil; shutil.disk_usage('/')",
}


@pytest.mark.parametrize("name", sorted(OUTSIDE))
def test_paths_outside_the_storage_folder_are_refused_whatever_the_call(name, tmp_path):
    (tmp_path / "a.txt").write_text("a")
    out = sandboxed(OUTSIDE[name], CSS, storage=tmp_path)
    assert out.get("error") == "SandboxError", (name, out)
    assert f"{name}(" in out["message"] and "a Script may only use files under /media/mmcsd-0-0" in out["message"]
    assert not os.path.exists("/tmp/oakling-escape.txt") and not os.path.exists("/tmp/oakling-escape")


def test_shutil_and_stat_take_storage_paths(tmp_path):
    out = sandboxed("""
import os, shutil
with open('/media/mmcsd-0-0/a.txt', 'w') as f:
    f.write('abc')
result['copy'] = shutil.copy('/media/mmcsd-0-0/a.txt', '/media/mmcsd-0-0/b.txt')
os.mkdir('/media/mmcsd-0-0/d')
result['move'] = shutil.move('/media/mmcsd-0-0/b.txt', '/media/mmcsd-0-0/d')
result['tree'] = shutil.copytree('/media/mmcsd-0-0/d', '/media/mmcsd-0-0/e')
shutil.rmtree('/media/mmcsd-0-0/d')
result['size'] = os.stat('/media/mmcsd-0-0/a.txt').st_size
result['isfile'] = os.path.isfile('/media/mmcsd-0-0/e/b.txt')
result['walk'] = [d for d, _, _ in os.walk('/media/mmcsd-0-0')]
result['free'] = shutil.disk_usage('/media/mmcsd-0-0').free > 0
result['realpath'] = os.path.realpath('e')
""", CSS, storage=tmp_path)
    assert out == {"ok": {"copy": "/media/mmcsd-0-0/b.txt", "move": "/media/mmcsd-0-0/d/b.txt",
                          "tree": "/media/mmcsd-0-0/e", "size": 3, "isfile": True,
                          "walk": ["/media/mmcsd-0-0", "/media/mmcsd-0-0/e"], "free": True,
                          "realpath": "/media/mmcsd-0-0/e"}}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "e"]


def test_international_names_encode_as_idna_on_leon_css():
    """The idna codec imports encodings.punycode for labels that are not ASCII."""
    out = sandboxed("result['name'] = 'bücher.example'.encode('idna').decode()", CSS)
    assert out == {"ok": {"name": "xn--bcher-kva.example"}}


def test_shutil_stays_a_leon_css_module():
    out = sandboxed("from shutil import copy")
    assert out["error"] == "ModuleNotFoundError" and "only available to Scripts on LEON_CSS" in out["message"]


@pytest.mark.parametrize("network, bound", [(sandbox.LOOPBACK, "127.0.0.1"), (sandbox.ANY_ADDRESS, "0.0.0.0")])
def test_the_network_option_decides_what_binding_everywhere_means(network, bound):
    out = sandboxed("""
import socket
server = socket.socket()
server.bind(('0.0.0.0', 0))
result['bound'] = server.getsockname()[0]
try:
    socket.socket().bind(('192.0.2.1', 0))   # TEST-NET-1: not this machine's; nothing is sent
except OSError as e:
    result['other'] = type(e).__name__
""", CSS, network=network)
    # Refused by the sandbox on loopback; allowed past it with "any", then refused by the kernel.
    other = "SandboxError" if network == sandbox.LOOPBACK else "OSError"
    assert out == {"ok": {"bound": bound, "other": other}}


def test_io_open_takes_storage_paths_as_open_does(tmp_path):
    out = sandboxed("""
import io, _io
from io import open as io_open
with io.open('/media/mmcsd-0-0/a.txt', 'w') as f:
    f.write('abc')
with io_open(file='/media/mmcsd-0-0/a.txt') as f:
    result['io_open'] = f.read()
with _io.open('/media/mmcsd-0-0/a.txt', 'rb') as f:
    result['_io.open'] = f.read().decode()
with open('/media/mmcsd-0-0/a.txt') as f:
    result['same class'] = isinstance(f, io.TextIOWrapper) and io.SEEK_END == 2
try:
    io.open('/etc/hostname')
except PermissionError as e:
    result['outside'] = str(e)
""", storage=tmp_path)
    assert out == {"ok": {"io_open": "abc", "_io.open": "abc", "same class": True,
                          "outside": "open('/etc/hostname'): a Script may only use files under /media/mmcsd-0-0 "
                                     "(this device's storage folder)"}}, out
    assert (tmp_path / "a.txt").read_text() == "abc"


def test_pathlib_is_not_on_the_device():
    out = sandboxed("import pathlib", CSS)
    assert out["error"] == "ModuleNotFoundError" and "No module named 'pathlib' on LEON_CSS" in out["message"]


def test_the_library_may_read_the_system_files_it_opens_for_a_script():
    """mimetypes (and with it http.server's file handler) reads /etc/mime.types itself."""
    out = sandboxed("""
import mimetypes
result['type'] = mimetypes.guess_type('still.jpg')[0]
try:
    open('/etc/hostname').read()
except PermissionError as e:
    result['hostname'] = type(e).__name__
""", processor=CSS)
    assert out == {"ok": {"type": "image/jpeg", "hostname": "SandboxError"}}
