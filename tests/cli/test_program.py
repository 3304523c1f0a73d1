"""Running a program as `python program.py` would, with `import depthai` giving oakling, and
putting everything back afterwards."""
import os
import sys

import pytest

import oakling
from oakling.cli.program import exit_code, program_context, program_path, run_program


def test_the_program_sees_depthai_argv_path_and_environment_and_all_is_undone(tmp_path):
    program = tmp_path / "app.py"
    program.write_text("import sys, os, depthai, depthai.node, helper\n"
                       "seen.update(argv=sys.argv, depthai=depthai, node=depthai.node, path0=sys.path[0],\n"
                       "            env=os.environ['OAKLING_REALTIME'], name=__name__)\n")
    (tmp_path / "helper.py").write_text("")
    seen = {}
    argv, path = sys.argv[:], sys.path[:]
    env_before = os.environ.get("OAKLING_REALTIME")
    with program_context(str(program), ["-x", "1"], {"OAKLING_REALTIME": "0"}):
        import builtins
        builtins.seen = seen
        try:
            run_program(str(program))
        finally:
            del builtins.seen
    assert seen["argv"] == [str(program), "-x", "1"]
    assert seen["depthai"] is oakling and seen["node"] is oakling.node
    assert seen["path0"] == os.path.realpath(tmp_path) and seen["name"] == "__main__"
    assert seen["env"] == "0"
    assert sys.argv == argv and sys.path == path and "depthai" not in sys.modules
    assert os.environ.get("OAKLING_REALTIME") == env_before
    sys.modules.pop("helper", None)


def test_a_missing_program_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such program: nope.py"):
        program_path("nope.py")
    with pytest.raises(FileNotFoundError, match="without a __main__.py"):
        program_path(str(tmp_path))
    (tmp_path / "app.py").write_text("")
    assert program_path(str(tmp_path / ".." / tmp_path.name / "app.py")) == str(tmp_path / "app.py")
    (tmp_path / "__main__.py").write_text("")
    assert program_path(str(tmp_path)) == str(tmp_path)


@pytest.mark.parametrize("value, code", [(None, 0), (0, 0), (3, 3), (True, 1), ("fatal: no camera", 1)])
def test_exit_codes_are_pythons(capsys, value, code):
    assert exit_code(SystemExit(value)) == code
    if isinstance(value, str):
        assert capsys.readouterr().err == "fatal: no camera\n"
