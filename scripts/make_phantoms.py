#!/usr/bin/env python3
"""Generate B-mode phantoms with ground truth, for testing and measuring the detector.

    python scripts/make_phantoms.py --out phantoms --count 60 --seed 1

Each phantom is one US image (or a short cine clip) written as DICOM with
Sequence of Ultrasound Regions, in MONOCHROME2, RGB or JPEG Baseline, plus an
entry in ``truth.json`` (the format ``evaluate_detector.py`` reads for any
generator): per frame, the calcific foci (centre, diameter, whether they
shadow) and the distractors drawn, plus the mass (centre, radius). Geometry
(curved, sector and linear probes; apex off centre), spacing, speckle size,
gain, dynamic range and TGC error vary widely, and every mimic the detector
must not call calcification is present: bowel gas with reverberation,
specular lines, vessel walls, caliper crosses, burned-in text and colour
Doppler pixels.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np
from pydicom import Dataset

sys.path.insert(0, str(Path(__file__).resolve().parent))
import usphantom as us  # noqa: E402

SHAPES = ((480, 640), (600, 800), (768, 1024))
ENCODINGS = ("mono", "rgb", "jpeg")
SHADOWING = 0.7  # a focus that stops at least this share of the beam casts a visible shadow


def random_sector(rng: np.random.Generator, shape: tuple[int, int]) -> us.Sector:
    rows, cols = shape
    mm = float(rng.uniform(0.12, 0.45))
    kind = rng.choice(["curved", "sector", "linear"], p=[0.5, 0.25, 0.25])
    apex_x = cols / 2 + rng.uniform(-0.2, 0.2) * cols
    r_max = rows * rng.uniform(0.85, 0.98)
    if kind == "linear":
        width = cols * rng.uniform(0.55, 0.85)
        apex_x = float(np.clip(apex_x, width / 2 + 5, cols - width / 2 - 5))
        return us.Sector(apex_x, rows * 0.09, 0, 0, r_max - rows * 0.09, mm, linear_width=width)
    if kind == "sector":
        return us.Sector(apex_x, rows * 0.08, float(rng.uniform(35, 45)), rows * 0.02, r_max - rows * 0.08, mm)
    apex_y = -rng.uniform(0.05, 0.25) * rows
    return us.Sector(apex_x, apex_y, float(rng.uniform(25, 38)), -apex_y + rows * 0.05,
                     r_max - apex_y, mm)


def point_in_fan(rng, scene_mask: np.ndarray, margin: int) -> tuple[float, float]:
    rows, cols = np.nonzero(scene_mask[margin:-margin, margin:-margin])
    i = rng.integers(len(rows))
    return float(cols[i] + margin), float(rows[i] + margin)


def _beam_position(scene: us.Scene, x: float, y: float) -> tuple[float, float]:
    depth, lateral = us.beam_coordinates(scene, np.array(y, float), np.array(x, float))
    return float(depth), float(lateral)


def visible(scene: us.Scene, fan: np.ndarray, new: us.Focus, placed: list[us.Focus]) -> bool:
    """Inside the fan (with a margin), apart from the others and in no other's shadow."""
    mm = scene.sector.mm_per_pixel
    margin = int(new.diameter_mm / mm) + int(4 / mm)
    x, y = int(round(new.x)), int(round(new.y))
    if not (margin <= y < fan.shape[0] - margin and margin <= x < fan.shape[1] - margin):
        return False
    if not fan[y - margin:y + margin + 1, x - margin:x + margin + 1].all():
        return False
    depth, lateral = _beam_position(scene, new.x, new.y)
    for other in placed:
        if np.hypot(new.x - other.x, new.y - other.y) <= (other.diameter_mm + new.diameter_mm) / mm:
            return False
        other_depth, other_lateral = _beam_position(scene, other.x, other.y)
        width = (other.diameter_mm + new.diameter_mm) / mm / 2 + 2 / mm
        if scene.sector.linear_width is None:  # lateral is an angle: compare arc lengths
            gap = abs(np.radians(lateral - other_lateral)) * min(depth, other_depth)
        else:
            gap = abs(lateral - other_lateral)
        if gap < width:
            return False  # one would sit in the other's shadow
    return True


def shadows_mass(scene: us.Scene, x: float, y: float, centre, radius: float) -> bool:
    depth, lateral = _beam_position(scene, x, y)
    mass_depth, mass_lateral = _beam_position(scene, *centre)
    if scene.sector.linear_width is None:
        gap = abs(np.radians(lateral - mass_lateral)) * mass_depth
    else:
        gap = abs(lateral - mass_lateral)
    return depth < mass_depth and gap < radius + 10 / scene.sector.mm_per_pixel


