"""The Script node's device-wide features, end to end with real device and script processes: GPIO
pins shared by the scripts and the host, CPU accounting and limits, the network option, and the
file rules inside a running pipeline."""
import json
import time

import pytest

import oakling as dai

TIMEOUT = 10


@pytest.fixture(autouse=True)
def storage(tmp_path, monkeypatch):
    folder = tmp_path / "storage"
    monkeypatch.setenv("OAKLING_STORAGE", str(folder))
    monkeypatch.delenv("OAKLING_SCRIPT_NETWORK", raising=False)
    return folder


def add_script(p, source, outputs=(), processor=None):
    script = p.create(dai.node.Script)
    script.setScript(source)
    if processor is not None:
        script.setProcessor(processor)
    for name in outputs:
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        script.outputs[name].link(xout.input)
    return script


def json_of(msg):
    return json.loads(bytes(msg.getData()).decode("utf-8"))


SEND_JSON = """
import json
def send(port, doc):
    b = Buffer(0)
    b.setData(json.dumps(doc).encode())
    node.io[port].send(b)
"""


def failed_nodes(device, count=1) -> dict:
    """getFailedNodes() once `count` reports (on the control link) have caught up with the streams' ends."""
    deadline = time.monotonic() + TIMEOUT
    while len(device.getFailedNodes()) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return device.getFailedNodes()


def test_gpio_pins_are_the_devices_shared_by_scripts_and_the_host():
    p = dai.Pipeline()
    # The watcher waits for the host to raise pin 3 (callback and waitInterruptEvent), then drives pin 4.
    add_script(p, SEND_JSON + """
import GPIO, threading
called = threading.Event()
def on_rise(pin):
    send('callback', {'pin': pin, 'level': GPIO.read(pin)})
    called.set()
GPIO.setup(3, GPIO.IN)
GPIO.setInterrupt(3, GPIO.RISING, 0, on_rise)
send('watcher', {'ready': GPIO.read(3)})
pin = GPIO.waitInterruptEvent(3, 5)
send('watcher', {'irq': pin, 'level': GPIO.read(3)})
GPIO.setup(4, GPIO.OUT)
GPIO.write(4, GPIO.HIGH)
called.wait(5)
""", outputs=("watcher", "callback"))
    # The listener hears the watcher's pin 4 through the device.
    add_script(p, SEND_JSON + """
import GPIO
GPIO.setInterrupt(4, GPIO.RISING)
send('listener', {'ready': True})
send('listener', {'irq': GPIO.waitInterruptEvent(4, 5), 'level': GPIO.read(4)})
""", outputs=("listener",))
    with dai.Device(p) as device:
        watcher, listener = device.getOutputQueue("watcher"), device.getOutputQueue("listener")
        assert json_of(watcher.get(timeout=TIMEOUT)) == {"ready": 0}
        assert json_of(listener.get(timeout=TIMEOUT)) == {"ready": True}
        assert device.readGpio(3) == 0
        device.writeGpio(3, 1)
        assert device.readGpio(3) == 1
        assert json_of(watcher.get(timeout=TIMEOUT)) == {"irq": 3, "level": 1}
        assert json_of(device.getOutputQueue("callback").get(timeout=TIMEOUT)) == {"pin": 3, "level": 1}
        assert json_of(listener.get(timeout=TIMEOUT)) == {"irq": 4, "level": 1}
        assert device.readGpio(4) == 1   # the script's write, seen by the host
        with pytest.raises(ValueError, match="Device.writeGpio: there is no GPIO pin 300"):
            device.writeGpio(300, 1)
        with pytest.raises(ValueError, match="Device.writeGpio: expected a level 0"):
            device.writeGpio(3, 5)
        assert device.getFailedNodes() == {}


def test_cpu_time_is_accounted_per_script_and_a_limit_stops_only_that_script():
    p = dai.Pipeline()
    add_script(p, SEND_JSON + """
import time
end = time.process_time() + 0.3
while time.process_time() < end:
    pass
send('busy', {'burnt': True})
node.io['hold'].get()
""", outputs=("busy",))
    hold = p.create(dai.node.XLinkIn)
    hold.setStreamName("hold")
    hold.out.link(p.getNode(0).inputs["hold"])
    runaway = add_script(p, SEND_JSON + """
send('runaway', {'started': True})
while True:
    pass
""", outputs=("runaway",))
    runaway.setCpuLimit(1)
    assert runaway.getCpuLimit() == 1.0
    stubborn = add_script(p, SEND_JSON + """
import os
signal = os.sys.modules['signal']
signal.signal(signal.SIGXCPU, signal.SIG_IGN)   # past the soft limit, the hard one kills it
while True:
    pass
""", outputs=("stubborn",))
    stubborn.setCpuLimit(0.5)
    with dai.Device(p) as device:
        device.getOutputQueue("busy").get(timeout=TIMEOUT)
        q = device.getOutputQueue("runaway")
        q.get(timeout=TIMEOUT)
        with pytest.raises(dai.StreamEnded, match="CPU time limit of 1 s"):
            q.get(timeout=TIMEOUT)
        with pytest.raises(dai.StreamEnded, match="CPU time limit of 1 s"):
            device.getOutputQueue("stubborn").get(timeout=3 * TIMEOUT)   # 2 s of CPU, on a busy machine too
        reason = "the script used up its CPU time limit of 1 s and was stopped — script.setCpuLimit(seconds) on " \
                 "the host raises it"
        assert failed_nodes(device, 2) == {f"Script({runaway.id})": reason, f"Script({stubborn.id})": reason}
        stats = device.getScriptStats()
        busy, spun = stats["Script(0)"], stats[f"Script({runaway.id})"]
        assert busy["running"] and 0.25 <= busy["cpuSeconds"] < 5 and busy["cpuLimitSeconds"] is None
        assert not spun["running"] and spun["cpuSeconds"] >= 0.8 and spun["cpuLimitSeconds"] == 1.0
        assert busy["maxRssBytes"] > 1 << 20 and busy["memoryLimitBytes"] == 512 << 20
        assert device.isPipelineRunning()


