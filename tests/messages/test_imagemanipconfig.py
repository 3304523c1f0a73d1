"""ImageManipConfig: gen2 defaults, what each setter changes, clamping and overloads, copies."""
import math

import pytest

from oakling.messages import Colormap, ImageManipConfig, ImgFrame, Interpolation, Point2f, RotatedRect, Size2f


def get(cfg, path):
    obj = cfg
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


GEN2_DEFAULTS = {
    "enableCrop": False, "enableResize": False, "enableFormat": False, "reusePreviousImage": False,
    "skipCurrentImage": False, "interpolation": Interpolation.AUTO,
    "cropConfig.cropRect.xmin": 0.0, "cropConfig.cropRect.ymax": 0.0, "cropConfig.enableCenterCropRectangle": False,
    "cropConfig.cropRatio": 1.0, "cropConfig.widthHeightAspectRatio": 1.0, "cropConfig.enableRotatedRect": False,
    "cropConfig.normalizedCoords": True, "cropConfig.cropRotatedRect.angle": 0.0,
    "resizeConfig.width": 0, "resizeConfig.height": 0, "resizeConfig.lockAspectRatioFill": False,
    "resizeConfig.bgRed": 0, "resizeConfig.warpFourPoints": [], "resizeConfig.normalizedCoords": True,
    "resizeConfig.enableWarp4pt": False, "resizeConfig.warpMatrix3x3": [], "resizeConfig.enableWarpMatrix": False,
    "resizeConfig.warpBorderReplicate": False, "resizeConfig.rotationAngleDeg": 0.0,
    "resizeConfig.enableRotation": False, "resizeConfig.keepAspectRatio": True,
    "formatConfig.type": ImgFrame.Type.NONE, "formatConfig.flipHorizontal": False,
    "formatConfig.flipVertical": False, "formatConfig.colormap": Colormap.NONE, "formatConfig.colormapMin": 0,
    "formatConfig.colormapMax": 255,
}


@pytest.mark.parametrize("path, value", list(GEN2_DEFAULTS.items()))
def test_defaults_match_gen2(path, value):
    assert get(ImageManipConfig(), path) == value


RR = RotatedRect(Point2f(0.5, 0.4), Size2f(0.2, 0.3), 15)

