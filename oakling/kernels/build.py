"""Building OpenCL C programs for this machine's CPU: PyOpenCL over PoCL's CPU device.

    program = build(source, name="blur.cl", options="-DRADIUS=1")
    kernel = program.kernel("box_blur")          # a pyopencl.Kernel
    program.from_cache                           # True: loaded from the cache, no compiler ran

A program that does not build raises KernelBuildError carrying the compiler's first error as
`file:line:column` in the kernel's own file (the source is compiled behind a `#line 1 "<name>"`
directive, so the compiler counts lines as the user's file has them) and the whole log.
Programs are compiled with `-cl-kernel-arg-info`, so each kernel tells its arguments' names and
types (signature.py). Compiled programs are kept in a ProgramCache (cache.py).

PyOpenCL is imported here and nowhere earlier; without it, or without an OpenCL platform, an
OpenCLUnavailable says what to install.
"""
from __future__ import annotations

import os
import re
import shlex
import threading
import time
import warnings
from dataclasses import dataclass

from .cache import POCL_ENV, ProgramCache

ARG_INFO = "-cl-kernel-arg-info"
INSTALL_PYOPENCL = "pip install oakling[opencl]"
INSTALL_POCL = "apt-get install pocl-opencl-icd ocl-icd-libopencl1"

COMPILES = 0   # programs this process compiled from source (not loaded from the cache)


class OpenCLUnavailable(RuntimeError):
    """PyOpenCL or an OpenCL CPU device is missing; the message says what to install."""


class KernelBuildError(RuntimeError):
    """The compiler refused the program. `file`, `line`, `column`, `message`: its first error
    (None where the log gives none); `log`: everything it said."""

    def __init__(self, name: str, log: str):
        self.name, self.log = name, log.strip()
        self.file = self.line = self.column = None
        self.message = self.log or "the compiler gave no reason"
        first = _first_error(self.log)
        if first is not None:
            self.file, self.line, self.column, self.message = first
        super().__init__(self.summary())

    def summary(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}: " if self.line is not None else f"{self.name}: "
        others = [line for line in self.log.splitlines() if line.strip() and self.message not in line
                  and not line.startswith("Device ")]
        extra = "".join(f"\n  {line}" for line in others[:12])
        return f"{where}error: {self.message}{extra}"


# PoCL writes "error: file:line:col: message"; clang itself "file:line:col: error: message".
_POCL_ERROR = re.compile(r"^error: (?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?P<message>.*)$", re.M)
_CLANG_ERROR = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?:fatal )?error: (?P<message>.*)$", re.M)


def _first_error(log: str):
    found = [m for m in (_POCL_ERROR.search(log), _CLANG_ERROR.search(log)) if m is not None]
    if not found:
        return None
    m = min(found, key=lambda m: m.start())
    return m["file"], int(m["line"]), int(m["column"]), m["message"].strip()


@dataclass
class CPU:
    """The process's OpenCL context on the CPU device, and what identifies that device in cache keys."""
    cl: object        # the pyopencl module
    context: object
    device: object
    id: str


_cpu: CPU | None = None
_cpu_lock = threading.Lock()


def cpu() -> CPU:
    """The CPU device (PoCL's, if there are several platforms), made once per process. PoCL's own
    cache goes into the kernel cache's folder unless POCL_CACHE_DIR is set."""
    global _cpu
    with _cpu_lock:
        if _cpu is not None:
            return _cpu
        if not os.environ.get(POCL_ENV):
            os.environ[POCL_ENV] = str(ProgramCache.default().pocl_cache_dir)
        try:
            import pyopencl as cl
        except ImportError:
            raise OpenCLUnavailable(f"PyOpenCL is not installed — {INSTALL_PYOPENCL}") from None
        try:
            platforms = cl.get_platforms()
        except cl.Error:
            platforms = []
        devices = [(p, d) for p in platforms for d in _cpu_devices(cl, p)]
        if not devices:
            raise OpenCLUnavailable(f"no OpenCL CPU device: PoCL is not installed — {INSTALL_POCL} "
                                    f"(Debian packages pocl-opencl-icd and ocl-icd-libopencl1)")
        devices.sort(key=lambda pd: "Portable Computing Language" not in pd[0].name)
        platform, device = devices[0]
        ident = " | ".join((platform.name, platform.version, device.name, device.version, device.driver_version))
        _cpu = CPU(cl, cl.Context([device]), device, ident)
        return _cpu


