"""What the oakling commands share about their own command lines."""

USAGE_EXIT = 2   # a usage error, as argparse itself exits


def argparse_exit_code(exit: SystemExit) -> int:
    """The exit code of an argparse exit: 0 after --help or --version, 2 after a usage error it printed."""
    return exit.code if isinstance(exit.code, int) else USAGE_EXIT
