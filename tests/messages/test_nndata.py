"""NNData: gen2 setLayer typing, layer getters, 64-byte layout, and the v3 addTensor/getTensor extension."""
import numpy as np
import pytest

from oakling.messages import NNData, TensorInfo

DT = TensorInfo.DataType
SO = TensorInfo.StorageOrder


def test_enum_values_match_gen2():
    assert {d.name: d.value for d in DT} == {"FP16": 0, "U8F": 1, "INT": 2, "FP32": 3, "I8": 4}
    assert {o.name: o.value for o in SO} == {
        "NHWC": 0x4213, "NHCW": 0x4231, "NCHW": 0x4321, "HWC": 0x213, "CHW": 0x321, "WHC": 0x123, "HCW": 0x231,
        "WCH": 0x132, "CWH": 0x312, "NC": 0x43, "CN": 0x34, "C": 0x3, "H": 0x2, "W": 0x1}


def test_tensorinfo_defaults():
    t = TensorInfo()
    assert (t.order, t.dataType, t.numDimensions, t.dims, t.strides, t.name, t.offset) == \
        (SO.NCHW, DT.FP16, 0, [], [], "", 0)


@pytest.mark.parametrize("data, datatype, values", [
    ([1, 2, 3], DT.U8F, [1, 2, 3]),
    ((1, 2), DT.U8F, [1, 2]),
    ([300, -1], DT.U8F, [44, 255]),                              # ints are cast to uint8
    ([True, False], DT.U8F, [1, 0]),
    ([], DT.U8F, []),
    ([0.5, 1.2], DT.FP16, [0.5, 1.2001953125]),                  # floats become FP16 (precision loss)
    ([np.float64(0.25)], DT.FP16, [0.25]),
    (np.array([7, 250], dtype=np.uint8), DT.U8F, [7, 250]),
    (np.array([0.5, 1.2]), DT.FP16, [0.5, 1.2001953125]),      # 1-D float64 array → FP16
    (np.array([1.7, 2.2], dtype=np.float32), DT.U8F, [1, 2]),  # gen2 quirk: float32 arrays are cast to U8
    (np.array([[1.5, 2.5]]), DT.U8F, [1, 2]),                  # ... and so are 2-D float64 arrays
    (np.array([258, -2], dtype=np.int64), DT.U8F, [2, 254]),
    ([1, 2.5], DT.U8F, [1, 2]),                                # mixed list: cast to U8
])
def test_setLayer_typing_follows_gen2(data, datatype, values):
    nn = NNData()
    assert nn.setLayer("x", data) is nn
    info = nn.getAllLayers()[0]
    assert info.dataType == datatype
    assert (info.numDimensions, info.dims, info.strides) == (1, [len(values)], [1 if datatype == DT.U8F else 2])
    getter = nn.getLayerUInt8 if datatype == DT.U8F else nn.getLayerFp16
    assert getter("x") == values
    assert all(type(v) is (int if datatype == DT.U8F else float) for v in getter("x"))


@pytest.mark.parametrize("data", ["abc", None, 3, [object()]])
def test_setLayer_rejects(data):
    with pytest.raises(TypeError, match="setLayer"):
        NNData().setLayer("x", data)


def test_layers_are_visible_at_once_in_insertion_order():
    nn = NNData().setLayer("a", [1, 2]).setLayer("b", [0.5]).setLayer("c", [3])
    assert nn.getAllLayerNames() == ["a", "b", "c"]
    assert nn.hasLayer("b") and not nn.hasLayer("zz")
    assert nn.getFirstLayerUInt8() == [1, 2]
    assert nn.getFirstLayerFp16() == [] and nn.getFirstLayerInt32() == []


def test_layout_is_64_byte_aligned_in_data():
    nn = NNData().setLayer("a", [1, 2, 3]).setLayer("b", [1.0, 2.0]).setLayer("c", list(range(70)))
    offsets = [t.offset for t in nn.getAllLayers()]
    assert offsets == [0, 64, 128]
    data = nn.getData()
    assert data[:3].tolist() == [1, 2, 3] and data[3:64].tolist() == [0] * 61
    assert data[64:68].view("<f2").tolist() == [1.0, 2.0]
    assert data[128:198].tolist() == list(range(70)) and data.size == 198


def test_wrong_type_or_missing_layer_gives_empty_list():
    nn = NNData().setLayer("u8", [1]).setLayer("f16", [1.0])
    assert nn.getLayerFp16("u8") == [] and nn.getLayerInt32("u8") == []
    assert nn.getLayerUInt8("f16") == [] and nn.getLayerUInt8("nope") == []
    assert NNData().getFirstLayerFp16() == []


