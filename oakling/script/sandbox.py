"""The sandbox a script runs in: its own process, closed in five layers once the script is loaded.

1. The script's builtins: `__import__` admits only the processor's whitelist (`whitelist.py`)
   and `GPIO`; `open` sees the storage folder as `/media/mmcsd-0-0`.
2. An audit hook (PEP 578), which also covers code that reaches past the builtins: no programs
   (os.system, exec, fork, subprocess), no files outside the storage folder (reads of the Python
   standard library excepted), no sockets on LEON_MSS and loopback-only ones on LEON_CSS, no
   imports outside the whitelist, no ctypes, no code objects or bytecode of one's own, no
   frame and object-graph walking from script code, no raising of its own limits.
3. Landlock (`landlock.py`): the kernel lets the process read only Python and a few system files
   and write only its storage folder.
4. seccomp (`seccomp.py`, x86-64 Linux): an allow-list of system calls. No programs or processes,
   no signals but to itself, no mounts or namespaces, no kernel code, no new executable memory
   (so every C module a script may import is loaded first: `whitelist.preload`), no sockets but
   TCP and UDP over IPv4/IPv6 on LEON_CSS — whatever Python does. Elsewhere it is skipped.
5. Resource limits (`limits.py`): memory (a cgroup of its own where the device may make one,
   else its address space), CPU time, threads, open files, file sizes; no core files.

`io`, `os`, `os.path` and `shutil` as a script imports them (`storage_modules`) take
/media/mmcsd-0-0/... paths and refuse paths outside the storage folder before they touch the
file system, which also covers the calls that raise no audit event (os.stat, os.path.exists,
os.access, os.readlink, ...).

The hook keeps its state in closures over immutable values and calls no function a script could
replace, so a script cannot talk it out of its rules; layers 3 and 4 do not depend on Python at all.
"""
from __future__ import annotations

import _socket
import _thread
import builtins
import os
import socket
import sys
import sysconfig

from . import landlock, limits, namespaces, seccomp, whitelist
from .namespaces import DEVICE_STORAGE
from .network import ANY_ADDRESS, LOOPBACK


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_STDLIB_DIR = sysconfig.get_paths()["stdlib"]

_SPAWN_EVENTS = frozenset({"os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
                           "subprocess.Popen", "os.startfile", "pty.spawn", "os.popen"})
_PATH_EVENTS = frozenset({"os.listdir", "os.scandir", "os.remove", "os.rmdir", "os.mkdir", "os.chmod",
                          "os.chown", "os.truncate", "os.utime", "os.chflags", "os.lchflags", "os.lchmod",
                          "os.mkfifo", "os.mknod", "os.setxattr", "os.removexattr", "os.getxattr",
                          "os.listxattr", "glob.glob", "glob.glob/2", "shutil.rmtree"})
_TWO_PATH_EVENTS = frozenset({"os.rename", "os.link"})
_ADDRESS_EVENTS = frozenset({"socket.bind", "socket.connect", "socket.sendto", "socket.sendmsg"})
_NAME_EVENTS = frozenset({"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"})
# Only the runtime's own code (link and shared-memory mapping) may use these.
_RUNTIME_ONLY = frozenset({"ctypes.cdata", "marshal.loads", "marshal.load", "code.__new__",
                           "sys._getframe", "sys._current_frames", "object.__getattr__", "sys.settrace",
                           "sys.setprofile", "sys._getframemodulename", "function.__new__"})
_ALWAYS_DENIED = frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents", "resource.setrlimit",
                            "resource.prlimit", "os.chdir", "os.symlink", "ctypes.dlopen", "ctypes.dlsym",
                            "ctypes.dlsym/handle", "ctypes.call_function", "ctypes.string_at",
                            "ctypes.wstring_at", "ctypes.PyObj_FromPtr", "ctypes.get_last_error",
                            "sys.remote_exec", "cpython.run_command", "cpython.run_file"})


class SandboxError(PermissionError):
    """An action the device does not allow a script."""


def _normpath(path: str) -> str:
    """Lexical normalisation (no symlinks: the sandbox lets no one make any)."""
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)


