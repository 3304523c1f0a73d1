"""IMU: the device's inertial measurement unit — accelerometer, gyroscope, magnetometer and the
orientation its fusion reports — as batches of packets on `out`.

    imu = pipeline.create(dai.node.IMU)
    imu.enableIMUSensor(dai.IMUSensor.ACCELEROMETER_RAW, 500)      # Hz
    imu.enableIMUSensor([dai.IMUSensor.GYROSCOPE_RAW, dai.IMUSensor.ROTATION_VECTOR], 400)
    imu.setBatchReportThreshold(1)       # send as soon as one packet is ready...
    imu.setMaxBatchReports(10)           # ...and at most 10 packets in one IMUData
    imu.out.link(xout.input)             # dai.IMUData

Output `out` (IMUData). Properties as gen2's IMUProperties: `imuSensors` (a list of
IMUSensorConfig: sensitivityEnabled, sensitivityRelative, changeSensitivity, reportRate,
sensorId), `batchReportThreshold` (1), `maxBatchReports` (5) and `enableFirmwareUpdate` (False).

The readings come from the device's IMU source (oakling/sources/imu.py): a recorded IMU file
given with `Device(imu=...)` / OAKLING_IMU / `oakling run --imu`, or, by default, a BNO086
synthesised: still, or moving as `Device(motion=...)` says, as the synthetic cameras see it move.
Synthetic sensors run at the rate the IMU would give for the one asked (a BNO086
rounds up to its next stable rate, a BMI270 down); a recording plays at the times it was recorded.
Each packet holds the newest report of every enabled sensor kind, made when the fastest one
reports (or, from a recording, at each recorded time). Packets are sent once
`batchReportThreshold` are ready, at most `maxBatchReports` in one message; packets that could
not be sent for over a second are dropped (their reports' sequence numbers show the gap), as a
real IMU's are when its host falls behind.
"""
from __future__ import annotations

import numpy as np

from ..log import LogLevel
from ..messages.datatype import DatatypeEnum
from ..messages.imudata import IMUData, IMUPacket, IMUSensor
from ..pipeline.node import Node
from ..pipeline.registry import node_type
from ..runtime.worker import Worker

MAX_BATCH_REPORTS = 5   # gen2: "Maximum number of IMU packets in a batch. Maximum 5."
CATCH_UP_S = 1.0        # packets older than this when the node gets to them are dropped


class IMUSensorConfig:
    """One enabled sensor (gen2 `dai.IMUSensorConfig`): `sensorId`, `reportRate` (Hz, 0 disables it) and
    the change-sensitivity settings (`sensitivityEnabled`, `sensitivityRelative`, `changeSensitivity`),
    which are kept and sent but do not change what a still or recorded IMU reports."""

    def __init__(self):
        self.sensitivityEnabled = False
        self.sensitivityRelative = False
        self.changeSensitivity = 0
        self.reportRate = 100
        self.sensorId = IMUSensor.ACCELEROMETER

    def _json(self) -> dict:
        return {"sensitivityEnabled": bool(self.sensitivityEnabled),
                "sensitivityRelative": bool(self.sensitivityRelative), "changeSensitivity": int(self.changeSensitivity), "reportRate": int(self.reportRate),
                "sensorId": int(self.sensorId)}

    def __repr__(self):
        return f"IMUSensorConfig(sensorId={IMUSensor(self.sensorId)}, reportRate={self.reportRate})"


class IMUProperties:
    """gen2's `dai.IMUProperties` (`dai.node.IMU.Properties`)."""

    def __init__(self):
        self.imuSensors: list = []
        self.batchReportThreshold = 1
        self.maxBatchReports = MAX_BATCH_REPORTS
        self.enableFirmwareUpdate = False


def _rate(value, what: str) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__") or int(value) < 0 or int(value) >= 2 ** 32:
        raise TypeError(f"{what}: expected a report rate in Hz (a whole number, 0 disables), got {value!r}")
    return int(value)


