"""MobileNetDetectionNetwork and YoloDetectionNetwork: a NeuralNetwork whose results are decoded into boxes.

    det = pipeline.create(dai.node.YoloDetectionNetwork)
    det.setBlobPath("yolo.blob")
    det.setConfidenceThreshold(0.5)
    det.setNumClasses(80)
    det.setCoordinateSize(4)
    det.setAnchors([10, 14, 23, 27, 37, 58, 81, 82, 135, 169, 344, 319])
    det.setAnchorMasks({"side26": [1, 2, 3], "side13": [3, 4, 5]})
    det.setIouThreshold(0.5)
    cam.preview.link(det.input)
    det.out.link(xout.input)               # ImgDetections: label, confidence, xmin…ymax in 0..1

Everything NeuralNetwork has (blob, threads, `input` blocking/queue 5, `inputs`, `passthrough`),
plus `out` (ImgDetections with the input's sequence number and timestamps, in place of NNData) and
`outNetwork` (the raw NNData). Both node types are "DetectionNetwork" in the schema, as in gen2;
`properties.parser` carries gen2's DetectionParserOptions (nnFamily YOLO=0 / MOBILENET=1,
confidenceThreshold, classes, coordinates, anchors, anchorMasks, iouThreshold) and tells the worker
which decoder to use. The model's outputs are checked against these settings when the pipeline is
built, so a wrong class count or anchor mask is an error naming the setting, not garbage boxes.
Decoding: models/detections.py.
"""
from __future__ import annotations

from numbers import Real

from ..messages.enums import Gen2Enum
from ..log import LogLevel
from ..messages.datatype import DatatypeEnum
from ..pipeline.registry import node_type
from .neural_network import NeuralNetwork, NeuralNetworkWorker, _count



class DetectionNetworkType(Gen2Enum):
    """gen2's `dai.DetectionNetworkType`: the decoder a detection network uses (`nnFamily`)."""
    YOLO = 0
    MOBILENET = 1


YOLO, MOBILENET = DetectionNetworkType.YOLO, DetectionNetworkType.MOBILENET


def parser_options(family) -> dict:
    """gen2's DetectionParserOptions with their defaults, for `family` (IoU 0.5 for YOLO)."""
    return {"nnFamily": int(family), "confidenceThreshold": 0.5, "classes": 0, "coordinates": 0, "anchors": [],
            "anchorMasks": {}, "iouThreshold": 0.5 if family == YOLO else 0.0}


class ConfidenceSetting:
    """gen2's confidence threshold, kept in `properties["parser"]` (nodes with a `_label`)."""

    def setConfidenceThreshold(self, thresh: float):
        """Detections less confident than this are dropped (default 0.5)."""
        self._parser["confidenceThreshold"] = _number(thresh, f"{self._label}.setConfidenceThreshold")

    def getConfidenceThreshold(self) -> float:
        return self._parser["confidenceThreshold"]

    @property
    def _parser(self) -> dict:
        return self.properties["parser"]


class YoloSettings:
    """gen2's YOLO decoding settings, kept in `properties["parser"]`."""

    def setNumClasses(self, numClasses: int):
        self._parser["classes"] = _count(numClasses, f"{self._label}.setNumClasses")

    def getNumClasses(self) -> int:
        return self._parser["classes"]

    def setCoordinateSize(self, coordinates: int):
        """Values per box (4: x, y, w, h)."""
        self._parser["coordinates"] = _count(coordinates, f"{self._label}.setCoordinateSize")

    def getCoordinateSize(self) -> int:
        return self._parser["coordinates"]

    def setAnchors(self, anchors):
        """Anchor (width, height) pairs in input pixels: a flat list [w0, h0, w1, h1, …] as gen2 takes,
        or a list of pairs [[w0, h0], [w1, h1], …]."""
        where = f"{self._label}.setAnchors"
        flat = []
        for i, a in enumerate(anchors):
            if isinstance(a, (list, tuple)):
                if len(a) != 2:
                    raise TypeError(f"{where}: anchor {i} is {list(a)} — give (width, height) pairs or a flat list")
                flat.extend(_number(v, where) for v in a)
            else:
                flat.append(_number(a, where))
        self._parser["anchors"] = flat

    def getAnchors(self) -> list:
        return list(self._parser["anchors"])

    def setAnchorMasks(self, anchorMasks: dict):
        """Which anchors each output grid uses, by its width: {"side26": [1, 2, 3], "side13": [3, 4, 5]}."""
        where = f"{self._label}.setAnchorMasks"
        if not isinstance(anchorMasks, dict):
            raise TypeError(f"{where}: expected a dict like {{'side13': [3, 4, 5]}}, got {type(anchorMasks).__name__}")
        masks = {}
        for key, indices in anchorMasks.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: keys are strings like 'side13' (the grid width), got {key!r}")
            masks[key] = [_count(i, f"{where}['{key}']") for i in indices]
        self._parser["anchorMasks"] = masks

    def getAnchorMasks(self) -> dict:
        return {k: list(v) for k, v in self._parser["anchorMasks"].items()}

    def setIouThreshold(self, thresh: float):
        """Boxes overlapping a more confident one by at least this IoU are dropped (default 0.5)."""
        self._parser["iouThreshold"] = _number(thresh, f"{self._label}.setIouThreshold")

    def getIouThreshold(self) -> float:
        return self._parser["iouThreshold"]