def device_path(path, storage: str):
    """A path as the script wrote it → the path on this machine: `/media/mmcsd-0-0/x` is
    `<storage>/x`; everything else is left alone (and the audit hook judges it)."""
    if isinstance(path, int) or storage is None:
        return path
    text = os.fsdecode(path) if isinstance(path, bytes) else os.fspath(path)
    if text == DEVICE_STORAGE or text.startswith(DEVICE_STORAGE + "/"):
        return storage + text[len(DEVICE_STORAGE):]
    return path


def script_path(path, storage: str):
    """The inverse of `device_path`: a path on this machine as the script knows it."""
    if not isinstance(path, str) or storage is None:
        return path
    if path == storage or path.startswith(storage + "/"):
        return DEVICE_STORAGE + path[len(storage):]
    return path


# os, os.path and shutil functions whose path arguments a script writes as /media/mmcsd-0-0/...
# Those that only read (stat and friends) are checked by `path_rule` too: they raise no audit event.
_OS_PATH_FUNCTIONS = ("access", "chmod", "chown", "lchown", "listdir", "lstat", "makedirs", "mkdir", "mkfifo",
                      "mknod", "open", "pathconf", "readlink", "remove", "removedirs", "rmdir", "scandir", "stat",
                      "statvfs", "truncate", "unlink", "utime", "getxattr", "listxattr", "setxattr",
                      "removexattr")
_OS_TWO_PATH_FUNCTIONS = ("rename", "renames", "replace", "link")
_OS_WRITES = frozenset({"chmod", "chown", "lchown", "makedirs", "mkdir", "mkfifo", "mknod", "remove", "removedirs",
                        "rmdir", "truncate", "unlink", "utime", "setxattr", "removexattr", "rename", "renames",
                        "replace", "link"})
_PATH_FUNCTIONS = ("exists", "lexists", "isfile", "isdir", "islink", "ismount", "getsize", "getmtime", "getatime",
                   "getctime")
_PATH_TWO_PATH_FUNCTIONS = ("samefile",)
_PATH_RESULTS = ("abspath", "realpath")
_SHUTIL_FUNCTIONS = {   # name: (number of path arguments, returns a path)
    "copyfile": (2, True), "copymode": (2, False), "copystat": (2, False), "copy": (2, True), "copy2": (2, True),
    "copytree": (2, True), "move": (2, True), "rmtree": (1, False), "disk_usage": (1, False), "chown": (1, False),
}


def path_rule(storage: str | None, mounted: bool = False):
    """`check(event, path, write)`: raises SandboxError unless a script may use `path` (a path on
    this machine, absolute or relative to the working directory): anything in the storage
    folder, and reading the Python standard library (lazy imports, tracebacks). `mounted`: the
    storage folder is also mounted at /media/mmcsd-0-0 (the script has its own root), so library
    code may use that path as well."""
    getcwd = os.getcwd
    normpath = _normpath
    isinstance_, str_, bytes_, int_ = isinstance, str, bytes, int
    Error = SandboxError
    storage_dir = storage.rstrip("/") if storage else None
    storage_prefix = storage_dir + "/" if storage_dir else None
    stdlib_prefix = _STDLIB_DIR.rstrip("/") + "/"

    def shown(path):   # the path as the script knows it
        if storage_prefix and path.startswith(storage_prefix):
            return DEVICE_STORAGE + "/" + path[len(storage_prefix):]
        return DEVICE_STORAGE if path == storage_dir else path

    def absolute(path):
        if isinstance_(path, bytes_):
            path = path.decode("utf-8", "surrogateescape")
        if not isinstance_(path, str_):
            return None
        if not path.startswith("/"):
            path = getcwd() + "/" + path
        return normpath(path)

    def check(event, path, write):
        if path is None or isinstance_(path, int_):
            return   # an open descriptor: it came through an allowed open
        full = absolute(path)
        if full is None:
            raise Error(f"{event}: unexpected path {path!r}")
        if storage_dir is not None and (full == storage_dir or full.startswith(storage_prefix)):
            return
        if mounted and (full == DEVICE_STORAGE or full.startswith(DEVICE_STORAGE + "/")):
            return
        if not write and (full.startswith(stdlib_prefix) or full in _LIBRARY_READS):
            return
        hint = ""
        if full == DEVICE_STORAGE or full.startswith(DEVICE_STORAGE + "/"):
            hint = (" — this library function does not know that path: give it a path relative to the "
                    "working directory, which is the storage folder")
        raise Error(f"{event}('{shown(full)}'): a Script may only use files under {DEVICE_STORAGE} "
                    f"(this device's storage folder){hint}")

    return check


