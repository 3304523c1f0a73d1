"""The `oakling` command itself: it hands each command its own arguments, and says its usage, version and
commands."""
import subprocess
import sys

import pytest

from oakling.cli import main
from oakling.version import __version__


def test_the_commands_are_listed_and_run_as_a_program(tmp_path):
    done = subprocess.run([sys.executable, "-m", "oakling.cli", "--help"], capture_output=True, text=True, timeout=30)
    assert "convert" in done.stdout and "inspect" in done.stdout
    done = subprocess.run([sys.executable, "-m", "oakling.cli", "convert", "--help"], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0 and "--mean-values" in done.stdout and "NCHW->NHWC" in done.stdout


@pytest.mark.parametrize("argv, code, stream, text", [
    ([], 2, "err", "usage: oakling"),
    (["--version"], 0, "out", f"oakling {__version__}"),
    (["--help"], 0, "out", "oakling run --help"),
    (["fly"], 2, "err", "invalid choice: 'fly'"),
    (["--fly"], 2, "err", "usage: oakling"),
])
def test_usage_version_and_unknown_commands(capsys, argv, code, stream, text):
    assert main(argv) == code
    out, err = capsys.readouterr()
    assert text in {"out": out, "err": err}[stream]


def test_a_command_gets_everything_after_its_name(capsys):
    """`--help` after a command's name is the command's, and its usage names it."""
    assert main(["inspect", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: oakling inspect") and "--json" in out
