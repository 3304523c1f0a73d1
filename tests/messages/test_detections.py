"""ImgDetections / ImgDetection: defaults, mutability and the read/write detections list."""
import pytest

from oakling.messages import DatatypeEnum, ImgDetection, ImgDetections


def test_detection_defaults_and_mutation():
    d = ImgDetection()
    assert (d.label, d.confidence, d.xmin, d.ymin, d.xmax, d.ymax) == (0, 0.0, 0.0, 0.0, 0.0, 0.0)
    d.label, d.confidence, d.xmin, d.ymax = 15, 0.9, -0.01, 1.02
    assert (d.label, d.confidence, d.xmin, d.ymax) == (15, 0.9, -0.01, 1.02)


def test_detection_keyword_constructor():
    d = ImgDetection(label=3, confidence=0.5, xmin=0.1, ymin=0.2, xmax=0.3, ymax=0.4)
    assert (d.label, d.confidence, d.xmin, d.ymin, d.xmax, d.ymax) == (3, 0.5, 0.1, 0.2, 0.3, 0.4)


@pytest.mark.parametrize("label, error", [(-1, ValueError), (2**32, ValueError), (1.5, TypeError)])
def test_detection_label_is_uint32(label, error):
    with pytest.raises(error, match="label"):
        ImgDetection(label=label)


def test_detections_list_is_read_write():
    dets = ImgDetections()
    assert dets.DATATYPE is DatatypeEnum.ImgDetections and dets.detections == []
    a, b = ImgDetection(label=1), ImgDetection(label=2)
    dets.detections = (a, b)
    assert [d.label for d in dets.detections] == [1, 2]
    dets.detections[0].confidence = 0.75
    assert dets.detections[0].confidence == 0.75
    dets.detections = []
    assert dets.detections == []


def test_detections_setter_checks_items():
    with pytest.raises(TypeError, match=r"detections\[1\]: expected ImgDetection, got dict"):
        ImgDetections().detections = [ImgDetection(), {"label": 1}]