@node_type(worker="DetectionNetworkWorker")
class DetectionNetwork(ConfidenceSetting, NeuralNetwork):
    """gen2's abstract base of the detection networks: create MobileNetDetectionNetwork or YoloDetectionNetwork."""

    NAME = "DetectionNetwork"
    FAMILY = None

    def __init__(self, pipeline, node_id):
        if self.FAMILY is None:
            raise TypeError("dai.node.DetectionNetwork cannot be created itself — create "
                            "dai.node.MobileNetDetectionNetwork or dai.node.YoloDetectionNetwork")
        super().__init__(pipeline, node_id)
        self._unregister(self.out)                      # NeuralNetwork's NNData `out` becomes ImgDetections
        self.out = self._output("out", types=(DatatypeEnum.ImgDetections,))
        self.outNetwork = self._output("outNetwork", types=(DatatypeEnum.NNData,))
        self.properties["parser"] = parser_options(self.FAMILY)

    def check_ports(self):
        super().check_ports()
        from ..models.detections import DetectionConfigError
        try:
            self._check_outputs(self._blob._model)
        except DetectionConfigError as e:
            raise RuntimeError(str(e)) from None

    def _check_outputs(self, model):
        raise NotImplementedError


class SsdOutputs:
    """The MobileNet family's output check, for the plain and the spatial detection network."""

    FAMILY = MOBILENET

    def _check_outputs(self, model):
        from ..models.detections import check_ssd_output
        check_ssd_output(model.outputs[0], self._label)


class YoloOutputs(YoloSettings):
    """The YOLO family's settings and output check, for the plain and the spatial detection network."""

    FAMILY = YOLO

    def _check_outputs(self, model):
        from ..models.detections import YoloOptions, yolo_layers
        yolo_layers(model.outputs, YoloOptions.from_parser(self._parser), self._label)
        _input_size(model.inputs, self._label)


@node_type
class MobileNetDetectionNetwork(SsdOutputs, DetectionNetwork):
    """Decodes an SSD DetectionOutput ([1,1,N,7]), as MobileNet-SSD ends."""


@node_type
class YoloDetectionNetwork(YoloOutputs, DetectionNetwork):
    """Decodes YOLO grids (v3/v4, v5/v7 and anchor-free v6/v8 exports) and suppresses overlaps."""


def decoder(parser: dict, outputs: list, input_size: tuple | None, where: str):
    """outputs dict -> list of ImgDetection, for gen2's DetectionParserOptions `parser` and a model's
    output specs; YOLO needs the model's input (width, height). DetectionConfigError if they do not fit."""
    from ..models import detections
    if parser.get("nnFamily") == MOBILENET:
        spec = outputs[0]
        detections.check_ssd_output(spec, where)
        threshold = float(parser.get("confidenceThreshold", 0.5))
        return lambda found: detections.parse_ssd(found[spec.name], threshold)
    options = detections.YoloOptions.from_parser(parser)
    layers = detections.yolo_layers(outputs, options, where)
    return lambda found: detections.decode_yolo(found, layers, options, input_size)


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{what}: expected a number, got {value!r}")
    return float(value)


def _input_size(specs, where: str) -> tuple:
    """(width, height) of the model's image input, which YOLO boxes are measured against."""
    from ..models.blob import image_layout
    from ..models.detections import DetectionConfigError
    for spec in specs:
        layout = image_layout(spec)
        if layout:
            return spec.shape[layout.index("W")], spec.shape[layout.index("H")]
    raise DetectionConfigError(f"{where}: the model has no image input ({', '.join(s.describe() for s in specs)}) "
                               f"— YOLO boxes are measured in input pixels; use a NeuralNetwork node instead")


class DetectionNetworkWorker(NeuralNetworkWorker):
    """NeuralNetwork's worker; each inference's outputs are decoded for `out` and sent raw on `outNetwork`."""

    def _load_blob(self):
        blob = super()._load_blob()
        self._decode = self._decoder(blob)
        return blob

    def _decoder(self, blob):
        """outputs dict -> list of ImgDetection, for this node's family and settings."""
        parser = self.properties.get("parser") or {}
        size = _input_size(blob.inputs, self.label) if parser.get("nnFamily") != MOBILENET else None
        return decoder(parser, blob.outputs, size, self.label)

    def _send_out(self, outputs: dict, message, source=None):
        from ..messages.detections import ImgDetections
        raw, out = self.output("outNetwork"), self.output("out")
        if raw.linked:
            raw.send(message)
        if not out.linked:
            return
        try:
            found = self._decode(outputs)
        except (ValueError, IndexError) as e:
            self._error("decode", f"{self.label}: cannot decode the outputs: {e} "
                                  f"(message {message.getSequenceNum()} dropped)", LogLevel.ERR)
            return
        msg = ImgDetections()
        msg.detections = found
        out.send(msg._keep_time_of(message))
