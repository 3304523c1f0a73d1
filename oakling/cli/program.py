"""A DepthAI program, run in this process the way `python program.py args…` runs it, except that
`import depthai as dai` gives oakling.

    with program_context("app.py", ["--fps", "10"], {"OAKLING_REALTIME": "0"}):
        run_program("app.py")        # raises whatever the program raises, SystemExit included

For the run, and undone afterwards: `sys.modules["depthai"]` is oakling (and `depthai.node` is
`oakling.node`), `sys.argv` is `[program, *args]`, the program's directory is `sys.path[0]`, and the
given environment variables are set or unset (the device process inherits them). The program's path is
absolute, so `__file__` and `sys.argv[0]` are too (`__file__` is, under `python program.py`).
"""
from __future__ import annotations

import os
import runpy
import sys
from contextlib import contextmanager

_ALIASES = {"depthai": "oakling", "depthai.node": "oakling.node"}


def program_path(path: str) -> str:
    """The absolute path of a program to run (a .py file, or a folder or zip with __main__.py);
    FileNotFoundError if there is none."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such program: {path}")
    if os.path.isdir(path) and not os.path.isfile(os.path.join(path, "__main__.py")):
        raise FileNotFoundError(f"{path} is a folder without a __main__.py")
    return os.path.abspath(path)


@contextmanager
def program_context(path: str, args: list[str], env: dict[str, str | None] | None = None):
    """Make this interpreter look, to the program, as `python path args…` with depthai = oakling.
    `env` sets environment variables for the run; a None value unsets one."""
    import oakling
    import oakling.node
    modules = {"oakling": oakling, "oakling.node": oakling.node}
    saved_modules = {name: sys.modules.get(name) for name in _ALIASES}
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    saved_env = {name: os.environ.get(name) for name in env or {}}
    try:
        for alias, real in _ALIASES.items():
            sys.modules[alias] = modules[real]
        sys.argv = [path, *args]
        if os.path.isfile(path):    # run_path puts a folder or zip on sys.path itself
            directory = os.path.dirname(os.path.realpath(path))
            if sys.path and not sys.flags.safe_path:
                sys.path[0] = directory       # replaces the launcher's own entry, as python does
            else:
                sys.path.insert(0, directory)
        for name, value in (env or {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        sys.argv = saved_argv
        sys.path[:] = saved_path
        for alias, module in saved_modules.items():
            if module is None:
                sys.modules.pop(alias, None)
            else:
                sys.modules[alias] = module


def run_program(path: str) -> None:
    """Run the program as `__main__`. Raises whatever it raises, SystemExit included."""
    runpy.run_path(path, run_name="__main__")


def exit_code(exit: SystemExit) -> int:
    """The exit code Python gives `sys.exit(value)`: None → 0, an int → itself, anything else is
    printed to stderr → 1."""
    code = exit.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
