#!/usr/bin/env python3
"""Benchmark the calcification detector: time per frame and memory on long clips.

    python scripts/bench_detector.py

Prints, single-threaded (SimpleITK limited to one thread):
- median milliseconds per frame of the detector for 480 x 640 and 768 x 1024
  frames, next to the time pydicom takes just to decode the same frames (a
  reference measured in the same run, so the ratio survives a noisy machine);
- peak memory (max RSS) of a process that runs the detector over a 30-frame and
  a 300-frame cine clip, and their ratio: the clip is processed frame by frame,
  so memory must stay flat in clip length.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import SimpleITK as sitk
from pydicom import Dataset, dcmread
from pydicom.pixels import iter_pixels

sys.path.insert(0, str(Path(__file__).resolve().parent))
import usphantom as us  # noqa: E402

from advisor.evidence.detect import detect_frame, frame_geometry, search_mask  # noqa: E402
from advisor.evidence.pixels import grey_frames  # noqa: E402


def clip(path: Path, shape: tuple[int, int], frames: int, seed: int = 3) -> Path:
    """A cine clip of ``frames`` frames; a few distinct frames repeated (generation is slow)."""
    rows, cols = shape
    mm = 0.25 * 480 / rows
    sector = us.Sector(cols / 2 + cols * 0.1, -rows * 0.1, 33, rows * 0.15, rows * 1.05, mm)
    scene = us.Scene(shape=shape, sector=sector, mass_center=(cols * 0.55, rows * 0.5),
                     mass_radius=rows * 0.18, foci=(us.Focus(cols * 0.55, rows * 0.45, 4.0),),
                     mimics=(us.Mimic("gas", cols * 0.3, rows * 0.35, 6.0),
                             us.Mimic("specular", cols * 0.7, rows * 0.6, 20.0, 15.0)))
    distinct = [us.bmode_frame(scene, seed + i) for i in range(min(frames, 5))]
    study = Dataset()
    study.PatientName, study.PatientID, study.PatientAge = "BENCH^CLIP", "BENCH", "004Y"
    study.StudyInstanceUID = us.uid("bench", shape, frames)
    study.StudyDate, study.StudyTime = "20260115", "100000"
    ds = us.us_image(study, us.uid("bench-series", shape, frames), us.uid("bench-image", shape, frames),
                     1, [distinct[i % len(distinct)] for i in range(frames)], sector, "mono")
    ds.save_as(path, enforce_file_format=True)
    return path


def time_per_frame(path: Path) -> tuple[float, float]:
    """(median detector ms per frame, median decode-only ms per frame)."""
    ds = dcmread(path, stop_before_pixels=True)
    frames = [grey for grey, _ in grey_frames(path)]
    geometry = frame_geometry(ds, frames[0])
    mask, _ = search_mask(geometry, None)
    detect_ms, decode_ms = [], []
    for _ in range(5):
        for grey in frames:
            start = time.perf_counter()
            detect_frame(grey, geometry, mask)
            detect_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        for _ in iter_pixels(path):
            pass
        decode_ms.append((time.perf_counter() - start) * 1000 / len(frames))
    return statistics.median(detect_ms), statistics.median(decode_ms)


# Peak resident memory from /proc (VmHWM): unlike ru_maxrss it is not inherited from the
# parent across exec. tracemalloc's peak counts Python and numpy allocations only.
PEAK_MEMORY_PROBE = """
import json, re, sys, tracemalloc
import SimpleITK as sitk
sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(1)
from pathlib import Path
from advisor.evidence.detect import detect_instance
tracemalloc.start()
result = detect_instance(Path(sys.argv[1]))
_, traced_peak = tracemalloc.get_traced_memory()
status = open("/proc/self/status").read()
hwm_kb = int(re.search(r"VmHWM:\\s+(\\d+)", status).group(1))
print(json.dumps({"frames": result.frames, "foci": len(result.foci),
                  "max_rss_mb": hwm_kb / 1024, "traced_peak_mb": traced_peak / 2**20}))
"""


def peak_memory(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", PEAK_MEMORY_PROBE, str(path)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for shape in ((480, 640), (768, 1024)):
            detect_ms, decode_ms = time_per_frame(clip(folder / f"time-{shape[0]}.dcm", shape, 10))
            print(f"{shape[0]}x{shape[1]}: detector {detect_ms:.1f} ms/frame (median, 1 thread); "
                  f"decoding alone {decode_ms:.2f} ms/frame; ratio {detect_ms / decode_ms:.1f}")
        short = peak_memory(clip(folder / "clip-30.dcm", (480, 640), 30))
        long = peak_memory(clip(folder / "clip-300.dcm", (480, 640), 300))
        pixel_mb = 300 * 480 * 640 / 2**20
        print(f"peak resident memory, 30-frame clip: {short['max_rss_mb']:.0f} MB; 300-frame clip: "
              f"{long['max_rss_mb']:.0f} MB (its pixel data: {pixel_mb:.0f} MB); ratio "
              f"{long['max_rss_mb'] / short['max_rss_mb']:.2f}; frames processed {long['frames']}")
        print(f"peak Python/numpy allocations, 30 frames: {short['traced_peak_mb']:.1f} MB; "
              f"300 frames: {long['traced_peak_mb']:.1f} MB; ratio "
              f"{long['traced_peak_mb'] / short['traced_peak_mb']:.2f}")


if __name__ == "__main__":
    main()
