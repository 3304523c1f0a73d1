"""DetectionParser: decodes a detector's raw NNData into ImgDetections, as a node of its own.

    nn = pipeline.create(dai.node.NeuralNetwork)
    nn.setBlobPath("yolo.blob")
    parser = pipeline.create(dai.node.DetectionParser)
    parser.setBlob(dai.OpenVINO.Blob("yolo.blob"))   # or setInputImageSize(416, 416): YOLO boxes are in input pixels
    parser.setNNFamily(dai.DetectionNetworkType.YOLO)
    parser.setNumClasses(80)
    parser.setCoordinateSize(4)
    parser.setAnchors([10, 14, 23, 27, 37, 58, 81, 82, 135, 169, 344, 319])
    parser.setAnchorMasks({"side26": [1, 2, 3], "side13": [3, 4, 5]})
    nn.out.link(parser.input)
    parser.out.link(xout.input)            # ImgDetections with the NNData's sequence number and timestamps

Ports (gen2): `input` ("in"; NNData; blocking, queue 5) and `out` (ImgDetections). The settings and the
decoding are MobileNetDetectionNetwork's and YoloDetectionNetwork's (`properties.parser`,
models/detections.py); the NNData's layers stand for the model's outputs. A message whose layers do not
fit the settings is dropped with an error line naming the setting, at most once a second.
"""
from __future__ import annotations

from pathlib import Path

from ..messages.datatype import DatatypeEnum
from ..messages.nndata import NNData, TensorInfo
from ..models.gen2 import OpenVINO
from ..pipeline.node import Node
from .detection_network import (MOBILENET, YOLO, ConfidenceSetting, DetectionNetworkType, YoloSettings, _input_size,
                                decoder, parser_options)
from .neural_network import _count
from ..pipeline.registry import node_type
from ..runtime.worker import QueueClosed, Worker

_DTYPE_NAMES = {TensorInfo.DataType.FP16: "FP16", TensorInfo.DataType.FP32: "FP32", TensorInfo.DataType.U8F: "U8",
                TensorInfo.DataType.INT: "I32", TensorInfo.DataType.I8: "I8"}


@node_type(worker="DetectionParserWorker")
class DetectionParser(ConfidenceSetting, YoloSettings, Node):
    NAME = "DetectionParser"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.input = self._input("in", attr="input", blocking=True, queueSize=5, waitForMessage=True,
                                 types=(DatatypeEnum.NNData,))
        self.out = self._output("out", types=(DatatypeEnum.ImgDetections,))
        self.properties = {"numFramesPool": 8, "networkInputs": {}, "parser": parser_options(YOLO)}

    # -- where YOLO boxes are measured --
    def setBlobPath(self, path):
        """Take the model's input size from the blob at `path` (the blob itself is not run here)."""
        self.setBlob(OpenVINO.Blob(path))

    def setBlob(self, blob):
        """An OpenVINO.Blob, or a path to one: its image input gives the size YOLO boxes are measured in."""
        if isinstance(blob, (str, Path)):
            blob = OpenVINO.Blob(blob)
        if not isinstance(blob, OpenVINO.Blob):
            raise TypeError(f"{self._label}.setBlob: expected dai.OpenVINO.Blob or a path, got {type(blob).__name__}")
        self.properties["networkInputs"] = {spec.name: {"shape": list(spec.shape), "dataType": spec.dtype,
                                                        "layout": spec.layout} for spec in blob._model.inputs}

    def setInputImageSize(self, width, height=None):
        """The model's input size, `(width, height)` or two numbers: instead of setBlob."""
        if height is None:
            width, height = width
        width = _count(width, f"{self._label}.setInputImageSize")
        height = _count(height, f"{self._label}.setInputImageSize")
        self.properties["networkInputs"] = {"": {"shape": [1, 3, height, width], "dataType": "U8", "layout": "NCHW"}}

    # -- gen2 settings --
    def setNNFamily(self, type):
        """Which decoder: dai.DetectionNetworkType.YOLO (default) or MOBILENET (SSD rows)."""
        try:
            family = DetectionNetworkType(type)
        except ValueError:
            raise TypeError(f"{self._label}.setNNFamily: expected dai.DetectionNetworkType.YOLO or MOBILENET, "
                            f"got {type!r}") from None
        self._parser["nnFamily"] = int(family)

    def getNNFamily(self) -> DetectionNetworkType:
        return DetectionNetworkType(self._parser["nnFamily"])

    def setNumFramesPool(self, numFramesPool: int):
        self.properties["numFramesPool"] = _count(numFramesPool, f"{self._label}.setNumFramesPool")

    def getNumFramesPool(self) -> int:
        return self.properties["numFramesPool"]

    def check_ports(self):
        super().check_ports()
        if self._parser["nnFamily"] == YOLO:
            from ..models.detections import DetectionConfigError
            try:
                _input_size(_input_specs(self.properties["networkInputs"]), self._label)
            except DetectionConfigError:
                raise RuntimeError(f"{self._label}: YOLO boxes are measured in the model's input pixels — call "
                                   f"setBlob(dai.OpenVINO.Blob('model.blob')) or setInputImageSize(width, height)"
                                   ) from None



def _input_specs(network_inputs: dict) -> list:
    from ..models.blob import TensorSpec
    return [TensorSpec(name, info["shape"], info["dataType"], info["layout"]) for name, info in network_inputs.items()]


class DetectionParserWorker(Worker):
    """Decodes each NNData on `in` with the decoder its layers and the settings call for (made once per
    kind of message) and sends the detections on `out`."""

    def run(self):
        from ..messages.detections import ImgDetections
        from ..models.detections import DetectionConfigError
        parser = self.properties["parser"]
        size = (_input_size(_input_specs(self.properties["networkInputs"]), self.label)
                if parser.get("nnFamily") != MOBILENET else None)
        source, out = self.input("in"), self.output("out")
        decoders: dict[tuple, object] = {}   # the layers' names, shapes and types -> decoder or the error it met
        while True:
            try:
                msg = source.get()
            except QueueClosed:
                return
            if not isinstance(msg, NNData):
                self._error("type", f"{self.label}.input: expected NNData (a network's out), got "
                                    f"{type(msg).__name__} (message {msg.getSequenceNum()} dropped)")
                continue
            kind = tuple((t.name, tuple(t.dims), t.dataType) for t in msg.getAllLayers())
            decode = decoders.get(kind)
            if decode is None:
                from ..models.blob import TensorSpec
                specs = [TensorSpec(name, dims, _DTYPE_NAMES.get(dtype, "FP32")) for name, dims, dtype in kind]
                try:
                    decode = decoder(parser, specs, size, f"{self.label}.input")
                except (DetectionConfigError, IndexError) as e:
                    decode = DetectionConfigError(str(e) if str(e) else f"{self.label}.input: NNData with no layers")
                decoders[kind] = decode
            if isinstance(decode, Exception):
                self._error(kind, f"{decode} (message {msg.getSequenceNum()} dropped)")
                continue
            try:
                found = decode({name: msg.getTensor(name) for name, _, _ in kind})
            except (ValueError, IndexError) as e:
                self._error("decode", f"{self.label}: cannot decode message {msg.getSequenceNum()}: {e} (dropped)")
                continue
            detections = ImgDetections()
            detections.detections = found
            out.send(detections._keep_time_of(msg))

