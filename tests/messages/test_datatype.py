"""gen2's message type ids and which may go where another is expected."""
import pytest

from oakling.messages.datatype import DatatypeEnum, is_subclass

T = DatatypeEnum


@pytest.mark.parametrize("name, value", [("Buffer", 0), ("ImgFrame", 1), ("EncodedFrame", 2), ("NNData", 3),
                                         ("ImgDetections", 6), ("SpatialImgDetections", 7), ("MessageGroup", 23)])
def test_ids_are_gen2s(name, value):
    assert T[name] == value


@pytest.mark.parametrize("child, parent, fits", [
    (T.ImgFrame, T.Buffer, True),
    (T.ImgFrame, T.ImgFrame, True),
    (T.Buffer, T.ImgFrame, False),
    (T.SpatialImgDetections, T.ImgDetections, True),
    (T.SpatialImgDetections, T.Buffer, True),
    (T.ImgDetections, T.SpatialImgDetections, False),
    (T.NNData, T.ImgFrame, False),
])
def test_every_type_is_a_buffer_and_spatial_detections_are_detections(child, parent, fits):
    assert is_subclass(child, parent) is fits


def test_datatype_hierarchy():
    assert is_subclass(DatatypeEnum.SpatialImgDetections, DatatypeEnum.ImgDetections)
    assert is_subclass(DatatypeEnum.NNData, DatatypeEnum.Buffer)
    assert not is_subclass(DatatypeEnum.Buffer, DatatypeEnum.NNData)
    assert not is_subclass(DatatypeEnum.ImgFrame, DatatypeEnum.NNData)
