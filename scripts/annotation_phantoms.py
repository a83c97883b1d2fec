"""Synthetic ultrasound images with vendor-like annotations burned in, and the side they name.

Used by ``evaluate_ocr.py`` and ``tests/test_ocr.py``. A case is drawn from a
seed: a B-mode fan (``usphantom``), a scanner banner, the sonographer's label
("TRANS LT KIDNEY", "RUQ", "L ADRENAL") in one of several fonts, sizes, colours
and corners beside the fan, sometimes a label of the *other* side drawn over
the tissue (which a reader must ignore), stored as MONOCHROME2, RGB or JPEG
Baseline with artefacts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import ImageFont
from pydicom import Dataset

import usphantom as us

# Debian fonts-dejavu-core, fonts-liberation, fonts-urw-base35; None is Pillow's own font.
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf",
         "LiberationSans-Regular.ttf", "LiberationMono-Regular.ttf", "NimbusSans-Regular.otf", None)
GREYS = {"white": (255, 255, 255), "light grey": (200, 200, 200)}
COLOURS = {**GREYS, "yellow": (255, 255, 0), "cyan": (0, 255, 255), "green": (90, 255, 90),
           "orange": (255, 170, 40)}
SIDE_WORDS = {"left": ("LT", "L", "LEFT"), "right": ("RT", "R", "RIGHT")}
QUADRANTS = {"left": "LUQ", "right": "RUQ"}
ORGANS = ("KIDNEY", "FLANK", "ADRENAL")
VIEWS = ("TRANS", "SAG", "LONG")
NO_SIDE = ("TRANS ABD", "SAG LIVER", "LONG BLADDER", "TRANS PELVIS", "SAG ABD")
OTHER = {"left": "right", "right": "left"}
CORNERS = ("bottom-left", "bottom-right", "top-left", "top-right")
SIZES = ((240, 320), (480, 640))
GAP = 6                     # pixels at least between a label and the fan, plus half the font size


@dataclass(frozen=True)
class AnnotationCase:
    """One rendered annotation and how it was drawn."""

    label: str                  # what is typed, e.g. "TRANS LT KIDNEY"
    side: str | None            # the side it names; None: it names none
    font: str | None            # font file name; None: Pillow's default
    size_px: int
    colour: str
    corner: str
    encoding: str               # "mono", "rgb" or "jpeg"
    jpeg_quality: int
    shape: tuple[int, int]
    decoy: str | None           # a label of another side drawn over the tissue


def label_for(side: str | None, rng: np.random.Generator) -> str:
    """A vendor-like label naming ``side`` (None: a label that names no side)."""
    if side is None:
        return str(rng.choice(NO_SIDE))
    word, organ, view = (str(rng.choice(SIDE_WORDS[side])), str(rng.choice(ORGANS)),
                         str(rng.choice(VIEWS)))
    forms = (f"{word} {organ}", f"{view} {word} {organ}", f"{word} {organ} {view}",
             f"{word} KIDNEY UPPER POLE", f"{view} {QUADRANTS[side]}", f"{word} ADRENAL")
    return forms[int(rng.integers(len(forms)))]


def draw_case(seed: int) -> AnnotationCase:
    rng = np.random.default_rng(seed)
    side = (None, "left", "right")[int(rng.choice(3, p=(0.12, 0.44, 0.44)))]
    encoding = str(rng.choice(("mono", "rgb", "jpeg")))
    colours = GREYS if encoding == "mono" else COLOURS
    decoy_side = OTHER.get(side, "left")
    case = AnnotationCase(
        label=label_for(side, rng), side=side, font=FONTS[int(rng.integers(len(FONTS)))],
        size_px=int(rng.integers(10, 29)), colour=str(rng.choice(list(colours))),
        corner=str(rng.choice(CORNERS)), encoding=encoding,
        jpeg_quality=int(rng.choice((60, 75, 92))), shape=SIZES[int(rng.integers(len(SIZES)))],
        decoy=f"{SIDE_WORDS[decoy_side][0]} KIDNEY" if rng.random() < 0.3 else None)
    return fitted(case)


def fitted(case: AnnotationCase) -> AnnotationCase:
    """``case`` with a font small enough (10 px at least) for the label to sit beside the fan,
    as scanners place it; on the larger frame if it does not fit on the smaller one."""
    for shape in (case.shape, SIZES[-1]):
        for size in range(case.size_px, 9, -1):
            candidate = replace(case, shape=shape, size_px=size)
            if _clear_of_fan(candidate):
                return candidate
    raise ValueError(f"label {case.label!r} does not fit beside the fan")


def _clear_of_fan(case: AnnotationCase) -> bool:
    fan = us.sector_mask(us.Scene(shape=case.shape, sector=sector_for(case.shape),
                                  mass_center=(0, 0), mass_radius=0))
    box = load_font(case).getbbox(case.label)
    x, y = _corner_xy(case, box)
    gap = GAP + case.size_px // 2
    return not fan[max(y + box[1] - gap, 0):y + box[3] + gap, max(x - gap, 0):x + box[2] - box[0] + gap].any()


def load_font(case: AnnotationCase) -> ImageFont.FreeTypeFont:
    if case.font is None:
        return ImageFont.load_default(case.size_px)
    return ImageFont.truetype(case.font, case.size_px)


def sector_for(shape: tuple[int, int]) -> us.Sector:
    """A curved-array fan from the top middle, filling about the same share of any frame."""
    k = shape[0] / 240
    return us.Sector(apex_x=shape[1] / 2, apex_y=-30 * k, half_angle_deg=35, r_min=60 * k,
                     r_max=265 * k, mm_per_pixel=0.3 / k)


def _corner_xy(case: AnnotationCase, box: tuple[int, int, int, int]) -> tuple[int, int]:
    """Top-left point that puts a label of ``box`` size in the case's corner."""
    rows, cols = case.shape
    width, height = box[2] - box[0], box[3] - box[1]
    margin = max(4, rows // 60)
    x = margin if case.corner.endswith("left") else cols - width - margin
    y = rows - height - margin - box[1] if case.corner.startswith("bottom") else rows // 5
    return x, y


def render(case: AnnotationCase, seed: int) -> np.ndarray:
    """The frame of ``case`` (grey or RGB uint8)."""
    sector = sector_for(case.shape)
    scene = us.Scene(shape=case.shape, sector=sector,
                     mass_center=(case.shape[1] * 0.55, case.shape[0] * 0.5), mass_radius=case.shape[0] / 6)
    frame = us.bmode_frame(scene, seed)
    if case.encoding != "mono":
        frame = us.to_color(frame).copy()
    colour = COLOURS[case.colour]
    font = load_font(case)
    us.burn_text(frame, 4, 4, "PEDS ABD C5-1  GN 52  DR 60")
    box = font.getbbox(case.label)
    us.burn_text(frame, *_corner_xy(case, box), case.label, colour, font)
    if case.decoy:
        _typed_over_tissue(frame, case.decoy, colour, max(case.size_px, 14))
    return frame


def _typed_over_tissue(frame: np.ndarray, text: str, colour, size: int) -> None:
    """A label typed over the tissue on a black box, so that it is as legible as one beside it."""
    rows, cols = frame.shape[:2]
    font = ImageFont.truetype("DejaVuSans.ttf", size)
    x, y = int(cols * 0.35), int(rows * 0.55)
    x0, y0, x1, y1 = font.getbbox(text)
    frame[y + y0 - 4:y + y1 + 4, x + x0 - 4:x + x1 + 4] = 0
    us.burn_text(frame, x, y, text, colour, font)


def write_case(case: AnnotationCase, seed: int, path: Path, study: Dataset | None = None) -> Dataset:
    """``case`` as a US Image file at ``path``; returns its dataset."""
    study = study or _study(seed)
    ds = us.us_image(study, us.uid("ocr-case", seed, "series"), us.uid("ocr-case", seed, "image"), 1,
                     [render(case, seed)], sector_for(case.shape), case.encoding, case.jpeg_quality)
    ds.save_as(path, enforce_file_format=True)
    return ds


def _study(seed: int) -> Dataset:
    ds = Dataset()
    ds.PatientName, ds.PatientID = "SYNTHETIC^OCR", f"OCR{seed:05d}"
    ds.StudyInstanceUID = us.uid("ocr-case", seed, "study")
    ds.StudyDate, ds.StudyTime = "20260115", "101500"
    return ds
