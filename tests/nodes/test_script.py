"""The Script node: its host class and schema, then real devices running scripts end to end."""
import json
import os
import time

import pytest

import oakling as dai

TIMEOUT = 10


@pytest.fixture(autouse=True)
def storage(tmp_path, monkeypatch):
    """Each test's scripts get their own storage folder (the device process inherits the variable)."""
    folder = tmp_path / "storage"
    monkeypatch.setenv("OAKLING_STORAGE", str(folder))
    return folder


def script_to_host(source, name="", streams=("out",), processor=None):
    """A Script whose outputs go to XLinkOut streams of the same names."""
    p = dai.Pipeline()
    script = p.create(dai.node.Script)
    script.setScript(source, name)
    if processor is not None:
        script.setProcessor(processor)
    for stream in streams:
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(stream)
        script.outputs[stream].link(xout.input)
    return p, script


def text_of(msg) -> str:
    return bytes(msg.getData()).decode("utf-8")


# -- host side --

def test_defaults_follow_gen2():
    script = dai.Pipeline().create(dai.node.Script)
    assert script.getName() == "Script"
    assert script.getProcessor() == dai.ProcessorType.LEON_MSS
    assert (int(dai.ProcessorType.LEON_CSS), int(dai.ProcessorType.LEON_MSS)) == (0, 1)
    assert script.getScriptName() == "<script>"
    assert script.getScriptPath() == ""
    inp = script.inputs["in"]
    assert (inp.getBlocking(), inp.getQueueSize(), inp.getWaitForMessage()) == (True, 8, False)
    assert inp.group == "io" and script.outputs["out"].group == "io"


def test_set_script_stores_the_asset_and_the_properties():
    p = dai.Pipeline()
    script = p.create(dai.node.Script)
    script.setScript("node.warn('hi')", "hello.py")
    script.setProcessor(dai.ProcessorType.LEON_CSS)
    assert script.getScriptName() == "hello.py"
    doc = p.serializeToJson()
    node = dict(doc["pipeline"]["nodes"])[script.id]
    assert node["properties"] == {"processor": 0, "scriptName": "hello.py", "scriptUri": "asset:__script"}
    entry = doc["assets"]["map"][f"/node/{script.id}/__script"]
    assert bytes(doc["assetStorage"][entry["offset"]:entry["offset"] + entry["size"]]) == b"node.warn('hi')"


def test_set_script_path_reads_the_file_and_names_it_by_its_path(tmp_path):
    path = tmp_path / "forward.py"
    path.write_text("x = 1\n")
    script = dai.Pipeline().create(dai.node.Script)
    script.setScriptPath(path)
    assert script.getScriptPath() == str(path)
    assert script.getScriptName() == str(path)
    assert script.getAssetManager()["__script"] == b"x = 1\n"
    script.setScriptPath(str(path), "mine")
    assert script.getScriptName() == "mine"
    with pytest.raises(RuntimeError, match="cannot read .*missing.py"):
        script.setScriptPath(tmp_path / "missing.py")


def test_an_input_and_an_output_may_not_share_a_name():
    script = dai.Pipeline().create(dai.node.Script)
    script.inputs["x"]
    with pytest.raises(ValueError, match=r"Script\(0\): 'x' is already an input.*rename one of them"):
        script.outputs["x"]
    script.outputs["y"]
    with pytest.raises(ValueError, match="'y' is already an output"):
        script.inputs["y"]


def test_a_pipeline_with_a_script_node_but_no_script_does_not_start():
    p = dai.Pipeline()
    p.create(dai.node.Script)
    with pytest.raises(RuntimeError, match=r"Script\(0\): no script set — call setScript"):
        dai.Device(p)


# -- on the device --