def storage_open(storage: str):
    """`open` as a script sees it (the builtin and `io.open`): `/media/mmcsd-0-0/...` is the
    storage folder. The audit hook still judges the path it opens."""
    import io
    real_open = io.open

    def open(file, mode="r", *args, **kwargs):
        return real_open(device_path(file, storage), mode, *args, **kwargs)
    open.__doc__ = real_open.__doc__
    return open


def storage_modules(storage: str) -> dict:
    """`io`, `os`, `os.path` and `shutil` as a script sees them: the same functions, with the storage
    folder at /media/mmcsd-0-0 (getcwd(), abspath() and shutil.copy() answer in the script's
    terms too), refusing paths outside it. Without a storage folder (tests), paths are left alone."""
    import _io
    import io
    import shutil
    import types

    check = path_rule(storage) if storage else None
    open_ = storage_open(storage)
    io_modules = {}
    for name, real in (("io", io), ("_io", _io)):   # `_io` is on the device's whitelist too
        module = io_modules[name] = types.ModuleType(name, real.__doc__)
        module.__dict__.update({k: v for k, v in vars(real).items() if not k.startswith("__")})
        module.open = open_

    def wrap(module_name, function, count, write, returns_path=False):
        event = f"{module_name}.{function.__name__}"

        def wrapper(*args, **kwargs):
            args = [device_path(a, storage) if k < count else a for k, a in enumerate(args)]
            if check is not None:
                for path in args[:count]:
                    check(event, path, write)
            result = function(*args, **kwargs)
            return script_path(result, storage) if returns_path else result
        wrapper.__name__ = wrapper.__qualname__ = function.__name__
        wrapper.__doc__ = function.__doc__
        return wrapper

    path_module = types.ModuleType("posixpath", os.path.__doc__)
    path_module.__dict__.update({k: v for k, v in vars(os.path).items() if not k.startswith("__")})
    for name in _PATH_FUNCTIONS:
        setattr(path_module, name, wrap("os.path", getattr(os.path, name), 1, False))
    for name in _PATH_TWO_PATH_FUNCTIONS:
        setattr(path_module, name, wrap("os.path", getattr(os.path, name), 2, False))
    real_abspath = os.path.abspath

    def abspath(path):
        return script_path(real_abspath(device_path(path, storage)), storage)

    path_module.abspath = abspath
    path_module.realpath = wrap("os.path", os.path.realpath, 1, False, returns_path=True)
    os_module = types.ModuleType("os", os.__doc__)
    os_module.__dict__.update({k: v for k, v in vars(os).items() if not k.startswith("__")})
    for name in _OS_PATH_FUNCTIONS:
        if hasattr(os, name):
            setattr(os_module, name, wrap("os", getattr(os, name), 1, name in _OS_WRITES))
    for name in _OS_TWO_PATH_FUNCTIONS:
        setattr(os_module, name, wrap("os", getattr(os, name), 2, True))
    os_module.getcwd = lambda: script_path(os.getcwd(), storage)
    real_walk = os.walk

    def walk(top, *args, **kwargs):
        top = device_path(top, storage)
        if check is not None:
            check("os.walk", top, False)
        for dirpath, dirnames, filenames in real_walk(top, *args, **kwargs):
            yield script_path(dirpath, storage), dirnames, filenames

    os_module.walk = walk
    os_module.path = path_module
    shutil_module = types.ModuleType("shutil", shutil.__doc__)
    shutil_module.__dict__.update({k: v for k, v in vars(shutil).items() if not k.startswith("__")})
    for name, (count, returns_path) in _SHUTIL_FUNCTIONS.items():
        write = name not in ("disk_usage",)
        setattr(shutil_module, name, wrap("shutil", getattr(shutil, name), count, write, returns_path))
    return {"os": os_module, "os.path": path_module, "shutil": shutil_module, **io_modules}


