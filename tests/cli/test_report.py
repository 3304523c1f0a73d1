"""An uncaught exception → its message and the program's own file:line, not oakling's internals."""
import os
import runpy
import traceback

import pytest

import oakling
from oakling.cli.report import describe, is_program_file


def raised_by(tmp_path, source: str, name: str = "app.py") -> BaseException:
    path = tmp_path / name
    path.write_text(source)
    with pytest.raises(BaseException) as info:
        runpy.run_path(str(path), run_name="__main__")
    exc = info.value
    return exc.with_traceback(exc.__traceback__.tb_next)   # from runpy on, as under `oakling run`


def test_oakling_python_and_installed_packages_are_not_the_programs_code(tmp_path):
    assert not is_program_file(oakling.node.__file__)
    assert not is_program_file(os.__file__)
    assert not is_program_file(pytest.__file__)
    assert not is_program_file("<frozen runpy>")
    assert is_program_file(str(tmp_path / "app.py"))


def test_a_missing_node_names_the_api_and_the_line_only(tmp_path):
    exc = raised_by(tmp_path, "import oakling as dai\n\np = dai.Pipeline()\np.create(dai.node.SPIIn)\n")
    text = describe(exc)
    lines = text.splitlines()
    assert lines[0].startswith("oakling run: NotImplementedError: oakling does not implement dai.node.SPIIn")
    assert lines[1].endswith("app.py:4 in <module>")
    assert lines[2] == "    p.create(dai.node.SPIIn)"
    assert "node.py" not in text and "runpy" not in text


def test_an_attribute_oakling_objects_lack_is_explained(tmp_path):
    exc = raised_by(tmp_path, "import oakling as dai\ncam = dai.Pipeline().create(dai.node.ColorCamera)\n"
                              "cam.setNoSuchThing(1)\n")
    assert "ColorCamera.setNoSuchThing is not in oakling" in describe(exc)
    exc = raised_by(tmp_path, "import oakling as dai\ndai.NoSuchThing\n")
    assert "dai.NoSuchThing is not in oakling" in describe(exc)
    exc = raised_by(tmp_path, "x = object()\nx.nothing\n")
    assert "is not in oakling" not in describe(exc)


def test_frames_list_outermost_first_and_the_cause_is_named(tmp_path):
    exc = raised_by(tmp_path, "def load():\n    try:\n        open('/no/such/file')\n"
                              "    except OSError as e:\n        raise RuntimeError('no model') from e\n\nload()\n")
    text = describe(exc)
    assert text.index("app.py:7 in <module>") < text.index("app.py:5 in load")
    assert "caused by FileNotFoundError" in text


def test_a_syntax_error_points_at_its_line(tmp_path):
    exc = raised_by(tmp_path, "x = 1\ny = (\n")
    text = describe(exc)
    assert text.startswith("oakling run: SyntaxError: ")
    assert "app.py:2" in text and "y = (" in text


def test_the_full_traceback_is_offered():
    try:
        raise KeyError("k")
    except KeyError as exc:
        assert "--traceback" in describe(exc)
        assert traceback.format_exception(exc)
