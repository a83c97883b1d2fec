#!/usr/bin/env python3
"""Measure the calcification detector on a folder of US images with ground truth.

    python scripts/evaluate_detector.py DIR [DIR ...]            # folder(s) + truth.json
    python scripts/evaluate_detector.py --make usphantom --count 150 --seed 23

Any generator can be measured if it writes ``DIR/truth.json`` in this format
(``make_phantoms.py`` does; so does the independent ``simulate_bmode.py``)::

    {"images": [{"file", "sop_instance_uid", "kind", "frames", "mm_per_pixel",
                 "foci": [{"frame", "x", "y", "diameter_mm", "shadow"}],
                 "distractors": [{"frame", "kind", "x", "y"}],
                 "mass": {"x", "y", "radius"}}]}      # mass optional

x is the column and y the row (0-based pixel indices), frames are 1-based. A
detection matches a true focus on the same frame when its centre lies within
max(1.5 mm, the focus radius) of the focus centre. Printed: sensitivity by size
band for shadowing foci (shadow tier, and any tier), the same for non-shadowing
foci, false positives per frame over the whole fan (shadow tier: what the
decision counts; and "possible calcification" marks), and inside the mass mask
when the truth gives one; where the false positives sit (nearest distractor);
the diameter error of matched foci of 2 mm and more; image-level accuracy.

    python scripts/evaluate_detector.py DIR [DIR ...] --foci after.json

also writes every focus found (frame, x, y, diameter, shadow, score; floats exact), to check
that a change meant to keep the detections (a speed-up) does: run it before and after the
change and compare the files (``cmp before.json after.json``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from advisor.evidence.detect import detect_instance  # noqa: E402
from advisor.model import Focus  # noqa: E402

BANDS = (("1-2 mm", 0, 2), ("2-4 mm", 2, 4), ("4-6 mm", 4, 6), (">=6 mm", 6, 999))
MATCH_MIN_MM = 1.5
DISTRACTOR_NEAR_MM = 6.0   # a false positive this close to a distractor is blamed on it
SIZE_TOLERANCE = 0.30      # the target for diameters of foci >= 2 mm


def band_of(diameter_mm: float) -> str:
    return next(name for name, lo, hi in BANDS if lo <= diameter_mm < hi)


def matches(truth: dict, detection: Focus, mm: float) -> bool:
    tolerance = max(MATCH_MIN_MM, truth["diameter_mm"] / 2) / mm
    return bool(np.hypot(detection.x - truth["x"], detection.y - truth["y"]) <= tolerance)


def blame(detection: Focus, distractors: list[dict], mm: float) -> str:
    """The kind of the nearest distractor, or 'tissue' if none is near."""
    near = [(np.hypot(detection.x - d["x"], detection.y - d["y"]) * mm, d["kind"]) for d in distractors]
    near = [n for n in near if n[0] <= DISTRACTOR_NEAR_MM]
    return min(near)[1] if near else "tissue"


def mass_mask(mass: dict, shape: tuple[int, int]) -> np.ndarray:
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    return np.hypot(cols - mass["x"], rows - mass["y"]) <= mass["radius"]


class Tally:
    """Counts over every frame of every image."""

    def __init__(self) -> None:
        self.hits = defaultdict(lambda: [0, 0])   # (population, band) -> [found, total]
        self.fp = Counter()                        # "shadow", "possible", "mass"
        self.fp_where = Counter()                  # shadow-tier false positives by nearest distractor
        self.size_errors: list[float] = []         # relative, matched foci >= 2 mm
        self.frames = self.images = self.images_right = 0
        self.fp_frames_by_kind = Counter()         # image kind -> shadow-tier false positives
        self.frames_by_kind = Counter()

    def add_frame(self, image: dict, frame: int, found: list[Focus], in_mass: list[Focus] | None) -> None:
        mm = image["mm_per_pixel"]
        truths = [f for f in image["foci"] if f["frame"] == frame]
        self.frames += 1
        self.frames_by_kind[image.get("kind", "?")] += 1
        for truth in truths:
            band = band_of(truth["diameter_mm"])
            population = "shadowing" if truth["shadow"] else "non-shadowing"
            shadow_hits = [d for d in found if d.shadow and matches(truth, d, mm)]
            any_hits = [d for d in found if matches(truth, d, mm)]
            self.hits[(population + ", shadow tier", band)][0] += bool(shadow_hits)
            self.hits[(population + ", shadow tier", band)][1] += 1
            self.hits[(population + ", any tier", band)][0] += bool(any_hits)
            self.hits[(population + ", any tier", band)][1] += 1
            if any_hits and truth["diameter_mm"] >= 2:
                best = max(any_hits, key=lambda d: d.score)
                self.size_errors.append(float(best.diameter_mm / truth["diameter_mm"] - 1))
        distractors = [d for d in image.get("distractors", []) if d["frame"] == frame]
        for d in found:
            if any(matches(t, d, mm) for t in truths):
                continue
            if d.shadow:
                self.fp["shadow"] += 1
                self.fp_where[blame(d, distractors, mm)] += 1
                self.fp_frames_by_kind[image.get("kind", "?")] += 1
            else:
                self.fp["possible"] += 1
        if in_mass is not None:
            self.fp["mass"] += sum(d.shadow and not any(matches(t, d, mm) for t in truths) for d in in_mass)

    def add_image(self, image: dict, found: list[Focus]) -> None:
        calcified = any(f["shadow"] and f["diameter_mm"] >= 2 for f in image["foci"])
        self.images += 1
        self.images_right += calcified == any(d.shadow for d in found)

    def _share_at_least(self, least_mm: float) -> tuple[float | None, int]:
        """Shadowing foci of at least ``least_mm`` found in the shadow tier: the issue's targets."""
        bands = [name for name, lo, _ in BANDS if lo >= least_mm]
        found, total = (sum(self.hits[("shadowing, shadow tier", b)][i] for b in bands) for i in (0, 1))
        return (round(found / total, 3) if total else None), total

    def result(self) -> dict:
        errors = [abs(e) for e in self.size_errors]
        return {
            "frames": self.frames, "images": self.images,
            "sensitivity": {f"{population} | {band}": (round(h / n, 3), n)
                            for (population, band), (h, n) in sorted(self.hits.items()) if n},
            "targets_shadowing_shadow_tier": {
                f">= {least} mm": self._share_at_least(least) for least in (2, 4)},
            "fp_per_frame_shadow_tier_whole_fan": round(self.fp["shadow"] / self.frames, 4),
            "fp_per_frame_possible_tier_whole_fan": round(self.fp["possible"] / self.frames, 4),
            "fp_per_frame_shadow_tier_in_mass": round(self.fp["mass"] / self.frames, 4),
            "shadow_tier_fp_near": dict(self.fp_where),
            "shadow_tier_fp_per_frame_by_image_kind": {
                k: round(self.fp_frames_by_kind[k] / n, 4) for k, n in sorted(self.frames_by_kind.items())},
            "diameter_error_foci_2mm_and_more": {
                "n": len(errors),
                "median_abs_relative": round(float(statistics.median(errors)), 3) if errors else None,
                "within_30_percent": round(float(sum(e <= SIZE_TOLERANCE for e in errors) / len(errors)), 3)
                if errors else None,
                "median_signed_relative": round(float(statistics.median(self.size_errors)), 3) if errors else None},
            "image_level_accuracy": round(self.images_right / self.images, 3) if self.images else None,
        }


