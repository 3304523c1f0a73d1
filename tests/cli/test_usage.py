"""argparse's exits as exit codes: a command returns them instead of leaving the process."""
import argparse

import pytest

from oakling.cli.usage import USAGE_EXIT, argparse_exit_code


@pytest.mark.parametrize("argv, code", [(["--help"], 0), (["--bad"], USAGE_EXIT), ([], USAGE_EXIT)])
def test_help_exits_0_and_usage_errors_2(capsys, argv, code):
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    with pytest.raises(SystemExit) as exit:
        parser.parse_args(argv)
    assert argparse_exit_code(exit.value) == code


def test_an_exit_without_an_int_code_is_a_usage_error():
    assert argparse_exit_code(SystemExit("message")) == USAGE_EXIT