def test_json_round_trip_with_the_host():
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("in")
    script = p.create(dai.node.Script)
    xin.out.link(script.inputs["in"])
    script.setScript("""
        import json
        data = node.io['in'].get().getData()
        doc = json.loads(str(data, 'utf-8'))
        doc['one'] += 1
        doc['id'], doc['fw'] = __device_id__, __version__
        b = Buffer(30)
        b.setData(json.dumps(doc).encode('utf-8'))
        node.io['out'].send(b)
    """)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    script.outputs["out"].link(xout.input)
    with dai.Device(p) as device:
        buffer = dai.Buffer()
        buffer.setData(list(json.dumps({"one": 1}).encode("utf-8")))
        device.getInputQueue("in").send(buffer)
        reply = json.loads(str(device.getOutputQueue("out").get(timeout=TIMEOUT).getData(), "utf-8"))
        assert reply == {"one": 2, "id": device.getMxId(), "fw": reply["fw"]} and reply["fw"]


def test_nndata_built_in_the_script_is_read_on_the_host():
    p, _ = script_to_host("""
        buf = NNData(150)
        buf.setLayer("fp16", [1.0, 1.2, 3.9, 5.5])
        buf.setLayer("uint8", [6, 9, 4, 2, 0])
        buf.setSequenceNum(7)
        node.io['out'].send(buf)
    """)
    with dai.Device(p) as device:
        nn = device.getOutputQueue("out").get(timeout=TIMEOUT)
        assert isinstance(nn, dai.NNData) and nn.getSequenceNum() == 7
        assert nn.getAllLayerNames() == ["fp16", "uint8"]
        assert nn.getLayerFp16("fp16") == [1.0, 1.2001953125, 3.900390625, 5.5]
        assert nn.getLayerUInt8("uint8") == [6, 9, 4, 2, 0]


def test_frames_are_forwarded_to_two_streams_unchanged_and_from_shared_memory():
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(1920, 1080)
    script = p.create(dai.node.Script)
    script.setScript("""
        while True:
            frame = node.io['frames'].get()
            node.io['even' if frame.getSequenceNum() % 2 == 0 else 'odd'].send(frame)
    """)
    cam.preview.link(script.inputs["frames"])
    direct = p.create(dai.node.XLinkOut)
    direct.setStreamName("direct")
    cam.preview.link(direct.input)
    for name in ("even", "odd"):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        script.outputs[name].link(xout.input)
    with dai.Device(p, realtime=False) as device:
        queues = {name: device.getOutputQueue(name) for name in ("direct", "even", "odd")}
        frames = {name: {} for name in queues}
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and not (
                len(frames["even"]) >= 3 and len(frames["odd"]) >= 3
                and set(frames["even"]) | set(frames["odd"]) <= set(frames["direct"])):
            for name, q in queues.items():   # read all three in turn, so none holds up the camera
                if name != "direct" and len(frames[name]) >= 3:
                    continue
                f = q.tryGet()
                if f is not None:
                    frames[name][f.getSequenceNum()] = f
            time.sleep(0.001)
    assert len(frames["even"]) >= 3 and len(frames["odd"]) >= 3
    assert all(seq % 2 == 0 for seq in frames["even"]) and all(seq % 2 == 1 for seq in frames["odd"])
    for f in list(frames["even"].values()) + list(frames["odd"].values()):
        original = frames["direct"][f.getSequenceNum()]
        assert (f.getWidth(), f.getHeight(), f.getType()) == (1920, 1080, dai.ImgFrame.Type.BGR888i)
        assert f.getTimestamp() == original.getTimestamp()
        assert not f.getFrame().flags.writeable   # the camera's shared pattern, by reference through the script
        assert (f.getCvFrame() == original.getCvFrame()).all()


