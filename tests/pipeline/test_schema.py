"""serializeToJson(): gen2's layout, names, ioInfo and property names, so depthai tools read it."""
import json

import oakling as dai


def camera_to_host():
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("preview")
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("control")
    cam.preview.link(xout.input)
    xin.out.link(cam.inputControl)
    return p


def nodes_of(doc):
    return {node_id: info for node_id, info in doc["pipeline"]["nodes"]}


def test_top_level_layout_and_global_properties():
    doc = camera_to_host().serializeToJson()
    assert set(doc) == {"pipeline", "assets", "assetStorage"}
    assert set(doc["pipeline"]) == {"connections", "globalProperties", "nodes"}
    assert doc["pipeline"]["globalProperties"] == {
        "calibData": None, "cameraTuningBlobSize": None, "cameraTuningBlobUri": "",
        "leonCssFrequencyHz": 700000000.0, "leonMssFrequencyHz": 700000000.0, "pipelineName": None,
        "pipelineVersion": None, "sippBufferSize": 18432, "sippDmaBufferSize": 16384, "xlinkChunkSize": -1}
    assert doc["assets"] == {"map": {}} and doc["assetStorage"] == []
    json.dumps(doc)   # plain JSON all the way down


def test_nodes_are_id_info_pairs_with_gen2_names_and_properties():
    doc = camera_to_host().serializeToJson()
    nodes = nodes_of(doc)
    assert [n[0] for n in doc["pipeline"]["nodes"]] == [0, 1, 2]
    assert {i: n["name"] for i, n in nodes.items()} == {0: "ColorCamera", 1: "XLinkOut", 2: "XLinkIn"}
    assert nodes[1]["properties"] == {"maxFpsLimit": -1.0, "metadataOnly": False, "streamName": "preview"}
    assert nodes[2]["properties"] == {"maxDataSize": 5242880, "numFrames": 8, "streamName": "control"}
    cam = nodes[0]["properties"]
    for key, value in {"previewWidth": 300, "previewHeight": 300, "interleaved": True, "colorOrder": 0,
                       "fps": 30.0, "resolution": 0, "boardSocket": -1, "previewKeepAspectRatio": True,
                       "numFramesPoolPreview": 4, "videoWidth": -1}.items():
        assert cam[key] == value, key
    assert "initialControl" in cam


def test_io_info_lists_every_port_with_wire_names_types_and_queue_settings():
    p = camera_to_host()
    p.getNode(1).input.setQueueSize(2)
    nodes = nodes_of(p.serializeToJson())
    xout_io = dict((tuple(k), v) for k, v in nodes[1]["ioInfo"])
    assert xout_io == {("", "in"): {"blocking": True, "group": "", "id": xout_io[("", "in")]["id"],
                                    "name": "in", "queueSize": 2, "type": 3, "waitForMessage": True}}
    cam_io = dict((tuple(k)[1], v) for k, v in nodes[0]["ioInfo"])
    assert set(cam_io) == {"inputConfig", "inputControl", "video", "preview", "still", "isp", "raw", "frameEvent"}
    assert cam_io["preview"]["type"] == 0 and cam_io["inputControl"]["type"] == 3
    assert cam_io["inputConfig"]["blocking"] is False
    ids = [v["id"] for n in nodes.values() for _, v in n["ioInfo"]]
    assert ids == list(range(len(ids)))


def test_connections_use_wire_names_and_groups():
    conns = camera_to_host().serializeToJson()["pipeline"]["connections"]
    assert {"node1Id": 0, "node1Output": "preview", "node1OutputGroup": "", "node2Id": 1,
            "node2Input": "in", "node2InputGroup": ""} in conns
    assert {"node1Id": 2, "node1Output": "out", "node1OutputGroup": "", "node2Id": 0,
            "node2Input": "inputControl", "node2InputGroup": ""} in conns


def test_assets_are_aligned_in_one_storage():
    p = camera_to_host()
    p.getNode(0).getAssetManager()["a"] = b"abc"
    p.getNode(2).getAssetManager()["b"] = b"0123456789"
    doc = p.serializeToJson()
    amap = doc["assets"]["map"]
    assert amap["/node/0/a"] == {"alignment": 64, "offset": 0, "size": 3}
    assert amap["/node/2/b"] == {"alignment": 64, "offset": 64, "size": 10}
    assert bytes(doc["assetStorage"][64:74]) == b"0123456789"
    from oakling.pipeline.schema import node_assets
    assert node_assets(doc["assets"], bytes(doc["assetStorage"]), 2) == {"b": b"0123456789"}


def test_camera_initial_control_is_gen2s_raw_camera_control():
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.initialControl.setManualFocus(100)
    control = p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"]["initialControl"]
    assert control["lensPosition"] == 100 and control["cmdMask"] != 0
    assert control["expManual"] == {"exposureTimeUs": 0, "sensitivityIso": 0, "frameDurationUs": 0}
    assert {"awbMode", "aeRegion", "strobeTimings", "lowPowerNumFramesDiscard"} <= set(control)
    json.dumps(control)
