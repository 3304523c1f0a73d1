"""`oakling boot`: the flashed application runs with no host program; without one, it says what to do."""
import oakling as dai
from oakling.cli import main


def test_boot_runs_the_flashed_application_for_the_seconds_given(capsys):
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    script = p.create(dai.node.Script)
    script.setScript("node.io['in'].get()\nnode.warn('booted on its own')\n")
    cam.preview.link(script.inputs["in"])
    found, info = dai.DeviceBootloader.getFirstAvailableDevice()
    with dai.DeviceBootloader(info) as bl:
        assert bl.flash(p, applicationName="hello")[0]
    assert main(["boot", "--seconds", "3"]) == 0
    err = capsys.readouterr().err
    assert "booting the flashed application 'hello' (2 nodes)" in err and "ran for 3 s" in err


def test_boot_with_nothing_flashed_says_to_flash_one(capsys):
    assert main(["boot", "--seconds", "1"]) == 1
    assert "no application is flashed" in capsys.readouterr().err


def test_boot_refuses_a_time_that_is_not_positive(capsys):
    assert main(["boot", "--seconds", "0"]) == 2
    assert "--seconds must be more than 0" in capsys.readouterr().err
