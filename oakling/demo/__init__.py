"""The demo: two face networks in series on real photographs (`oakling demo`, `make demo`).

photos.py (the photographs and their hand-marked faces) → clip.py (a clip moving and zooming across
them, with the true face boxes of every frame) → models.py (the two face models, converted once) →
program.py (the gen2 program: camera → detector → Script → crops → landmarks → host) → summary.py
(what was found, how right it was, how fast). docs/demo.md walks through the program.
"""