def test_set_cpu_limit_checks_its_argument():
    script = dai.Pipeline().create(dai.node.Script)
    assert script.getCpuLimit() is None
    with pytest.raises(ValueError, match=r"Script\(0\).setCpuLimit: expected a positive number of seconds"):
        script.setCpuLimit(0)
    script.setCpuLimit(2.5)
    script.setCpuLimit(None)
    assert "cpuLimit" not in script.properties


BIND_EVERYWHERE = SEND_JSON + """
import socket
server = socket.socket()
server.bind(('0.0.0.0', 0))
server.listen(1)
client = socket.create_connection(('127.0.0.1', server.getsockname()[1]))   # loopback traffic only
send('out', {'bound': server.getsockname()[0]})
"""


@pytest.mark.parametrize("option, variable, bound", [("any", None, "0.0.0.0"), ("loopback", "any", "127.0.0.1"),
                                                     (None, "any", "0.0.0.0")])
def test_the_device_option_opens_script_sockets_beyond_loopback(option, variable, bound, monkeypatch):
    if variable:
        monkeypatch.setenv("OAKLING_SCRIPT_NETWORK", variable)
    p = dai.Pipeline()
    add_script(p, BIND_EVERYWHERE, outputs=("out",), processor=dai.ProcessorType.LEON_CSS)
    options = {"script_network": option} if option else {}
    with dai.Device(p, **options) as device:
        assert json_of(device.getOutputQueue("out").get(timeout=TIMEOUT)) == {"bound": bound}


def test_a_bad_network_option_stops_the_device_before_it_starts():
    with pytest.raises(RuntimeError, match=r"Device\(script_network=...\): expected 'loopback'.*got 'public'"):
        dai.Device(dai.Pipeline(), script_network="public")


def test_file_actions_outside_storage_fail_clearly_and_the_pipeline_keeps_running(storage):
    attempts = {
        "os.stat": "os.stat('/etc/hostname')",
        "os.path.exists": "os.path.exists('/etc/hostname')",
        "os.path.isfile": "os.path.isfile('/etc/passwd')",
        "os.access": "os.access('/etc/shadow', os.R_OK)",
        "os.readlink": "os.readlink('/proc/self/exe')",
        "os.listdir": "os.listdir('/')",
        "os.scandir": "list(os.scandir('/etc'))",
        "os.chmod": f"os.chmod({str(storage.parent)!r}, 0o777)",
        "os.remove": f"os.remove({str(storage.parent / 'victim.txt')!r})",
        "os.rename": f"os.rename('/media/mmcsd-0-0/mine.txt', {str(storage.parent / 'escape.txt')!r})",
        "os.mkdir": f"os.mkdir({str(storage.parent / 'escape')!r})",
        "open": "open('/etc/hostname')",
        "shutil.copy": f"shutil.copy('/media/mmcsd-0-0/mine.txt', {str(storage.parent / 'escape.txt')!r})",
    }
    source = SEND_JSON + "import os, shutil\nopen('/media/mmcsd-0-0/mine.txt', 'w').write('mine')\nresults = {}\n"
    for name, code in attempts.items():
        source += (f"try:\n    {code}\n    results[{name!r}] = 'allowed'\n"
                   f"except Exception as e:\n    results[{name!r}] = type(e).__name__ + ': ' + str(e)\n")
    source += ("results['copy inside'] = shutil.copy('/media/mmcsd-0-0/mine.txt', '/media/mmcsd-0-0/copy.txt')\n"
               "results['size inside'] = os.stat('/media/mmcsd-0-0/copy.txt').st_size\nsend('out', results)\n")
    (storage.parent / "victim.txt").write_text("still here")
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(64, 64)
    preview = p.create(dai.node.XLinkOut)
    preview.setStreamName("preview")
    cam.preview.link(preview.input)
    add_script(p, source, outputs=("out",), processor=dai.ProcessorType.LEON_CSS)
    with dai.Device(p) as device:
        results = json_of(device.getOutputQueue("out").get(timeout=TIMEOUT))
        for _ in range(3):
            device.getOutputQueue("preview").get(timeout=TIMEOUT)   # the camera goes on
        assert device.getFailedNodes() == {} and device.isPipelineRunning()
    assert results.pop("copy inside") == "/media/mmcsd-0-0/copy.txt" and results.pop("size inside") == 4
    for name, outcome in results.items():
        assert outcome.startswith(f"SandboxError: {name}("), (name, outcome)
        assert "a Script may only use files under /media/mmcsd-0-0" in outcome, (name, outcome)
    assert (storage.parent / "victim.txt").read_text() == "still here"
    assert not (storage.parent / "escape.txt").exists() and not (storage.parent / "escape").exists()
