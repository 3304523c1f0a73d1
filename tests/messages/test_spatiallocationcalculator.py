"""SpatialLocationCalculatorConfig and SpatialLocationCalculatorData: gen2's fields and defaults, checks, JSON
and the wire."""
import msgpack
import pytest

from oakling.messages import codec
from oakling.messages.geometry import Point2f, Point3f, Rect
from oakling.messages.spatiallocationcalculator import (SpatialLocationCalculatorAlgorithm as Algorithm,
                                                        SpatialLocationCalculatorConfig,
                                                        SpatialLocationCalculatorConfigData,
                                                        SpatialLocationCalculatorData, SpatialLocations)


def _wire(msg):
    dt, meta, payload = codec.encode(msg)
    return codec.decode(dt, msgpack.unpackb(msgpack.packb(meta)), payload)


def test_config_data_has_gen2_defaults():
    d = SpatialLocationCalculatorConfigData()
    assert d.as_dict() == {"roi": {"x": 0.0, "y": 0.0, "width": 0.0, "height": 0.0},
                           "depthThresholds": {"lowerThreshold": 0, "upperThreshold": 65535},
                           "calculationAlgorithm": 4, "stepSize": -1}
    assert Algorithm.MEAN is Algorithm.AVERAGE


def test_add_roi_keeps_a_copy_and_checks():
    d = SpatialLocationCalculatorConfigData()
    d.roi = Rect(Point2f(0.4, 0.4), Point2f(0.6, 0.6))
    config = SpatialLocationCalculatorConfig()
    config.addROI(d)
    d.roi.x = 0.9
    assert config.getConfigData()[0].roi.x == pytest.approx(0.4)
    d.stepSize = 0
    with pytest.raises(ValueError, match="stepSize"):
        config.addROI(d)
    with pytest.raises(TypeError, match="setROIs"):
        config.setROIs([Rect()])


def test_config_and_data_cross_the_wire():
    d = SpatialLocationCalculatorConfigData()
    d.roi = Rect(10, 20, 30, 40)
    d.depthThresholds.lowerThreshold = 100
    d.calculationAlgorithm = Algorithm.MODE
    config = SpatialLocationCalculatorConfig().setROIs([d])
    config.setSequenceNum(5)
    back = _wire(config)
    assert back.getSequenceNum() == 5 and back.getConfigData()[0].as_dict() == d.as_dict()
    loc = SpatialLocations()
    loc.config, loc.depthAverage, loc.depthMin, loc.depthMax = d, 1000.5, 990, 1010
    loc.depthAveragePixelCount, loc.spatialCoordinates = 42, Point3f(-300, 25, 1000)
    data = SpatialLocationCalculatorData()
    data.spatialLocations = [loc]
    got = _wire(data).getSpatialLocations()[0]
    assert (got.depthAverage, got.depthMin, got.depthMax, got.depthAveragePixelCount) == (1000.5, 990, 1010, 42)
    assert (got.spatialCoordinates.x, got.spatialCoordinates.y, got.spatialCoordinates.z) == (-300, 25, 1000)
    assert got.config.calculationAlgorithm is Algorithm.MODE
