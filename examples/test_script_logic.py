"""Testing a Script's logic without a device (README: "Testing one node").

The script runs in its own sandboxed process as on a device, but alone, fed and read by the test,
and on a clock the test moves: its `Clock.now()` and `time.sleep()` wait for `advance()`, so a
one-second timeout takes no second at all and never depends on how busy the machine is.

    python examples/test_script_logic.py     # or: pytest examples/test_script_logic.py
"""
from datetime import timedelta

import oakling as dai
from oakling.testing import NodeHarness


def test_the_reply_comes_a_second_after_the_beat():
    script = dai.Pipeline().create(dai.node.Script)
    script.setScript("""
        import time
        beat = node.io['beat'].get()
        time.sleep(1.0)                      # on the test's clock
        node.io['late'].send(Buffer())       # stamped Clock.now()
    """)
    script.inputs['beat']; script.outputs['late']

    with NodeHarness(script) as h:           # no device: the node alone, its clock at 0
        h.push("beat", dai.Buffer())
        assert h.clock.wait_for_sleepers()   # the script sleeps until 1.0 s
        h.advance(0.5)
        assert h.try_pull("late") is None
        h.advance(0.5)
        assert h.pull("late", timeout=5).getTimestamp() == timedelta(seconds=1)


WATCHDOG = """
import time
from datetime import timedelta

last = Clock.now()
while True:
    beat = node.io['beat'].tryGet()
    if beat is not None:
        last = Clock.now()
        node.io['seen'].send(beat)
    elif Clock.now() - last > timedelta(seconds=1):
        node.io['alarm'].send(Buffer())       # a new message: stamped Clock.now()
        last = Clock.now()
    time.sleep(0.1)
"""


def test_a_watchdog_raises_its_alarm_a_second_after_the_last_heartbeat():
    script = dai.Pipeline().create(dai.node.Script)
    script.setScript(WATCHDOG)
    script.inputs["beat"]
    script.outputs["seen"]
    script.outputs["alarm"]

    with NodeHarness(script) as h:

        def tick():                                  # 0.1 s on, then wait until the script sleeps again
            h.advance(0.1)
            assert h.clock.wait_for_sleepers()

        assert h.clock.wait_for_sleepers()          # the script runs, and sleeps until 0.1 s
        h.push("beat", dai.Buffer())
        tick()                                       # 0.1 s: it takes the beat
        assert h.pull("seen").getSequenceNum() == 0
        for _ in range(10):                          # up to 1.1 s: a second since the beat, not more
            tick()
        assert h.try_pull("alarm") is None
        tick()                                       # 1.2 s
        assert h.pull("alarm").getTimestamp() == timedelta(seconds=1.2)


if __name__ == "__main__":
    test_the_reply_comes_a_second_after_the_beat()
    test_a_watchdog_raises_its_alarm_a_second_after_the_last_heartbeat()
    print("ok: the reply came at 1 s and the alarm at 1.2 s on the node's clock, and no second was waited")
