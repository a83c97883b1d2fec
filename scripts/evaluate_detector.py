#!/usr/bin/env python3
"""Measure the calcification detector on generated phantoms.

    python scripts/evaluate_detector.py --count 150 --seed 7
    python scripts/evaluate_detector.py --phantoms DIR     # made by make_phantoms.py

Prints lesion-level sensitivity by size band, false positives per frame
(shadow tier; over the whole tissue region and inside the mass mask) and
study-level calcification accuracy. A hit is a detection within
max(2 mm, 0.75 x diameter) of a true focus centre on the same frame.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np
from pydicom import dcmread

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_phantoms import make_phantoms  # noqa: E402

from advisor.evidence.detect import detect_instance  # noqa: E402

BANDS = (("1-2 mm", 0, 2), ("2-5 mm", 2, 5), (">5 mm", 5, 99))
SHADOWING = 0.7  # a true focus whose shadow strength is at least this casts a visible shadow


def mass_mask(entry: dict, shape: tuple[int, int]) -> np.ndarray:
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    mass = entry["mass"]
    return np.hypot(cols - mass["x"], rows - mass["y"]) <= mass["radius"]


def is_hit(focus: dict, detection, mm: float) -> bool:
    tolerance = max(2.0, 0.75 * focus["diameter_mm"]) / mm
    return np.hypot(detection.x - focus["x"], detection.y - focus["y"]) <= tolerance


def evaluate(folder: Path, truth: list[dict]) -> dict:
    found = defaultdict(lambda: [0, 0])           # band -> [hits any tier, total]
    found_shadow = defaultdict(lambda: [0, 0])    # band -> [hits shadow tier, total] (shadowing foci)
    fp = {"tissue": 0, "mass": 0, "possible": 0}
    frames, studies_right, studies = 0, 0, 0
    for entry in truth:
        path = folder / entry["file"]
        header = dcmread(path, stop_before_pixels=True)
        shape = (int(header.Rows), int(header.Columns))
        whole = detect_instance(path)
        in_mass = detect_instance(path, {None: mass_mask(entry, shape)})
        mm = entry["mm_per_pixel"]
        for frame in range(1, entry["frames"] + 1):
            frames += 1
            dets = [d for d in whole.foci if d.frame == frame]
            for focus in entry["foci"]:
                band = next(name for name, lo, hi in BANDS if lo <= focus["diameter_mm"] < hi)
                found[band][1] += 1
                found[band][0] += any(is_hit(focus, d, mm) for d in dets)
                if focus["shadow"] >= SHADOWING:
                    found_shadow[band][1] += 1
                    found_shadow[band][0] += any(is_hit(focus, d, mm) for d in dets if d.shadow)
            unmatched = [d for d in dets if not any(is_hit(f, d, mm) for f in entry["foci"])]
            fp["tissue"] += sum(d.shadow for d in unmatched)
            fp["possible"] += sum(not d.shadow for d in unmatched)
            fp["mass"] += sum(d.shadow and not any(is_hit(f, d, mm) for f in entry["foci"])
                              for d in in_mass.foci if d.frame == frame)
        truly_calcified = any(f["shadow"] >= SHADOWING and f["diameter_mm"] >= 2 for f in entry["foci"])
        called = any(d.shadow for d in whole.foci)
        studies += 1
        studies_right += truly_calcified == called
    return {"sensitivity_any_tier": {b: (h / n if n else None, n) for b, (h, n) in found.items()},
            "sensitivity_shadow_tier_shadowing_foci": {b: (h / n if n else None, n)
                                                       for b, (h, n) in found_shadow.items()},
            "fp_per_frame_shadow_tissue": fp["tissue"] / frames,
            "fp_per_frame_shadow_mass": fp["mass"] / frames,
            "fp_per_frame_possible_tissue": fp["possible"] / frames,
            "frames": frames, "studies": studies,
            "study_accuracy": studies_right / studies}


def print_report(result: dict) -> None:
    print(f"frames: {result['frames']}, studies: {result['studies']}")
    for key, title in (("sensitivity_any_tier", "lesion sensitivity, any tier"),
                       ("sensitivity_shadow_tier_shadowing_foci",
                        "lesion sensitivity, shadow tier, foci that cast a shadow")):
        print(title + ":")
        for band, _, _ in BANDS:
            value, n = result[key].get(band, (None, 0))
            print(f"  {band:7s} {'-' if value is None else f'{value:.3f}'}  (n={n})")
    print(f"false positives per frame, shadow tier, whole tissue region: {result['fp_per_frame_shadow_tissue']:.3f}")
    print(f"false positives per frame, shadow tier, inside the mass mask: {result['fp_per_frame_shadow_mass']:.3f}")
    print(f"'possible calcification' (no shadow) not on a true focus, per frame: {result['fp_per_frame_possible_tissue']:.3f}")
    print(f"study-level calcification accuracy: {result['study_accuracy']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phantoms", type=Path, help="folder from make_phantoms.py")
    parser.add_argument("--count", type=int, default=150)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.phantoms or Path(tmp)
        truth = (json.loads((folder / "truth.json").read_text()) if args.phantoms
                 else make_phantoms(folder, args.count, args.seed))
        result = evaluate(folder, truth)
    print(json.dumps(result, indent=1) if args.json else "", end="")
    if not args.json:
        print_report(result)


if __name__ == "__main__":
    main()
