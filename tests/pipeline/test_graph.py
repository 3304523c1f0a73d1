"""The pipeline as an SVG graph: valid XML naming every node, port and link of a known pipeline, with
its queues, and a layout whose columns follow the links (loops included)."""
import xml.etree.ElementTree as ET

import oakling as dai
from oakling.pipeline.graph import _columns, pipeline_graph, pipeline_svg

SVG = "{http://www.w3.org/2000/svg}"


def known_pipeline():
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    manip = p.create(dai.node.ImageManip)
    cam.preview.link(manip.inputImage)
    script = p.create(dai.node.Script)
    script.setScript("pass")
    manip.out.link(script.inputs["frames"])
    script.inputs["frames"].setBlocking(False)
    script.inputs["frames"].setQueueSize(2)
    script.outputs["ctl"].link(cam.inputControl)          # a loop back to the camera
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("preview")
    script.outputs["out"].link(xout.input)
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("config")
    xin.out.link(manip.inputConfig)
    return p


LINKS = {
    "ColorCamera(0).preview → ImageManip(1).inputImage (queue 8, blocking)",
    "ImageManip(1).out → Script(2).io.frames (queue 2, non-blocking)",
    "Script(2).io.ctl → ColorCamera(0).inputControl (queue 8, blocking)",
    "Script(2).io.out → XLinkOut(3).in (queue 8, blocking)",
    "XLinkIn(4).out → ImageManip(1).inputConfig (queue 8, blocking)",
}


def test_the_svg_names_every_node_port_and_link():
    p = known_pipeline()
    root = ET.fromstring(pipeline_svg(p, title="app.py"))
    assert root.tag == SVG + "svg"
    groups = {g.get("class"): [] for g in root.iter(SVG + "g")}
    for g in root.iter(SVG + "g"):
        groups[g.get("class")].append(g)
    nodes = {g.find(SVG + "title").text: g for g in groups["node"]}
    assert set(nodes) == {"ColorCamera(0)", "ImageManip(1)", "Script(2)", "XLinkOut(3)", "XLinkIn(4)"}
    texts = {name: {t.text for t in g.iter(SVG + "text")} for name, g in nodes.items()}
    assert {"preview", "video", "inputControl", "inputConfig", "isp"} <= texts["ColorCamera(0)"]
    assert {"io.frames", "io.ctl", "io.out"} <= texts["Script(2)"]
    assert 'stream "preview"' in texts["XLinkOut(3)"] and 'stream "config"' in texts["XLinkIn(4)"]
    links = {g.find(SVG + "title").text: g for g in groups["link"]}
    assert set(links) == LINKS
    non_blocking = links["ImageManip(1).out → Script(2).io.frames (queue 2, non-blocking)"]
    assert non_blocking.find(SVG + "path").get("stroke-dasharray") and \
        non_blocking.find(SVG + "text").text == "queue 2, non-blocking"
    assert links["Script(2).io.out → XLinkOut(3).in (queue 8, blocking)"].find(SVG + "path").get(
        "stroke-dasharray") is None
    assert any(t.text == "app.py" for t in root.iter(SVG + "text"))


def test_columns_follow_the_links_and_a_loop_is_broken():
    graph = pipeline_graph(known_pipeline())
    assert _columns(graph) == {0: 0, 1: 1, 2: 2, 3: 3, 4: 0}
    assert pipeline_graph(known_pipeline().serializeToJson()) == graph


def test_a_lone_node_and_names_that_need_escaping():
    p = dai.Pipeline()
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("a<b>&\"c\"")
    root = ET.fromstring(pipeline_svg(p))
    assert 'stream "a<b>&"c""' in {t.text for t in root.iter(SVG + "text")}
    assert not [g for g in root.iter(SVG + "g") if g.get("class") == "link"]
