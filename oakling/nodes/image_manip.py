"""ImageManip: crop, rotate, warp, resize, flip and convert frames on the device.

    manip = pipeline.create(dai.node.ImageManip)
    manip.initialConfig.setResize(300, 300)
    manip.initialConfig.setFrameType(dai.ImgFrame.Type.BGR888p)
    cam.preview.link(manip.inputImage)
    manip.out.link(xout.input)

Ports (gen2 defaults): `inputImage` (ImgFrame; blocking, queue 8, waits for a message),
`inputConfig` (ImageManipConfig; blocking, queue 8, does not wait: the last config is reused),
`out` (ImgFrame). Each output keeps its input's sequence number, timestamps, instance number and
camera settings.

`initialConfig` applies until a config arrives on `inputConfig`; a config that arrives replaces it
for the following images. With `inputConfig.setWaitForMessage(True)` (or the deprecated
`setWaitForConfigInput(True)`) each image waits for its own config: one config, one image, in order.
Such a config may say `setReusePreviousImage(True)` (apply it to the previous image again) or
`setSkipCurrentImage(True)` (drop the next image without output).

A config is applied in gen2's stage order:
  1. crop: a normalised rect, a rotated rect (normalised or in pixels), or a centred crop;
  2. resize stage: rotation (clockwise, about the centre, same size), a warp (four points mapped to
     the output corners, or a 3x3 matrix in OpenCV's warpPerspective sense), then the resize to
     setResize's size: cropped to the target's aspect ratio (keepAspectRatio, the default),
     stretched (setKeepAspectRatio(False)), or letterboxed (setResizeThumbnail);
  3. format: flips, colormap (grey inputs), and the output frame type (the input's unless set).
A warp mesh (node.setWarpMesh) remaps the input frame before the config is applied.

The image operations live in image_manip_ops.py (no device needed): OpenCV on NumPy views, in as
few passes as possible: one resampling pass for the whole geometry, one for the colour conversion,
the last of them written straight into the output's frame memory (`DeviceOutput.array`: shared
buffers that links lend to the host and scripts without a copy).
"""
from __future__ import annotations

import warnings

import numpy as np

from ..log import LogLevel
from ..messages.datatype import DatatypeEnum
from ..messages.enums import Colormap, Interpolation
from ..messages.geometry import Point2f
from ..messages.imagemanipconfig import ImageManipConfig
from ..messages.imgframe import ImgFrame
from ..pipeline.node import Node
from .image_manip_ops import ManipError, WarpMesh, apply_plan, decode_mesh, encode_mesh, mesh_points, plan
from ..pipeline.registry import node_type
from ..runtime.worker import Worker

T = ImgFrame.Type
DEFAULT_OUTPUT_FRAME_SIZE = 1024 * 1024
MESH_ASSET = "mesh"


# ------------------------------------------------------------------------------------------------
# The host node
# ------------------------------------------------------------------------------------------------