def _sensor(value, what: str) -> IMUSensor:
    try:
        return IMUSensor(value)
    except ValueError:
        raise TypeError(f"{what}: expected a dai.IMUSensor, got {value!r}") from None


@node_type(worker="IMUWorker")
class IMU(Node):
    NAME = "IMU"
    Properties = IMUProperties

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.out = self._output("out", types=(DatatypeEnum.IMUData,))
        self._props = IMUProperties()
        self.properties = {}

    def serialize_properties(self) -> dict:
        p = self._props
        return {"imuSensors": [c._json() for c in p.imuSensors], "batchReportThreshold": int(p.batchReportThreshold),
                "maxBatchReports": int(p.maxBatchReports), "enableFirmwareUpdate": bool(p.enableFirmwareUpdate)}

    def enableIMUSensor(self, sensor, reportRate=None):
        """Enable sensors: an IMUSensorConfig, a list of them, an IMUSensor with its rate in Hz, or a list
        of IMUSensors with one rate. A sensor enabled again replaces its earlier config."""
        what = f"{self._label}.enableIMUSensor"
        if isinstance(sensor, (list, tuple)):
            items = list(sensor)
        else:
            items = [sensor]
        configs = []
        for item in items:
            if isinstance(item, IMUSensorConfig):
                if reportRate is not None:
                    raise TypeError(f"{what}: give either IMUSensorConfigs or sensors with a reportRate, not both")
                cfg = IMUSensorConfig()
                cfg.__dict__.update(item.__dict__)
                cfg.sensorId = _sensor(cfg.sensorId, what)
                cfg.reportRate = _rate(cfg.reportRate, what)
            else:
                if reportRate is None:
                    raise TypeError(f"{what}: {item!r} needs a reportRate — enableIMUSensor(dai.IMUSensor.X, 400)")
                cfg = IMUSensorConfig()
                cfg.sensorId, cfg.reportRate = _sensor(item, what), _rate(reportRate, what)
            configs.append(cfg)
        for cfg in configs:
            self._props.imuSensors = [c for c in self._props.imuSensors if c.sensorId != cfg.sensorId] + [cfg]

    def setBatchReportThreshold(self, batchReportThreshold: int):
        """Packets to gather before they are sent (default 1)."""
        self._props.batchReportThreshold = _count(batchReportThreshold, f"{self._label}.setBatchReportThreshold")

    def getBatchReportThreshold(self) -> int:
        return self._props.batchReportThreshold

    def setMaxBatchReports(self, maxBatchReports: int):
        """The most packets one IMUData holds (default 5)."""
        self._props.maxBatchReports = _count(maxBatchReports, f"{self._label}.setMaxBatchReports")

    def getMaxBatchReports(self) -> int:
        return self._props.maxBatchReports

    def enableFirmwareUpdate(self, enable: bool):
        """Accepted (recorded in the properties); the IMU's firmware is the one `getIMUFirmwareVersion` names."""
        self._props.enableFirmwareUpdate = bool(enable)


def _count(value, what: str) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__") or int(value) < 1:
        raise TypeError(f"{what}: expected a whole number of at least 1, got {value!r}")
    return int(value)


# ------------------------------------------------------------------------------------------------
# Where packets come from (no device needed)
# ------------------------------------------------------------------------------------------------