def restricted_builtins(processor: int, storage: str, extra_modules: dict) -> dict:
    """The builtins a script gets: gen2's on-device imports and storage-aware `open`.

    `extra_modules` ("GPIO", and "io"/"os"/"os.path"/"shutil" as `storage_modules` makes them) stand in for
    the real ones. Modules the library imports from C on a script's behalf (`_strptime` for
    `datetime.strptime`) pass too: they come through the script's `__import__` as well."""
    real_import = builtins.__import__
    check = whitelist.check
    internal = whitelist.LIBRARY_INTERNAL
    modules = sys.modules

    def _import(name, globals=None, locals=None, fromlist=(), level=0):
        if level:
            raise ImportError("relative imports are not available in a Script: it is not part of a package")
        if fromlist and name in extra_modules:
            check(name, processor)
            return extra_modules[name]
        top = name.partition(".")[0]
        if not fromlist and top in extra_modules:
            check(name, processor)
            return extra_modules[top]
        if name not in internal:
            check(name, processor)
        module = real_import(name, globals, locals, (), 0)
        for item in fromlist or ():
            if item == "*" or hasattr(modules.get(name), item):
                continue
            check(f"{name}.{item}", processor)
        return real_import(name, globals, locals, fromlist, 0) if fromlist else module

    table = dict(vars(builtins))
    table["__import__"] = _import
    table["open"] = extra_modules["io"].open if "io" in extra_modules else storage_open(storage)
    return table


def loopback_by_default():
    """gen2's network scripts bind servers to '' or '0.0.0.0'; here that means loopback (the
    sandbox refuses any other address)."""
    real_bind = socket.socket.bind
    real_getfqdn = socket.getfqdn
    anywhere = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}

    def bind(self, address):
        if isinstance(address, tuple) and address and address[0] in anywhere:
            address = (anywhere[address[0]],) + tuple(address[1:])
        return real_bind(self, address)

    def getfqdn(name=""):
        return "localhost" if name in anywhere or name in ("localhost", "127.0.0.1", "::1") else real_getfqdn(name)

    socket.socket.bind = bind
    socket.getfqdn = getfqdn


def private_network(processor: int, network: str) -> bool:
    """A network namespace with only `lo`: LEON_MSS (no sockets at all) and loopback-only LEON_CSS."""
    return processor != whitelist.LEON_CSS or network == LOOPBACK


def enter(processor: int, storage: str, memory_limit: int, script_name: str, *, cpu_limit: float | None = None,
          network: str = LOOPBACK, cgroup: list[str] | None = None, namespaces_refused: str | None = "not tried"):
    """Close the sandbox around this process: limits, Landlock (the files it may touch), seccomp,
    then the audit hook. For good. Returns what the kernel layers could do, for the log.
    `network` is LOOPBACK or ANY_ADDRESS: which addresses LEON_CSS sockets may bind, connect
    and send to (and which names they may look up). `cgroup`: the cgroup.procs of the cgroup the
    device made for this script, if any (`limits.apply`)."""
    if network not in (LOOPBACK, ANY_ADDRESS):
        raise ValueError(f"network: expected {LOOPBACK!r} or {ANY_ADDRESS!r}, got {network!r}")
    own_threads = namespaces_refused is None or os.getuid() != os.geteuid()   # a real user id of its own
    counted = limits.apply(memory_limit, cpu_limit, cgroup, threads_counted=own_threads)   # it reads /proc
    view = namespaces_refused
    if namespaces_refused is None:   # the process is in its namespaces (process.spawn): its root now
        view = namespaces.build_root(readable_paths(), storage, private_network(processor, network))
    if storage:
        os.chdir(storage)   # relative paths land in the storage folder
    writable = [storage, DEVICE_STORAGE] if storage else []
    files = landlock.restrict(read_only=readable_paths(), read_write=writable)
    calls = seccomp.install(processor)
    sys.addaudithook(_make_hook(processor, storage, script_name, network, mounted=namespaces_refused is None))
    return {"seccomp": calls, "landlock": files, "limits": counted, "namespaces": view}


