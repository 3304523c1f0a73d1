"""The pipeline schema: gen2's `serializeToJson()` layout, which is all the device builds from.

    {"pipeline": {"connections": [...], "globalProperties": {...},
                  "nodes": [[id, {"id", "name", "properties", "ioInfo"}], ...]},
     "assets": {"map": {"/node/<id>/<key>": {"alignment", "offset", "size"}}},
     "assetStorage": [bytes as ints]}
"""
from __future__ import annotations

ASSET_ALIGNMENT = 64


def default_global_properties() -> dict:
    return {"calibData": None, "cameraTuningBlobSize": None, "cameraTuningBlobUri": "",
            "leonCssFrequencyHz": 700000000.0, "leonMssFrequencyHz": 700000000.0,
            "pipelineName": None, "pipelineVersion": None, "sippBufferSize": 18432,
            "sippDmaBufferSize": 16384, "xlinkChunkSize": -1}


def build(pipeline) -> tuple[dict, dict, bytes]:
    """(pipeline schema, asset map, asset storage) for `pipeline`; checks every node's ports."""
    nodes = []
    io_id = 0
    for node in pipeline.getAllNodes():
        node.check_ports()
        io_info = []
        for port in node.ports():
            io_info.append([[port.group, port.name], port.io_info(io_id)])
            io_id += 1
        nodes.append([node.id, {"id": node.id, "ioInfo": io_info, "name": node.getName(),
                                "properties": node.serialize_properties()}])
    connections = [{"node1Id": c.outputId, "node1Output": c.outputName, "node1OutputGroup": c.outputGroup,
                    "node2Id": c.inputId, "node2Input": c.inputName, "node2InputGroup": c.inputGroup}
                   for c in pipeline.getConnections()]
    asset_map, storage = {}, bytearray()
    for node in pipeline.getAllNodes():
        for key, data in node.getAssetManager().items():
            storage.extend(b"\0" * (-len(storage) % ASSET_ALIGNMENT))
            asset_map[f"/node/{node.id}/{key}"] = {"alignment": ASSET_ALIGNMENT, "offset": len(storage),
                                                   "size": len(data)}
            storage.extend(data)
    schema = {"connections": connections, "globalProperties": dict(pipeline.getGlobalProperties()),
              "nodes": nodes}
    return schema, {"map": asset_map}, bytes(storage)


def serialize(pipeline) -> dict:
    schema, assets, storage = build(pipeline)
    return {"pipeline": schema, "assets": assets, "assetStorage": list(storage)}


def node_assets(assets: dict, storage: bytes, node_id: int) -> dict[str, bytes]:
    """The assets of one node, by key, cut out of the storage (device side)."""
    prefix = f"/node/{node_id}/"
    return {path[len(prefix):]: bytes(storage[a["offset"]:a["offset"] + a["size"]])
            for path, a in assets.get("map", {}).items() if path.startswith(prefix)}