def random_scene(rng: np.random.Generator) -> tuple[us.Scene, dict]:
    shape = SHAPES[rng.integers(len(SHAPES))]
    sector = random_sector(rng, shape)
    mm = sector.mm_per_pixel
    probe = us.Scene(shape=shape, sector=sector, mass_center=(0, 0), mass_radius=0)
    fan = us.sector_mask(probe)
    radius = float(rng.uniform(12, 30) / mm)
    radius = min(radius, shape[0] * 0.22)
    inner = fan.copy()
    margin = int(radius) + 5
    centre = point_in_fan(rng, inner, margin)
    foci = []
    for _ in range(rng.integers(0, 4)):
        diameter = float(rng.choice([rng.uniform(1, 2), rng.uniform(2, 5), rng.uniform(5, 9)]))
        angle, distance = rng.uniform(0, 2 * np.pi), rng.uniform(0, 0.6) * radius
        shadow = float(rng.uniform(0.75, 0.95) if diameter >= 2 else rng.uniform(0.0, 0.5))
        candidate = us.Focus(centre[0] + distance * np.cos(angle), centre[1] + distance * np.sin(angle),
                             diameter, shadow)
        if visible(probe, fan, candidate, foci):
            foci.append(candidate)
    mimics = []
    for kind, count in (("gas", rng.integers(0, 2)), ("specular", rng.integers(0, 3)),
                        ("vessel", rng.integers(0, 2))):
        for _ in range(count):
            x, y = point_in_fan(rng, fan, 20)
            if np.hypot(x - centre[0], y - centre[1]) < radius + 10 / mm:
                continue  # mimics sit beside the mass, not in it
            if kind == "gas" and shadows_mass(probe, x, y, centre, radius):
                continue  # gas above the mass would hide it: not a fair test
            size = {"gas": rng.uniform(4, 10), "specular": rng.uniform(10, 30),
                    "vessel": rng.uniform(2, 6)}[kind]
            mimics.append(us.Mimic(kind, x, y, float(size), float(rng.uniform(-30, 30))))
    scene = us.Scene(shape=shape, sector=sector, mass_center=centre, mass_radius=radius,
                     mass_echo=float(rng.choice([rng.uniform(0.4, 0.8), rng.uniform(1.1, 1.5)])),
                     foci=tuple(foci), mimics=tuple(mimics),
                     speckle_px=float(rng.uniform(0.7, 2.2)),
                     dynamic_range_db=float(rng.uniform(45, 72)), gain_db=float(rng.uniform(-6, 6)),
                     tgc_error_db=float(rng.uniform(-8, 8)))
    return scene, {"fan": fan}


def render(scene: us.Scene, fan: np.ndarray, encoding: str, rng, frame_seed: int) -> tuple[np.ndarray, list]:
    """One frame with overlays; returns (pixels, caliper positions)."""
    frame = us.bmode_frame(scene, frame_seed)
    if encoding == "rgb":
        frame = us.to_color(frame)
    calipers = []
    for _ in range(rng.integers(0, 3)):
        x, y = point_in_fan(rng, fan, 30)
        size = int(rng.integers(4, 9))
        colour = (255, 255, 0) if encoding == "rgb" and rng.random() < 0.5 else (255, 255, 255)
        us.draw_caliper(frame, x, y, size, colour)
        calipers.append([x, y])
    us.burn_text(frame, 8, 8, "PEDS ABD  C5-1  12Hz", (255, 255, 255) if frame.ndim == 3 else (255,))
    us.burn_text(frame, 8, 24, f"GN {int(scene.gain_db):+d}  DR {int(scene.dynamic_range_db)}",
                 (255, 255, 255) if frame.ndim == 3 else (255,))
    us.burn_text(frame, scene.shape[1] - 60, scene.shape[0] - 20, "LT FLANK",
                 (255, 255, 255) if frame.ndim == 3 else (255,))
    if encoding == "rgb" and rng.random() < 0.5:
        x, y = point_in_fan(rng, fan, 80)
        us.colour_box(frame, (int(x) - 40, int(y) - 30, int(x) + 40, int(y) + 30), frame_seed)
    return frame, calipers


def write_phantom(out: Path, index: int, rng: np.random.Generator) -> dict:
    scene, extra = random_scene(rng)
    encoding = ENCODINGS[index % len(ENCODINGS)]
    n_frames = 3 if index % 5 == 0 else 1
    frames, calipers = [], []
    for k in range(n_frames):
        frame, placed = render(scene, extra["fan"], encoding, rng, frame_seed=index * 10 + k)
        frames.append(frame)
        calipers.append(placed)
    study = Dataset()
    study.PatientName, study.PatientID = f"PHANTOM^{index:04d}", f"PH{index:04d}"
    study.PatientAge, study.PatientSex = "004Y", "O"
    study.StudyInstanceUID = us.uid("phantom", index, "study")
    study.StudyDate, study.StudyTime = "20260115", "100000"
    study.BodyPartExamined = "ABDOMEN"
    ds = us.us_image(study, us.uid("phantom", index, "series"), us.uid("phantom", index, "image"),
                     1, frames, scene.sector, "jpeg" if encoding == "jpeg" else encoding)
    name = f"phantom-{index:04d}.dcm"
    ds.save_as(out / name, enforce_file_format=True)
    return {"file": name, "sop_instance_uid": str(ds.SOPInstanceUID), "kind": encoding,
            "frames": n_frames, "mm_per_pixel": scene.sector.mm_per_pixel,
            "probe": "linear" if scene.sector.linear_width else "curved/sector",
            "mass": {"x": scene.mass_center[0], "y": scene.mass_center[1], "radius": scene.mass_radius},
            "foci": [{"frame": frame, "x": f.x, "y": f.y, "diameter_mm": f.diameter_mm,
                      "shadow": f.shadow >= SHADOWING, "shadow_strength": f.shadow}
                     for frame in range(1, n_frames + 1) for f in scene.foci],
            "distractors": [{"frame": frame, "kind": m.kind, "x": m.x, "y": m.y}
                            for frame in range(1, n_frames + 1) for m in scene.mimics]
            + [{"frame": frame, "kind": "caliper", "x": x, "y": y}
               for frame, placed in enumerate(calipers, start=1) for x, y in placed]}


def make_phantoms(out: Path, count: int, seed: int) -> dict:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    truth = {"images": [write_phantom(out, index, rng) for index in range(count)]}
    (out / "truth.json").write_text(json.dumps(truth, indent=1))
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("phantoms"))
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    truth = make_phantoms(args.out, args.count, args.seed)
    print(f"wrote {len(truth['images'])} phantoms to {args.out}")


if __name__ == "__main__":
    main()