@node_type(worker="ImageManipWorker")
class ImageManip(Node):
    NAME = "ImageManip"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.inputConfig = self._input("inputConfig", types=(DatatypeEnum.ImageManipConfig,),
                                       blocking=True, queueSize=8, waitForMessage=False)
        self.inputImage = self._input("inputImage", types=(DatatypeEnum.ImgFrame,),
                                      blocking=True, queueSize=8, waitForMessage=True)
        self.out = self._output("out", types=(DatatypeEnum.ImgFrame,))
        self.initialConfig = ImageManipConfig()
        self.properties = {"outputFrameSize": DEFAULT_OUTPUT_FRAME_SIZE, "numFramesPool": 4,
                           "meshWidth": 0, "meshHeight": 0, "meshUri": ""}

    def serialize_properties(self) -> dict:
        props = {"initialConfig": config_to_json(self.initialConfig)}
        props.update(self.properties)
        return props

    # -- node properties --
    def setNumFramesPool(self, numFramesPool: int):
        """Frames in the output pool (accepted; the device allocates output frames as it needs)."""
        self.properties["numFramesPool"] = _int(numFramesPool, f"{self._label}.setNumFramesPool")

    def setMaxOutputFrameSize(self, maxFrameSize: int):
        """Largest output frame in bytes (default 1 MiB); a bigger output is an error and is dropped."""
        self.properties["outputFrameSize"] = _int(maxFrameSize, f"{self._label}.setMaxOutputFrameSize")

    def setKeepAspectRatio(self, keep: bool):
        """Same as initialConfig.setKeepAspectRatio (not deprecated in gen2)."""
        self.initialConfig.setKeepAspectRatio(keep)

    def setWarpMesh(self, meshData, width: int, height: int):
        """A custom warp: `width` x `height` source points (Point2f or (x, y) pairs, row by row from the
        top left), spread evenly over the output frame; each says where in the input that output
        position takes its pixel from."""
        what = f"{self._label}.setWarpMesh"
        width, height = _int(width, what), _int(height, what)
        points = mesh_points(meshData, what)
        if width < 2 or height < 2:
            raise ValueError(f"{what}: expected a mesh of at least 2x2 points, got {width}x{height}")
        if len(points) < width * height:
            raise ValueError(f"{what}: a {width}x{height} mesh needs {width * height} points, got {len(points)} "
                             f"— pass width*height points or a smaller width and height")
        self._assets[MESH_ASSET] = encode_mesh(points[:width * height], width, height)
        self.properties.update(meshUri=f"asset:{MESH_ASSET}", meshWidth=width, meshHeight=height)

    # -- deprecated in gen2: they warn, then set initialConfig / inputConfig --
    def setCropRect(self, xmin: float, ymin: float, xmax: float, ymax: float):
        self._deprecated("setCropRect")
        self.initialConfig.setCropRect(xmin, ymin, xmax, ymax)

    def setCenterCrop(self, ratio: float, whRatio: float = 1.0):
        self._deprecated("setCenterCrop")
        self.initialConfig.setCenterCrop(ratio, whRatio)

    def setResize(self, w: int, h: int):
        self._deprecated("setResize")
        self.initialConfig.setResize(w, h)

    def setResizeThumbnail(self, w: int, h: int, bgRed: int = 0, bgGreen: int = 0, bgBlue: int = 0):
        self._deprecated("setResizeThumbnail")
        self.initialConfig.setResizeThumbnail(w, h, bgRed, bgGreen, bgBlue)

    def setFrameType(self, type):
        self._deprecated("setFrameType")
        self.initialConfig.setFrameType(type)

    def setHorizontalFlip(self, flip: bool):
        self._deprecated("setHorizontalFlip")
        self.initialConfig.setHorizontalFlip(flip)

    def setWaitForConfigInput(self, wait: bool):
        warnings.warn("Use 'inputConfig.setWaitForMessage()' instead", DeprecationWarning, stacklevel=2)
        self.inputConfig.setWaitForMessage(wait)

    def getWaitForConfigInput(self) -> bool:
        warnings.warn("Use 'inputConfig.setWaitForMessage()' instead", DeprecationWarning, stacklevel=2)
        return self.inputConfig.getWaitForMessage()

    def _deprecated(self, name: str):
        warnings.warn(f"{name}() is deprecated, use initialConfig.{name}() instead.", DeprecationWarning,
                      stacklevel=3)



def _int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what}: expected an int, got {type(value).__name__} {value!r}")
    return int(value)


# ------------------------------------------------------------------------------------------------
# initialConfig as the schema carries it: gen2's RawImageManipConfig fields as JSON values
# ------------------------------------------------------------------------------------------------

