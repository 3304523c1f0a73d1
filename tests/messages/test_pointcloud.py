"""PointCloudConfig and PointCloudData: gen2's fields and defaults, the matrix forms, the points as
an (N, 3) float32 array, and the wire."""
from datetime import timedelta

import msgpack
import numpy as np
import pytest

import oakling as dai
from oakling.messages import codec
from oakling.messages.pointcloud import IDENTITY


def _wire(msg):
    dt, meta, payload = codec.encode(msg)
    return codec.decode(dt, msgpack.unpackb(msgpack.packb(meta)), payload.copy())


def test_config_has_gen2_defaults_and_takes_both_matrix_forms():
    config = dai.PointCloudConfig()
    assert config.getSparse() is False
    assert config.getTransformationMatrix() == [list(row) for row in IDENTITY]
    assert config.get().as_dict() == {"sparse": False, "transformationMatrix": [list(row) for row in IDENTITY]}
    rotation = [[0, -1, 0], [1, 0, 0], [0, 0, 1]]
    config.setSparse(True).setTransformationMatrix(rotation)
    assert config.getTransformationMatrix() == [[0, -1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    config.setTransformationMatrix(np.array([[1, 0, 0, 10], [0, 1, 0, 500], [0, 0, 1, 0], [0, 0, 0, 1]]))
    assert config.getTransformationMatrix()[1][3] == 500
    with pytest.raises(ValueError, match="4x4 or 3x3"):
        config.setTransformationMatrix([[1, 0], [0, 1]])
    raw = config.get()
    raw.sparse = False
    assert config.getSparse() is True                  # get() gives a copy
    assert dai.PointCloudConfig().set(raw).getSparse() is False
    with pytest.raises(TypeError, match="RawPointCloudConfig"):
        config.set({"sparse": True})


def test_data_holds_points_as_float32_triples():
    msg = dai.PointCloudData()
    assert (msg.getWidth(), msg.getHeight(), msg.isSparse(), msg.getInstanceNum()) == (0, 0, False, 0)
    assert msg.getPoints().shape == (0, 3) and msg.getPoints().dtype == np.float32
    pts = np.array([[1, 2, 3], [-4.5, 5, 600]], np.float32)
    msg.setPoints(pts).setSize(2, 1).setInstanceNum(2).setMinZ(3).setMaxZ(600)
    got = msg.getPoints()
    assert got.shape == (2, 3) and np.array_equal(got, pts)
    got[0, 0] = 99
    assert msg.getPoints()[0, 0] == 1                  # a new array, as gen2's
    assert [p.z for p in msg.points] == [3, 600]
    msg.points = [dai.Point3f(7, 8, 9)]
    assert msg.getPoints().tolist() == [[7, 8, 9]]
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        msg.setPoints(np.zeros((4, 2)))


def test_config_and_data_cross_the_wire():
    config = dai.PointCloudConfig().setSparse(True).setTransformationMatrix([[1, 0, 0, 0], [0, 1, 0, 5],
                                                                             [0, 0, 1, 0], [0, 0, 0, 1]])
    config.setSequenceNum(3)
    back = _wire(config)
    assert type(back) is dai.PointCloudConfig and back.getSparse() and back.getTransformationMatrix()[1][3] == 5
    assert back.getSequenceNum() == 3
    msg = dai.PointCloudData().setPoints(np.arange(12, dtype=np.float32).reshape(4, 3)).setSize(4, 1)
    msg.setInstanceNum(2).setMinX(-1).setMaxY(7.5).setSequenceNum(9).setTimestamp(timedelta(seconds=2))
    msg.setSparse(True)
    back = _wire(msg)
    assert type(back) is dai.PointCloudData
    assert np.array_equal(back.getPoints(), msg.getPoints())
    assert (back.getWidth(), back.getHeight(), back.getInstanceNum(), back.isSparse()) == (4, 1, 2, True)
    assert (back.getMinX(), back.getMaxY(), back.getSequenceNum()) == (-1, 7.5, 9)
    assert back.getTimestamp() == timedelta(seconds=2)
