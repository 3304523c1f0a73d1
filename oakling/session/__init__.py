"""A recorded session: what entered a device and what left it, in one MCAP file and a manifest.

    dai.Device(pipeline, record_session="run1/")     # OAKLING_RECORD_SESSION, oakling run --record-session
    dai.Device(pipeline, replay="run1/")             # OAKLING_REPLAY, oakling run --replay
    oakling replay-diff run1/ run2/                  # the first difference between two runs' outputs

`format.py` is the file format (channels, how pictures and messages are encoded, the manifest),
`device.py` what the device process does with it (record, and feed a replay's host streams),
`diff.py` the comparison of two recordings' outputs. The cameras of a replay read their pictures
through `sources/recording.py`.
"""
