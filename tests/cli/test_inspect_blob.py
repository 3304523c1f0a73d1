"""`oakling inspect`: what a blob is, or an error saying what to do with a file that is not an oakling
blob. (What it prints for a blob `oakling convert` wrote is in test_convert.py.)"""
import struct

from oakling.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_inspect_refuses_a_myriadx_blob(tmp_path, capsys):
    header = struct.pack("<13I", 9709, 1000, 2021, 4, 1, 1, 10, 0, 0, 1, 0, 6, 6)
    (tmp_path / "face.blob").write_bytes(b"\x7fELF" + b"\0" * 48 + header + b"\0" * 100)
    code, _, err = run(capsys, "inspect", str(tmp_path / "face.blob"))
    assert code == 1
    assert "face.blob is a MyriadX blob (OpenVINO 2021.4, 6 shaves)" in err
    assert "`oakling convert face.onnx -o face.blob --shaves 6`" in err
    code, _, err = run(capsys, "convert", str(tmp_path / "face.blob"))
    assert code == 1 and "MyriadX blob" in err


def test_a_file_that_is_no_blob_and_a_missing_file_are_errors(tmp_path, capsys):
    (tmp_path / "notes.blob").write_text("hello")
    code, out, err = run(capsys, "inspect", str(tmp_path / "notes.blob"))
    assert code == 1 and out == "" and err.startswith("oakling inspect: error: ")
    code, _, err = run(capsys, "inspect", str(tmp_path / "none.blob"))
    assert code == 1 and err.startswith("oakling inspect: error: ")
    code, _, err = run(capsys, "inspect")
    assert code == 2 and "the following arguments are required" in err
