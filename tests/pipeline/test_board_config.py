"""dai.BoardConfig and dai.Device.Config are built as gen2 programs build them, with gen2's defaults."""
import pytest

import oakling as dai

GPIO = dai.BoardConfig.GPIO


def test_defaults_are_gen2s():
    board = dai.BoardConfig()
    assert (board.usb.vid, board.usb.pid, board.usb.maxSpeed) == (0x03E7, 0xF63B, dai.UsbSpeed.SUPER)
    assert (board.network.mtu, board.network.xlinkTcpNoDelay) == (0, True)
    assert board.sysctl == [] and board.gpio == {} and board.uart == {} and board.camera == {}
    assert board.watchdogTimeoutMs is None and board.emmc is None and board.uvc is None
    pin = GPIO()
    assert (pin.mode, pin.direction, pin.level, pin.pull, pin.drive) == (
        GPIO.DIRECT, GPIO.INPUT, GPIO.LOW, GPIO.NO_PULL, GPIO.MA_2)
    config = dai.Device.Config()
    assert config.version == dai.OpenVINO.Version.VERSION_UNIVERSAL and config.nonExclusiveMode is False
    assert config.logLevel is None and config.outputLogLevel is None
    assert isinstance(config.board, dai.BoardConfig)


@pytest.mark.parametrize("args, mode, level, pull", [
    ((GPIO.OUTPUT, GPIO.ALT_MODE_2), GPIO.ALT_MODE_2, GPIO.LOW, GPIO.NO_PULL),
    ((GPIO.OUTPUT, GPIO.HIGH), GPIO.DIRECT, GPIO.HIGH, GPIO.NO_PULL),
    ((GPIO.INPUT, GPIO.LOW, GPIO.PULL_UP), GPIO.DIRECT, GPIO.LOW, GPIO.PULL_UP),
    ((GPIO.INPUT, GPIO.ALT_MODE_1, GPIO.BUS_KEEPER), GPIO.ALT_MODE_1, GPIO.LOW, GPIO.BUS_KEEPER),
])
def test_gpio_takes_gen2s_constructor_forms(args, mode, level, pull):
    pin = GPIO(*args)
    assert (pin.direction, pin.mode, pin.level, pin.pull) == (args[0], mode, level, pull)


def test_gpio_enums_are_nested_and_exported_as_pybind11_does():
    assert GPIO.OUTPUT is GPIO.Direction.OUTPUT and GPIO.ALT_MODE_2 is GPIO.Mode.ALT_MODE_2
    assert str(GPIO.MA_12) == "Drive.MA_12" and int(GPIO.Mode.DIRECT) == 7


def test_gpio_refuses_a_plain_int_where_gen2_wants_its_enum():
    with pytest.raises(TypeError, match="direction must be a BoardConfig.GPIO.Direction, got int 1"):
        GPIO(1)


def test_a_program_sets_every_kind_of_field():
    config = dai.Device.Config()
    config.board.gpio[15] = GPIO(GPIO.OUTPUT, GPIO.ALT_MODE_2)
    config.board.uart[0] = dai.BoardConfig.UART()
    config.board.sysctl.append("net.inet.tcp.delayed_ack=0")
    config.board.watchdogTimeoutMs = 4500
    config.board.usb.maxSpeed = dai.UsbSpeed.HIGH
    config.board.uvc = dai.BoardConfig.UVC(1280, 720)
    config.board.uvc.frameType = dai.ImgFrame.Type.NV12
    config.nonExclusiveMode = True
    assert (config.board.uvc.width, config.board.uvc.height) == (1280, 720)
    assert config.board.gpio[15].mode == GPIO.ALT_MODE_2


def test_a_pipeline_carries_a_board_config():
    pipeline = dai.Pipeline()
    assert isinstance(pipeline.getBoardConfig(), dai.BoardConfig)
    board = dai.BoardConfig()
    pipeline.setBoardConfig(board)
    assert pipeline.getBoardConfig() is board
    with pytest.raises(TypeError, match="expected dai.BoardConfig, got dict"):
        pipeline.setBoardConfig({})