class SyntheticIMU:
    """Packets of a synthetic device, still or moving along a trajectory (sources/motion.py): each
    enabled sensor at its rate; a packet whenever the fastest reports. `motion` is the device's
    (Trajectory, epoch_ns), or None for a still device."""

    def __init__(self, imu_type: str, sensors: list, seed: int, motion=None):
        from ..sources.imu import report_rate
        self.sensors = [(IMUSensor(s), report_rate(imu_type, s, r)) for s, r in sensors]
        self.sensors = [(s, r) for s, r in self.sensors if r > 0]
        self.rng = np.random.default_rng(seed)
        self.period = 1.0 / max(r for _, r in self.sensors) if self.sensors else 0.0
        self.count = {s: -1 for s, _ in self.sensors}
        self.latest: dict = {}
        self.n = 0
        self.trajectory, self.epoch_ns = motion if motion is not None else (None, 0)

    def next_time(self) -> float | None:
        return self.n * self.period if self.sensors else None

    def take(self, start_ns: int) -> IMUPacket:
        """The packet due at next_time() (seconds after `start_ns`)."""
        from ..sources.imu import synthetic_reading, FIELD
        t = self.n * self.period
        packet = IMUPacket()
        for sensor, rate in self.sensors:
            k = int(t * rate + 1e-9)            # this sensor's report index at time t
            if k != self.count[sensor]:
                self.count[sensor] = k
                ts = start_ns + round(k / rate * 1e9)
                reading = synthetic_reading(sensor, self.rng, self.trajectory, (ts - self.epoch_ns) / 1e9)
                self.latest[sensor] = (k, ts, *reading)
            seq, ts, values, accuracy = self.latest[sensor]
            _set(getattr(packet, FIELD[sensor]), seq, ts, values, accuracy)
        self.n += 1
        return packet


class RecordedIMU:
    """Packets of a recording: one per recorded time, with the newest report of each enabled kind."""

    def __init__(self, reports: list, fields: set, loop: bool):
        from ..messages.imudata import IMUReport
        self.reports = [r for r in reports if r[1] in fields]
        self.loop = loop
        self.duration = (self.reports[-1][0] - self.reports[0][0]) if self.reports else 0.0
        self.t0 = self.reports[0][0] if self.reports else 0.0
        self.index, self.lap = 0, 0
        self.seq: dict = {}
        self.latest: dict = {}
        self.accuracy = IMUReport.Accuracy.HIGH
        # a loop starts again one typical interval after the last report
        gaps = np.diff([r[0] for r in self.reports]) if len(self.reports) > 1 else np.array([0.01])
        self.gap = float(np.median(gaps[gaps > 0])) if np.any(gaps > 0) else 0.01

    def next_time(self) -> float | None:
        if self.index >= len(self.reports):
            if not self.loop or not self.reports:
                return None
            self.index, self.lap = 0, self.lap + 1
        return self.reports[self.index][0] - self.t0 + self.lap * (self.duration + self.gap)

    def take(self, start_ns: int) -> IMUPacket:
        t = self.next_time()
        while True:
            rt, field, values = self.reports[self.index]
            seq = self.seq[field] = self.seq.get(field, -1) + 1
            self.latest[field] = (seq, start_ns + round(t * 1e9), values)
            self.index += 1
            if self.index >= len(self.reports) or self.reports[self.index][0] != rt:
                break
        packet = IMUPacket()
        for field, (seq, ts, values) in self.latest.items():
            _set(getattr(packet, field), seq, ts, values, self.accuracy)
        return packet


def _set(report, seq: int, ts_ns: int, values: list, accuracy):
    report.sequence, report.accuracy = seq, accuracy
    report._ts_ns = report._ts_dev_ns = ts_ns
    for name, v in zip(report.FIELDS, values):
        setattr(report, name, v)


