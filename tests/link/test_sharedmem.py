"""Published shared regions: found by address, sent by reference, read-only on the other side."""
import os
import socket

import numpy as np
import pytest

from oakling.link import sharedmem
from oakling.link.link import Link
from oakling.messages import ImgFrame


def test_find_locates_views_inside_a_published_region_only():
    arr, region = sharedmem.shared_array((100, 10))
    arr[:] = 7
    assert sharedmem.find(arr[10:20].reshape(-1)) is None   # not published yet
    region.publish()
    try:
        hit = sharedmem.find(arr[10:20].reshape(-1))
        assert hit is not None and hit[0] is region and hit[1] == 100
        assert sharedmem.find(np.zeros(100, np.uint8)) is None
    finally:
        region.release()
    assert sharedmem.find(arr[10:20].reshape(-1)) is None
    assert arr[50, 5] == 7   # views outlive the release


def test_views_made_by_view_are_found_where_they_lie_and_not_once_their_region_is_released():
    arr, region = sharedmem.shared_array((1000,))
    arr[:] = np.arange(1000) % 251
    region.publish()
    try:
        seen = sharedmem.view(region, 300, 200)
        assert seen[0] == 300 % 251 and len(seen) == 200
        hit = sharedmem.find(seen)
        assert hit is not None and hit[0] is region and hit[1] == 300
        inner = seen[50:100]                              # a view of it: found by its address
        hit = sharedmem.find(inner)
        assert hit is not None and hit[0] is region and hit[1] == 350
    finally:
        region.release()
    assert sharedmem.find(seen) is None
    assert not [k for k in sharedmem._views.values() if k[1] is region]   # nothing keeps its mapping


def test_published_frames_cross_a_process_by_reference_read_only():
    pattern, region = sharedmem.shared_array((2000, 1000))
    pattern[:] = np.arange(2000, dtype=np.uint16)[:, None] % 251
    pattern.flags.writeable = False
    region.publish()
    ours, theirs = socket.socketpair()
    child = os.fork()
    if child == 0:
        try:
            link = Link(theirs, "child")
            for top in (0, 500, 1000):
                frame = ImgFrame().setType(ImgFrame.Type.GRAY8).setSize(1000, 1000)
                frame._data = pattern[top:top + 1000].reshape(-1)
                link.send_message(frame)
            link.recv()   # wait for the parent to finish
        finally:
            os._exit(0)
    try:
        link = Link(ours, "parent")
        frames = [link.recv().message for _ in range(3)]
        for top, frame in zip((0, 500, 1000), frames):
            np.testing.assert_array_equal(frame.getFrame(), pattern[top:top + 1000])
            assert not frame.getFrame().flags.writeable
            with pytest.raises(ValueError):
                frame.getFrame()[0, 0] = 1
        assert len(link._peer_regions) == 1 and not link._peer_segments   # one mapping, no copies
        link.send_end("done")
    finally:
        os.waitpid(child, 0)
        region.release()
