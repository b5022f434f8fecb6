"""Run every lesson in one process and record each one's wall time and peak memory.

Used by ``benchmarks/bench.py``; prints one JSON document on stdout's last line.
Peak resident memory is per lesson: the kernel's high-water mark (VmHWM) is reset
through ``/proc/self/clear_refs`` before each lesson and read after it, so it is the
largest footprint of the process while that lesson ran (TensorFlow included).
"""

import argparse
import json
import sys
import time
from pathlib import Path


def _reset_peak():
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_mib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lessons", default="lessons")
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()

    began = time.perf_counter()
    import dlcourse  # noqa: F401  (TensorFlow start-up, timed separately by bench.py)
    from dlcourse.runner import find_lessons, run_lesson

    results = []
    for path in find_lessons(args.lessons):
        resettable = _reset_peak()
        report = run_lesson(path, quick=args.quick, seed=0, out=Path(args.out) / path.stem)
        results.append(
            {
                "lesson": path.stem,
                "wall_seconds": report.wall_seconds,
                "peak_mib": _peak_mib() if resettable else None,
                "holds": report.passed,
            }
        )
    total = time.perf_counter() - began
    print(json.dumps({"quick": args.quick, "total_seconds": total, "lessons": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
