"""Pixels of ultrasound images: grey frames and the calibrated tissue region.

Shared by the detector and the key image, so that both decode an image the same
way: frames are read one at a time (:func:`pydicom.pixels.iter_pixels`), turned
grey from any photometric interpretation (MONOCHROME1/2; RGB by its green channel,
equal to the others on grey pixels; YBR by its luma, without conversion to RGB;
PALETTE COLOR via its LUT), with colour pixels (Doppler, coloured graphics)
masked out. The tissue region and its spacing come from Sequence of
Ultrasound Regions (PS3.3 C.8.5.5; PhysicalDelta in cm).
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from functools import cache
from pathlib import Path

import numpy as np
from pydicom import Dataset, dcmread
from pydicom.pixels import apply_color_lut, convert_color_space, iter_pixels
from pydicom.pixels.decoders.base import get_decoder
from pydicom.uid import JPEGBaseline8Bit
from scipy import ndimage

from advisor.evidence.header import integer, items, number, text

ASSUMED_MM_PER_PIXEL = 0.3   # used when the image has no calibrated region
COLOUR_SPREAD = 40           # max-min over RGB channels above this: a colour pixel
COLOUR_CHROMA = 20           # |Cb - 128| or |Cr - 128| above this: a colour pixel (YBR)
Box = tuple[int, int, int, int]   # x0, y0, x1, y1, inclusive


def first_frame(path: Path, ds: Dataset) -> tuple[np.ndarray, str]:
    """The first frame of ``path`` as decoded (YBR kept, palette indices kept) and the
    photometric interpretation it was decoded in: a JPEG codestream may say otherwise than
    the header (PS3.5 8.2.1), and pydicom follows the codestream (``ds``: the file's header).

    Decoded once for the detector and the burned-in-text reader, which share it.
    """
    decoded = Dataset()
    frames = iter_pixels(path, as_rgb=False, ds_out=decoded, **_decoder(ds))
    try:
        frame = next(frames)
    finally:
        frames.close()
    return frame, str(decoded.get("PhotometricInterpretation", header_photometric(ds)))


def as_rgb(frame: np.ndarray, photometric: str, ds: Dataset) -> np.ndarray:
    """A frame as decoded (:func:`first_frame`) as pydicom's ``as_rgb`` decoding gives it:
    YBR_FULL and YBR_FULL_422 converted to RGB (PS3.3 C.7.6.3.1.2), PALETTE COLOR through
    its lookup table; other frames as they are."""
    if photometric in ("YBR_FULL", "YBR_FULL_422"):
        return _ybr_as_rgb(frame)
    if header_photometric(ds) == "PALETTE COLOR":
        return apply_color_lut(frame, ds)
    return frame


def _ybr_as_rgb(frame: np.ndarray) -> np.ndarray:
    """pydicom's YBR_FULL -> RGB conversion of a frame, done on the rows with a colour pixel
    only: a grey pixel (both chroma 128) of an 8-bit frame converts to its luma in every
    channel, exactly (its chroma terms are zero), and a row converts as it does in the whole
    frame (numpy multiplies a frame's rows one by one). An ultrasound frame is mostly grey."""
    if frame.dtype != np.uint8:
        return convert_color_space(frame, "YBR_FULL", "RGB")
    rgb = np.repeat(frame[..., :1], 3, axis=-1)
    coloured = ((frame[..., 1] != 128) | (frame[..., 2] != 128)).any(axis=-1)
    if coloured.any():
        rgb[coloured] = convert_color_space(frame[coloured], "YBR_FULL", "RGB")
    return rgb


def header_photometric(ds: Dataset) -> str:
    """The Photometric Interpretation the header gives (MONOCHROME2 if it gives none)."""
    return text(ds, "PhotometricInterpretation") or "MONOCHROME2"


def grey_frames(path: Path, box: Box | None = None, ds: Dataset | None = None,
                first: np.ndarray | None = None) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """(grey float32 frame, colour mask or None) for each frame, read one at a time
    (``ds``: the file's header without pixel data, if the caller has read it already;
    ``first``: the first frame as :func:`first_frame` decoded it, if the caller has).

    ``box`` crops each frame before it is turned grey (the detector needs only the
    tissue region, and conversion costs in proportion to the pixels converted).
    YBR images are decoded without conversion to RGB: luma is the grey level and
    chroma marks colour pixels, which costs less than RGB max/min reductions.
    JPEG Baseline is decoded by Pillow (libjpeg-turbo) when it is installed.
    """
    ds = ds if ds is not None else dcmread(path, stop_before_pixels=True)
    photometric = header_photometric(ds)
    for frame in _frames(path, ds, first):
        if box is not None:
            frame = frame[box[1]:box[3] + 1, box[0]:box[2] + 1]
        if photometric == "PALETTE COLOR":
            frame = apply_color_lut(frame, ds)
        yield to_grey(frame, photometric)


def _frames(path: Path, ds: Dataset, first: np.ndarray | None) -> Iterator[np.ndarray]:
    """The frames of ``path`` as decoded (YBR kept), ``first`` given instead of decoded again."""
    if first is None:
        yield from iter_pixels(path, as_rgb=False, **_decoder(ds))
        return
    yield first
    count = integer(ds, "NumberOfFrames") or 1
    if count > 1:
        yield from iter_pixels(path, as_rgb=False, indices=range(1, count), **_decoder(ds))


def _decoder(ds: Dataset) -> dict[str, str | bool]:
    """pydicom's decoding options for ``ds``: frames that may be read-only (nothing here writes
    into a frame as decoded, and an uncompressed frame is then not copied), JPEG Baseline by
    Pillow (libjpeg-turbo, several times faster than pylibjpeg's libjpeg) when it is installed."""
    if ds.file_meta.get("TransferSyntaxUID") == JPEGBaseline8Bit and _pillow_decodes_jpeg():
        return {"view_only": True, "decoding_plugin": "pillow"}
    return {"view_only": True}


@cache
def _pillow_decodes_jpeg() -> bool:
    return "pillow" in get_decoder(JPEGBaseline8Bit).available_plugins


def to_grey(frame: np.ndarray, photometric: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Grey levels 0-255 (float32) and, for colour frames, the mask of colour pixels (set to 0)."""
    if frame.ndim == 3:
        if frame.dtype != np.uint8:
            frame = (frame.astype(np.float32) * (255.0 / max(float(frame.max()), 1.0))).astype(np.uint8)
        if photometric.startswith("YBR"):
            colour = _chroma_beyond(frame)
            grey = frame[..., 0].astype(np.float32)
        else:
            r, g, b = np.moveaxis(frame, 2, 0).copy()   # channel planes: half the time of strided views
            colour = ((np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b))
                      > COLOUR_SPREAD)
            grey = g.astype(np.float32)   # grey pixels have r == g == b; colour ones are masked
        if not colour.any():
            return grey, None
        grey[colour] = 0
        return grey, colour
    grey = frame.astype(np.float32)
    top = float(grey.max()) if frame.dtype != np.uint8 else 255.0
    if top > 255:
        grey *= 255.0 / top
    if photometric == "MONOCHROME1":
        grey = 255.0 - grey
    return grey, None


def _chroma_beyond(frame: np.ndarray) -> np.ndarray:
    """|Cb - 128| or |Cr - 128| > COLOUR_CHROMA at each pixel of an 8-bit YBR frame, in unsigned
    arithmetic: a value below the band wraps round to above it (ten times cheaper than widening,
    subtracting and abs). Shifted over the whole frame, whose pixels are contiguous, and the
    larger of the two chroma compared once: two thirds of the time of each chroma's strided plane."""
    shifted = np.subtract(frame, np.uint8(128 - COLOUR_CHROMA), dtype=np.uint8)
    return np.maximum(shifted[..., 1], shifted[..., 2]) > 2 * COLOUR_CHROMA


def brightness(frame: np.ndarray, photometric: str) -> np.ndarray:
    """0-255 brightness of each pixel: its brightest channel, so coloured text stays bright."""
    bright = (_brightest_channel(frame) if frame.ndim == 3 else frame).astype(np.float32)
    top = float(bright.max()) or 1.0
    if top > 255:
        bright *= 255.0 / top
    return 255.0 - bright if photometric == "MONOCHROME1" else bright


def _brightest_channel(frame: np.ndarray) -> np.ndarray:
    """The largest of a frame's channels at each pixel: ``frame.max(axis=2)`` on planes, a
    tenth of the cost of reducing over the short last axis of interleaved pixels."""
    brightest = frame[..., 0].copy()
    for channel in range(1, frame.shape[2]):
        np.maximum(brightest, frame[..., channel], out=brightest)
    return brightest


def densely_lit(lit: np.ndarray, radius: int, share: Fraction) -> np.ndarray:
    """Whether more than ``share`` of the (2 radius + 1)-pixel square around each pixel is
    ``lit``, the square clipped at the image's border (SimpleITK's BoxMean above ``share``),
    from a summed-area table and compared in integers: the same pixels as the float32 share
    compared with ``float(share)`` (a share of a few hundred pixels is never within float32's
    rounding of it unless equal), at half the cost of dividing.
    """
    rows, cols = lit.shape
    table = np.zeros((rows + 2 * radius + 1, cols + 2 * radius + 1), np.int32)
    table[radius + 1:radius + 1 + rows, radius + 1:radius + 1 + cols] = lit
    _accumulate_down(table)
    np.cumsum(table, axis=1, out=table)
    width = 2 * radius + 1
    total = ((table[width:, width:] - table[:-width, width:])
             - (table[width:, :-width] - table[:-width, :-width]))
    total *= share.denominator
    area = (share.numerator * _window_lengths(rows, radius).astype(np.int32))[:, None] \
        * _window_lengths(cols, radius).astype(np.int32)[None, :]
    return total > area


def _accumulate_down(table: np.ndarray) -> None:
    """``np.cumsum(table, axis=0, out=table)``, each row added to the next: numpy accumulates
    down a C-ordered array's columns with a strided inner loop, at twice the time."""
    for row in range(1, table.shape[0]):
        np.add(table[row], table[row - 1], out=table[row])


def _window_lengths(size: int, radius: int) -> np.ndarray:
    """How many of the 2 radius + 1 positions around each index lie inside 0..size-1."""
    index = np.arange(size)
    return np.minimum(index + radius + 1, size) - np.maximum(index - radius, 0)


def largest_component(mask: np.ndarray) -> np.ndarray:
    """The largest 4-connected area of ``mask``; of equal sizes the first in raster order, as
    SimpleITK's ConnectedComponent and RelabelComponent (by size, then by label) choose it.

    Labelled by scipy in this thread (labels in raster order, as ConnectedComponent's): about
    the filter's CPU time on an idle machine, and half its wall clock, with less CPU, when
    other processes share the cores (the filter's threads then wait for one another).
    """
    labels, count = ndimage.label(mask)
    if not count:
        return np.zeros(mask.shape, bool)
    if count == 1:
        return labels == 1   # the only area (a fan's, as a rule): its size need not be counted
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0   # the background
    return labels == int(np.argmax(sizes))


def dilate_ball(mask: np.ndarray, radius: int) -> np.ndarray:
    """SimpleITK's BinaryDilate of a boolean mask with a ball of ``radius`` pixels (offsets up to
    radius + 0.5 pixels), by shifts: each row's pixels widened by the ball's half chord at each
    row offset. Inside the box of the lit pixels only, it costs a fraction of the filter's
    set-up and conversions.
    """
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    out = np.zeros(mask.shape, bool)
    if not rows.size:
        return out
    y0, x0 = max(rows[0] - radius, 0), max(cols[0] - radius, 0)
    y1, x1 = min(rows[-1] + radius + 1, mask.shape[0]), min(cols[-1] + radius + 1, mask.shape[1])
    lit, grown = mask[y0:y1, x0:x1], out[y0:y1, x0:x1]
    widened = {0: lit}
    for chord in range(1, radius + 1):
        wider = widened[chord - 1].copy()
        wider[:, 1:] |= widened[chord - 1][:, :-1]
        wider[:, :-1] |= widened[chord - 1][:, 1:]
        widened[chord] = wider
    height = grown.shape[0]
    for dy in range(-radius, radius + 1):
        chord = int(np.floor(np.sqrt((radius + 0.5) ** 2 - dy ** 2)))
        if abs(dy) < height:
            grown[max(dy, 0):height + min(dy, 0)] |= widened[chord][max(-dy, 0):height - max(dy, 0)]
    return out


def fill_rows(mask: np.ndarray) -> np.ndarray:
    """Each row filled between its first and last pixel.

    Dark parts of the fan are tissue too: an acoustic shadow down to the fan's
    edge, an anechoic cyst, a black box a label was typed on. Compared in int32 (an empty
    row starts past its end): half the time of int64 comparisons, and no mask of lit rows.
    """
    cols = mask.shape[1]
    first = np.where(mask.any(axis=1), np.argmax(mask, axis=1), cols).astype(np.int32)
    last = (cols - 1 - np.argmax(mask[:, ::-1], axis=1)).astype(np.int32)
    columns = np.arange(cols, dtype=np.int32)
    return (columns >= first[:, None]) & (columns <= last[:, None])


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
