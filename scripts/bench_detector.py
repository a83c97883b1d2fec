#!/usr/bin/env python3
"""Benchmark the pixel pipeline: decoding + grey conversion + detection, per frame, and memory.

    python scripts/bench_detector.py [--repeats 3] [--threads N] [--analysis-threads 1|2]

Prints, for cine clips of 480 x 640 and 768 x 1024 frames in MONOCHROME2, RGB
and JPEG Baseline YBR_FULL_422 (every frame simulated on its own, the tissue
moving with breathing, a header and a label burned in beside the fan):
- milliseconds per frame of decoding alone, of decoding + grey conversion (the
  region's bounding box only, as the detector reads it) and of the whole
  detector (``detect_instance``: decoding, conversion, geometry, detection),
  wall clock and CPU time of this process and its child processes (on a shared
  machine the CPU time is the steadier figure);
- the whole analysis (``advisor analyze`` in this process: headers, masks,
  detector, grouping of foci, burned-in-text OCR once per series, decision
  inputs) over a mix of such studies, in ms per frame, and the same without the
  OCR (``--analysis-threads``: 2, the default where there is a second core, reads the
  burned-in text in a second thread: wall clock falls, CPU time does not);
- peak memory (VmHWM) of a process that runs the detector over a 30-frame and
  a 300-frame clip, and their ratio (memory must be flat in clip length).

Left out: process start-up and imports, loading the text reader's pipeline and Tesseract's
model (once per process: an untimed analysis comes first), the first read of a file from disk
(files are just written, so in the page cache), receiving over the network,
and writing the SR and key image.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import SimpleITK as sitk
from pydicom import Dataset, dcmread
from pydicom.pixels import iter_pixels

sys.path.insert(0, str(Path(__file__).resolve().parent))
import usphantom as us  # noqa: E402

from advisor.analyze import DEFAULT_THREADS, analyze_study, group_by_study, keep_freed_heap  # noqa: E402
from advisor.evidence import detect  # noqa: E402
from advisor.evidence.detect import detect_instance  # noqa: E402
from advisor.evidence.pixels import grey_frames, tissue_region  # noqa: E402

SHAPES = ((480, 640), (768, 1024))
KINDS = {"MONOCHROME2": ("mono", 1), "RGB": ("rgb", 1), "JPEG YBR_FULL_422": ("jpeg", 2)}


BREATHING_MM = (0.8, 2.0)   # amplitude of the tissue's motion across and down the image
BREATHING_FRAMES = 24       # frames per breath (about a second at 25 frames a second)


def moving_scene(shape: tuple[int, int], sector: us.Sector, frame: int) -> us.Scene:
    """The bench's scene (a mass with a 4 mm focus, gas and a specular reflector) on ``frame``
    of a clip: the tissue moves with breathing, the probe's fan stays."""
    rows, cols = shape
    phase = np.sin(2 * np.pi * frame / BREATHING_FRAMES)
    dx, dy = (amplitude / sector.mm_per_pixel * phase for amplitude in BREATHING_MM)
    return us.Scene(shape=shape, sector=sector, mass_center=(cols * 0.55 + dx, rows * 0.5 + dy),
                    mass_radius=rows * 0.18, foci=(us.Focus(cols * 0.55 + dx, rows * 0.45 + dy, 4.0),),
                    mimics=(us.Mimic("gas", cols * 0.3 + dx, rows * 0.35 + dy, 6.0),
                            us.Mimic("specular", cols * 0.7 + dx, rows * 0.6 + dy, 20.0, 15.0)))


def with_header(frame: np.ndarray) -> np.ndarray:
    """The frame with what scanners burn in beside the fan: a header line and a label."""
    us.burn_text(frame, 4, 4, "PEDS ABD C5-1  GN 52  DR 60")
    us.burn_text(frame, 4, 18, "LT KIDNEY")
    return frame


def clip(path: Path, shape: tuple[int, int], frames: int, kind: str = "MONOCHROME2",
         study_seed: int = 3, distinct: int | None = None, study_uid: str | None = None) -> Path:
    """A cine clip of ``frames`` frames of a moving scene, each with its own speckle, in a
    study of its own unless ``study_uid`` is given.

    ``distinct``: only so many distinct frames, repeated (for the memory probe's long
    clips, whose content does not matter and whose generation would be slow).
    """
    encoding, instance_number = KINDS[kind]   # us_image makes even-numbered JPEG instances colour
    rows, cols = shape
    mm = 0.25 * 480 / rows
    sector = us.Sector(cols / 2 + cols * 0.1, -rows * 0.1, 33, rows * 0.15, rows * 1.05, mm)
    distinct = [with_header(us.bmode_frame(moving_scene(shape, sector, i), study_seed + i))
                for i in range(min(frames, distinct or frames))]
    study = Dataset()
    study.PatientName, study.PatientID, study.PatientAge = "BENCH^CLIP", "BENCH", "004Y"
    study.StudyInstanceUID = study_uid or us.uid("bench", shape, frames, kind, study_seed)
    study.StudyDate, study.StudyTime = "20260115", "100000"
    study.BodyPartExamined = "ABDOMEN"
    ds = us.us_image(study, us.uid("bench-series", shape, frames, kind, study_seed),
                     us.uid("bench-image", shape, frames, kind, study_seed), instance_number,
                     [distinct[i % len(distinct)] for i in range(frames)], sector, encoding)
    ds.save_as(path, enforce_file_format=True)
    return path


def _cpu_seconds() -> float:
    children = os.times()   # in clock ticks
    return time.process_time() + children.children_user + children.children_system


