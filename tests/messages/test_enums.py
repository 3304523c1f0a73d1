"""The small shared enums keep gen2's values and its older aliases, so they cross the wire and configs."""
import pytest

from oakling.messages.enums import CameraBoardSocket, CameraExposureOffset, Colormap, FrameEvent, Interpolation


@pytest.mark.parametrize("member, value", [
    (Colormap.NONE, 0), (Colormap.TURBO, 1), (Colormap.STEREO_JET, 4),
    (Interpolation.AUTO, -1), (Interpolation.BILINEAR, 0), (Interpolation.BICUBIC, 1),
    (Interpolation.NEAREST_NEIGHBOR, 2),
    (CameraExposureOffset.START, 0), (CameraExposureOffset.END, 2),
    (FrameEvent.READOUT_END, 2),
    (CameraBoardSocket.AUTO, -1), (CameraBoardSocket.CAM_A, 0), (CameraBoardSocket.CAM_H, 7),
])
def test_values_are_gen2s(member, value):
    assert member == value


@pytest.mark.parametrize("alias, member", [
    (Interpolation.BYPASS, Interpolation.NEAREST_NEIGHBOR),
    (Interpolation.DEFAULT, Interpolation.BICUBIC),
    (Interpolation.DEFAULT_DISPARITY_DEPTH, Interpolation.NEAREST_NEIGHBOR),
    (CameraBoardSocket.RGB, CameraBoardSocket.CAM_A),
    (CameraBoardSocket.CENTER, CameraBoardSocket.CAM_A),
    (CameraBoardSocket.LEFT, CameraBoardSocket.CAM_B),
    (CameraBoardSocket.RIGHT, CameraBoardSocket.CAM_C),
])
def test_older_names_are_aliases_of_the_same_member(alias, member):
    assert alias is member


def test_a_value_from_the_wire_gives_the_member_by_its_first_name():
    assert CameraBoardSocket(1).name == "CAM_B" and Interpolation(2).name == "NEAREST_NEIGHBOR"
