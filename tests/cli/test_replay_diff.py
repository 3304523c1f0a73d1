"""`oakling replay-diff A B`: exit 0 when the outputs are identical, 1 at the first difference, 2 for
a recording that cannot be read or a bad option."""
import numpy as np

import oakling as dai
from oakling.cli import main as oakling_main
from oakling.session.format import MCAP_NAME, SessionWriter, encode_message, write_manifest


def session(folder, fills):
    folder.mkdir()
    writer = SessionWriter(str(folder / MCAP_NAME))
    for i, fill in enumerate(fills):
        f = dai.ImgFrame()
        f.setCvFrame(np.full((2, 2), fill, np.uint8), dai.ImgFrame.Type.GRAY8)
        f.setSequenceNum(i)
        f._ts_ns = f._ts_dev_ns = i
        writer.add("xlinkout/video", 0, encode_message(f))
    writer.close()
    write_manifest(str(folder), {})
    return str(folder)


def test_identical_and_different(tmp_path, capsys):
    a, b, c = session(tmp_path / "a", [1, 2]), session(tmp_path / "b", [1, 2]), session(tmp_path / "c", [1, 4])
    assert oakling_main(["replay-diff", a, b]) == 0
    assert capsys.readouterr().out.splitlines() == ["video: A 2 messages, B 2 — identical", "identical: 1 stream(s)"]
    assert oakling_main(["replay-diff", a, c]) == 1
    out = capsys.readouterr().out
    assert "first difference: stream 'video', message index 1, payload byte 0 (4 bytes differ, by up to 2): " \
           "A has 2, B has 4" in out
    assert oakling_main(["replay-diff", "--tolerance", "2", a, c]) == 0


def test_errors(tmp_path, capsys):
    a = session(tmp_path / "a", [1])
    assert oakling_main(["replay-diff", a, str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "missing: the folder does not exist" in err and "--record-session" in err
    assert oakling_main(["replay-diff", "--tolerance", "300", a, a]) == 2
    assert "--tolerance must be from 0 to 255" in capsys.readouterr().err
    assert oakling_main(["replay-diff", a]) == 2
