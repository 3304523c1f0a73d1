"""How `oakling run` tells the user their program stopped on an exception: the exception's message
and where it happened in the program's own code — not a traceback through oakling's internals.

    oakling run: NotImplementedError: oakling does not implement dai.node.SPIIn yet — see …
      at app.py:12 in <module>
        spi = pipeline.create(dai.node.SPIIn)
      (oakling run --traceback … shows the full traceback)

"The program's own code" is every file that is neither oakling's nor Python's or an installed
package's (so a helper module next to the program counts). The frames are listed outermost first,
as Python lists them, the last one being where it happened.
"""
from __future__ import annotations

import functools
import os
import sys
import sysconfig
import traceback

import oakling   # already imported: it is this package's parent

_MAX_FRAMES = 6
_OAKLING_DIRS = tuple({os.path.dirname(os.path.realpath(path)) + os.sep
                       for path in (oakling.__file__, os.path.dirname(__file__))})


@functools.cache
def _library_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {os.path.realpath(paths[key]) for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    return tuple(d + os.sep for d in dirs)


def is_program_file(filename: str) -> bool:
    """True for the user's own code; False for oakling, the standard library, installed packages
    and code that has no file (`<frozen runpy>`, `<string>`)."""
    if not filename or filename.startswith("<"):
        return False
    path = os.path.realpath(filename)
    return not path.startswith((*_OAKLING_DIRS, *_library_dirs()))


def display_path(filename: str) -> str:
    """A path relative to the current directory when it is below it, else as it is."""
    try:
        relative = os.path.relpath(filename)
    except ValueError:
        return filename
    return filename if relative.startswith("..") else relative


def program_frames(exc: BaseException) -> list[traceback.FrameSummary]:
    """The frames of the exception's traceback that are in the program's own code."""
    return [frame for frame in traceback.extract_tb(exc.__traceback__) if is_program_file(frame.filename)]


def _headline(exc: BaseException) -> str:
    text = str(exc)
    name = type(exc).__name__
    if isinstance(exc, SyntaxError):
        text = exc.msg or text
    return f"{name}: {text}" if text else name


def _attribute_hint(exc: BaseException) -> str | None:
    """For `obj.missing` on an oakling object: say that oakling may not have it yet."""
    if not isinstance(exc, AttributeError) or getattr(exc, "obj", None) is None or not exc.name:
        return None
    obj = exc.obj
    module = getattr(obj, "__name__", "") if isinstance(obj, type(os)) else type(obj).__module__
    if not (module == "oakling" or module.startswith("oakling.")):
        return None
    if isinstance(obj, type(os)):
        owner = "dai" + module[len("oakling"):]
    else:
        owner = type(obj).__name__
    return (f"{owner}.{exc.name} is not in oakling: a DepthAI API oakling does not implement yet, or "
            f"a typo — see the README for what oakling supports")


def describe(exc: BaseException, command: str = "oakling run") -> str:
    """The message for an exception that ended the program."""
    lines = [f"{command}: {_headline(exc)}"]
    hint = _attribute_hint(exc)
    if hint:
        lines.append(f"  ({hint})")
    frames = program_frames(exc)
    if isinstance(exc, SyntaxError) and exc.filename:
        lines.append(f"  at {display_path(exc.filename)}:{exc.lineno}")
        if exc.text:
            lines.append(f"    {exc.text.strip()}")
    elif frames:
        if len(frames) > _MAX_FRAMES:
            lines.append(f"  … {len(frames) - _MAX_FRAMES} outer frames of the program left out")
        for frame in frames[-_MAX_FRAMES:]:
            lines.append(f"  at {display_path(frame.filename)}:{frame.lineno} in {frame.name}")
            if frame.line:
                lines.append(f"    {frame.line.strip()}")
    else:
        last = traceback.extract_tb(exc.__traceback__)[-1:]
        for frame in last:
            lines.append(f"  at {display_path(frame.filename)}:{frame.lineno} in {frame.name} "
                         f"(no frame of the program's own code)")
    cause = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    if cause is not None:
        lines.append(f"  caused by {_headline(cause)}")
    lines.append(f"  ({command} --traceback … shows the full traceback)")
    return "\n".join(lines)


def print_full(exc: BaseException):
    traceback.print_exception(exc, file=sys.stderr)