def config_to_json(cfg: ImageManipConfig) -> dict:
    c, r, f = cfg.cropConfig, cfg.resizeConfig, cfg.formatConfig
    rect, rr = c.cropRect, c.cropRotatedRect
    return {
        "cropConfig": {
            "cropRect": {"xmin": float(rect.xmin), "ymin": float(rect.ymin), "xmax": float(rect.xmax),
                         "ymax": float(rect.ymax)},
            "cropRotatedRect": {"center": {"x": float(rr.center.x), "y": float(rr.center.y)},
                                "size": {"width": float(rr.size.width), "height": float(rr.size.height)},
                                "angle": float(rr.angle)},
            "enableCenterCropRectangle": bool(c.enableCenterCropRectangle), "cropRatio": float(c.cropRatio),
            "widthHeightAspectRatio": float(c.widthHeightAspectRatio),
            "enableRotatedRect": bool(c.enableRotatedRect), "normalizedCoords": bool(c.normalizedCoords)},
        "resizeConfig": {
            "width": int(r.width), "height": int(r.height), "lockAspectRatioFill": bool(r.lockAspectRatioFill),
            "bgRed": int(r.bgRed), "bgGreen": int(r.bgGreen), "bgBlue": int(r.bgBlue),
            "warpFourPoints": [{"x": float(p.x), "y": float(p.y)} for p in r.warpFourPoints],
            "normalizedCoords": bool(r.normalizedCoords), "enableWarp4pt": bool(r.enableWarp4pt),
            "warpMatrix3x3": [float(v) for v in r.warpMatrix3x3], "enableWarpMatrix": bool(r.enableWarpMatrix),
            "warpBorderReplicate": bool(r.warpBorderReplicate), "rotationAngleDeg": float(r.rotationAngleDeg),
            "enableRotation": bool(r.enableRotation), "keepAspectRatio": bool(r.keepAspectRatio)},
        "formatConfig": {
            "type": int(f.type), "flipHorizontal": bool(f.flipHorizontal), "flipVertical": bool(f.flipVertical),
            "colormap": int(f.colormap), "colormapMin": int(f.colormapMin), "colormapMax": int(f.colormapMax)},
        "enableCrop": bool(cfg.enableCrop), "enableResize": bool(cfg.enableResize),
        "enableFormat": bool(cfg.enableFormat), "reusePreviousImage": bool(cfg.reusePreviousImage),
        "skipCurrentImage": bool(cfg.skipCurrentImage), "interpolation": int(cfg.interpolation),
    }


def config_from_json(d: dict) -> ImageManipConfig:
    cfg = ImageManipConfig()
    c, r, f = cfg.cropConfig, cfg.resizeConfig, cfg.formatConfig
    cj, rj, fj = d["cropConfig"], d["resizeConfig"], d["formatConfig"]
    rect = cj["cropRect"]
    c.cropRect.xmin, c.cropRect.ymin, c.cropRect.xmax, c.cropRect.ymax = (
        rect["xmin"], rect["ymin"], rect["xmax"], rect["ymax"])
    rr = cj["cropRotatedRect"]
    c.cropRotatedRect.center.x, c.cropRotatedRect.center.y = rr["center"]["x"], rr["center"]["y"]
    c.cropRotatedRect.size.width, c.cropRotatedRect.size.height = rr["size"]["width"], rr["size"]["height"]
    c.cropRotatedRect.angle = rr["angle"]
    for k in ("enableCenterCropRectangle", "cropRatio", "widthHeightAspectRatio", "enableRotatedRect",
              "normalizedCoords"):
        setattr(c, k, cj[k])
    for k in ("width", "height", "lockAspectRatioFill", "normalizedCoords", "enableWarp4pt", "enableWarpMatrix",
              "warpBorderReplicate", "rotationAngleDeg", "enableRotation", "keepAspectRatio"):
        setattr(r, k, rj[k])
    r.bgRed, r.bgGreen, r.bgBlue = rj["bgRed"] & 0xFF, rj["bgGreen"] & 0xFF, rj["bgBlue"] & 0xFF
    r.warpFourPoints = [Point2f(p["x"], p["y"]) for p in rj["warpFourPoints"]]
    r.warpMatrix3x3 = list(rj["warpMatrix3x3"])
    f.type, f.colormap = T(fj["type"]), Colormap(fj["colormap"])
    f.flipHorizontal, f.flipVertical = fj["flipHorizontal"], fj["flipVertical"]
    f.colormapMin, f.colormapMax = fj["colormapMin"], fj["colormapMax"]
    for k in ("enableCrop", "enableResize", "enableFormat", "reusePreviousImage", "skipCurrentImage"):
        setattr(cfg, k, d[k])
    cfg.interpolation = Interpolation(d["interpolation"])
    return cfg


# ------------------------------------------------------------------------------------------------
# The device worker
# ------------------------------------------------------------------------------------------------