class IMUWorker(Worker):
    """Makes packets as the source's times come due on the node's clock, and sends them in batches.
    In a replay of a recording that has this node's packets, it sends those (session/device.py)."""

    def __init__(self, ctx):
        super().__init__(ctx)
        self._topic, self._replaying = None, False
        if ctx.session is not None:
            from ..session.format import imu_topic
            self._topic = imu_topic(self.label)
            self._replaying = self.output("out").linked and ctx.session.will_replay(self._topic)

    def _source(self):
        from ..sources import SourceError
        from ..sources.imu import FIELD, load_recording, supported
        option = self.ctx.options.get("imu") or {"type": "BNO086", "recording": None}
        imu_type = option["type"]
        configs = self.properties.get("imuSensors") or []
        if imu_type == "NONE":
            self.log(LogLevel.ERR, f"{self.label}: this device has no IMU (Device(imu='NONE')) — give an IMU "
                                   f"type or recording with Device(imu=...) / OAKLING_IMU")
            return None
        sensors = []
        for cfg in configs:
            sensor = IMUSensor(cfg["sensorId"])
            if not supported(imu_type, sensor):
                self.log(LogLevel.ERR, f"{self.label}: the {imu_type} has no {sensor.name} report — enable one of "
                                       f"the sensors it has (see docs/nodes.md, IMU)")
                continue
            sensors.append((sensor, int(cfg["reportRate"])))
        if not sensors:
            self.log(LogLevel.WARN, f"{self.label}: no IMU sensor enabled — call imu.enableIMUSensor(...)")
            return None
        if option.get("recording") is None:
            from ..sources.motion import trajectory_of
            return SyntheticIMU(imu_type, sensors, seed=self.ctx.node_id, motion=trajectory_of(self.ctx.options))
        try:
            _, reports = load_recording(option["recording"])
        except SourceError as e:
            self.log(LogLevel.ERR, f"{self.label}: {e}")
            return None
        fields = {FIELD[s] for s, r in sensors if r > 0}
        missing = fields - {r[1] for r in reports}
        if missing:
            self.log(LogLevel.WARN, f"{self.label}: the recording {option['recording']} has no "
                                    f"{', '.join(sorted(missing))} reports; those fields stay empty")
        realtime = self.ctx.options.get("realtime", True)
        end = self.ctx.options.get("camera_end") or ("loop" if realtime else "stop")
        return RecordedIMU(reports, fields, loop=end == "loop")

    def run(self):
        out = self.output("out")
        if not out.linked:
            return
        session = self.ctx.session
        if session is not None:   # session/device.py: record the packets sent, or send a replay's
            if self._replaying:
                for msg in session.replayed(self._topic, self.ctx.stop_event):
                    session.entered(self._topic, msg)
                    out.send(msg)
                out.close(f"{self.label}: the recorded IMU packets ended")
                return
        source = self._source()
        if source is None:
            out.close(f"{self.label}: no IMU readings (see the device log)")
            return
        threshold = max(1, int(self.properties.get("batchReportThreshold", 1)))
        batch = max(1, int(self.properties.get("maxBatchReports", MAX_BATCH_REPORTS)))
        clock = self.ctx.clock
        start, start_ns = clock.monotonic(), clock.now_ns()
        pending: list = []
        seq = 0
        while not self.stopping:
            t = source.next_time()
            if t is None:
                break
            now = clock.monotonic() - start
            if t > now:
                if pending and len(pending) >= threshold:
                    seq = self._send(out, pending, batch, seq, clock, self._entered)
                    pending = []
                    continue
                if self.sleep(t - now):
                    return
                continue
            packet = source.take(start_ns)
            if now - t <= CATCH_UP_S:
                pending.append(packet)
            if len(pending) >= max(threshold, batch):
                seq = self._send(out, pending, batch, seq, clock, self._entered)
                pending = []
        if pending:
            self._send(out, pending, batch, seq, clock, self._entered)
        out.close(f"{self.label}: the IMU recording ended")

    def _entered(self, msg):
        if self._topic is not None:
            self.ctx.session.entered(self._topic, msg)

    @staticmethod
    def _send(out, packets: list, batch: int, seq: int, clock, entered=None) -> int:
        for i in range(0, len(packets), batch):
            msg = IMUData()
            msg._packets = packets[i:i + batch]
            msg._seq = seq
            msg._ts_ns = msg._ts_dev_ns = clock.now_ns()
            if entered is not None:
                entered(msg)
            out.send(msg)
            seq += 1
        return seq