def test_a_raising_script_logs_its_traceback_stops_and_the_rest_goes_on():
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(64, 64)
    preview = p.create(dai.node.XLinkOut)
    preview.setStreamName("preview")
    cam.preview.link(preview.input)
    script = p.create(dai.node.Script)
    script.setScript("""
        def ratio(a, b):
            return a / b

        node.io['go'].get()
        node.io['out'].send(Buffer(1))
        ratio(1, 0)
    """, "divide.py")
    cam.preview.link(script.inputs["frames"])   # never read: once the script is gone, the camera goes on
    go = p.create(dai.node.XLinkIn)
    go.setStreamName("go")
    go.out.link(script.inputs["go"])
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    script.outputs["out"].link(xout.input)
    logs = []
    with dai.Device(p) as device:
        device.addLogCallback(logs.append)
        device.getInputQueue("go").send(dai.Buffer())
        q = device.getOutputQueue("out")
        assert q.get(timeout=TIMEOUT).getData().size == 1       # what it sent before failing arrives
        with pytest.raises(dai.StreamEnded, match=r"Script\(2\) failed: ZeroDivisionError"):
            q.get(timeout=TIMEOUT)
        failed = device.getFailedNodes()
        assert failed == {"Script(2)": "ZeroDivisionError: division by zero — divide.py, line 3"}
        for _ in range(5):   # the camera goes on
            device.getOutputQueue("preview").get(timeout=TIMEOUT)
        assert device.isPipelineRunning()
    errors = [m for m in logs if m.level == dai.LogLevel.ERR]
    assert errors and errors[0].nodeIdName == "Script(2)"
    text = errors[0].payload
    assert 'File "divide.py", line 7, in <module>' in text and 'File "divide.py", line 3, in ratio' in text
    assert "return a / b" in text and "oakling" not in text.split("Traceback")[1]


def test_a_syntax_error_names_the_script_and_the_line():
    p, _ = script_to_host("x = 1\nif x\n    pass\n", "broken.py")
    with dai.Device(p) as device:
        with pytest.raises(dai.StreamEnded):
            device.getOutputQueue("out").get(timeout=TIMEOUT)
        summary = device.getFailedNodes()["Script(0)"]
        assert summary.startswith("SyntaxError") and summary.endswith("broken.py, line 2")


def test_syntax_newer_than_the_devices_python_runs_with_a_warning(capfd):
    p, _ = script_to_host("""
        match 2:
            case 2:
                node.io['out'].send(Buffer(2))
    """, "new.py")
    with dai.Device(p) as device:   # the warning comes as the script starts: before a callback could be added
        assert len(device.getOutputQueue("out").get(timeout=TIMEOUT).getData()) == 2
    err = capfd.readouterr().err    # closing the device has printed every line it sent
    assert "[Script(0)] [warning] new.py, line 2: Pattern matching is only supported in Python 3.10" in err, err


def test_a_killed_script_is_reported_and_the_host_does_not_hang():
    p, _ = script_to_host("""
        import os
        node.io['out'].send(Buffer(1))
        os.kill(os.getpid(), 9)
    """)
    with dai.Device(p) as device:
        q = device.getOutputQueue("out")
        q.get(timeout=TIMEOUT)
        with pytest.raises(dai.StreamEnded, match="killed by SIGKILL"):
            q.get(timeout=TIMEOUT)
        assert device.getFailedNodes() == {"Script(0)": "the script's process was killed by SIGKILL"}


def test_a_script_over_its_memory_limit_gets_memory_error_and_is_reported():
    p, script = script_to_host("""
        hoard = []
        while True:
            hoard.append(bytearray(4 << 20))
    """)
    script.setMemoryLimit(64 << 20)
    assert script.getMemoryLimit() == 64 << 20
    with dai.Device(p) as device:
        with pytest.raises(dai.StreamEnded, match="MemoryError"):
            device.getOutputQueue("out").get(timeout=TIMEOUT)
        assert "memory limit is 64 MiB" in device.getFailedNodes()["Script(0)"]


