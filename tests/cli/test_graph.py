"""`oakling graph`: a program runs until it gives a device its pipeline, which is drawn and never
started; the SVG names every node and link."""
import xml.etree.ElementTree as ET

from cli_programs import PREVIEW, oakling_cli, write_program

SVG = "{http://www.w3.org/2000/svg}"


def _titles(path, kind):
    root = ET.parse(path).getroot()
    return {g.find(SVG + "title").text for g in root.iter(SVG + "g") if g.get("class") == kind}


def test_an_unchanged_program_is_drawn_and_its_pipeline_never_runs(tmp_path):
    program = write_program(tmp_path, "print('before')\n" + PREVIEW.replace(
        "with dai.Device(pipeline) as device:", "try:\n  dai.Device(pipeline)\nexcept Exception:\n"
        "  print('caught')\nwith dai.Device(pipeline) as device:"))
    run = oakling_cli("graph", "-o", "out.svg", program, "--its-flag", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "before\n"                       # stopped at Device(pipeline), which the program never caught
    assert "wrote out.svg: 2 nodes, 1 links" in run.stderr
    assert _titles(tmp_path / "out.svg", "node") == {"ColorCamera(0)", "XLinkOut(1)"}
    assert _titles(tmp_path / "out.svg", "link") == {"ColorCamera(0).preview → XLinkOut(1).in (queue 8, blocking)"}


START_PIPELINE = """\
import depthai as dai

with dai.Device() as device:
    print("cameras:", len(device.getConnectedCameraFeatures()))
    pipeline = dai.Pipeline()
    xin = pipeline.create(dai.node.XLinkIn)
    xin.setStreamName("in")
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    xin.out.link(xout.input)
    device.startPipeline(pipeline)
    print("started")
"""


def test_a_pipeline_given_to_start_pipeline_is_drawn_by_default_as_the_programs_name(tmp_path):
    program = write_program(tmp_path, START_PIPELINE, name="echo.py")
    run = oakling_cli("graph", program, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "cameras: 3\n"
    assert _titles(tmp_path / "echo.svg", "link") == {"XLinkIn(0).out → XLinkOut(1).in (queue 8, blocking)"}


def test_a_program_without_a_device_or_that_fails_says_so(tmp_path):
    none = write_program(tmp_path, "import depthai as dai\np = dai.Pipeline()\n", name="none.py")
    run = oakling_cli("graph", none, cwd=tmp_path)
    assert run.returncode == 1 and "ended without giving a device its pipeline" in run.stderr
    failing = write_program(tmp_path, "import depthai as dai\ndai.node.SPIIn\n", name="failing.py")
    run = oakling_cli("graph", failing, cwd=tmp_path)
    assert run.returncode == 1 and "failing.py" in run.stderr and "SPIIn" in run.stderr, run.stderr
    run = oakling_cli("graph", "missing.py", cwd=tmp_path)
    assert run.returncode == 2 and "no such program: missing.py" in run.stderr


def test_a_png_output_is_the_same_drawing_as_a_png(tmp_path):
    import cv2
    program = write_program(tmp_path, PREVIEW)
    run = oakling_cli("graph", "-o", "graph.png", program, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "wrote graph.png: 2 nodes, 1 links" in run.stderr
    image = cv2.imread(str(tmp_path / "graph.png"))
    assert image is not None and image.shape[0] > 100 and image.shape[1] > 400
    assert (image != 255).any()
