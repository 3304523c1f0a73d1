"""The NeuralNetwork worker's result order: inferences finishing on any thread, in any order, are sent
in submission order, each once; the output pool bounds how many wait."""
import threading
import time

import pytest

from oakling.nodes.neural_network import _Inference, _InOrder


def never():
    return False


def test_results_finishing_out_of_order_are_sent_in_submission_order():
    sent = []
    results = _InOrder(8, lambda inference: sent.append((inference.main, inference.outputs)))
    inferences = [_Inference(k, {}) for k in range(5)]
    for inference in inferences:
        assert results.add(inference, never)
    results.finished(inferences[2], "out2")
    results.finished(inferences[1], "out1")
    assert sent == []                        # 0 is still running: nothing may overtake it
    results.finished(inferences[0], "out0")
    assert sent == [(0, "out0"), (1, "out1"), (2, "out2")]
    results.finished(inferences[4], "out4")
    results.finished(inferences[3], "out3")
    assert sent == [(k, f"out{k}") for k in range(5)]
    results.wait_sent(never)


def test_many_threads_finishing_at_once_send_each_result_once_in_order():
    sent = []
    results = _InOrder(1000, lambda inference: sent.append(inference.main))
    inferences = [_Inference(k, {}) for k in range(400)]
    for inference in inferences:
        results.add(inference, never)
    threads = [threading.Thread(target=lambda part=inferences[k::4]: [results.finished(i, i.main) for i in part])
               for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.wait_sent(never)
    assert sent == list(range(400))


def test_a_full_pool_makes_add_wait_until_a_result_is_sent():
    results = _InOrder(2, lambda inference: None)
    first, second, third = (_Inference(k, {}) for k in range(3))
    results.add(first, never)
    results.add(second, never)
    added = threading.Event()
    threading.Thread(target=lambda: (results.add(third, never), added.set()), daemon=True).start()
    assert not added.wait(0.2)                 # two inferences running: the node waits
    results.finished(first, "out")
    assert added.wait(2)


def test_a_full_pool_gives_up_when_the_device_stops():
    results = _InOrder(1, lambda inference: None)
    results.add(_Inference(0, {}), never)
    started = time.monotonic()
    assert results.add(_Inference(1, {}), lambda: time.monotonic() - started > 0.15) is False


def test_a_send_that_raises_does_not_stop_the_next_results():
    sent = []

    def send(inference):
        if inference.main == 0:
            raise RuntimeError("boom")
        sent.append(inference.main)

    results = _InOrder(8, send)
    inferences = [_Inference(k, {}) for k in range(3)]
    for inference in inferences:
        results.add(inference, never)
    results.finished(inferences[1], "out")
    with pytest.raises(RuntimeError):
        results.finished(inferences[0], "out")
    results.finished(inferences[2], "out")
    assert sent == [1, 2]
    results.wait_sent(never)


def test_a_host_that_reads_late_gets_every_result_in_order(tmp_path):
    """The receivers stall (host queues of 1, read after a pause): sends wait, the pool fills, the node
    waits; then every result arrives, in order, with its passthrough."""
    import numpy as np

    import nets
    import oakling as dai
    from oakling.models.converter import build_blob
    blob = build_blob(nets.image_model(tmp_path / "image.onnx"), input_precision="U8",
                      output_precision="FP32").write(tmp_path / "image.blob")
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("in")
    nn = p.create(dai.node.NeuralNetwork)
    nn.setBlobPath(blob)
    nn.setNumPoolFrames(3)
    xin.out.link(nn.input)
    for name, output in (("out", nn.out), ("pass", nn.passthrough)):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        output.link(xout.input)
    count = 300
    with dai.Device(p) as device:
        qi = device.getInputQueue("in")
        qo, qp = device.getOutputQueue("out", maxSize=1), device.getOutputQueue("pass", maxSize=1)

        def send():
            for k in range(count):
                f = dai.ImgFrame()
                f.setCvFrame(nets.picture(seed=k % 7), dai.ImgFrame.Type.BGR888p)
                f.setSequenceNum(k)
                qi.send(f)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        time.sleep(1.0)
        for k in range(count):
            out, passed = qo.get(timeout=20), qp.get(timeout=20)
            assert out.getSequenceNum() == passed.getSequenceNum() == k
            _, pooled = nets.image_reference(passed.getFrame()[None].astype(np.float32))
            np.testing.assert_allclose(out.getTensor("pooled"), pooled, rtol=1e-5, atol=1e-5)
        sender.join(5)
        assert not qo.has() and not device.getFailedNodes()


def test_one_network_feeding_another_under_back_pressure_delivers_everything_in_order(tmp_path):
    """NN → NN → host that reads late: the second network's inferences are started from the first
    one's OpenVINO callbacks, its results pile up until the stream is full, and then all arrive."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    import nets
    import oakling as dai
    from oakling.models.converter import build_blob
    first = build_blob(nets.image_model(tmp_path / "image.onnx"), input_precision="U8",
                       output_precision="FP32").write(tmp_path / "image.blob")
    shape = [1, 4, 16, 16]   # the image model's 'features'
    graph = helper.make_graph([helper.make_node("Mul", ["features", "two"], ["twice"])], "twice",
                              [helper.make_tensor_value_info("features", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("twice", TensorProto.FLOAT, shape)],
                              [numpy_helper.from_array(np.array(2, np.float32), "two")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, tmp_path / "twice.onnx")
    second = build_blob(tmp_path / "twice.onnx", output_precision="FP32").write(tmp_path / "twice.blob")
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("in")
    nn1, nn2 = p.create(dai.node.NeuralNetwork), p.create(dai.node.NeuralNetwork)
    nn1.setBlobPath(first)
    nn2.setBlobPath(second)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    xin.out.link(nn1.input)
    nn1.out.link(nn2.input)   # NN1's NNData: its 'features' layer feeds NN2's input of that name
    nn2.out.link(xout.input)
    count = 600   # 4 KiB results: more than the stream holds while nobody reads
    with dai.Device(p) as device:
        qi, qo = device.getInputQueue("in"), device.getOutputQueue("out", maxSize=1)

        def send():
            for k in range(count):
                f = dai.ImgFrame()
                f.setCvFrame(nets.picture(seed=k % 5), dai.ImgFrame.Type.BGR888p)
                f.setSequenceNum(k)
                qi.send(f)

        threading.Thread(target=send, daemon=True).start()
        time.sleep(1.0)
        for k in range(count):
            out = qo.get(timeout=20)
            assert out.getSequenceNum() == k
            if k % 100 == 0:
                features, _ = nets.image_reference(nets.picture(seed=k % 5).transpose(2, 0, 1)[None])
                np.testing.assert_allclose(out.getTensor("twice"), 2 * features, rtol=1e-5, atol=1e-3)
        assert not device.getFailedNodes()