class ImageManipWorker(Worker):
    """gen2's loop: take a config (wait for one, or take one if there is one), take an image (unless
    the config reuses the previous one), apply, send. Bad input is logged, never fatal."""

    def run(self):
        props = self.properties
        self._max_size = props["outputFrameSize"]
        self._mesh = self._load_mesh(props)
        self._plans = {}
        images, configs, out = self.input("inputImage"), self.input("inputConfig"), self.output("out")
        self._alloc = out.array   # output frames are computed into memory links pass by reference
        if configs.wait_for_message and not configs.linked:
            self.log(LogLevel.WARN, f"{self.label}.inputConfig waits for a config on every image, but nothing is "
                                    f"linked to it: no image will be processed — link inputConfig or call "
                                    f"inputConfig.setWaitForMessage(False)")
        config = config_from_json(props["initialConfig"])
        image = None
        while True:
            new_config, skip, needs_image = None, False, True
            if configs.wait_for_message:
                new_config = self._valid_config(configs.get())
                if new_config is not None:
                    needs_image = not (image is not None and new_config.reusePreviousImage)
                    skip = new_config.skipCurrentImage
            else:
                new_config = self._valid_config(configs.try_get())
            if needs_image:
                image = images.get()
                if new_config is None and not configs.wait_for_message:
                    new_config = self._valid_config(configs.try_get())
                if skip:
                    continue
            if new_config is not None:
                config = new_config
                if not configs.wait_for_message and (config.reusePreviousImage or config.skipCurrentImage):
                    self._error("reuse-skip", f"{self.label}.inputConfig: setReusePreviousImage and "
                                              f"setSkipCurrentImage apply only when each image waits for its "
                                              f"config — call inputConfig.setWaitForMessage(True)",
                                level=LogLevel.WARN)
            elif configs.wait_for_message:
                continue   # the config that came with this image was not a config: error already logged
            if out.linked:
                result = self._process(config, image)
                if result is not None:
                    out.send(result)

    def _valid_config(self, msg):
        if msg is None or isinstance(msg, ImageManipConfig):
            return msg
        self._error("inputConfig-type", f"{self.label}.inputConfig: expected ImageManipConfig, got "
                                        f"{type(msg).__name__} — send ImageManipConfig messages to this input")
        return None

    def _process(self, config, image):
        label = f"{self.label}.inputImage"
        if not isinstance(image, ImgFrame):
            self._error("inputImage-type", f"{label}: expected ImgFrame, got {type(image).__name__} — send or "
                                           f"link ImgFrame messages to this input")
            return None
        seq = image.getSequenceNum()
        key = (id(config), image.getWidth(), image.getHeight(), image.getType())
        try:
            p = self._plans.get(key)
            if p is None:
                if len(self._plans) > 16:
                    self._plans.clear()
                p = self._plans[key] = plan(config, image.getWidth(), image.getHeight(), image.getType())
                p.config = config   # keeps id(config) from being reused while the plan is cached
            if not p.identity and p.nbytes > self._max_size:
                (w, h), need = p.out_size, p.nbytes
                self._error(("size", need), f"{self.label}.out: the {w}x{h} {p.out_type.name} output frame needs "
                                            f"{need} bytes, more than the maximum output frame size of "
                                            f"{self._max_size} bytes — call setMaxOutputFrameSize({need}) on "
                                            f"{self.label}; frame {seq} dropped")
                return None
            return apply_plan(p, image, self._mesh, self._alloc)
        except ManipError as e:
            self._error(("manip", str(e)), f"{label}: {e} (frame {seq} dropped)")
        except Exception as e:   # an OpenCV failure on an odd frame must not stop the node
            self._error(("fail", type(e).__name__), f"{label}: could not process frame {seq}: "
                                                    f"{type(e).__name__}: {e}")
        return None

    def _load_mesh(self, props):
        uri = props.get("meshUri") or ""
        if not uri:
            return None
        key = uri[len("asset:"):] if uri.startswith("asset:") else uri
        data = self.ctx.assets.get(key)
        if data is None:
            self.log(LogLevel.ERR, f"{self.label}: warp mesh asset '{key}' is missing; the mesh is ignored")
            return None
        try:
            return WarpMesh(decode_mesh(data, props["meshWidth"], props["meshHeight"]))
        except ManipError as e:
            self.log(LogLevel.ERR, f"{self.label}: expected {e}; the mesh is ignored")
            return None

