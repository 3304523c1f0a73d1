"""A webcam that cannot be opened is a SourceError naming it, not an OpenCV failure later."""
import os

import pytest

from oakling.sources.picture import SourceError
from oakling.sources.webcam import WebcamSource

MISSING = 97   # /dev/video97: no machine this runs on has that many cameras


def test_a_webcam_that_does_not_exist_is_a_source_error_naming_it():
    if os.path.exists(f"/dev/video{MISSING}"):
        pytest.skip(f"/dev/video{MISSING} exists here")
    with pytest.raises(SourceError, match=f"webcam {MISSING}: OpenCV cannot open the webcam"):
        WebcamSource(MISSING, width=640, height=480)
