#!/usr/bin/env python3
"""`import oakling` time in a fresh interpreter, against `import numpy` (which oakling needs).

Target: < 0.3 s.
"""
import statistics
import subprocess
import sys


def import_seconds(module: str, runs: int = 7) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    return statistics.median(float(subprocess.check_output([sys.executable, "-c", code])) for _ in range(runs))


if __name__ == "__main__":
    base = import_seconds("numpy")
    ours = import_seconds("oakling")
    print(f"import oakling: {ours:.3f} s | baseline import numpy: {base:.3f} s | ratio {ours / base:.2f} "
          f"(target < 0.3 s: {'met' if ours < 0.3 else 'MISSED'})")
