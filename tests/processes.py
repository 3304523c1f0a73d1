"""Processes seen from outside: is a pid still alive; a function run in a forked child."""
import json
import os


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:   # a zombie is dead for our purposes
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):   # gone between the two looks
        return False


def kernel_allows_namespaces() -> bool:
    """Whether this kernel gives a script's process namespaces of its own (a forked child tries)."""
    from oakling.script import namespaces
    pid = os.fork()
    if pid == 0:
        os._exit(0 if namespaces.unshare(True) is None else 1)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def in_child(body):
    """Fork; the child runs `body()` and sends back what it returns (as JSON). Returns (that, or
    None if the child died without a word; the child's wait status)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            os.write(write_end, json.dumps(body()).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    data = b"".join(iter(lambda: os.read(read_end, 65536), b""))
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    return (json.loads(data) if data else None), status