# What a script's process may read, besides its storage folder (which it may also write): the
# interpreter, its libraries and oakling (lazy imports, tracebacks), shared libraries, and the few
# system files the standard library reads (time zones, name lookups, certificates, MIME types).
# System files the standard library itself opens for a script (mimetypes, name lookups).
_LIBRARY_READS = frozenset({"/etc/mime.types", "/etc/hosts", "/etc/services", "/etc/protocols"})
_SYSTEM_READABLE = ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/share/zoneinfo", "/usr/share/locale",
                    "/usr/share/ca-certificates", "/etc/ssl", "/etc/localtime", "/etc/hosts", "/etc/resolv.conf",
                    "/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf", "/etc/services", "/etc/protocols",
                    "/etc/mime.types", "/dev/null", "/dev/urandom")


def readable_paths() -> list[str]:
    """The folders and files a script's process may read (never write) under Landlock."""
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix}
    python = prefixes | {_STDLIB_DIR, _PACKAGE_DIR}
    # sys.path beyond the installation (the host program's own folder, a checkout) is not the script's
    python.update(p for p in sys.path if p and os.path.isdir(p)
                  and any(p == prefix or p.startswith(prefix.rstrip("/") + "/") for prefix in prefixes))
    return sorted(python) + list(_SYSTEM_READABLE)




# -- the audit hook --