SETTER_EFFECTS = [
    (lambda c: c.setCropRect(0.1, 0.2, 0.8, 0.9), {"enableCrop": True, "cropConfig.cropRect.xmin": 0.1,
                                                   "cropConfig.cropRect.ymin": 0.2, "cropConfig.cropRect.xmax": 0.8,
                                                   "cropConfig.cropRect.ymax": 0.9}),
    (lambda c: c.setCropRect((0.1, 0.2, 0.8, 0.9)), {"enableCrop": True, "cropConfig.cropRect.ymax": 0.9}),
    (lambda c: c.setCropRect(-0.5, -1, 1.5, 2), {"cropConfig.cropRect.xmin": 0.0, "cropConfig.cropRect.ymin": 0.0,
                                                 "cropConfig.cropRect.xmax": 1.0, "cropConfig.cropRect.ymax": 1.0}),
    (lambda c: c.setCropRect(0.7, 0.7, 0.2, 0.2), {"cropConfig.cropRect.xmin": 0.7, "cropConfig.cropRect.xmax": 0.2}),
    (lambda c: c.setCenterCrop(0.5).setCropRect(0, 0, 1, 1), {"cropConfig.enableCenterCropRectangle": False}),
    (lambda c: c.setCropRotatedRect(RR, False), {"enableCrop": True, "cropConfig.enableRotatedRect": True,
                                                 "cropConfig.normalizedCoords": False,
                                                 "cropConfig.cropRotatedRect.center.x": 0.5,
                                                 "cropConfig.cropRotatedRect.size.height": 0.3,
                                                 "cropConfig.cropRotatedRect.angle": 15.0}),
    (lambda c: c.setCenterCrop(0.5, 1.5), {"enableCrop": True, "cropConfig.enableCenterCropRectangle": True,
                                           "cropConfig.cropRatio": 0.5, "cropConfig.widthHeightAspectRatio": 1.5}),
    (lambda c: c.setCenterCrop(1.5), {"cropConfig.cropRatio": 1.0}),
    (lambda c: c.setCenterCrop(-0.1), {"cropConfig.cropRatio": 1.0}),
    (lambda c: c.setResize(300, 200), {"enableResize": True, "resizeConfig.width": 300, "resizeConfig.height": 200,
                                       "resizeConfig.lockAspectRatioFill": False}),
    (lambda c: c.setResizeThumbnail(300, 200).setResize((64, 32)), {"resizeConfig.width": 64,
                                                                     "resizeConfig.lockAspectRatioFill": False}),
    (lambda c: c.setResizeThumbnail(300, 200, 10, 20, 30), {"enableResize": True, "resizeConfig.width": 300,
                                                            "resizeConfig.lockAspectRatioFill": True,
                                                            "resizeConfig.bgRed": 10, "resizeConfig.bgGreen": 20,
                                                            "resizeConfig.bgBlue": 30}),
    (lambda c: c.setResizeThumbnail((300, 200), 1, 2, 3), {"resizeConfig.height": 200, "resizeConfig.bgRed": 1,
                                                           "resizeConfig.bgGreen": 2, "resizeConfig.bgBlue": 3}),
    (lambda c: c.setKeepAspectRatio(False), {"resizeConfig.keepAspectRatio": False, "enableResize": False}),
    (lambda c: c.setFrameType(ImgFrame.Type.BGR888p), {"enableFormat": True,
                                                       "formatConfig.type": ImgFrame.Type.BGR888p}),
    (lambda c: c.setRotationDegrees(90), {"enableResize": True, "resizeConfig.rotationAngleDeg": 90.0,
                                          "resizeConfig.enableRotation": True}),
    (lambda c: c.setHorizontalFlip(True), {"enableFormat": True, "formatConfig.flipHorizontal": True}),
    (lambda c: c.setVerticalFlip(True), {"enableFormat": True, "formatConfig.flipVertical": True}),
    (lambda c: c.setWarpTransformFourPoints([Point2f(0, 0), Point2f(1, 0), Point2f(1, 1), Point2f(0, 1)], False),
     {"enableResize": True, "resizeConfig.keepAspectRatio": False, "resizeConfig.enableWarp4pt": True,
      "resizeConfig.normalizedCoords": False}),
    (lambda c: c.setWarpTransformMatrix3x3([1, 0, 0, 0, 1, 0, 0, 0, 1]),
     {"enableResize": True, "resizeConfig.enableWarpMatrix": True,
      "resizeConfig.warpMatrix3x3": [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]}),
    (lambda c: c.setWarpTransformMatrix3x3([[2, 0, 0], [0, 2, 0], [0, 0, 1]]),
     {"resizeConfig.warpMatrix3x3": [2.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 1.0]}),
    (lambda c: c.setWarpBorderReplicatePixels(), {"enableResize": True, "resizeConfig.warpBorderReplicate": True}),
    (lambda c: c.setWarpBorderReplicatePixels().setWarpBorderFillColor(255, 128, -1),
     {"resizeConfig.warpBorderReplicate": False, "resizeConfig.bgRed": 255, "resizeConfig.bgGreen": 128,
      "resizeConfig.bgBlue": 255}),
    (lambda c: c.setReusePreviousImage(True), {"reusePreviousImage": True}),
    (lambda c: c.setSkipCurrentImage(True), {"skipCurrentImage": True}),
    (lambda c: c.setInterpolation(Interpolation.BILINEAR), {"interpolation": Interpolation.BILINEAR}),
    (lambda c: c.setColormap(Colormap.JET), {"enableFormat": True, "formatConfig.colormap": Colormap.JET,
                                             "formatConfig.colormapMin": 0, "formatConfig.colormapMax": 255}),
    (lambda c: c.setColormap(Colormap.TURBO, 100), {"formatConfig.colormapMin": 0, "formatConfig.colormapMax": 100}),
    (lambda c: c.setColormap(Colormap.TURBO, 99.9), {"formatConfig.colormapMax": 99}),
    (lambda c: c.setColormap(Colormap.STEREO_JET, 10, 200), {"formatConfig.colormapMin": 10,
                                                             "formatConfig.colormapMax": 200}),
]


@pytest.mark.parametrize("call, effects", SETTER_EFFECTS)
def test_setter_effects(call, effects):
    cfg = ImageManipConfig()
    assert call(cfg) is cfg
    for path, value in effects.items():
        got = get(cfg, path)
        assert got == value and type(got) is type(value), f"{path}: expected {value!r}, got {got!r}"


@pytest.mark.parametrize("call, stages", [
    (lambda c: c.setCropRect(0, 0, 1, 1), (True, False, False)),
    (lambda c: c.setCenterCrop(0.5), (True, False, False)),
    (lambda c: c.setCropRotatedRect(RR), (True, False, False)),
    (lambda c: c.setResize(10, 10), (False, True, False)),
    (lambda c: c.setResizeThumbnail(10, 10), (False, True, False)),
    (lambda c: c.setRotationDegrees(10), (False, True, False)),
    (lambda c: c.setWarpBorderFillColor(0, 0, 0), (False, True, False)),
    (lambda c: c.setFrameType(ImgFrame.Type.GRAY8), (False, False, True)),
    (lambda c: c.setColormap(Colormap.JET), (False, False, True)),
    (lambda c: c.setHorizontalFlip(False), (False, False, True)),
    (lambda c: c.setKeepAspectRatio(True), (False, False, False)),
    (lambda c: c.setInterpolation(Interpolation.BICUBIC), (False, False, False)),
    (lambda c: c.setReusePreviousImage(True), (False, False, False)),
])
def test_setters_enable_only_their_stage(call, stages):
    cfg = call(ImageManipConfig())
    assert (cfg.enableCrop, cfg.enableResize, cfg.enableFormat) == stages


