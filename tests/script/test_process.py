"""The script process's own rules: its storage folder, tracebacks that show the script and not oakling,
and a warning for syntax the OAK's Python 3.9 lacks. (The process running scripts is in
test_supervisor.py and, end to end, in tests/nodes/test_script.py.)"""
import os
from pathlib import Path

import pytest

from oakling.script.process import script_traceback, storage_folder, syntax_newer_than_device


@pytest.mark.parametrize("storage, data_home, folder", [
    ("/srv/sd", "/data", "/srv/sd"),
    ("", "/data", "/data/oakling/ABC00/mmcsd-0-0"),
    ("", "", "~/.local/share/oakling/ABC00/mmcsd-0-0"),
])
def test_storage_is_oakling_storage_else_per_device_under_xdg_data_home(monkeypatch, storage, data_home, folder):
    monkeypatch.setenv("OAKLING_STORAGE", storage)
    monkeypatch.setenv("XDG_DATA_HOME", data_home)
    assert storage_folder("ABC00") == os.path.expanduser(folder)


def test_a_relative_storage_folder_is_made_absolute(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OAKLING_STORAGE", "sd")
    assert storage_folder("ABC00") == str(tmp_path / "sd")


def test_a_traceback_through_oakling_keeps_only_the_scripts_frames():
    """A script's call into oakling (here its message class) that raises shows the script's line, not ours."""
    source = "from oakling.messages import Buffer\nBuffer().setSequenceNum(1.5)\n"
    import linecache
    linecache.cache["calls.py"] = (len(source), None, source.splitlines(True), "calls.py")
    try:
        exec(compile(source, "calls.py", "exec"), {})
    except TypeError as e:
        summary, text = script_traceback(e, "calls.py")
    assert summary.startswith("TypeError: Buffer.setSequenceNum: expected an int") and summary.endswith("calls.py, line 2")
    assert 'File "calls.py", line 2' in text and "oakling/" not in text


def test_a_script_traceback_shows_the_script_not_oakling():
    source = "def f():\n    return 1 / 0\nf()\n"
    code = compile(source, "mine.py", "exec")
    import linecache
    linecache.cache["mine.py"] = (len(source), None, source.splitlines(True), "mine.py")
    try:
        exec(code, {})
    except ZeroDivisionError as e:
        summary, text = script_traceback(e, "mine.py")
    assert summary == "ZeroDivisionError: division by zero — mine.py, line 2"
    assert 'File "mine.py", line 3, in <module>' in text and "return 1 / 0" in text
    assert Path(__file__).name in text and "oakling/" not in text


def test_a_syntax_error_summary_names_its_line():
    try:
        compile("x = (\n", "bad.py", "exec")
    except SyntaxError as e:
        summary, text = script_traceback(e, "bad.py")
    assert summary.startswith("SyntaxError") and summary.endswith("bad.py, line 1")


@pytest.mark.parametrize("source, line, what", [
    ("x = 1\nmatch x:\n    case 1:\n        pass\n", 2, "Pattern matching"),
    ("try:\n    pass\nexcept* ValueError:\n    pass\n", 1, "Exception groups"),
])
def test_syntax_the_device_python_lacks_is_named_with_its_line(source, line, what):
    warning = syntax_newer_than_device(source, "new.py")
    assert warning.startswith(f"new.py, line {line}: {what}") and "Python 3.9" in warning


def test_syntax_the_device_python_has_gives_no_warning():
    assert syntax_newer_than_device("x = (y := 3)\nprint(f'{x=}')\n", "old.py") is None
