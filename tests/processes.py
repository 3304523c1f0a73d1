"""Processes seen from outside: is a pid still alive."""
import os


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:   # a zombie is dead for our purposes
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def kernel_allows_namespaces() -> bool:
    """Whether this kernel gives a script's process namespaces of its own (a forked child tries)."""
    from oakling.script import namespaces
    pid = os.fork()
    if pid == 0:
        os._exit(0 if namespaces.unshare(True) is None else 1)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
