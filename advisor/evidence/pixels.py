"""Pixels of ultrasound images: grey frames and the calibrated tissue region.

Shared by the detector and the key image, so that both decode an image the same
way: frames are read one at a time (:func:`pydicom.pixels.iter_pixels`), turned
grey from any photometric interpretation (MONOCHROME1/2, RGB, YBR via pydicom's
conversion, PALETTE COLOR via its LUT), with colour pixels (Doppler, coloured
graphics) masked out. The tissue region and its spacing come from Sequence of
Ultrasound Regions (PS3.3 C.8.5.5; PhysicalDelta in cm).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
from pydicom import Dataset, dcmread
from pydicom.pixels import apply_color_lut, iter_pixels

from advisor.evidence.header import integer, items, number, text

ASSUMED_MM_PER_PIXEL = 0.3   # used when the image has no calibrated region
COLOUR_SPREAD = 40           # max-min over RGB channels above this: a colour pixel


def decoded_frames(path: Path) -> Iterator[tuple[np.ndarray, str]]:
    """(frame as decoded, photometric interpretation) for each frame, read one at a time.

    PALETTE COLOR frames come out as RGB through their lookup table.
    """
    ds = dcmread(path, stop_before_pixels=True)
    photometric = text(ds, "PhotometricInterpretation") or "MONOCHROME2"
    for frame in iter_pixels(path):
        if photometric == "PALETTE COLOR":
            frame = apply_color_lut(frame, ds)
        yield frame, photometric


def grey_frames(path: Path) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """(grey float32 frame, colour mask or None) for each frame, read one at a time."""
    for frame, photometric in decoded_frames(path):
        yield to_grey(frame, photometric)


def to_grey(frame: np.ndarray, photometric: str) -> tuple[np.ndarray, np.ndarray | None]:
    if frame.ndim == 3:
        frame = frame.astype(np.float32)
        if frame.max() > 255:
            frame *= 255.0 / frame.max()
        colour = (frame.max(axis=2) - frame.min(axis=2)) > COLOUR_SPREAD
        grey = frame.mean(axis=2)
        grey[colour] = 0
        return grey, colour
    grey = frame.astype(np.float32)
    top = float(grey.max()) or 1.0
    if top > 255:
        grey *= 255.0 / top
    if photometric == "MONOCHROME1":
        grey = 255.0 - grey
    return grey, None


def brightness(frame: np.ndarray, photometric: str) -> np.ndarray:
    """0-255 brightness of each pixel: its brightest channel, so coloured text stays bright."""
    bright = (frame.max(axis=2) if frame.ndim == 3 else frame).astype(np.float32)
    top = float(bright.max()) or 1.0
    if top > 255:
        bright *= 255.0 / top
    return 255.0 - bright if photometric == "MONOCHROME1" else bright


def ultrasound_region_boxes(ds: Dataset) -> list[tuple[int, int, int, int]]:
    """(x0, y0, x1, y1) of every region in Sequence of Ultrasound Regions (PS3.3 C.8.5.5.1)."""
    boxes = []
    for region in ds.get("SequenceOfUltrasoundRegions", []):
        try:
            boxes.append((int(region.RegionLocationMinX0), int(region.RegionLocationMinY0),
                          int(region.RegionLocationMaxX1), int(region.RegionLocationMaxY1)))
        except (AttributeError, TypeError, ValueError):
            continue
    return boxes


def tissue_region(ds: Dataset, shape: tuple[int, int]) -> tuple[tuple[int, int, int, int] | None, float | None]:
    """Bounding box (x0, y0, x1, y1) and mm per pixel of the first 2D tissue region.

    A region that does not fit the image (a resized image whose regions were
    not updated) is not trusted: neither its box nor its spacing is used.
    """
    for region in items(ds, "SequenceOfUltrasoundRegions"):
        data_type = integer(region, "RegionDataType")
        if integer(region, "RegionSpatialFormat") != 1 or data_type not in (1, 2, None):
            continue
        box = tuple(integer(region, k) for k in ("RegionLocationMinX0", "RegionLocationMinY0",
                                                  "RegionLocationMaxX1", "RegionLocationMaxY1"))
        if None in box or box[2] >= shape[1] * 1.02 or box[3] >= shape[0] * 1.02:
            return None, None
        box = (box[0], box[1], min(box[2], shape[1] - 1), min(box[3], shape[0] - 1))
        delta = number(region, "PhysicalDeltaX")
        spacing = abs(delta) * 10.0 if integer(region, "PhysicalUnitsXDirection") == 3 and delta else None
        return box, spacing
    return None, None
