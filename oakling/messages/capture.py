"""What a picture was captured with: the camera settings (gen2's RawImgFrame.cam) and the socket.

ImgFrame and EncodedFrame both carry them, and a picture made from another (an ImageManip output,
an encoded frame) keeps them with its sequence number and timestamps: `_keep_capture_of(src)`.
"""
from datetime import timedelta

from ._args import as_float, as_int


class CaptureSettings:
    """Mixin for messages that hold a captured picture. Fields: `_instance_num`, `_exposure_us`,
    `_sensitivity_iso`, `_lens_position`, `_wb_color_temp`, `_lens_position_raw`."""

    def _reset_capture(self):
        self._instance_num = 0
        self._exposure_us = 0
        self._sensitivity_iso = 0
        self._lens_position = 0
        self._wb_color_temp = 0
        self._lens_position_raw = 0.0

    def getInstanceNum(self) -> int:
        """The camera socket that produced the picture."""
        return self._instance_num

    def getExposureTime(self) -> timedelta:
        return timedelta(microseconds=self._exposure_us)

    def getSensitivity(self) -> int:
        """ISO sensitivity the picture was taken with."""
        return self._sensitivity_iso

    def getColorTemperature(self) -> int:
        """White-balance colour temperature in kelvin."""
        return self._wb_color_temp

    def getLensPosition(self) -> int:
        """Lens position 0..255 when the picture was taken."""
        return self._lens_position

    def getLensPositionRaw(self) -> float:
        return self._lens_position_raw

    def _set_camera_settings(self, exposure_us=None, sensitivity_iso=None, lens_position=None,
                             wb_color_temp=None, lens_position_raw=None):
        """For camera nodes: the settings the picture was captured with. Unset ones are kept."""
        name = type(self).__name__
        if exposure_us is not None:
            self._exposure_us = as_int(exposure_us, f"{name} exposure_us")
        if sensitivity_iso is not None:
            self._sensitivity_iso = as_int(sensitivity_iso, f"{name} sensitivity_iso")
        if lens_position is not None:
            self._lens_position = as_int(lens_position, f"{name} lens_position")
        if wb_color_temp is not None:
            self._wb_color_temp = as_int(wb_color_temp, f"{name} wb_color_temp")
        if lens_position_raw is not None:
            self._lens_position_raw = as_float(lens_position_raw, f"{name} lens_position_raw")
        return self

    def _keep_capture_of(self, src: "CaptureSettings"):
        """Make this picture, made from `src`, keep its sequence number, timestamps, socket and settings."""
        self._keep_time_of(src)
        self._instance_num = src._instance_num
        self._exposure_us, self._sensitivity_iso = src._exposure_us, src._sensitivity_iso
        self._lens_position, self._wb_color_temp = src._lens_position, src._wb_color_temp
        self._lens_position_raw = src._lens_position_raw
        return self