def test_blocked_actions_fail_clearly_inside_the_script_and_the_pipeline_keeps_running(storage):
    attempts = {
        "system": "import os; os.system('true')",
        "fork": "import os; os.fork()",
        "exec": "import os; os.execv('/bin/true', ['true'])",
        "subprocess": "import os; os.sys.modules['subprocess'].run(['true'])",
        "read outside": "open('/etc/hostname').read()",
        "write outside": f"open({str(storage.parent / 'escape.txt')!r}, 'w')",
        "list outside": "import os; os.listdir('/')",
        "numpy": "import numpy",
        "socket on MSS": "import socket",
        "ctypes": "import os; os.sys.modules['ctypes'].CDLL(None)",
        "object graph": "import gc; gc.get_objects()",
        "signal the device": "import os; os.kill(os.getppid(), 9)",
    }
    source = "import json\nresults = {}\n"
    for name, code in attempts.items():
        source += (f"try:\n    {code}\n    results[{name!r}] = 'allowed'\n"
                   f"except Exception as e:\n    results[{name!r}] = type(e).__name__ + ': ' + str(e)\n")
    source += textwrap_send("results")
    p, _ = script_to_host(source)
    with dai.Device(p) as device:
        results = json.loads(text_of(device.getOutputQueue("out").get(timeout=TIMEOUT)))
        time.sleep(0.2)
        assert device.getFailedNodes() == {} and device.isPipelineRunning()
    for name, outcome in results.items():
        assert outcome != "allowed", name
        assert "Error" in outcome, (name, outcome)
    assert "may not start programs" in results["system"] and "may not start programs" in results["fork"]
    assert "only use files under /media/mmcsd-0-0" in results["read outside"]
    assert "No module named 'numpy' on LEON_MSS" in results["numpy"]
    assert "only available to Scripts on LEON_CSS" in results["socket on MSS"]
    assert not (storage.parent / "escape.txt").exists()


def textwrap_send(name: str) -> str:
    return f"b = Buffer(0)\nb.setData(json.dumps({name}).encode())\nnode.io['out'].send(b)\n"


def test_the_storage_folder_is_media_mmcsd_for_the_script(storage):
    p, _ = script_to_host("""
        import os, json
        with open('/media/mmcsd-0-0/note.txt', 'w') as f:
            f.write('kept')
        with open('relative.txt', 'w') as f:
            f.write('here too')
        found = {'cwd': os.getcwd(), 'files': sorted(os.listdir('/media/mmcsd-0-0')),
                 'exists': os.path.exists('/media/mmcsd-0-0/note.txt')}
        b = Buffer(0)
        b.setData(json.dumps(found).encode())
        node.io['out'].send(b)
    """)
    with dai.Device(p) as device:
        found = json.loads(text_of(device.getOutputQueue("out").get(timeout=TIMEOUT)))
    assert found == {"cwd": "/media/mmcsd-0-0", "files": ["note.txt", "relative.txt"], "exists": True}
    assert (storage / "note.txt").read_text() == "kept"


@pytest.mark.parametrize("level, output_level, shown", [
    (dai.LogLevel.WARN, dai.LogLevel.WARN, ["warning", "error", "critical"]),
    (dai.LogLevel.TRACE, dai.LogLevel.INFO, ["trace", "debug", "info", "warning", "error", "critical"]),
])
def test_script_logs_reach_the_host_honouring_the_log_levels(level, output_level, shown, capfd):
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("go")
    script = p.create(dai.node.Script)
    xin.out.link(script.inputs["go"])
    script.setScript("""
        import time
        while node.io['go'].tryGet() is None:
            node.trace('probe')     # seen once the device's log level is TRACE
            time.sleep(0.01)
        for log in (node.trace, node.debug, node.info, node.warn, node.error, node.critical):
            log('line from ' + log.__name__)
        node.io['done'].send(Buffer(1))
    """)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("done")
    script.outputs["done"].link(xout.input)
    received = []
    with dai.Device(p) as device:
        device.addLogCallback(received.append)
        device.setLogLevel(level)
        device.setLogOutputLevel(output_level)
        deadline = time.monotonic() + TIMEOUT
        while level == dai.LogLevel.TRACE and not any(m.payload == "probe" for m in received) \
                and time.monotonic() < deadline:
            time.sleep(0.01)   # the new level has reached the device
        device.getInputQueue("go").send(dai.Buffer())
        device.getOutputQueue("done").get(timeout=TIMEOUT)
        lines = lambda: [m for m in received if m.nodeIdName == "Script(1)" and m.payload.startswith("line")]
        while len(lines()) < len(shown) and time.monotonic() < deadline:
            time.sleep(0.02)
    names = {"trace": "trace", "debug": "debug", "info": "info", "warning": "warn", "error": "error",
             "critical": "critical"}
    assert [m.payload for m in lines()] == [f"line from {names[s]}" for s in shown]
    err = capfd.readouterr().err
    printed = [s for s in shown if f"[Script(1)] [{s}] line from {names[s]}" in err]
    assert printed == [s for s in shown if dai.LogLevel[{"warning": "WARN", "error": "ERR"}.get(s, s.upper())]
                       >= output_level]


