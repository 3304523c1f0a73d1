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


def _enums_reachable_from_dai():
    """Every enum a program reaches from `dai`, with the attribute name it is reached by: top-level ones,
    those nested in classes (`dai.ImgFrame.Type`) and in node classes (`dai.node.ColorCamera.Properties...`)."""
    import inspect
    from enum import Enum

    import oakling as dai
    found, seen = {}, set()

    def walk(owner, path, depth):
        for name, value in vars(owner).items() if inspect.isclass(owner) else inspect.getmembers(owner):
            if name.startswith("_") or not inspect.isclass(value):
                continue
            if issubclass(value, Enum):
                found.setdefault(value, f"{path}.{name}")
            elif depth < 3 and value not in seen and (value.__module__ or "").startswith("oakling"):
                seen.add(value)
                walk(value, f"{path}.{name}", depth + 1)

    walk(dai, "dai", 0)
    walk(dai.node, "dai.node", 0)
    return sorted(found.items(), key=lambda item: item[1])


ENUMS = _enums_reachable_from_dai()


def test_the_walk_finds_the_enums_of_messages_nodes_and_the_device():
    paths = {path for _, path in ENUMS}
    assert {"dai.UsbSpeed", "dai.CameraBoardSocket", "dai.ImgFrame.Type", "dai.LogLevel", "dai.OpenVINO.Version",
            "dai.CameraControl.AutoFocusMode", "dai.ColorCameraProperties.SensorResolution",
            "dai.VideoEncoderProperties.Profile", "dai.TensorInfo.DataType"} <= paths, sorted(paths)


@pytest.mark.parametrize("enum, path", ENUMS, ids=[path for _, path in ENUMS])
def test_every_enum_prints_as_gen2s_bindings_and_round_trips_through_int(enum, path):
    """pybind11 enums print their own name, not their owner's: dai.ImgFrame.Type.BGR888p is 'Type.BGR888p'."""
    own_name = path.rpartition(".")[2]
    for name, member in enum.__members__.items():
        canonical = enum(int(member))
        assert str(member) == f"{own_name}.{canonical.name}" == f"{member}"
        assert repr(member) == f"<{own_name}.{canonical.name}: {int(member)}>"
        assert canonical == member and getattr(enum, name) is canonical
        assert f"{member:d}" == str(int(member))


@pytest.mark.parametrize("member, text, shown", [
    ("UsbSpeed.SUPER", "UsbSpeed.SUPER", "<UsbSpeed.SUPER: 4>"),
    ("ImgFrame.Type.BGR888p", "Type.BGR888p", "<Type.BGR888p: 8>"),
    ("CameraBoardSocket.LEFT", "CameraBoardSocket.CAM_B", "<CameraBoardSocket.CAM_B: 1>"),
    ("LogLevel.WARN", "LogLevel.WARN", "<LogLevel.WARN: 3>"),
])
def test_examples_of_gen2s_printed_forms(member, text, shown):
    import oakling as dai
    value = dai
    for part in member.split("."):
        value = getattr(value, part)
    assert (str(value), repr(value)) == (text, shown)