def test_replacing_a_layer_keeps_the_others():
    nn = NNData().setLayer("a", [1, 2]).setLayer("b", [0.5, 0.25]).addTensor("c", np.arange(6, dtype=np.int32))
    nn.setLayer("a", [9])
    assert nn.getAllLayerNames() == ["b", "c", "a"]
    assert nn.getLayerFp16("b") == [0.5, 0.25]
    assert nn.getLayerInt32("c") == [0, 1, 2, 3, 4, 5]
    assert nn.getLayerUInt8("a") == [9]
    assert [t.offset % 64 for t in nn.getAllLayers()] == [0, 0, 0]


def test_getLayer_fills_the_given_tensorinfo():
    nn = NNData().setLayer("prob", [0.1, 0.2, 0.3])
    info = TensorInfo()
    assert nn.getLayer("prob", info) is True
    assert (info.name, info.dataType, info.dims, info.strides, info.offset) == ("prob", DT.FP16, [3], [2], 0)
    other = TensorInfo()
    assert nn.getLayer("missing", other) is False and other.name == ""


def test_getAllLayers_returns_copies():
    nn = NNData().setLayer("a", [1])
    nn.getAllLayers()[0].name = "changed"
    nn.getAllLayers()[0].dims.append(5)
    assert nn.getAllLayerNames() == ["a"] and nn.getAllLayers()[0].dims == [1]


def test_layer_datatype_lookups():
    nn = NNData().setLayer("a", [1])
    assert nn.getLayerDatatype("a", DT.FP16) is True
    assert nn.getLayerDatatype("b", DT.FP16) is False
    assert nn.getTensorDatatype("a") is DT.U8F
    assert nn.getTensorInfo("a").name == "a" and nn.getTensorInfo("b") is None


@pytest.mark.parametrize("dtype, datatype, stored", [
    (np.float16, DT.FP16, np.float16), (np.float32, DT.FP32, np.float32), (np.uint8, DT.U8F, np.uint8),
    (np.int8, DT.I8, np.int8), (np.int32, DT.INT, np.int32),
    (np.float64, DT.FP32, np.float32), (np.int64, DT.INT, np.int32), (np.bool_, DT.U8F, np.uint8),
])
@pytest.mark.parametrize("shape, order", [((5,), SO.C), ((2, 3), SO.NC), ((2, 3, 4), SO.CHW),
                                          ((1, 2, 3, 4), SO.NCHW)])
def test_addTensor_keeps_shape_and_dtype(dtype, datatype, stored, shape, order):
    arr = (np.arange(int(np.prod(shape))) % 100).reshape(shape).astype(dtype)
    nn = NNData().setLayer("first", [1, 2, 3]).addTensor("t", arr)
    info = nn.getTensorInfo("t")
    itemsize = np.dtype(stored).itemsize
    assert (info.dataType, info.numDimensions, info.dims, info.order) == (datatype, len(shape), list(shape), order)
    assert info.strides == list(np.empty(shape, stored).strides)
    assert info.dims[0] * info.strides[0] == arr.size * itemsize
    out = nn.getTensor("t")
    assert out.dtype == stored and out.shape == shape
    np.testing.assert_array_equal(out, arr.astype(stored))


def test_addTensor_dataType_forces_conversion():
    nn = NNData().addTensor("t", [[1.5, 2.5]], TensorInfo.DataType.FP16)
    assert nn.getTensor("t").dtype == np.float16 and nn.getTensor("t").tolist() == [[1.5, 2.5]]


def test_getTensor_is_a_view_of_the_message_bytes():
    nn = NNData().addTensor("t", np.zeros((2, 2), np.float32))
    view = nn.getTensor("t")
    assert np.shares_memory(view, nn.getData())
    view[1, 1] = 3.0
    assert nn.getTensor("t")[1, 1] == 3.0


def test_gen2_getters_read_addTensor_layers_whole():
    nn = NNData().addTensor("f", np.arange(6, dtype=np.float16).reshape(1, 2, 3))
    nn.addTensor("i", np.array([[-1, 2], [3, 4]], dtype=np.int32))
    assert nn.getLayerFp16("f") == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert nn.getLayerInt32("i") == [-1, 2, 3, 4]
    assert nn.getLayerFp16("i") == []


@pytest.mark.parametrize("call, error, match", [
    (lambda nn: nn.addTensor("t", np.array([1j])), TypeError, "complex"),
    (lambda nn: nn.addTensor(5, np.zeros(2, np.float32)), TypeError, "name must be a str"),
    (lambda nn: nn.getTensor("missing"), KeyError, "missing"),
    (lambda nn: nn.getTensorDatatype("missing"), KeyError, "missing"),
])
def test_tensor_errors(call, error, match):
    with pytest.raises(error, match=match):
        call(NNData())


def test_tensor_beyond_data_is_reported():
    nn = NNData().addTensor("t", np.zeros(4, np.float32))
    nn.setData([0, 0])
    with pytest.raises(ValueError, match="needs bytes 0..16, but the data has 2"):
        nn.getTensor("t")