def test_rotation_radians_is_degrees():
    cfg = ImageManipConfig().setRotationRadians(math.pi / 2)
    assert cfg.resizeConfig.rotationAngleDeg == pytest.approx(90.0)


def test_rotated_rect_is_copied_in():
    rr = RotatedRect(Point2f(0.5, 0.5), Size2f(1, 1), 0)
    cfg = ImageManipConfig().setCropRotatedRect(rr)
    rr.center.x = 0.9
    assert cfg.cropConfig.cropRotatedRect.center.x == 0.5 and cfg.cropConfig.normalizedCoords is True


def test_getters():
    cfg = ImageManipConfig().setCropRect(0.1, 0.2, 0.3, 0.4).setResizeThumbnail(320, 240)
    cfg.setColormap(Colormap.JET).setInterpolation(Interpolation.NEAREST_NEIGHBOR)
    assert (cfg.getCropXMin(), cfg.getCropYMin(), cfg.getCropXMax(), cfg.getCropYMax()) == (0.1, 0.2, 0.3, 0.4)
    assert (cfg.getResizeWidth(), cfg.getResizeHeight(), cfg.isResizeThumbnail()) == (320, 240, True)
    assert cfg.getColormap() is Colormap.JET and cfg.getInterpolation() is Interpolation.BYPASS
    assert cfg.getCropConfig().cropRect.xmax == 0.3 and cfg.getResizeConfig().width == 320
    assert cfg.getFormatConfig().colormap is Colormap.JET


def test_config_getters_return_copies():
    cfg = ImageManipConfig().setResize(10, 10)
    cfg.getCropConfig().cropRect.xmin = 0.5
    cfg.getResizeConfig().warpFourPoints.append(Point2f())
    cfg.getFormatConfig().flipVertical = True
    assert cfg.getCropXMin() == 0.0 and cfg.resizeConfig.warpFourPoints == []
    assert cfg.formatConfig.flipVertical is False


def test_get_and_set_copy_everything():
    src = ImageManipConfig().setCropRect(0.1, 0.1, 0.5, 0.5).setFrameType(ImgFrame.Type.GRAY8).setSequenceNum(4)
    snapshot = src.get()
    src.setCropRect(0, 0, 1, 1)
    assert snapshot.getCropXMax() == 0.5 and snapshot.formatConfig.type is ImgFrame.Type.GRAY8
    dst = ImageManipConfig()
    assert dst.set(snapshot) is dst
    assert dst.getCropXMax() == 0.5 and dst.enableFormat and dst.getSequenceNum() == 4
    snapshot.cropConfig.cropRect.xmax = 0.9
    assert dst.getCropXMax() == 0.5


@pytest.mark.parametrize("call, error, match", [
    (lambda c: c.setColormap(Colormap.JET, 256), ValueError, "max must be in 0..255, got 256"),
    (lambda c: c.setColormap(Colormap.JET, -1, 10), ValueError, "min must be in 0..255, got -1"),
    (lambda c: c.setColormap("JET"), TypeError, "expected Colormap"),
    (lambda c: c.setCropRect(0.1, 0.2), TypeError, "setCropRect"),
    (lambda c: c.setCropRect("abcd"), TypeError, "setCropRect: expected a float"),
    (lambda c: c.setResize(1.5, 2), TypeError, "setResize: expected an int"),
    (lambda c: c.setFrameType(1000), TypeError, r"expected ImgFrame\.Type \(YUV422i"),
    (lambda c: c.setCropRotatedRect((0, 0, 1, 1)), TypeError, "expected RotatedRect, got tuple"),
    (lambda c: c.setWarpTransformFourPoints([(0, 0)], True), TypeError, r"pt\[0\] expected Point2f"),
    (lambda c: c.setHorizontalFlip("yes"), TypeError, "expected a bool"),
])
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call(ImageManipConfig())


def test_interpolation_and_colormap_values_match_gen2():
    assert {i.name: i.value for i in Interpolation} == {"AUTO": -1, "BILINEAR": 0, "BICUBIC": 1,
                                                         "NEAREST_NEIGHBOR": 2}
    assert (Interpolation.BYPASS, Interpolation.DEFAULT, Interpolation.DEFAULT_DISPARITY_DEPTH) == (2, 1, 2)
    assert {c.name: c.value for c in Colormap} == {"NONE": 0, "TURBO": 1, "JET": 2, "STEREO_TURBO": 3,
                                                   "STEREO_JET": 4}
