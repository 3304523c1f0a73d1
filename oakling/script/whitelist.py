"""Which modules a script may import, per processor, as gen2 documents the device's Python 3.9.

    allowed("json", LEON_MSS)     # True
    allowed("socket", LEON_MSS)   # False: LEON_CSS only
    check("numpy", LEON_MSS)      # raises ModuleNotFoundError naming the module and the processor

LEON_MSS (the default processor) has the base set; LEON_CSS adds networking and the rest. Anything
else (NumPy, OpenCV, subprocess, ctypes, pathlib, ...) is not on the device. `GPIO` is on both.
"""
from __future__ import annotations

import importlib
import warnings

LEON_CSS, LEON_MSS = 0, 1
PROCESSOR_NAMES = {LEON_CSS: "LEON_CSS", LEON_MSS: "LEON_MSS"}

# Both processors ([py-docs] script.rst: C modules, then frozen pure-Python libraries).
BASE = frozenset("""
    posix errno pwd _sre _codecs _weakref _functools _operator _collections _abc itertools atexit _stat
    time _datetime math _thread _io _symtable marshal _ast gc _warnings _string _struct
    abc codecs datetime encodings encodings.aliases encodings.ascii encodings.latin_1 encodings.mbcs
    encodings.utf_8 genericpath io os os.path posixpath site stat threading types struct copyreg reprlib
    operator keyword heapq collections functools sre_compile sre_parse sre_constants enum re json
    json.decoder json.encoder json.scanner textwrap GPIO
""".split())

# LEON_CSS only.
CSS_ONLY = frozenset("""
    binascii _random _socket _md5 _sha1 _sha256 _sha512 select array unicodedata
    http http.client http.server html mimetypes copy shutil fnmatch socketserver contextlib email
    string base64 quopri random warnings bisect hashlib logging traceback linecache socket token
    tokenize weakref _weakrefset collections.abc selectors urllib urllib.parse calendar locale uu
    encodings.idna stringprep fcntl
""".split())
CSS_PACKAGES = ("email.",)   # "email.*": every submodule

# Modules the standard library imports lazily, inside functions, on behalf of whitelisted ones
# (`datetime.strptime` imports _strptime, ...). Scripts may not import them by name; the
# sandbox's second layer lets the library itself load them.
LIBRARY_INTERNAL = frozenset("""
    _strptime _json _bisect _heapq _locale _hashlib _blake2 _sha3 _sha2 _struct _contextvars
    encodings.utf_8_sig encodings.unicode_escape encodings.raw_unicode_escape encodings.cp437
    encodings.utf_16 encodings.utf_32 encodings.hex_codec encodings.base64_codec encodings.punycode
""".split())


def modules(processor: int) -> frozenset[str]:
    return BASE | CSS_ONLY if processor == LEON_CSS else BASE


def allowed(name: str, processor: int) -> bool:
    if name in BASE:
        return True
    return processor == LEON_CSS and (name in CSS_ONLY or name.startswith(CSS_PACKAGES))


def css_would_allow(name: str) -> bool:
    return allowed(name, LEON_CSS)


def error(name: str, processor: int) -> ModuleNotFoundError:
    """The ImportError a script gets for a module it may not import."""
    where = PROCESSOR_NAMES.get(processor, str(processor))
    if css_would_allow(name):
        text = (f"No module named '{name}' on {where}: '{name}' is only available to Scripts on "
                f"LEON_CSS — call script.setProcessor(dai.ProcessorType.LEON_CSS) on the host")
    else:
        text = (f"No module named '{name}' on {where}: a Script runs the device's Python with a "
                f"whitelisted standard library (time, json, math, re, struct, collections, datetime, "
                f"threading, ...) and no NumPy, OpenCV or other packages — see docs/script.md for the list")
    return ModuleNotFoundError(text, name=name)


def check(name: str, processor: int):
    if not allowed(name, processor):
        raise error(name, processor)


def preload(processor: int):
    """Import every whitelisted module now, before the sandbox closes, so scripts find them
    loaded (and quickly) and the sandbox can refuse every import it does not expect."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # sre_*, uu: deprecated in 3.11, still on the device
        for name in sorted(modules(processor) | LIBRARY_INTERNAL):
            if name == "GPIO":
                continue
            try:
                importlib.import_module(name)
            except ImportError:   # not built into this Python (encodings.mbcs off Windows, ...)
                pass