def _per_frame(run, frames: int, repeats: int) -> tuple[float, float]:
    """Median (wall ms, CPU ms) per frame of ``run()`` over ``repeats`` runs; CPU time of
    this process and of its children."""
    wall, cpu = [], []
    for _ in range(repeats):
        detect._SERIES_GEOMETRY.clear()   # each run measures its series' geometry, as a first analysis does
        w, c = time.perf_counter(), _cpu_seconds()
        run()
        wall.append((time.perf_counter() - w) * 1000 / frames)
        cpu.append((_cpu_seconds() - c) * 1000 / frames)
    return statistics.median(wall), statistics.median(cpu)


def stage_times(path: Path, repeats: int) -> dict[str, tuple[float, float]]:
    ds = dcmread(path, stop_before_pixels=True)
    frames = int(ds.get("NumberOfFrames", 1))
    box, _ = tissue_region(ds, (int(ds.Rows), int(ds.Columns)))
    return {"decode": _per_frame(lambda: [None for _ in iter_pixels(path)], frames, repeats),
            "decode+grey": _per_frame(lambda: [None for _ in grey_frames(path, box)], frames, repeats),
            "detector": _per_frame(lambda: detect_instance(path), frames, repeats)}


def mixed_studies(folder: Path, frames: int) -> int:
    """Six studies, each one clip and one still image: both sizes, all three kinds."""
    total = 0
    for n, (shape, kind) in enumerate((s, k) for s in SHAPES for k in KINDS):
        study = folder / f"study-{n}"
        study.mkdir()
        uid = us.uid("bench-study", n)
        clip(study / "clip.dcm", shape, frames, kind, study_seed=10 * n, study_uid=uid)
        clip(study / "still.dcm", shape, 1, kind, study_seed=10 * n + 5, study_uid=uid)
        total += frames + 1
    return total


def whole_analysis(folder: Path, frames: int, repeats: int, ocr: bool = True,
                   threads: int | None = None) -> tuple[float, float]:
    def run():
        studies, _ = group_by_study([folder])
        for uid, items in studies.items():
            analyze_study(uid, items, ocr=ocr, threads=threads)
    # Start-up left out: the text reader's pipeline and Tesseract's model are loaded once per
    # process (a node does it at start), by one untimed analysis.
    uid, items = next(iter(group_by_study([folder])[0].items()))
    analyze_study(uid, items, ocr=ocr, threads=threads)
    return _per_frame(run, frames, repeats)


# Peak resident memory from /proc (VmHWM): unlike ru_maxrss it is not inherited from the
# parent across exec. tracemalloc's peak counts Python and numpy allocations only.
PEAK_MEMORY_PROBE = """
import json, re, sys, tracemalloc
from pathlib import Path
from advisor.analyze import keep_freed_heap
from advisor.evidence.detect import detect_instance
keep_freed_heap()
tracemalloc.start()
result = detect_instance(Path(sys.argv[1]))
_, traced_peak = tracemalloc.get_traced_memory()
status = open("/proc/self/status").read()
hwm_kb = int(re.search(r"VmHWM:\\s+(\\d+)", status).group(1))
print(json.dumps({"frames": result.frames, "max_rss_mb": hwm_kb / 1024, "traced_peak_mb": traced_peak / 2**20}))
"""


def peak_memory(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", PEAK_MEMORY_PROBE, str(path)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--frames", type=int, default=20, help="frames per benchmark clip")
    parser.add_argument("--threads", type=int, help="SimpleITK threads (default: its own choice)")
    parser.add_argument("--analysis-threads", type=int, choices=(1, 2), default=DEFAULT_THREADS,
                        help=f"threads of the whole analysis (default {DEFAULT_THREADS})")
    args = parser.parse_args()
    keep_freed_heap()   # as the command line and the node's workers do
    if args.threads:
        sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(args.threads)
    print(f"SimpleITK threads: {sitk.ProcessObject.GetGlobalDefaultNumberOfThreads()}; analysis threads: "
          f"{args.analysis_threads}; ms per frame, median of {args.repeats} runs, wall / CPU")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for shape in SHAPES:
            for kind in KINDS:
                path = clip(folder / f"{shape[0]}-{kind[:4]}.dcm", shape, args.frames, kind)
                times = stage_times(path, args.repeats)
                print(f"{shape[0]}x{shape[1]} {kind:18s} " + "; ".join(
                    f"{stage} {wall:5.1f} / {cpu:5.1f}" for stage, (wall, cpu) in times.items()))
        studies = folder / "studies"
        studies.mkdir()
        frames = mixed_studies(studies, args.frames)
        for ocr in (True, False):
            wall, cpu = whole_analysis(studies, frames, args.repeats, ocr, args.analysis_threads)
            print(f"whole analysis{'' if ocr else ' without the OCR'}, 6 mixed studies (12 series), "
                  f"{frames} frames: {wall:.1f} ms/frame wall, {cpu:.1f} ms/frame CPU")
        short = peak_memory(clip(folder / "clip-30.dcm", (480, 640), 30, distinct=3))
        long = peak_memory(clip(folder / "clip-300.dcm", (480, 640), 300, distinct=3))
        print(f"peak resident memory, 30-frame clip: {short['max_rss_mb']:.0f} MB; 300-frame clip: "
              f"{long['max_rss_mb']:.0f} MB (its pixel data: {300 * 480 * 640 / 2**20:.0f} MB); ratio "
              f"{long['max_rss_mb'] / short['max_rss_mb']:.2f}; frames processed {long['frames']}")
        print(f"peak Python/numpy allocations, 30 frames: {short['traced_peak_mb']:.1f} MB; "
              f"300 frames: {long['traced_peak_mb']:.1f} MB; ratio "
              f"{long['traced_peak_mb'] / short['traced_peak_mb']:.2f}")


if __name__ == "__main__":
    main()