def test_send_blocks_on_a_full_blocking_input_and_nothing_is_lost():
    from oakling.script.channel import OUTPUT_WINDOW
    p = dai.Pipeline()
    producer = p.create(dai.node.Script)
    producer.setScript("""
        import threading, time
        sent = 0
        def report():
            time.sleep(0.5)
            b = Buffer(0)
            b.setData(str(sent).encode())
            node.io['count'].send(b)
        threading.Thread(target=report).start()
        for k in range(100):
            b = Buffer(1)
            b.setSequenceNum(k)
            node.io['out'].send(b)
            sent = k + 1
    """)
    consumer = p.create(dai.node.Script)
    consumer.setScript("""
        node.io['go'].get()
        while True:
            node.io['out'].send(node.io['in'].get())
    """)
    producer.outputs["out"].link(consumer.inputs["in"])
    consumer.inputs["in"].setQueueSize(2)
    go = p.create(dai.node.XLinkIn)
    go.setStreamName("go")
    go.out.link(consumer.inputs["go"])
    for name, port in (("count", producer.outputs["count"]), ("out", consumer.outputs["out"])):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        port.link(xout.input)
    with dai.Device(p) as device:
        count = int(text_of(device.getOutputQueue("count").get(timeout=TIMEOUT)))
        assert 2 <= count <= 2 + OUTPUT_WINDOW + 1   # the queue, and what may be on its way
        device.getInputQueue("go").send(dai.Buffer())
        got = [device.getOutputQueue("out").get(timeout=TIMEOUT).getSequenceNum() for _ in range(100)]
        assert got == list(range(100))


def test_a_non_blocking_input_keeps_the_newest_messages():
    p = dai.Pipeline()
    producer = p.create(dai.node.Script)
    producer.setScript("""
        for k in range(50):
            b = Buffer(1)
            b.setSequenceNum(k)
            node.io['out'].send(b)
        node.io['done'].send(Buffer(1))
    """)
    consumer = p.create(dai.node.Script)
    consumer.setScript("""
        node.io['done'].get()
        import time
        time.sleep(0.5)   # the last few may still be on their way
        for msg in node.io['in'].tryGetAll():
            node.io['out'].send(msg)
        node.io['out'].send(Buffer(0))
    """)
    producer.outputs["out"].link(consumer.inputs["in"])
    producer.outputs["done"].link(consumer.inputs["done"])
    consumer.inputs["in"].setBlocking(False)
    consumer.inputs["in"].setQueueSize(3)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    consumer.outputs["out"].link(xout.input)
    with dai.Device(p) as device:
        q = device.getOutputQueue("out")
        seqs = []
        while True:
            msg = q.get(timeout=TIMEOUT)
            if msg.getData().size == 0:
                break
            seqs.append(msg.getSequenceNum())
    assert seqs == [47, 48, 49]


def test_closing_the_device_ends_a_busy_script_at_once():
    p, _ = script_to_host("""
        node.io['out'].send(Buffer(1))
        while True:
            pass
    """)
    device = dai.Device(p)
    device.getOutputQueue("out").get(timeout=TIMEOUT)
    scripts = children_of(device._process.pid)
    assert len(scripts) == 1   # the script's own process
    started = time.monotonic()
    device.close()
    assert time.monotonic() - started < 1.0
    time.sleep(0.1)
    assert not [pid for pid in scripts if os.path.exists(f"/proc/{pid}")]


def children_of(parent: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == parent:
                    found.append(int(entry))
        except (OSError, ValueError, IndexError):
            pass
    return found


@pytest.mark.parametrize("source", ["x = 1\nnode.io['out'].send(Buffer(x))\n",
                                    "\n        x = 1\n        node.io['out'].send(Buffer(x))\n    "])
def test_a_script_runs_at_column_zero_or_indented_as_a_whole(source):
    p, _ = script_to_host(source)
    with dai.Device(p) as device:
        assert device.getOutputQueue("out").get(timeout=TIMEOUT).getData().size == 1