def _cpu_devices(cl, platform) -> list:
    try:
        return platform.get_devices(device_type=cl.device_type.CPU)
    except cl.Error:
        return []


@dataclass
class Program:
    program: object      # the built pyopencl.Program
    name: str            # the file name the compiler's messages use
    from_cache: bool     # loaded from the cache's binary: no compiler ran
    seconds: float       # how long it took to have it built
    log: str             # the compiler's warnings, if any

    def kernel_names(self) -> list[str]:
        names = self.program.get_info(cpu().cl.program_info.KERNEL_NAMES)
        return sorted(n for n in names.split(";") if n)

    def kernel(self, entry: str):
        """The kernel function `entry`; LookupError naming the kernels there are if it has none."""
        if entry not in self.kernel_names():
            found = ", ".join(self.kernel_names()) or "none"
            raise LookupError(f"{self.name} has no kernel '{entry}' — its kernels are {found}")
        return cpu().cl.Kernel(self.program, entry)


def line_directive(name: str) -> str:
    """What the source is compiled behind, so that messages give the user's file and lines."""
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'#line 1 "{escaped}"\n'


def build(source: str, *, name: str = "<kernel>", options: str = "",
          cache: ProgramCache | None | bool = None) -> Program:
    """Build `source` for the CPU with the user's `options`. `cache`: a ProgramCache, None for the
    default one, or False for none."""
    global COMPILES
    dev = cpu()
    cl = dev.cl
    if cache is None:
        cache = ProgramCache.default()
    text = line_directive(name) + source
    all_options = " ".join(o for o in (ARG_INFO, options.strip()) if o)
    start = time.perf_counter()
    key = cache.key(text, all_options, dev.id) if cache else None
    binary = cache.load(key) if cache else None
    if binary is not None:
        try:
            program = _build_quietly(cl, cl.Program(dev.context, [dev.device], [binary]), all_options)
            return Program(program, name, True, time.perf_counter() - start, "")
        except cl.Error:
            cache.forget(key)   # a binary this driver no longer takes: compile again below
    program = cl.Program(dev.context, text)
    try:
        _build_quietly(cl, program, all_options)
    except cl.RuntimeError:
        raise KernelBuildError(name, _log(cl, program, dev.device)) from None
    COMPILES += 1
    if cache:
        cache.store(key, bytes(program.get_info(cl.program_info.BINARIES)[0]))
    return Program(program, name, False, time.perf_counter() - start, _log(cl, program, dev.device))


_float16: bool | None = None


def has_float16() -> bool:
    """Whether the device's compiler takes the _Float16 type (PoCL's clang on x86 and ARM does), once
    per process; the probe is built through the program cache."""
    global _float16
    if _float16 is None:
        from .vpu_prelude import FLOAT16_PROBE
        try:
            build(FLOAT16_PROBE, name="float16_probe.cl")
            _float16 = True
        except KernelBuildError:
            _float16 = False
    return _float16


def _build_quietly(cl, program, options: str):
    with warnings.catch_warnings():   # PyOpenCL warns when the compiler says anything: we keep its log instead
        warnings.simplefilter("ignore")
        return program.build(options=shlex.split(options))


def _log(cl, program, device) -> str:
    try:
        return program.get_build_info(device, cl.program_build_info.LOG) or ""
    except cl.Error:
        return ""