def evaluate(folder: Path, foci: dict | None = None) -> dict:
    """Run the detector on every image of ``folder/truth.json`` and tally it; each image's
    foci (frame, x, y, diameter, shadow, score) go into ``foci`` if given."""
    from pydicom import dcmread

    truth = json.loads((folder / "truth.json").read_text())
    tally = Tally()
    for image in truth["images"]:
        path = folder / image["file"]
        found = detect_instance(path).foci
        if foci is not None:
            foci[str(path)] = [[f.frame, f.x, f.y, f.diameter_mm, f.shadow, f.score] for f in found]
        in_mass = None
        if image.get("mass"):
            header = dcmread(path, stop_before_pixels=True)
            in_mass = detect_instance(path, {None: mass_mask(image["mass"], (header.Rows, header.Columns))}).foci
        for frame in range(1, image["frames"] + 1):
            tally.add_frame(image, frame, [d for d in found if d.frame == frame],
                            None if in_mass is None else [d for d in in_mass if d.frame == frame])
        tally.add_image(image, found)
    return tally.result()


def print_report(name: str, result: dict) -> None:
    print(f"== {name}: {result['images']} images, {result['frames']} frames")
    for key, (value, n) in result["sensitivity"].items():
        print(f"  sensitivity {key:40s} {value:.3f}  (n={n})")
    for key, (value, n) in result["targets_shadowing_shadow_tier"].items():
        print(f"  sensitivity shadowing, shadow tier, {key:21s} {value:.3f}  (n={n})")
    for key in ("fp_per_frame_shadow_tier_whole_fan", "fp_per_frame_possible_tier_whole_fan",
                "fp_per_frame_shadow_tier_in_mass"):
        print(f"  {key:45s} {result[key]:.4f}")
    print(f"  shadow-tier false positives near: {result['shadow_tier_fp_near']}")
    print(f"  shadow-tier false positives per frame by image kind: "
          f"{result['shadow_tier_fp_per_frame_by_image_kind']}")
    print(f"  diameter error, matched foci >= 2 mm: {result['diameter_error_foci_2mm_and_more']}")
    print(f"  image-level accuracy (calcified = a shadowing focus >= 2 mm): {result['image_level_accuracy']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, help="folders holding truth.json")
    parser.add_argument("--make", choices=["usphantom"], help="generate a set first (in a temporary folder)")
    parser.add_argument("--count", type=int, default=150)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--foci", type=Path, metavar="FILE",
                        help="write every focus found over the whole fan to FILE (JSON; floats exact): "
                             "a change that must not change detections gives the same file")
    args = parser.parse_args()
    results, foci = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        folders = list(args.folders)
        if args.make:
            from make_phantoms import make_phantoms
            make_phantoms(Path(tmp) / "set", args.count, args.seed)
            folders.append(Path(tmp) / "set")
        for folder in folders:
            results[str(folder)] = evaluate(folder, foci)
    if args.foci:
        args.foci.write_text(json.dumps(foci, indent=0))
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        for name, result in results.items():
            print_report(name, result)


if __name__ == "__main__":
    main()