def _make_hook(processor: int, storage: str, script_name: str, network: str = LOOPBACK, mounted: bool = False):
    # Everything the hook uses is bound here, so nothing a script rebinds later reaches it.
    allowed_modules = whitelist.modules(processor) | whitelist.LIBRARY_INTERNAL
    packages = whitelist.CSS_PACKAGES if processor == whitelist.LEON_CSS else ()
    import_error = whitelist.error
    getframe = sys._getframe
    getpid = os.getpid
    family_of = _socket.socket.family.__get__
    sys_ = sys
    check_path = path_rule(storage, mounted)
    isinstance_, str_, bytes_, int_, tuple_, len_, getattr_ = isinstance, str, bytes, int, tuple, len, getattr
    type_, issubclass_, str_str, bytes_bytes, int_int, tuple_iter = type, issubclass, str.__str__, bytes.__bytes__, \
        int.__int__, tuple.__iter__
    own_events = frozenset({"sys._getframe", "object.__getattr__"})
    Error = SandboxError
    local = _thread._local()
    css = processor == whitelist.LEON_CSS
    where = whitelist.PROCESSOR_NAMES[processor]
    any_address = network == ANY_ADDRESS
    trusted = (_STDLIB_DIR.rstrip("/") + "/", _PACKAGE_DIR.rstrip("/") + "/", "<frozen ")
    path_now, meta_path_now, path_hooks_now = tuple_(sys.path), tuple_(sys.meta_path), tuple_(sys.path_hooks)
    loopback_names = frozenset({"localhost", "::1", "ip6-localhost", "ip6-loopback", None})
    families = frozenset({socket.AF_INET, socket.AF_INET6}) if css else frozenset()
    unix = socket.AF_UNIX
    watched = (_SPAWN_EVENTS | _ALWAYS_DENIED | _PATH_EVENTS | _TWO_PATH_EVENTS | _ADDRESS_EVENTS | _NAME_EVENTS
               | _RUNTIME_ONLY | {"open", "import", "socket.__new__", "os.kill", "os.killpg", "compile"})
    read_only_events = frozenset({"os.listdir", "os.scandir", "os.getxattr", "os.listxattr", "glob.glob",
                                  "glob.glob/2"})

    def loopback(host) -> bool:
        if host in loopback_names:
            return True
        if isinstance_(host, bytes_):
            host = host.decode("ascii", "replace")
        if not isinstance_(host, str_):
            return False
        return host.startswith("127.") or host.startswith("::ffff:127.") or host.lower() == "localhost"

    def caller_trusted() -> bool:
        frame = getframe(3)   # 0: here, 1: check, 2: hook, 3: whoever caused the event
        if frame is None:
            return True
        filename = frame.f_code.co_filename
        return filename != script_name and filename.startswith(trusted)

    def plain(value):
        """`value` as an exact str, bytes, int or tuple of them, copied without calling anything a
        script's subclass defines (its startswith, __eq__, __len__ …), so no script code ever runs
        inside the hook; other objects as they are."""
        kind = type_(value)
        if kind is str_ or kind is bytes_ or kind is int_ or value is None:
            return value
        if issubclass_(kind, str_):
            return str_str(value)
        if issubclass_(kind, bytes_):
            return bytes_bytes(value)
        if issubclass_(kind, int_):
            return int_int(value)
        if issubclass_(kind, tuple_):
            return tuple_(plain(item) for item in tuple_iter(value))
        return value

    def hook(event, args):
        if event not in watched and not event.startswith("ctypes."):
            return   # the hot path: events the sandbox has no rule for (object.__setattr__, ...)
        if event == "socket.sendmsg" and args[1] is None:
            return   # a connected socket (the links): nothing to check
        if getattr_(local, "busy", False):
            if event in own_events:
                return   # raised by the hook's own look at who called
            raise Error(f"{event}: not allowed while the sandbox checks another call")
        local.busy = True
        try:
            check(event, tuple_(plain(arg) for arg in args))
        finally:
            local.busy = False

    def check(event, args):
        if event in _SPAWN_EVENTS:
            raise Error(f"{event}: a Script may not start programs (the device has no processes to start)")
        if event in _ALWAYS_DENIED:
            raise Error(f"{event}: not allowed in a Script")
        if event == "open":
            path, mode, flags = args
            write = (isinstance_(mode, str_) and ("w" in mode or "a" in mode or "x" in mode or "+" in mode)) \
                or (isinstance_(flags, int_) and flags & 0o3103 != 0)
            check_path("open", path, write)
        elif event in _PATH_EVENTS:
            check_path(event, args[0] if args else None, event not in read_only_events)
        elif event in _TWO_PATH_EVENTS:
            check_path(event, args[0], True)
            check_path(event, args[1], True)
        elif event == "import":
            name = args[0]
            if tuple_(sys_.path) != path_now or tuple_(sys_.meta_path) != meta_path_now \
                    or tuple_(sys_.path_hooks) != path_hooks_now:
                raise Error(f"import {name}: a Script may not change sys.path, sys.meta_path or sys.path_hooks")
            if not (name in allowed_modules or (packages and isinstance_(name, str_) and name.startswith(packages))):
                raise import_error(name, processor)
        elif event == "socket.__new__":
            family = args[1]
            if family not in families:
                if css:
                    raise Error(f"socket(family={family}): a Script may open only AF_INET and AF_INET6 sockets")
                raise Error(f"socket: networking is only available to Scripts on LEON_CSS, not {where} — call "
                            f"script.setProcessor(dai.ProcessorType.LEON_CSS) on the host")
        elif event in _ADDRESS_EVENTS:
            sock, address = args[0], args[1]
            if address is None or family_of(sock) == unix:
                return
            host = address[0] if isinstance_(address, tuple_) and len_(address) >= 2 else address
            if not any_address and not loopback(host):
                raise Error(f"{event}({address!r}): a Script may only use loopback addresses (127.0.0.1, ::1) "
                            f"on this device")
        elif event in _NAME_EVENTS:
            if not any_address and not loopback(args[0]):
                raise Error(f"{event}({args[0]!r}): a Script may only look up loopback names on this device")
        elif event in ("os.kill", "os.killpg"):
            if args[0] != getpid():
                raise Error(f"{event}({args[0]}): a Script may only signal itself")
        elif event in _RUNTIME_ONLY or event.startswith("ctypes."):
            if event in ("ctypes.addressof", "ctypes.cdata/buffer", "ctypes.set_errno", "ctypes.get_errno"):
                return
            if not caller_trusted():
                raise Error(f"{event}: not allowed in a Script")
        elif event == "compile":
            filename = args[1]
            if isinstance_(filename, bytes_):
                filename = filename.decode("utf-8", "replace")
            if isinstance_(filename, str_) and filename.startswith(trusted) and not caller_trusted():
                raise Error(f"compile(..., {filename!r}): a Script may not compile code under that name")

    return hook
