"""The local device id: shaped like an OAK's MxId and the same every time on one machine."""
import re
import subprocess
import sys

from oakling.runtime.identity import local_mxid


def test_the_id_is_an_mxid_of_18_hex_digits():
    assert re.fullmatch(r"[0-9A-F]{16}00", local_mxid())


def test_the_id_is_the_same_in_another_process():
    other = subprocess.run([sys.executable, "-c", "from oakling.runtime.identity import local_mxid; "
                            "print(local_mxid())"], capture_output=True, text=True, timeout=30, check=True)
    assert other.stdout.strip() == local_mxid()
