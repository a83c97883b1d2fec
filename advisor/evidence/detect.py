"""Calcification detector on ultrasound pixels (SimpleITK).

For each frame of a US image, inside a search mask:

1. grey levels from any photometric interpretation (MONOCHROME1/2, RGB,
   YBR via pydicom's conversion, PALETTE COLOR via its LUT); colour pixels
   (Doppler, coloured graphics) are masked out;
2. the tissue region and its spacing from Sequence of Ultrasound Regions
   (PS3.3 C.8.5.5; PhysicalDelta in cm), or, without regions, the largest
   bright fan with the spacing marked unknown; the beam apex is estimated from
   the fan's edges (parallel edges: a linear probe, beams straight down);
3. candidates: bright, compact blobs standing out of the local background,
   measured with LabelShapeStatistics (equivalent diameter in mm, elongation,
   roundness), after an opening that removes one-pixel lines (calipers, text);
   and the shadows first: dark bands along the beams with tissue on both sides
   (:func:`shadow_peaks`), the focus measured at the top of each;
4. a posterior-shadow measure along the beam (from the apex through the
   focus): the median behind the focus over the median beside it at the same
   depth, and a reverberation test (periodic bright bands behind gas).

Two tiers: ``shadow=True`` (calcific focus with posterior acoustic shadow: what
the decision counts) and ``shadow=False`` (non-shadowing echogenic focus:
"possible calcification", reported only). Frames are read one at a time, so
memory stays flat for long cine clips. In a clip the whole search runs on every
fourth frame; in between, the foci found are followed (:func:`detect_clip`).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import Enum
from fractions import Fraction
from itertools import chain
from pathlib import Path

import numpy as np
import SimpleITK as sitk
from pydicom import Dataset, dcmread
from scipy import ndimage

from advisor.evidence.pixels import (ASSUMED_MM_PER_PIXEL, Box, densely_lit, dilate_ball, fill_rows,
                                     grey_frames, largest_component, tissue_region)
from advisor.model import Focus

MIN_DIAMETER_MM, MAX_DIAMETER_MM = 0.7, 12.0
WORK_MM = 0.5                # the blob search runs at this many mm per pixel or finer
BLOB_RADIUS_PER_SIGMA = 2.0  # a disk of about this radius answers G(sigma) - G(2 sigma) most
PEAK_SPREADS = 3.0           # a DoG response above this many robust spreads of its scale
MAX_PEAKS = 80               # strongest peaks looked at per frame (cheaply)
MAX_MEASURED = 20            # peaks measured at full resolution per frame, strongest first (and
                             # every peak with a strong prescreen shadow, < STRONG_SHADOW_RATIO)
PRESCREEN_RATIO = 0.75       # coarse behind / beside; at or above it, no shadow worth measuring
POSSIBLE_PEAK_SPREADS = 6.0  # unshadowed peaks weaker than this are not measured
RING_MARGIN_MM = 3.0         # background ring around a blob reaches this far beyond 1.5 radii
MIN_RING_IN_TISSUE = 0.6     # share of the background ring that must lie in the tissue
MEASURE_RING_PX = 6          # a blob measured against a larger ring is measured on a shrunk window
RING_CLEAR = 1.3             # a blob wider than this times the ring's radius unit is measured again
MIN_CONTRAST = 1.5           # blob peak over background, in local speckle spreads;
GRAIN_MM = 1.5                  # a blob smaller than this is the size of a speckle grain
GRAIN_MIN_CONTRAST = 2.5        # and must stand out this much more than speckle does by chance;
DARK_SHADOW_MIN_CONTRAST = 1.0  # this much is enough for a focus this large
DARK_SHADOW_MIN_MM = 2.5        # whose clean shadow is this dark (behind / beside)
DARK_SHADOW_RATIO = 0.3
MIN_ROUNDNESS = 0.45         # minor over major axis; a specular line or an edge is longer
NEIGHBOUR_MIN_MM = 2.0       # foci side by side this large may each darken the other's side
STRONG_SHADOW_RATIO = 0.5    # behind / beside below this: a strong shadow, which may lie under
MIN_ROUNDNESS_STRONG_SHADOW = 0.25  # a curvilinear calcification this elongated
CURVILINEAR_MIN_MM = 4.0     # and at least this large (a thin bright line over a cavity is not one),
CURVILINEAR_SHADOW_RATIO = 0.30  # with a shadow this dark (a bowel-gas arc's is partly filled in);
MIN_ROUNDNESS_SMALL_STRONG_SHADOW = 0.35  # smaller, this round (blurred wider across the beam)
BESIDE_MM = (1.5, 4.5)       # the tissue beside a shadow lies at least this far beyond the blob's edge
SHADOW_RATIO = 0.72          # behind / beside; below this the focus shadows
BALL_SHADOW_RATIO = 0.85     # and below this a large, round, clearly bright focus does:
BALL_MIN_MM, BALL_MIN_ROUNDNESS, BALL_MIN_CONTRAST = 4.0, 0.6, 2.5
SOLID_MIN_FILL = 0.85        # a blob filling this share of its moments' ellipse is solid (a calcific
                             # ball 0.9-1; gas arcs and text over tissue 0.4-0.75)
EXTENT_LEVEL = 0.25          # a large solid focus's whole extent stands this share of the way from
                             # background to top (its echo fades with depth: see _extent_roundness)
FAR_FILL = 0.9               # behind a focus this large, the far half's level counts this much
FAR_FILL_MIN_MM = 4.0        # (it may fill in to 0.8)
DIRTY_FRACTION = 0.15        # share of a shadow's profile at tissue brightness: gas, not stone
CAVITY_DARK = 0.5            # behind a bright wall, darker than this share of the tissue beside: fluid or shadow;
CAVITY_LOOK_MM = 30.0        # a fluid cavity ends within this depth behind its wall (a shadow runs on)
CAVITY_END_MM = 2.0          # in tissue at least as bright as beside (posterior enhancement) over this depth,
CAVITY_ENHANCED = 1.0        # (this share of the tissue beside at that depth),
CAVITY_MIN_WIDTH = 1.6       # and its dark area is this many times wider than the bright blob (only the part
                             # of a cavity's wall square to the beam is bright; a shadow is as wide as its focus)
NARROW_SHADOW = 0.5          # a blob wider than a focus over a dark area narrower than this share of it: not its shadow
UNLIT = 0.1                  # grey levels under this share of a blob's outline level are unlit: no echo there
GAS_MIN_MM = 3.0             # calcific foci this large shadow cleanly; a dirty shadow means gas
SMALL_SOLID_MIN_MM = 2.0     # from this size up to GAS_MIN_MM, a solid, clearly bright focus keeps a dirty shadow
POSSIBLE_CONTRAST = 5.0      # a focus without shadow is reported only above this contrast,
POSSIBLE_MAX_MM = 4.0        # this size or smaller,
POSSIBLE_MIN_ROUNDNESS = 0.75  # and this round,
POSSIBLE_MAX_RATIO = 1.5     # with tissue behind it no brighter than this times the darker side
EDGE_MARGIN_MM = 3.0
FLAT_GREY_LEVELS = 12        # a drawn line varies less than this along its length
LINE_SIDE_PX = 3             # and is brighter than the pixels this far to either side of it;
LINE_ARM_PX = 3              # an arm is looked for over this many pixels from the blob's edge
OVERLAY_SPIKE = 4.0          # a grey level this many times as frequent as the levels near it
OVERLAY_MIN_PIXELS = 20      # (and at least this frequent) is a colour graphics are drawn in;
OVERLAY_MAX_COLOURS = 3      # more such levels: a quantised image, not a drawing
OVERLAY_FILL_PX = 4          # drawn pixels are filled from the image this far around them
GEOMETRY_CACHE_SIZE = 16     # series whose geometry is kept
FULL_SEARCH_EVERY = 4        # frames of a cine clip; in between, the foci found are followed
BEAM_DEPTH_STEP_MM, BEAM_ACROSS_STEP_MM = 1.0, 0.5   # the shadow search's grid along and across the beams
SHADOW_RUN_MM = 8.0          # a shadow looked for runs at least this deep behind where it starts
SHADOW_START_EVERY = 2       # rows of the grid: a shadow is looked for starting on every second one
SHADOW_TOP_MM = 2.0          # over this depth just above its start, the beam is no darker than the tissue
SHADOW_WIDTHS_MM = (2.0, 3.5, 6.0)  # widths of shadow looked for (at the middle depth of the fan)
SHADOW_SIDE_MM = 3.0         # tissue this wide on each side of it, at least
SHADOW_FIND_RATIO = 0.45     # the run over the darker side below this: a shadow worth a focus at its top
SHADOW_TOP_RATIO = 0.9       # the beam above its start at least this bright (the darker side = 1)
FRONT_CAP_WIDER = 1.5        # a focus's front cap is at most this much wider than its shadow,
FRONT_CAP_SHADOW_RATIO = 0.15  # which is this dark (behind / beside)
MAX_SHADOWS = 4              # shadows whose top is measured per frame, darkest first


@dataclass(frozen=True)
class Geometry:
    """Where the tissue is in the frame and how the beams run."""

    tissue: np.ndarray                 # bool, rows x columns
    mm_per_pixel: float
    spacing_known: bool
    apex: tuple[float, float] | None   # (column, row); None: parallel beams (linear probe)
    offset: tuple[int, int] = (0, 0)   # (column, row) of this crop's top left pixel in the frame


@dataclass(frozen=True)
class Detection:
    """What the detector found in one instance, and how it looked."""

    foci: list[Focus]
    mask: str                          # "mass-roi" or "tissue-region-eroded"
    spacing_known: bool
    frames: int


# --- geometry -----------------------------------------------------------------

def fan_mask(grey: np.ndarray, box: tuple[int, int, int, int] | None) -> np.ndarray:
    """The imaged fan: the largest densely bright area, row-filled.

    Density (the share of lit pixels around each pixel) keeps out burned-in text
    and graphics, which are sparse strokes on black, even where they touch the image.
    """
    dense = densely_lit(grey > 6, 7, Fraction(3, 5))
    if box is not None:
        x0, y0, x1, y1 = box
        inside = np.zeros_like(dense)
        inside[y0:y1 + 1, x0:x1 + 1] = True
        dense &= inside
    if not dense.any():
        return dense
    return fill_rows(largest_component(dense))


def estimate_apex(tissue: np.ndarray) -> tuple[float, float] | None:
    """Intersection of lines fitted to the fan's left and right edges; None if parallel.

    Edge points on the image border are left out: a fan cut by the border has
    no edge there.
    """
    rows = np.nonzero(tissue.any(axis=1))[0]
    if len(rows) < 20:
        return None
    middle = rows[int(len(rows) * 0.25):int(len(rows) * 0.75)]
    last = tissue.shape[1] - 1
    left = np.argmax(tissue[middle], axis=1).astype(float)
    right = last - np.argmax(tissue[middle][:, ::-1], axis=1).astype(float)
    fits = []
    for edge in (left, right):
        keep = (edge > 0) & (edge < last)
        if keep.sum() < 10:
            return None
        fits.append(np.polyfit(middle[keep], edge[keep], 1))
    (slope_l, icpt_l), (slope_r, icpt_r) = fits
    if abs(slope_l - slope_r) < 0.05:
        return None
    apex_row = (icpt_r - icpt_l) / (slope_l - slope_r)
    if apex_row > rows[0] + 0.05 * len(rows) or slope_l > slope_r:
        return None  # not a fan opening downwards from a probe at the top: assume vertical beams
    return float(slope_l * apex_row + icpt_l), float(apex_row)


def graphics_mask(grey: np.ndarray) -> np.ndarray:
    """Burned-in text and graphics: white drawn straight onto black.

    An image blurs every edge over a few pixels (its resolution); text drawn on
    the black margin jumps from black to white between neighbouring pixels, even
    where it touches the image.
    """
    white, black = grey >= 250, grey <= 2
    jump = np.zeros_like(white)
    jump[:, 1:] |= white[:, 1:] & black[:, :-1]
    jump[:, :-1] |= white[:, :-1] & black[:, 1:]
    jump[1:] |= white[1:] & black[:-1]
    jump[:-1] |= white[:-1] & black[1:]
    return dilate_ball(jump, 3)


def _neighbourhood(mask: np.ndarray, every: bool) -> np.ndarray:
    """3 x 3 erosion (``every`` neighbour set) or dilation (any set) of a boolean mask."""
    padded = np.pad(mask, 1, constant_values=every)
    rows, cols = mask.shape
    out = mask.copy()
    for dy in range(3):
        for dx in range(3):
            if every:
                out &= padded[dy:dy + rows, dx:dx + cols]
            else:
                out |= padded[dy:dy + rows, dx:dx + cols]
    return out


def without_overlay(grey: np.ndarray, tissue: np.ndarray) -> np.ndarray:
    """``grey`` with text and graphics drawn over the tissue filled in from the image around them.

    Scanners draw annotations, caliper crosses and measurement lines in one flat grey
    level: in the histogram of the tissue it is a spike that speckle never makes. Only
    thin strokes of that level (and their anti-aliased rims) are drawings: a plateau
    three pixels wide or more is image (a saturated focus). Drawings are brighter than
    most tissue; a spike at the dark end is the floor log compression clips to. At the top
    level (255) small bright foci saturate, one or two pixels wide: drawings in white are
    left to the caliper test (``_drawn_lines``).
    """
    levels = _histogram(grey[tissue])
    padded = np.pad(levels.astype(np.float32), 3)
    around = np.sort(np.stack([padded[3 + k:259 + k] for k in (-3, -2, -1, 1, 2, 3)]), axis=0)
    near = (around[2] + around[3]) / 2   # their median, as np.median gives it, at half its cost
    median = np.searchsorted(np.cumsum(levels), levels.sum() / 2)
    colours = np.nonzero((levels >= OVERLAY_MIN_PIXELS) & (levels > OVERLAY_SPIKE * (near + 1))
                         & (np.arange(256) > median) & (np.arange(256) < 255))[0]
    if not colours.size or colours.size > OVERLAY_MAX_COLOURS:
        return grey
    drawn = np.isin(grey, colours.astype(grey.dtype)) & tissue
    rows, cols = np.nonzero(drawn)
    m = OVERLAY_FILL_PX + 2
    y0, x0 = max(rows.min() - m, 0), max(cols.min() - m, 0)
    box = (slice(y0, rows.max() + m + 1), slice(x0, cols.max() + m + 1))
    crop = drawn[box]
    strokes = crop & ~_neighbourhood(_neighbourhood(crop, True), False)
    if not strokes.any():
        return grey
    filled = grey.copy()
    rows, cols = np.nonzero(_neighbourhood(strokes, False))
    image = ~_neighbourhood(strokes, False)
    offsets = np.arange(-OVERLAY_FILL_PX, OVERLAY_FILL_PX + 1)
    around_r = np.clip(rows[:, None, None] + offsets[None, :, None], 0, crop.shape[0] - 1)
    around_c = np.clip(cols[:, None, None] + offsets[None, None, :], 0, crop.shape[1] - 1)
    weight = image[around_r, around_c].reshape(len(rows), -1)
    values = grey[box][around_r, around_c].reshape(len(rows), -1)
    count = weight.sum(axis=1)
    fill = np.where(count > 0, (values * weight).sum(axis=1) / np.maximum(count, 1), grey[box][rows, cols])
    filled[rows + y0, cols + x0] = fill
    return filled


def _histogram(values: np.ndarray) -> np.ndarray:
    """Counts of each grey level 0-255 among ``values`` (a copy of their own), rounded and
    clipped to 0-255 in place; counted two 8-bit values at a time (pairs viewed as 16-bit
    numbers), as ``np.bincount`` costs per number counted. Clipped only when a level lies
    outside 0-255 (a grey frame's never do): the two reductions cost a fifth of clipping.
    """
    np.rint(values, out=values)
    if not (values.size and values.min() >= 0 and values.max() <= 255):   # NaN fails too: clipped as before
        np.minimum(np.maximum(values, 0, out=values), 255, out=values)   # np.clip's results
    levels = values.astype(np.uint8)
    pairs = np.bincount(levels[:levels.size // 2 * 2].view(np.uint16), minlength=1 << 16).reshape(256, 256)
    counts = pairs.sum(axis=0) + pairs.sum(axis=1)
    if levels.size % 2:
        counts[levels[-1]] += 1
    return counts


def frame_geometry(ds: Dataset, grey: np.ndarray, offset: tuple[int, int] = (0, 0)) -> Geometry:
    """The geometry of a frame, or of the crop of it whose top left pixel is at ``offset``."""
    box, spacing = tissue_region(ds, (int(ds.get("Rows", 0) or grey.shape[0] + offset[1]),
                                      int(ds.get("Columns", 0) or grey.shape[1] + offset[0])))
    if box is not None:
        box = (box[0] - offset[0], box[1] - offset[1], box[2] - offset[0], box[3] - offset[1])
    graphics = graphics_mask(grey)
    tissue = fan_mask(np.where(graphics, 0, grey), box) & ~graphics
    return Geometry(tissue=tissue, mm_per_pixel=spacing or ASSUMED_MM_PER_PIXEL,
                    spacing_known=spacing is not None, apex=estimate_apex(tissue), offset=offset)


_SERIES_GEOMETRY: OrderedDict[tuple, tuple[Geometry, np.ndarray]] = OrderedDict()


def series_geometry(ds: Dataset, grey: np.ndarray, offset: tuple[int, int]) -> tuple[Geometry, np.ndarray]:
    """Geometry and eroded tissue search mask, computed once per series and region.

    Images of one series with the same matrix and the same calibrated region share
    the probe's fan; an image without a region is measured on its own.
    """
    box, spacing = tissue_region(ds, (int(ds.get("Rows", 0)), int(ds.get("Columns", 0))))
    key = (str(ds.get("SeriesInstanceUID", "")), ds.get("Rows"), ds.get("Columns"), box, spacing)
    if box is not None and key in _SERIES_GEOMETRY:
        _SERIES_GEOMETRY.move_to_end(key)
        return _SERIES_GEOMETRY[key]
    geometry = frame_geometry(ds, grey, offset)
    found = geometry, search_mask(geometry, None)[0]
    if box is not None:
        _remember(_SERIES_GEOMETRY, key, found)
    return found


def _remember(cache: OrderedDict, key: tuple, value) -> None:
    """Keep ``value`` under ``key``, forgetting the oldest beyond ``GEOMETRY_CACHE_SIZE``."""
    cache[key] = value
    while len(cache) > GEOMETRY_CACHE_SIZE:
        cache.popitem(last=False)


def search_mask(geometry: Geometry, roi: np.ndarray | None) -> tuple[np.ndarray, str]:
    """The mass ROI inside the tissue if given, else the tissue eroded from its edges."""
    if roi is not None:
        return roi & geometry.tissue, "mass-roi"
    radius = max(int(round(EDGE_MARGIN_MM / geometry.mm_per_pixel)), 1)
    if np.array_equal(fill_rows(geometry.tissue), geometry.tissue):
        return _erode_runs(geometry.tissue, radius), "tissue-region-eroded"
    eroded = sitk.BinaryErode(sitk.GetImageFromArray(geometry.tissue.astype(np.uint8)),
                              [radius, radius])
    return sitk.GetArrayFromImage(eroded).astype(bool), "tissue-region-eroded"


def _erode_runs(tissue: np.ndarray, radius: int) -> np.ndarray:
    """SimpleITK's BinaryErode with a ball of ``radius`` (offsets up to radius + 0.5 pixels;
    outside the image counts as tissue), for a mask whose every row is one run of pixels
    (a fan without graphics inside it), from the runs' ends: a pixel stays if, on every row
    the ball reaches, the run covers the ball's chord. A quarter of BinaryErode's time.
    """
    rows, cols = tissue.shape
    lit = tissue.any(axis=1)
    first = np.argmax(tissue, axis=1).astype(float)
    last = (cols - 1 - np.argmax(tissue[:, ::-1], axis=1)).astype(float)
    first[first == 0], last[last == cols - 1] = -np.inf, np.inf   # the image's edge is no background
    first[~lit], last[~lit] = np.inf, -np.inf
    low, high = np.full(rows, -np.inf), np.full(rows, np.inf)
    reach = min(radius, rows - 1)
    for dy in range(-reach, reach + 1):
        chord = np.floor(np.sqrt((radius + 0.5) ** 2 - dy ** 2))
        here, there = slice(max(-dy, 0), rows - max(dy, 0)), slice(max(dy, 0), rows + min(dy, 0))
        np.maximum(low[here], first[there] + chord, out=low[here])
        np.minimum(high[here], last[there] - chord, out=high[here])
    columns = np.arange(cols)
    return (columns >= low[:, None]) & (columns <= high[:, None])


# --- candidates -------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    """A bright compact blob, measured at full resolution from its own extent."""

    x: float                  # centroid, column
    y: float                  # centroid, row
    diameter_mm: float        # equivalent circular diameter of the half-maximum region
    roundness: float          # 1 / elongation (minor over major axis)
    contrast: float           # peak over the background in front and beside, in local speckle spreads
    half_width: float = 0.0   # half the extent across the beam, pixels
    depth_end: float = 0.0    # from the centroid to where the blob ends along the beam, pixels
    level: float = 0.0        # the grey level that outlines it (half-way from background to peak)
    ring_radius: float = 0.0  # the radius unit of the background ring it was measured against, pixels
    fill: float = 1.0         # its area over that of the solid ellipse of the same second moments
    extent_roundness: float = 0.0  # roundness of a large solid blob's whole extent (0: not measured)
    shadow_top: bool = False  # found at the top of a shadow (:func:`shadow_peaks`), not by the blob search
    shadow_half: float = 0.0  # half the width of that shadow, pixels (0: not found so)


@dataclass(frozen=True)
class Peak:
    x: float
    y: float
    radius: float   # blob radius of the scale that found it, pixels
    strength: float  # response in robust spreads of that scale's response
    shadow_top: bool = False  # the top of a shadow (:func:`shadow_peaks`)
    shadow_half: float = 0.0  # half that shadow's width, pixels


def _robust_spread(values: np.ndarray) -> tuple[float, float]:
    """Median and MAD-based spread; a subsample estimates them as well, faster."""
    values = values[::max(values.size // 4000, 1)]
    median = _median(values)
    return median, 1.4826 * _median(np.abs(values - median)) + 1e-3


def _median(values: np.ndarray) -> float:
    """``float(np.median(values))`` of a 1-D array of numbers, by one partition: np.median's
    checks and dispatch cost more than the partition on the small arrays of this module."""
    middle = values.size // 2
    if values.size % 2:
        return float(np.partition(values, middle)[middle])
    low, high = np.partition(values, (middle - 1, middle))[middle - 1:middle + 1]
    return float((low + high) / 2)


def _nanmedian(values: np.ndarray, axis: int | None = None) -> np.ndarray:
    """``np.nanmedian`` (NaN where a lane has no number), without its warnings and at a tenth
    of its cost on the small sample arrays of this module: sorted, NaNs last, the middle
    two numbers of each lane averaged in the array's own type, as numpy does."""
    if axis is None:
        values, axis = values.ravel(), 0
    ordered = np.sort(values, axis=axis)
    count = np.expand_dims(np.count_nonzero(~np.isnan(values), axis=axis), axis)
    low = np.take_along_axis(ordered, np.maximum((count - 1) // 2, 0), axis=axis)
    high = np.take_along_axis(ordered, np.minimum(count // 2, max(values.shape[axis] - 1, 0)), axis=axis)
    return np.squeeze(np.where(count > 0, (low + high) / 2, np.nan), axis=axis)


def _binomial(array: np.ndarray, passes: int = 1) -> np.ndarray:
    """Gaussian smoothing by [1 4 6 4 1] / 16 along each axis, variance 1 pixel\u00b2 per pass.

    Written out rather than SimpleITK's recursive Gaussian: on the small work images
    of this search, that filter's set-up costs ten times the arithmetic.
    """
    for _ in range(passes):
        rows = _five_taps(_pad_edge(array, 2), 0)
        array = _five_taps(rows, 1)
        array *= 1 / 256
    return array


def _five_taps(padded: np.ndarray, axis: int) -> np.ndarray:
    """``p[:-4] + 4 * p[1:-3] + 6 * p[2:-2] + 4 * p[3:-1] + p[4:]`` along ``axis``, added in that
    order (the same values: a + b is b + a exactly), into one array and one scratch array
    instead of eight temporaries."""
    n = padded.shape[axis]

    def tap(k: int) -> np.ndarray:
        return padded[k:n - 4 + k] if axis == 0 else padded[:, k:n - 4 + k]
    total = np.multiply(tap(1), 4)
    total += tap(0)
    scratch = np.multiply(tap(2), 6)
    total += scratch
    total += np.multiply(tap(3), 4, out=scratch)
    total += tap(4)
    return total


def _pad_edge(array: np.ndarray, width: int) -> np.ndarray:
    """``np.pad(array, width, mode="edge")`` for a 2-D array, by copies into slices: a quarter of
    its time on the small windows of a measurement, where np.pad's argument handling is most of
    the cost, and a half on a work image (clipped ``take`` along each axis cost twice np.pad)."""
    rows, cols = array.shape
    padded = np.empty((rows + 2 * width, cols + 2 * width), array.dtype)
    padded[width:width + rows, width:width + cols] = array
    padded[:width, width:width + cols] = array[0]
    padded[width + rows:, width:width + cols] = array[-1]
    padded[:, :width] = padded[:, width:width + 1]
    padded[:, width + cols:] = padded[:, width + cols - 1:width + cols]
    return padded


def _shrink(array: np.ndarray, factor: int) -> np.ndarray:
    """Mean over ``factor`` x ``factor`` blocks (a partial block at the edge is dropped).

    Added in the same order, block row by block row; the frame's rows of one block row are
    copied out together first, so that the strided adds read a compact copy rather than rows
    ``factor`` apart (a quarter less time on a frame).
    """
    if factor == 1:
        return array
    rows, cols = array.shape[0] // factor, array.shape[1] // factor
    total = np.zeros((rows, cols), np.float32)
    for dy in range(factor):
        block_row = np.ascontiguousarray(array[dy:rows * factor:factor, :cols * factor]).reshape(rows, cols, factor)
        for dx in range(factor):
            total += block_row[:, :, dx]
    return total * (1 / factor ** 2)


def _mostly(mask: np.ndarray, factor: int) -> np.ndarray:
    """``_shrink(mask, factor) >= 0.5`` for a boolean mask: each block's pixels counted in
    bytes (exact, as the float32 sums are, then scaled as they are), without casting every
    pixel to float32 (a seventh of the time on a frame's search mask)."""
    rows, cols = mask.shape[0] // factor, mask.shape[1] // factor
    lit = mask.astype(bool, copy=False).view(np.uint8)
    count = lit[:rows * factor:factor, :cols * factor:factor].astype(np.uint8 if factor < 16 else np.uint16)
    for dy in range(factor):
        for dx in range(factor):
            if dy or dx:
                count += lit[dy:rows * factor:factor, dx:cols * factor:factor]
    return count.astype(np.float32) * (1 / factor ** 2) >= 0.5


def _peaks(response: np.ndarray, inside: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    """(row, column, strength) of local maxima above ``threshold``, strength in robust
    spreads of the response inside the search mask."""
    values = response[inside]
    if values.size < 16:
        return []
    _, spread = _robust_spread(values)
    rows, cols = np.nonzero((response > threshold * spread) & inside)
    keep = (rows > 0) & (rows < response.shape[0] - 1) & (cols > 0) & (cols < response.shape[1] - 1)
    rows, cols = rows[keep], cols[keep]
    centre = response[rows, cols]
    local_max = np.ones(rows.size, bool)
    for dy, dx in ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)):
        local_max &= centre >= response[rows + dy, cols + dx]
    return [(int(r), int(c), float(v) / spread)
            for r, c, v in zip(rows[local_max], cols[local_max], centre[local_max])]


@dataclass(frozen=True)
class Pyramid:
    """The blob search's view of a frame: peaks, and the frame smoothed at the finest scale."""

    peaks: list[Peak]
    smooth: np.ndarray   # the work image smoothed at the finest scale
    factor: int          # frame pixels per work pixel


def blob_peaks(grey: np.ndarray, mask: np.ndarray, mm: float) -> Pyramid:
    """Bright blobs of about ``MIN_DIAMETER_MM`` to ``MAX_DIAMETER_MM`` inside ``mask``.

    A difference-of-Gaussians pyramid on the frame shrunk to about ``WORK_MM`` per
    pixel: each octave halves the resolution; its response is G(sigma) - G(2 sigma),
    and G(2 sigma), shrunk, is the next octave's G(sigma). A response is measured
    in robust spreads of that octave's own response over the search mask (the
    speckle at that scale), so the threshold depends on no grey level and no
    gain. Overlapping peaks keep the strongest; the blob's size is measured later
    from its own extent, so one scale per octave is enough to find it.
    """
    factor = max(int(WORK_MM / mm), 1)
    work = _shrink(grey.astype(np.float32, copy=False), factor)
    inside = _mostly(mask, factor)
    fine = _binomial(work)                       # sigma = 1 work pixel
    finest, peaks, scale = fine, [], 1
    while min(fine.shape) >= 8:
        radius_px = BLOB_RADIUS_PER_SIGMA * scale * factor
        coarse = _binomial(fine, 3)              # variances add: sigma 1 -> 2
        if 2 * radius_px * mm >= MIN_DIAMETER_MM:
            for row, col, strength in _peaks(fine - coarse, inside, PEAK_SPREADS):
                peaks.append(Peak((col + 0.5) * scale * factor - 0.5, (row + 0.5) * scale * factor - 0.5,
                                  radius_px, strength))
        if 2 * radius_px * mm * 2 > MAX_DIAMETER_MM * 1.2:
            break
        fine, scale = _shrink(coarse, 2), scale * 2
        inside = _mostly(inside, 2)
    return Pyramid(_strongest_apart(peaks), finest, factor)


def search_peaks(grey: np.ndarray, mask: np.ndarray, geometry: Geometry) -> list[Peak]:
    """The peaks of the blob search in ``mask`` worth measuring at full resolution, then the
    tops of the clearest shadows (:func:`shadow_peaks`), measured and tested as a class of their
    own (:func:`candidates`, :func:`detect_frame`)."""
    pyramid = blob_peaks(grey, mask, geometry.mm_per_pixel)
    return _worth_measuring(pyramid, geometry) + shadow_peaks(pyramid, mask, geometry)


@dataclass(frozen=True)
class BeamGrid:
    """Sample points of the work image along the beams: rows are depths, columns beams."""

    index: np.ndarray      # flat index into the work image of each grid point
    tissue: np.ndarray     # the grid point lies in the tissue
    x: np.ndarray          # frame column of each grid point
    y: np.ndarray          # frame row of each grid point
    across_mm: float       # across the beams, mm between columns at the middle depth
    depth_mm: float        # along them, mm between rows
    runs: dict = field(default_factory=dict, compare=False)   # which runs lie in the tissue, made once


_BEAM_GRIDS: OrderedDict[tuple, tuple[Geometry, BeamGrid]] = OrderedDict()


def beam_grid(geometry: Geometry, shape: tuple[int, int], factor: int) -> BeamGrid | None:
    """The grid of the tissue along its beams (fanning out from the apex, or straight down),
    made once per geometry: a shadow follows the beams, so on this grid it is a straight band
    of columns. None if the tissue is too small."""
    key = (id(geometry), shape, factor)
    if key in _BEAM_GRIDS and _BEAM_GRIDS[key][0] is geometry:
        return _BEAM_GRIDS[key][1]
    mm = geometry.mm_per_pixel
    strided = geometry.tissue[::factor, ::factor]
    step, depth = BEAM_ACROSS_STEP_MM / mm, BEAM_DEPTH_STEP_MM / mm
    found = None
    if np.count_nonzero(strided) >= 16:
        lit_rows, lit_cols = np.nonzero(strided.any(axis=1))[0] * factor, np.nonzero(strided.any(axis=0))[0] * factor
        if geometry.apex is None:
            ys = np.arange(lit_rows[0], lit_rows[-1] + 1, depth)
            xs = np.arange(lit_cols[0], lit_cols[-1] + 1, step)
            x, y = np.meshgrid(xs, ys)
        else:
            ax, ay = geometry.apex
            rows, cols = _fan_extremes(strided, factor, ay)
            radius, angle = np.hypot(cols - ax, rows - ay), np.arctan2(cols - ax, rows - ay)
            every = max(int(np.sqrt(strided.size / 8000)), 1)      # the middle radius from a subsample
            some_rows, some_cols = np.nonzero(strided[::every, ::every])
            middle = float(np.median(np.hypot(some_cols * every * factor - ax, some_rows * every * factor - ay)))
            radii = np.arange(radius.min(), radius.max() + 1, depth)
            angles = np.arange(angle.min(), angle.max(), step / max(middle, 1.0))
            x = ax + radii[:, None] * np.sin(angles)[None, :]
            y = ay + radii[:, None] * np.cos(angles)[None, :]
        col = np.clip(np.round((x + 0.5) / factor - 0.5).astype(int), 0, shape[1] - 1)
        row = np.clip(np.round((y + 0.5) / factor - 0.5).astype(int), 0, shape[0] - 1)
        fx = np.clip(np.round(x).astype(int), 0, geometry.tissue.shape[1] - 1)
        fy = np.clip(np.round(y).astype(int), 0, geometry.tissue.shape[0] - 1)
        inside = ((x >= 0) & (x < geometry.tissue.shape[1]) & (y >= 0) & (y < geometry.tissue.shape[0])
                  & geometry.tissue[fy, fx])
        if x.shape[0] > 2 and x.shape[1] > 2:
            found = BeamGrid(row * shape[1] + col, inside, x, y, BEAM_ACROSS_STEP_MM, BEAM_DEPTH_STEP_MM)
    _remember(_BEAM_GRIDS, key, (geometry, found))
    return found


def _fan_extremes(strided: np.ndarray, factor: int, apex_row: float) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) in the frame of the pixels of ``strided`` (the tissue, every ``factor``-th
    pixel) among which lie those nearest to and farthest from the apex and at the least and
    greatest angle: in a row below the apex the angle grows with the column and the distance is
    convex in it (the row's ends), in a column the distance grows with the row (its top); rows at
    or above the apex are taken whole."""
    ys = np.arange(strided.shape[0]) * factor
    below = ys - apex_row > 0
    lit = strided.any(axis=1) & below
    first = np.argmax(strided, axis=1)
    last = strided.shape[1] - 1 - np.argmax(strided[:, ::-1], axis=1)
    under = strided[below]
    tops = np.nonzero(under.any(axis=0))[0]
    top_rows = ys[below][np.argmax(under, axis=0)[tops]] if tops.size else np.zeros(0, int)
    level_rows, level_cols = np.nonzero(strided[~below])
    rows = np.concatenate([ys[lit], ys[lit], top_rows, ys[~below][level_rows]])
    cols = np.concatenate([first[lit] * factor, last[lit] * factor, tops * factor, level_cols * factor])
    return rows, cols


def _lateral(sums: np.ndarray, counts: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Mean over the columns j + lo .. j + hi - 1 of each column j, from cumulative ``sums`` and
    ``counts`` of valid values along the rows' columns (a zero column first); NaN where any is
    not valid or out of the grid."""
    columns = sums.shape[1] - 1
    first, end = max(-lo, 0), min(columns, columns - hi + 1)   # the columns j whose span lies in the grid
    out = np.full((sums.shape[0], columns), np.nan, sums.dtype)
    if end > first:
        total = sums[:, first + hi:end + hi] - sums[:, first + lo:end + lo]
        count = counts[:, first + hi:end + hi] - counts[:, first + lo:end + lo]
        out[:, first:end] = np.where(count == hi - lo, total / (hi - lo), np.nan)
    return out


def _runs_in_tissue(grid: BeamGrid, run: int, above: int):
    """For the rows where a shadow may start: those rows, whether the run below each grid point
    and the rows above it lie in the tissue, and those two counted along each row (a zero
    column first), as :func:`_lateral` takes them. Made once per grid."""
    if (run, above) not in grid.runs:
        rows, columns = grid.tissue.shape
        counted = np.zeros((rows + 1, columns), np.int32)
        np.cumsum(grid.tissue, axis=0, out=counted[1:])
        start = np.arange(above, rows - run + 1, SHADOW_START_EVERY)
        below_ok = counted[start + run] - counted[start] == run
        top_ok = counted[start] - counted[start - above] == above
        counts = []
        for ok in (below_ok, top_ok):
            n = np.zeros((len(start), columns + 1), np.int32)
            np.cumsum(ok, axis=1, out=n[:, 1:])
            counts.append(n)
        grid.runs[(run, above)] = start, below_ok, top_ok, counts[0], counts[1]
    return grid.runs[(run, above)]


def _lateral_at(sums: np.ndarray, counts: np.ndarray, rows: np.ndarray, cols: np.ndarray, lo: int,
                hi: int) -> np.ndarray:
    """:func:`_lateral` at the points (``rows``, ``cols``) only."""
    columns = sums.shape[1] - 1
    a, b = cols + lo, cols + hi
    inside = (a >= 0) & (b <= columns)
    a, b = np.clip(a, 0, columns), np.clip(b, 0, columns)
    total, count = sums[rows, b] - sums[rows, a], counts[rows, b] - counts[rows, a]
    return np.where(inside & (count == hi - lo), total / (hi - lo), np.nan)


def shadow_peaks(pyramid: Pyramid, mask: np.ndarray, geometry: Geometry) -> list[Peak]:
    """Peaks at the tops of the clearest acoustic shadows of the frame, darkest first.

    A calcification's most machine-independent sign is its shadow: a dark band that follows
    the beam lines, with tissue on both sides, starting abruptly under the focus. On the beam
    grid (:func:`beam_grid`) it is a run of dark samples down a band of columns (``SHADOW_RUN_MM``
    deep, one of ``SHADOW_WIDTHS_MM`` wide) under ``SHADOW_FIND_RATIO`` of the darker of the
    tissue strips beside it, with the beam just above its start no darker than that tissue.
    The peak is the brightest point just above the start, across the shadow's width; its
    radius is half that width. The focus is then measured and tested as any blob is.
    """
    grid = beam_grid(geometry, pyramid.smooth.shape, pyramid.factor)
    if grid is None:
        return []
    ok = grid.tissue
    values = np.where(ok, pyramid.smooth.ravel()[grid.index], 0.0).astype(np.float32, copy=False)
    run = max(int(round(SHADOW_RUN_MM / grid.depth_mm)), 2)
    above = max(int(round(SHADOW_TOP_MM / grid.depth_mm)), 1)
    rows, columns = values.shape
    if rows < run + above + 2 or not ok.any():
        return []
    tissue_level = _median(values[ok][::max(int(ok.sum()) // 4000, 1)])   # a subsample estimates it as well
    start, below_ok, top_ok, below_n, top_n = _runs_in_tissue(grid, run, above)
    summed = np.zeros((rows + 1, columns), np.float32)   # float32: means of at most a few hundred grey levels
    np.cumsum(values, axis=0, out=summed[1:])
    below = np.where(below_ok, (summed[start + run] - summed[start]) / run, 0.0)
    top = np.where(top_ok, (summed[start] - summed[start - above]) / above, 0.0)

    def cumulative(array, counts):
        sums = np.zeros((array.shape[0], columns + 1), np.float32)
        np.cumsum(array, axis=1, out=sums[:, 1:])
        return sums, counts

    below_c, top_c = cumulative(below, below_n), cumulative(top, top_n)
    side = max(int(round(SHADOW_SIDE_MM / grid.across_mm)), 2)
    found, reference_at = [], {}
    for width_mm in SHADOW_WIDTHS_MM:
        width = max(int(round(width_mm / grid.across_mm)), 2)
        lo, gap, wide = -(width // 2), 1, max(side, width // 2)
        core, lit = _lateral(*below_c, lo, lo + width), _lateral(*top_c, lo, lo + width)
        # Dark below and lit above, against the same tissue beside: the run is under
        # SHADOW_FIND_RATIO / SHADOW_TOP_RATIO of the beam above it. Only there are the sides looked at.
        with np.errstate(invalid="ignore"):
            rows_, cols_ = np.nonzero(core < 1.01 * SHADOW_FIND_RATIO / SHADOW_TOP_RATIO * lit)
        left = _lateral_at(*below_c, rows_, cols_, lo - gap - wide, lo - gap)
        right = _lateral_at(*below_c, rows_, cols_, lo + width + gap, lo + width + gap + wide)
        reference = np.minimum(left, right)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = core[rows_, cols_] / reference
            hit = ((ratio < SHADOW_FIND_RATIO) & (lit[rows_, cols_] / reference >= SHADOW_TOP_RATIO)
                   & (reference >= 0.5 * tissue_level))
        for k in np.nonzero(hit)[0]:
            r, j = int(rows_[k]), int(cols_[k])
            found.append((float(ratio[k]), int(start[r]), j, width))
            reference_at[(int(start[r]), j, width)] = float(reference[k])
    found.sort()
    kept: list[tuple[int, int, int]] = []
    peaks = []
    for _, r, j, width in found:
        if len(kept) == MAX_SHADOWS:
            break
        if any(abs(r - kr) < run and abs(j - kj) < (width + kw) / 2 for kr, kj, kw in kept):
            continue
        kept.append((r, j, width))
        r0, j0 = max(r - above - 2, 0), j - width // 2
        window = np.where(ok[r0:r + 1, j0:j0 + width], values[r0:r + 1, j0:j0 + width], -np.inf)
        dr, dj = np.unravel_index(int(np.argmax(window)), window.shape)
        x, y = float(grid.x[r0 + dr, j0 + dj]), float(grid.y[r0 + dr, j0 + dj])
        if not mask[int(round(y)), int(round(x))]:
            continue
        across = float(np.hypot(grid.x[r, j + 1] - grid.x[r, j], grid.y[r, j + 1] - grid.y[r, j]))
        # The shadow's own width: the columns around it below half-way from its level to the tissue's.
        k = (r - above) // SHADOW_START_EVERY            # below[k] is the run from row start[k]
        row = np.where(below_ok[k], below[k], np.nan)
        core = float(np.nanmean(row[j0:j0 + width]))
        dark = np.nan_to_num(row, nan=np.inf) < core + 0.5 * (reference_at[(r, j, width)] - core)
        lo, hi = j, j
        while lo > 0 and dark[lo - 1]:
            lo -= 1
        while hi < len(dark) - 1 and dark[hi + 1]:
            hi += 1
        half = max((hi - lo + 1) * across / 2, 1.0)
        peaks.append(Peak(x, y, max(width * across / 2, 1.0), 0.0, shadow_top=True, shadow_half=half))
    return peaks


def _worth_measuring(pyramid: Pyramid, geometry: Geometry) -> list[Peak]:
    """Peaks that may become a focus: with something like a shadow behind them, or small
    and strong enough for a non-shadowing echogenic focus.

    A coarse, vectorised look at the smoothed work image, so that only a few peaks
    per frame are measured at full resolution.
    """
    if not pyramid.peaks:
        return []
    mm, f = geometry.mm_per_pixel, pyramid.factor
    xy = np.array([(p.x, p.y) for p in pyramid.peaks])
    radius = np.array([p.radius for p in pyramid.peaks])
    along = np.array([beam_direction(x, y, geometry.apex) for x, y in xy])
    across = np.stack([-along[:, 1], along[:, 0]], axis=1)
    depths = radius[:, None] + np.linspace(1.0, 9.0, 5)[None, :] / mm            # peak x depth
    core = np.array([-0.2, 0.0, 0.2])[None, :] * radius[:, None]                 # peak x offset
    side = np.concatenate([radius[:, None] + np.array([[2.0, 4.0]]) / mm,
                           -(radius[:, None] + np.array([[2.0, 4.0]]) / mm)], axis=1)

    def level(offsets):
        points = (xy[:, None, None, :] + depths[:, :, None, None] * along[:, None, None, :]
                  + offsets[:, None, :, None] * across[:, None, None, :])
        cols = np.clip(np.round(points[..., 0] / f).astype(int), 0, pyramid.smooth.shape[1] - 1)
        rows = np.clip(np.round(points[..., 1] / f).astype(int), 0, pyramid.smooth.shape[0] - 1)
        tissue = geometry.tissue[np.minimum(rows * f, geometry.tissue.shape[0] - 1),
                                 np.minimum(cols * f, geometry.tissue.shape[1] - 1)]
        values = np.where(tissue, pyramid.smooth[rows, cols], np.nan).reshape(len(xy), -1)
        return _nanmedian(values, axis=1) if values.size else np.full(len(xy), np.nan)

    with np.errstate(invalid="ignore", divide="ignore"):   # NaN: no tissue there
        ratio = level(core) / level(side)
    small = 2 * radius * mm <= POSSIBLE_MAX_MM
    shadowed = ~(ratio >= PRESCREEN_RATIO)
    keep = shadowed | (small & (np.array([p.strength for p in pyramid.peaks]) >= POSSIBLE_PEAK_SPREADS))
    # Strongest first, but the places of shadowed peaks go to the darkest shadows: in a busy
    # frame, a weak peak of a large focus with a deep shadow is worth more than a strong
    # speckle peak with a faint one. A peak with a strong shadow (behind / beside < 0.5) is
    # measured even beyond the cap, after the others (in a frame busy with strong unshadowed
    # peaks, the cap cut peaks of foci with coarse shadows of 0.22-0.47; the order of the
    # first ones is kept, as a blob measured earlier hides an overlapping later one).
    kept = np.nonzero(keep)[0]
    darkest = sorted(kept[shadowed[kept]], key=lambda i: np.nan_to_num(ratio[i], nan=PRESCREEN_RATIO))
    places = iter(darkest)
    first = [next(places) if shadowed[i] else i for i in kept][:MAX_MEASURED]
    strong = [i for i in darkest if ratio[i] < STRONG_SHADOW_RATIO and i not in first]
    return [pyramid.peaks[i] for i in first + strong]


def _strongest_apart(peaks: list[Peak]) -> list[Peak]:
    """The strongest peaks, at most ``MAX_PEAKS``, none within the radius of a stronger one.

    Greedy, strongest first: each peak kept rules out, in one vectorised test, every peak
    within its radius or within theirs (the peaks kept are fewer than the peaks tested).
    """
    ordered = sorted(peaks, key=lambda p: -p.strength)
    xyr = np.array([(p.x, p.y, p.radius) for p in ordered], dtype=float).reshape(-1, 3)
    ruled_out = np.zeros(len(ordered), bool)
    kept: list[Peak] = []
    for i, peak in enumerate(ordered):
        if ruled_out[i]:
            continue
        kept.append(peak)
        if len(kept) == MAX_PEAKS:
            break
        ruled_out |= np.hypot(xyr[:, 0] - peak.x, xyr[:, 1] - peak.y) <= np.maximum(xyr[:, 2], peak.radius)
    return kept


class Miss(Enum):
    """Why a blob was not measured against a background ring of one size."""

    NO_BACKGROUND = "too little of the ring lies in the tissue (at the edge of the image)"
    NOT_BRIGHTER = "the blob's core is no brighter than the ring"
    NOT_COMPACT = "the blob reaches the edge of its window (a band or an organ edge)"


def measure_blob(grey: np.ndarray, tissue: np.ndarray, peak: Peak, along: np.ndarray,
                 mm: float) -> Candidate | None:
    """The blob around ``peak`` at full resolution: the connected area above half-way from
    the local background to the blob's peak, its size, shape and contrast.

    The background ring must lie outside the blob: a blob larger than the scale that
    found it (a large focus is often found first by a finer scale, on its texture) is
    measured again with a ring sized for it, up to ``MAX_DIAMETER_MM``. None if the
    blob is not compact even then (a band or an organ edge, not a focus), or as soon as too
    little of its ring lies in the tissue: a larger ring would not be measured at the
    edge of the image either (on the tuning sets, no focus was found that way).
    """
    radius, largest = max(peak.radius, 1.0), MAX_DIAMETER_MM / mm / 2
    while True:
        found = _measure_shrunk(grey, tissue, peak, radius, along, mm)
        if found is Miss.NO_BACKGROUND:
            return None   # a larger ring lies further off the tissue still
        blob_radius = None if isinstance(found, Miss) else found.diameter_mm / mm / 2
        if blob_radius is not None and blob_radius <= RING_CLEAR * radius:
            return found
        if radius >= largest:
            return None
        radius = min(largest, max(2 * radius, blob_radius or 0.0))


def _measure_shrunk(grey: np.ndarray, tissue: np.ndarray, peak: Peak, r: float, along: np.ndarray,
                    mm: float) -> Candidate | Miss:
    """``_measure_at`` on the window around a large blob shrunk so that ``r`` is about
    ``MEASURE_RING_PX`` pixels: a blob this large is measured as well from fewer pixels,
    and the window's pixels are what the measurement costs."""
    q = int(r // MEASURE_RING_PX)
    if q <= 1:
        return _measure_at(grey, tissue, peak, r, along, mm)
    half = int(np.ceil(2.5 * r + RING_MARGIN_MM / mm)) + 3 * q
    y0, x0 = max(int(peak.y) - half, 0) // q * q, max(int(peak.x) - half, 0) // q * q
    window = (slice(y0, int(peak.y) + half + 1), slice(x0, int(peak.x) + half + 1))
    small = _shrink(grey[window], q)
    tissue_here = tissue[window]   # most windows lie wholly in the tissue: no blocks to count
    in_tissue = np.ones(small.shape, bool) if tissue_here.all() else _mostly(tissue_here, q)
    centre = Peak((peak.x - x0 + 0.5) / q - 0.5, (peak.y - y0 + 0.5) / q - 0.5, r / q, peak.strength)
    found = _measure_at(small, in_tissue, centre, r / q, along, mm * q)
    if isinstance(found, Miss):
        return found
    return replace(found, x=(found.x + 0.5) * q - 0.5 + x0, y=(found.y + 0.5) * q - 0.5 + y0,
                   half_width=found.half_width * q, depth_end=found.depth_end * q, ring_radius=r)


def _measure_at(grey: np.ndarray, tissue: np.ndarray, peak: Peak, r: float, along: np.ndarray,
                mm: float) -> Candidate | Miss:
    """``measure_blob`` with the background ring at 1.5 to 2.5 ``r`` (+ a margin) from the peak,
    leaving out the part behind the blob (its own shadow); why not, if the blob is not measured."""
    half = int(np.ceil(2.5 * r + RING_MARGIN_MM / mm)) + 2
    first_row, first_col = int(peak.y) - half, int(peak.x) - half
    y0, x0 = max(first_row, 0), max(first_col, 0)
    window = grey[y0:int(peak.y) + half + 1, x0:int(peak.x) + half + 1]
    ok = tissue[y0:y0 + window.shape[0], x0:x0 + window.shape[1]]
    offsets = np.arange(-half, half + 1, dtype=np.float32)
    whole_dx, whole_dy = offsets[None, :] + (int(peak.x) - peak.x), offsets[:, None] + (int(peak.y) - peak.y)
    distance = np.hypot(whole_dx, whole_dy)
    whole_ring = _ring(whole_dx, whole_dy, distance, r, along, mm)   # as if the frame went on beyond its edges
    inside = (slice(y0 - first_row, y0 - first_row + window.shape[0]),
              slice(x0 - first_col, x0 - first_col + window.shape[1]))
    ring = whole_ring[inside] & ok
    core = ok & (distance[inside] <= max(0.5 * r, 1.5))
    if np.count_nonzero(ring) < max(12, MIN_RING_IN_TISSUE * np.count_nonzero(whole_ring)) or not core.any():
        return Miss.NO_BACKGROUND
    background, spread = _robust_spread(window[ring])
    smooth = _binomial_smooth(window)
    values = smooth[core]
    top = float(np.partition(values, int(0.9 * (values.size - 1)))[int(0.9 * (values.size - 1))])
    if top <= background:
        return Miss.NOT_BRIGHTER
    level = background + 0.5 * (top - background)
    seed = np.unravel_index(np.argmax(np.where(core, smooth, -1)), smooth.shape)
    blob = _connected(seed, (smooth >= level) & ok)
    if blob is None:
        return Miss.NOT_COMPACT
    by, bx = np.nonzero(blob)
    by, bx = by + y0, bx + x0
    cx, cy = float(bx.mean()), float(by.mean())
    across = np.array([-along[1], along[0]])
    dx, dy = bx - cx, by - cy
    u, v = dx * along[0] + dy * along[1], dx * across[0] + dy * across[1]
    eigen = _second_moments(bx, by)
    roundness = _axis_ratio(eigen)
    # A solid ellipse with these second moments covers 4 pi sqrt(l1 l2) pixels; an arc or a ring
    # (bright wall around a darker middle) covers much less of it.
    fill = float(bx.size / (4 * np.pi * np.sqrt(max(eigen[0], 1e-6) * max(eigen[1], 1e-6))))
    diameter_mm = 2 * np.sqrt(bx.size / np.pi) * mm
    extent = (_extent_roundness(smooth, ok, seed, background, top)
              if diameter_mm >= BALL_MIN_MM and fill >= SOLID_MIN_FILL else 0.0)
    return Candidate(cx, cy, diameter_mm, roundness,
                     (top - background) / spread, half_width=float(np.ptp(v) + 1) / 2,
                     depth_end=float(u.max()) + 0.5, level=level, ring_radius=r, fill=fill,
                     extent_roundness=extent)


_PIXEL_MOMENTS = np.eye(2) * 1 / 12   # a unit square's own second moments


def _second_moments(cols: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Eigenvalues, smallest first, of the second moments of pixels (each a unit square).

    The covariance is ``np.cov``'s arithmetic step by step (mean, centring, the product with
    the centred transpose's conjugate, the scaling), the same numbers at half its cost: its
    argument handling outweighs the arithmetic on a blob's few hundred pixels. The conjugate, a
    copy for real numbers, keeps np.cov's matrix product: the transpose itself, a view of the
    same array, may be multiplied by another BLAS routine, rounded otherwise."""
    if cols.size <= 2:
        return np.array([1.0, 1.0])
    centred = np.array([cols, rows], dtype=float)
    centred -= centred.mean(axis=1)[:, None]
    covariance = np.dot(centred, centred.T.conj())
    covariance *= 1 / (cols.size - 1)
    return np.linalg.eigvalsh(covariance + _PIXEL_MOMENTS)


def _axis_ratio(eigen: np.ndarray) -> float:
    """Minor over major axis of the ellipse with these second moments."""
    return float(np.sqrt(max(eigen[0], 1e-6) / max(eigen[1], 1e-6)))


def _extent_roundness(smooth: np.ndarray, ok: np.ndarray, seed: tuple[int, int], background: float,
                      top: float) -> float:
    """Roundness of a large solid focus's whole extent: the area connected to ``seed`` that
    stands ``EXTENT_LEVEL`` of the way from ``background`` to ``top`` (0 if it is no compact blob).

    A large calcification reflects most at its front surface and attenuates the beam within
    itself, so its echo fades with depth: its half-maximum outline is a front cap, wider
    across the beam than deep, while the whole focus is round.
    """
    whole = _connected(seed, (smooth >= background + EXTENT_LEVEL * (top - background)) & ok)
    if whole is None:
        return 0.0
    rows, cols = np.nonzero(whole)
    return _axis_ratio(_second_moments(cols, rows))


def _ring(dx: np.ndarray, dy: np.ndarray, distance: np.ndarray, r: float, along: np.ndarray,
          mm: float) -> np.ndarray:
    """The background ring at 1.5 to 2.5 ``r`` (+ a margin) around a blob (``distance`` from its
    peak: the hypotenuse of ``dx`` and ``dy``), without the part behind it along the beam (its
    own shadow)."""
    return ((distance >= 1.5 * r + 1.0 / mm) & (distance <= 2.5 * r + RING_MARGIN_MM / mm)
            & (dx * along[0] + dy * along[1] < 0.5 * r))


_FOUR_CONNECTED = ndimage.generate_binary_structure(2, 1)


def _connected(seed: tuple[int, int], allowed: np.ndarray) -> np.ndarray | None:
    """Pixels of ``allowed`` 4-connected to ``seed``; None if the area reaches the border
    of the window (not a compact blob).

    scipy's labelling, not SimpleITK's flood fill: on these small windows (about 50 x 50
    pixels) the filter's set-up cost eight times the labelling. Its structuring element is
    made once (:data:`_FOUR_CONNECTED`, the one scipy makes by default): making it costs a
    quarter of the labelling here.
    """
    labels, _ = ndimage.label(allowed, _FOUR_CONNECTED)
    region = labels == labels[seed]
    if region[0].any() or region[-1].any() or region[:, 0].any() or region[:, -1].any():
        return None
    return region


def candidates(grey: np.ndarray, mask: np.ndarray, geometry: Geometry,
               peaks: list[Peak] | None = None) -> list[Candidate]:
    """Bright compact blobs whose centre lies inside ``mask``, measured and deduplicated.

    The blobs are looked for at ``peaks``, by default at the peaks of the frame's blob
    search worth measuring.
    """
    mm, found = geometry.mm_per_pixel, []
    if peaks is None:
        peaks = search_peaks(grey, mask, geometry)
    for peak in peaks:
        c = measure_blob(grey, geometry.tissue, peak, beam_direction(peak.x, peak.y, geometry.apex), mm)
        if c is None or not MIN_DIAMETER_MM <= c.diameter_mm <= MAX_DIAMETER_MM:
            continue
        if c.contrast < DARK_SHADOW_MIN_CONTRAST:
            continue   # lost in the speckle: it must not hide a smaller, brighter blob within it
        if not mask[int(round(c.y)), int(round(c.x))]:
            continue
        if any(_overlap(c, f, mm) for f in found if f.shadow_top == peak.shadow_top):
            continue   # a blob at a shadow's top is kept apart from the blob search's until tested
        if _drawn_lines(grey, c.x, c.y, c.diameter_mm / mm / 2, c.level):
            continue
        found.append(replace(c, shadow_top=peak.shadow_top, shadow_half=peak.shadow_half))
    return found


def _overlap(a: Candidate, b: Candidate, mm: float) -> bool:
    """Whether the centre of one blob lies within the other (the larger one's radius)."""
    return bool(np.hypot(a.x - b.x, a.y - b.y) * mm < max(a.diameter_mm, b.diameter_mm) / 2)


def _binomial_smooth(grey: np.ndarray) -> np.ndarray:
    """3 x 3 [1 2 1] smoothing: takes the edge off single-pixel speckle, cheaply."""
    padded = _pad_edge(grey, 1)
    rows = padded[:-2] + 2 * padded[1:-1] + padded[2:]
    return (rows[:, :-2] + 2 * rows[:, 1:-1] + rows[:, 2:]) / 16


_ARMS = np.array([(0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (1, -1), (-1, 1), (-1, -1)])   # (row, column) steps


def _drawn_lines(grey: np.ndarray, x: float, y: float, half: float, level: float) -> bool:
    """Graphics drawn over the tissue (caliper crosses + or x, corners of measurement boxes):
    bright, flat, thin, straight arms leaving the blob (``half`` pixels wide) in two
    perpendicular directions (of the four axis and four diagonal ones).

    Speckled tissue is never flat along a line; a drawn line is, and it is thin: a
    few pixels to either side of it are darker (inside a bright focus they are not;
    an elongated blob has at most two opposite arms). A diagonal step takes the
    brightest of three pixels across the arm, so that a one-pixel line is not missed
    when the blob's centre is a pixel off the line's.
    """
    col, row = int(round(x)), int(round(y))
    dy, dx = _ARMS[:, :1, None], _ARMS[:, 1:, None]                          # direction x 1 x 1
    first = np.maximum((half / np.hypot(dy, dx)).astype(int), 2)
    reach = first + np.arange(LINE_ARM_PX)[None, :, None]                     # direction x step x 1
    across = np.where(dy * dx != 0, np.array([[[-1, 0, 1]]]), 0)              # direction x 1 x 3
    beside = np.array([[[-LINE_SIDE_PX, LINE_SIDE_PX]]])
    line = (row + dy * reach + dx * across, col + dx * reach - dy * across)
    sides = (row + dy * reach + dx * beside, col + dx * reach - dy * beside)
    inside = np.ones(len(_ARMS), bool)
    for rows, cols in (line, sides):
        inside &= (((rows >= 0) & (rows < grey.shape[0])) & ((cols >= 0) & (cols < grey.shape[1]))).all(axis=(1, 2))
    clipped = [(np.clip(r, 0, grey.shape[0] - 1), np.clip(c, 0, grey.shape[1] - 1)) for r, c in (line, sides)]
    values = grey[clipped[0]].max(axis=2)                                     # direction x step
    side = grey[clipped[1]].mean(axis=1)                                      # direction x side
    arm = (inside & (values > level).all(axis=1) & (np.ptp(values, axis=1) <= FLAT_GREY_LEVELS)
           & (values.min(axis=1) > side.max(axis=1) + FLAT_GREY_LEVELS))
    arms = _ARMS[arm]
    return bool((arms @ arms.T == 0).any())


# --- shadow -----------------------------------------------------------------

def beam_direction(x: float, y: float, apex: tuple[float, float] | None) -> np.ndarray:
    """Unit vector along the beam through (x, y): away from the apex, or straight down."""
    along = np.array([0.0, 1.0]) if apex is None else np.array([x - apex[0], y - apex[1]])
    norm = math.sqrt(along.dot(along))   # np.linalg.norm's steps for a vector, without its checks
    return along / norm if norm else np.array([0.0, 1.0])


def _sample(grey: np.ndarray, tissue: np.ndarray, points: np.ndarray) -> np.ndarray:
    cols, rows = np.round(points[..., 0]).astype(int), np.round(points[..., 1]).astype(int)
    ok = (rows >= 0) & (rows < grey.shape[0]) & (cols >= 0) & (cols < grey.shape[1])
    values = np.full(points.shape[:-1], np.nan, np.float32)
    values[ok] = np.where(tissue[rows[ok], cols[ok]], grey[rows[ok], cols[ok]], np.nan)
    return values


@dataclass(frozen=True)
class Shadow:
    ratio: float          # behind / beside, the worse of the near and far halves
    dirty: bool           # the shadow keeps reaching tissue brightness
    reverberation: bool   # periodic bright bands: gas ring-down
    casts: bool = False   # darker than the brighter side: may explain a neighbour's dark side


def _shadow_start(c: Candidate, mm: float) -> tuple[float, float]:
    """``c``'s half width across the beam (at least a pixel) and the depth, 1 mm past its end,
    where its shadow is sampled from (pixels)."""
    return max(c.half_width, 1.0), c.depth_end + 1.0 / mm


def _shadow_depths(c: Candidate, start: float, mm: float) -> np.ndarray:
    """The depths (pixels along the beam, from ``start``) a shadow is measured over: two and a
    half diameters of ``c``, 8 to 16 mm."""
    return np.arange(start, start + float(np.clip(2.5 * c.diameter_mm, 8.0, 16.0)) / mm, 1.0)


def _beside_span(width: float, mm: float) -> tuple[float, float]:
    """How far across the beam (pixels) the tissue beside a shadow lies from its middle: beyond
    the blob's edge (``width``) by half its width, at least ``BESIDE_MM``."""
    return width + max(BESIDE_MM[0] / mm, 0.5 * width), width + max(BESIDE_MM[1] / mm, 1.5 * width)


def _beside_offsets(width: float, mm: float) -> np.ndarray:
    """Three offsets across the beam on each side of a shadow (one side, then the other) where
    the tissue beside it is sampled."""
    near, far = _beside_span(width, mm)
    return np.concatenate([np.linspace(near, far, 3), -np.linspace(near, far, 3)])


def shadow_measure(grey: np.ndarray, geometry: Geometry, c: Candidate,
                   others: tuple[Candidate, ...] = ()) -> Shadow:
    """How the beam behind ``c`` looks compared with the tissue beside it.

    Everything scales with the focus: the shadow is sampled across the middle of
    its width, from where the blob ends, over a depth of two and a half diameters
    (8 to 16 mm); the tissue beside it lies beyond its edges by half its width
    (at least 1.5 to 4.5 mm). A side that lies behind one of ``others`` (another
    bright blob of the frame, in front of it and across from it) may be that
    blob's shadow, and is not a reference while the other side is there.
    """
    mm = geometry.mm_per_pixel
    along = beam_direction(c.x, c.y, geometry.apex)
    across = np.array([-along[1], along[0]])
    width, start = _shadow_start(c, mm)
    depths = _shadow_depths(c, start, mm)
    core = np.linspace(-0.2 * width, 0.2 * width, 5)
    near, far = _beside_span(width, mm)
    side = _beside_offsets(width, mm)
    centre = np.array([c.x, c.y])

    def strip(offsets):
        grid = centre + depths[:, None, None] * along + offsets[None, :, None] * across
        return _sample(grey, geometry.tissue, grid)

    behind, beside = strip(core), strip(side)
    valid_rows = np.isfinite(behind).all(axis=1)
    sides = [side for side in (beside[:, :3], beside[:, 3:]) if np.isfinite(side).any()]
    clear = [side for side, sign in zip((beside[:, :3], beside[:, 3:]), (1, -1))
             if np.isfinite(side).any() and not _behind_another(c, others, along, sign * near, sign * far,
                                                                   start)]
    if others and not clear and sides:
        sides = _beyond_others(c, others, along, strip, start, (near, far), mm) or sides
    sides = clear or sides
    if valid_rows.sum() * mm < 3.0 or not sides:
        return Shadow(1.0, False, False)
    # A shadow is a band with tissue on both sides: the darker side is the reference, so that
    # a bright speck at the edge of a cyst, a vessel or a cardiac cavity is not a shadowing focus.
    # Beside the edge of the fan there is only one side.
    side_levels = [float(_nanmedian(side)) for side in sides]
    beside_level = max(min(side_levels), 1.0)
    profile = behind[valid_rows].mean(axis=1)
    # A calcific shadow runs deep: a vessel lumen under a bright wall ends after a few mm (and
    # the tissue under fluid is enhanced). The far half of a large focus's shadow fills in
    # somewhat (echoes from around its edges, a beam widening with depth).
    half = len(profile) // 2
    fill = FAR_FILL if c.diameter_mm >= FAR_FILL_MIN_MM else 1.0
    ratio = max(_median(profile[:half]), fill * _median(profile[half:])) / beside_level
    shadowed = ratio < 1.0
    dirty = shadowed and _dirty(profile, beside_level, 0.5 * c.diameter_mm / mm)
    return Shadow(ratio, dirty, shadowed and _reverberation(profile, beside_level, mm),
                  casts=ratio * beside_level < SHADOW_RATIO * max(side_levels))


def _cavity(grey: np.ndarray, geometry: Geometry, c: Candidate) -> bool:
    """Whether the dark area behind ``c`` is a fluid-filled cavity (cyst, vessel, fluid-filled
    bowel) under its bright wall, not the acoustic shadow of a focus.

    Fluid attenuates less than tissue: the dark area ends, within a few centimetres, in tissue
    at least as bright as the tissue beside at that depth (posterior enhancement), where a
    calcific shadow runs on (it may fade with depth, not turn bright). And only the part of the
    cavity's wall square to the beam echoes brightly, so the dark area is much wider than the
    bright blob, where a shadow is as wide as the focus that casts it (or narrower).
    """
    strip, mm = _beam_strip(grey, geometry, c), geometry.mm_per_pixel
    width, start = _shadow_start(c, mm)
    return _ends_enhanced(strip, width, start, mm) and _dark_width(strip, width, start, c, mm) >= \
        CAVITY_MIN_WIDTH * 2 * width


def _wider_than_its_shadow(grey: np.ndarray, geometry: Geometry, c: Candidate) -> bool:
    """Whether ``c``, a blob that is not solid and wider across the beam than a focus
    (``MAX_DIAMETER_MM``), lies over a dark area less than ``NARROW_SHADOW`` of its width.

    Something that wide which absorbs the beam shadows across its width (a rib does, and
    is vetoed as no curvilinear calcification); a narrow dark band under a wide ring (a bowel
    loop's wall) is the shadow of something smaller behind or inside it (gas), not the ring's.
    """
    mm = geometry.mm_per_pixel
    if not _hollow_and_wide(c, mm):
        return False
    width, start = _shadow_start(c, mm)
    return _dark_width(_beam_strip(grey, geometry, c), width, start, c, mm) < NARROW_SHADOW * 2 * width


def _unlit_around(grey: np.ndarray, geometry: Geometry, c: Candidate) -> bool:
    """Whether ``c`` lies where the beam brings no echo: most of its background in front of it and
    beside it (11 points on the ring it is measured against, at twice its radius unit, leaving out
    the part behind it) and most of one of the two strips beside its shadow are unlit (under
    ``UNLIT`` of its outline level).

    Tissue echoes everywhere the beam reaches (speckle). Around a bright blob with black all round
    it and black beside the 'shadow' under it, there is no tissue: it lies in the acoustic shadow
    of something else (a rib, gas) or in the black of the fan outside the body, where no echo can
    come from. A bright blob there is burned-in text or a drawing, and the black under it is no
    shadow of its own (a shadow is a band darker than the tissue on both sides). A focus in fluid
    (a dark cavity around it) still has tissue beside its shadow; one beside a black area still
    has tissue around it.
    """
    unlit = UNLIT * c.level
    along = beam_direction(c.x, c.y, geometry.apex)
    across = np.array([-along[1], along[0]])
    points = np.array([c.x, c.y]) + 2 * c.ring_radius * (_RING_COS[:, None] * along + _RING_SIN[:, None] * across)
    if not _mostly_unlit(_sample(grey, geometry.tissue, points), unlit):
        return False
    mm = geometry.mm_per_pixel
    width, start = _shadow_start(c, mm)
    depths, side = _shadow_depths(c, start, mm), _beside_offsets(width, mm)
    strip = _beam_strip(grey, geometry, c)
    return any(_mostly_unlit(strip(depths, offsets), unlit) for offsets in (side[:3], side[3:]))


_RING_ANGLES = np.linspace(0, 2 * np.pi, 16, endpoint=False)
_RING_ANGLES = _RING_ANGLES[np.cos(_RING_ANGLES) < 0.5]   # not behind the blob (its own shadow)
_RING_COS, _RING_SIN = np.cos(_RING_ANGLES), np.sin(_RING_ANGLES)


def _mostly_unlit(samples: np.ndarray, unlit: float) -> bool:
    """More than half of the ``samples`` in the tissue (not NaN) are under ``unlit``."""
    valid = np.count_nonzero(~np.isnan(samples))
    return valid > 0 and 2 * np.count_nonzero(samples < unlit) > valid


def _hollow_and_wide(c: Candidate, mm: float) -> bool:
    """``c`` is not solid and wider across the beam than a focus (``MAX_DIAMETER_MM``): a rib's
    arc or a bowel loop's ring, not a calcification."""
    return c.fill < SOLID_MIN_FILL and 2 * c.half_width * mm > MAX_DIAMETER_MM


def _beam_strip(grey: np.ndarray, geometry: Geometry, c: Candidate):
    """Samples of the tissue at (depths along the beam, offsets across it) from ``c``'s centre."""
    along = beam_direction(c.x, c.y, geometry.apex)
    across = np.array([-along[1], along[0]])
    centre = np.array([c.x, c.y])

    def strip(depths: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        grid = centre + depths[:, None, None] * along + offsets[None, :, None] * across
        return _sample(grey, geometry.tissue, grid)
    return strip


def _ends_enhanced(strip, width: float, start: float, mm: float) -> bool:
    """The dark area behind the blob ends, within CAVITY_LOOK_MM, in tissue at least as bright
    as beside it (over CAVITY_END_MM)."""
    side = _beside_offsets(width, mm)
    depths = np.arange(start, start + CAVITY_LOOK_MM / mm, 1.0)
    core = strip(depths, np.linspace(-0.2 * width, 0.2 * width, 5))
    beside = strip(depths, side)
    level = _nanmedian(beside, axis=1)   # NaN: no tissue beside at that depth
    valid = np.isfinite(core).all(axis=1) & np.isfinite(level) & (level > 0)
    last = int(np.argmin(valid)) if not valid.all() else len(valid)   # the beam leaves the tissue
    if last < 3:
        return False
    behind = core[:last].mean(axis=1) / level[:last]
    dark = np.nonzero(behind < CAVITY_DARK)[0]
    run = max(int(round(CAVITY_END_MM / mm)), 1)
    if not dark.size or last - dark[0] < run:
        return False
    after = np.convolve(behind[dark[0]:], np.ones(run) / run, "valid")
    return bool((after >= CAVITY_ENHANCED).any())


def _dark_width(strip, width: float, start: float, c: Candidate, mm: float) -> int:
    """Width in pixels, across the beam, of the dark area behind the blob over the depths its
    shadow is measured at (0 if none is found)."""
    offsets = np.arange(-3.0 * width, 3.0 * width + 1.0, 1.0)
    lateral = _nanmedian(strip(_shadow_depths(c, start, mm), offsets), axis=0)
    outer = np.concatenate([lateral[:len(offsets) // 6 + 1], lateral[-(len(offsets) // 6 + 1):]])
    if not np.isfinite(outer).any():
        return 0
    inner = np.where((np.abs(offsets) <= width) & np.isfinite(lateral), lateral, np.inf)
    lowest = int(np.argmin(inner))
    if not np.isfinite(inner[lowest]):
        return 0
    below = np.nan_to_num(lateral, nan=np.inf) < (inner[lowest] + float(_nanmedian(outer))) / 2
    lo, hi = lowest, lowest
    while lo > 0 and below[lo - 1]:
        lo -= 1
    while hi < len(below) - 1 and below[hi + 1]:
        hi += 1
    return hi - lo + 1


def _beyond_others(c: Candidate, others: tuple[Candidate, ...], along: np.ndarray, strip, start: float,
                   span: tuple[float, float], mm: float) -> list[np.ndarray]:
    """The tissue beside ``c`` beyond the shadows of ``others`` that lie in front of both strips
    beside it (three foci in a row), sampled past the farther edge of the blob in front of each
    strip. None when ``c`` lies in the shadow of one of ``others``: in front of it, across from it
    by less than their half widths, and at least half as wide (a smaller blob shadows only part
    of it)."""
    others = [o for o in others if not _overlap(c, o, mm)]   # not ``c`` found twice
    if any(depth < 0 and abs(lateral) < o.half_width + c.half_width and 2 * o.half_width >= c.half_width
           for o in others for lateral, depth in [_offset(c, o, along)]):
        return []
    near, far = span
    sides = []
    for sign in (1, -1):
        edges = [sign * _offset(c, o, along)[0] + o.half_width for o in others
                 if _fronts_strip(c, o, along, sign * near, sign * far, start)]
        if edges:
            side = strip(sign * (max(edges) + np.linspace(*BESIDE_MM, 3) / mm))
            if np.isfinite(side).any():
                sides.append(side)
    return sides


def _behind_another(c: Candidate, others: tuple[Candidate, ...], along: np.ndarray,
                    near: float, far: float, start: float) -> bool:
    """Whether another blob lies in front of the strip ``near``..``far`` across the beam
    from ``c`` (pixels, signed) that starts ``start`` pixels deep behind ``c``."""
    return any(_fronts_strip(c, o, along, near, far, start) for o in others)


def _fronts_strip(c: Candidate, o: Candidate, along: np.ndarray, near: float, far: float, start: float) -> bool:
    """Whether the blob ``o`` lies in front of the strip ``near``..``far`` across the beam from ``c``
    (pixels, signed) that starts ``start`` pixels deep behind ``c``, or overlaps its sides."""
    lateral, depth = _offset(c, o, along)
    return depth < start and min(near, far) - o.half_width <= lateral <= max(near, far) + o.half_width


def _offset(c: Candidate, o: Candidate, along: np.ndarray) -> tuple[float, float]:
    """Where the blob ``o`` lies from ``c``: across the beam and along it (pixels)."""
    offset = np.array([o.x - c.x, o.y - c.y])
    return float(offset @ np.array([-along[1], along[0]])), float(offset @ along)


def _dirty(profile: np.ndarray, beside_level: float, edge_px: float) -> bool:
    """A 'dirty' shadow (gas): it keeps reaching the brightness of the tissue beside.

    Bright samples within ``edge_px`` of its start are the focus's own blurred far
    edge, not dirt.
    """
    bright = profile > 0.85 * beside_level
    edge = min(int(np.argmin(bright)) if not bright.all() else 0, int(edge_px))
    return float(np.mean(bright[edge:])) >= DIRTY_FRACTION


def _reverberation(profile: np.ndarray, beside_level: float, mm: float) -> bool:
    """Gas ring-down: bands brighter than the tissue beside, repeating at a regular interval."""
    # Ring-down repeats every millimetre or more; speckle decorrelates well within that.
    shortest, longest = max(int(round(1.2 / mm)), 2), max(int(6.0 / mm), 4)
    if len(profile) < 2 * shortest + 2:
        return False
    bright = profile > beside_level
    if np.count_nonzero(bright[1:] & ~bright[:-1]) + bright[0] < 2:
        return False  # not repeated: at most one band (e.g. the blurred far edge of a large focus)
    centred = profile - profile.mean()
    energy = float(np.dot(centred, centred)) or 1.0
    autocorrelation = np.correlate(centred, centred, "full")[len(centred) - 1:] / energy
    lags = autocorrelation[shortest:min(longest, len(autocorrelation) // 2) + 1]
    return bool(lags.size and lags.max() > 0.5)


# --- instance ---------------------------------------------------------------

def _score(ratio: float, contrast: float, roundness: float) -> float:
    return float(np.clip(0.5 * (1 - ratio) + 0.3 * min(contrast / 12, 1) + 0.2 * roundness, 0, 1))


def _possible_calcification(c: Candidate, behind: Shadow) -> bool:
    """A non-shadowing echogenic focus worth reporting: small, round and clearly bright,
    in tissue that looks the same behind it as beside it.

    A bright blob larger than this without a clean shadow is not a calcific focus
    (a calcification that size shadows): tissue, fat or gas. A speck with much
    brighter tissue behind it than beside it sits on the edge of a cyst, a vessel
    or a cavity. A focus is solid (:data:`SOLID_MIN_FILL`): burned-in text and caliper
    marks that are not drawn in one flat grey level (anti-aliased, JPEG) are strokes
    and gaps, as round and as bright as a speck but not solid.
    """
    return (c.contrast >= POSSIBLE_CONTRAST and c.diameter_mm <= POSSIBLE_MAX_MM
            and c.roundness >= POSSIBLE_MIN_ROUNDNESS and behind.ratio <= POSSIBLE_MAX_RATIO
            and c.fill >= SOLID_MIN_FILL)


def detect_frame(grey: np.ndarray, geometry: Geometry, mask: np.ndarray,
                 peaks: list[Peak] | None = None,
                 confirmed: tuple[Candidate, ...] = ()) -> list[tuple[Candidate, bool, float]]:
    """(candidate, shadow, score) for each focus found in one frame (at ``peaks`` if given,
    else wherever the blob search finds one).

    An elongated bright structure counts only with a strong clean shadow (a rim or
    plaque of calcification); without one it is a specular reflector or an edge. A solid
    ball where a cine clip's frame next to this one showed a shadowing focus (``confirmed``)
    is that calcification: its partial shadow, measured through this frame's speckle, may
    read milder, and the large ball's limit holds for it. (Any other blob is not kept so: a
    gas blob taken for a focus on one frame would be carried through the clip.)
    """
    found = []
    blobs = sorted((c for c in candidates(grey, mask, geometry, peaks)
                    if c.roundness >= MIN_ROUNDNESS_STRONG_SHADOW or c.shadow_top),
                   key=lambda c: c.shadow_top)   # the blob search's first; a shadow's top where none was kept
    first = [shadow_measure(grey, geometry, c) for c in blobs]
    blobs, first = _contrasted(blobs, first)
    casters = _casters(blobs, first)
    for c, behind in zip(blobs, first):
        if c.shadow_top and (any(_overlap(c, f, geometry.mm_per_pixel) for f, _, _ in found)
                             or not _confirms_its_shadow(c, behind)):
            continue   # found by its shadow: the shadow measured from the blob is dark and clean, its front seen
        solid = _solid_ball(c)
        if behind.ratio >= (CURVILINEAR_SHADOW_RATIO if c.roundness < MIN_ROUNDNESS else SHADOW_RATIO) \
                and c in casters:
            # One side darker: it may be a neighbour's shadow (two foci side by side). Against
            # the other side alone, only a strong shadow counts (one side is a weaker reference),
            # and only between foci large enough to cast a shadow as wide as the strip beside
            # them; a solid ball, a calcification by its shape, needs only the ordinary shadow.
            # An elongated blob needs a darker shadow than the ordinary one (a rim's), so it is
            # measured so whenever it does not show that one.
            alone = shadow_measure(grey, geometry, c, tuple(o for o in casters if o is not c))
            limit = min(behind.ratio, SHADOW_RATIO if solid else STRONG_SHADOW_RATIO)
            behind = alone if alone.ratio < limit else behind
        ball = _ball(c)
        kept = solid and any(_overlap(c, p, geometry.mm_per_pixel) for p in confirmed)
        if behind.reverberation or (behind.dirty and c.diameter_mm >= GAS_MIN_MM and not ball):
            continue  # gas: ring-down, or a large bright blob with a dirty shadow that is no ball
        elongated = c.roundness < MIN_ROUNDNESS and _ball_roundness(c) < BALL_MIN_ROUNDNESS
        if elongated and not (_curvilinear_calcification(c, behind, geometry.mm_per_pixel)
                              or _front_cap(c, behind, geometry.mm_per_pixel)):
            continue
        limit = BALL_SHADOW_RATIO if kept else _shadow_ratio(c)
        shadow = behind.ratio < limit and (ball or not behind.dirty)
        if shadow and _cavity(grey, geometry, c):
            continue   # the bright wall of a fluid-filled cavity, not a shadowing focus
        if shadow and _wider_than_its_shadow(grey, geometry, c):
            continue   # a wide hollow blob over a narrow dark band: not its shadow
        if shadow and _unlit_around(grey, geometry, c):
            continue   # a bright blob where the beam brings no echo: burned-in text, not an echo
        if not shadow and not _possible_calcification(c, behind):
            continue
        found.append((c, shadow, _score(behind.ratio, c.contrast, c.roundness)))
    return found


def _casters(blobs: list[Candidate], shadows: list[Shadow]) -> list[Candidate]:
    """The blobs that may cast the dark side of a neighbour's shadow: large enough to shadow as wide
    as the strip beside a neighbour, darker behind than the brighter side beside them
    (``Shadow.casts``), and cleanly so, unless the blob is a ball. A ball's partial shadow may read
    'dirty' against a side that lies in its neighbour's shadow, and is no sign of gas there either."""
    return [c for c, behind in zip(blobs, shadows)
            if behind.casts and (_ball(c) or not behind.dirty) and c.diameter_mm >= NEIGHBOUR_MIN_MM]


def _confirms_its_shadow(c: Candidate, behind: Shadow) -> bool:
    """Whether the blob ``c`` at the top of a shadow the search found shows that shadow, measured
    from the blob (``behind``): clean, and dark (``DARK_SHADOW_RATIO``) with the ordinary contrast.

    A blob at least as wide across the beam as the shadow under it (:func:`_spans_its_shadow`) is
    the focus that casts it: a shadow is as wide as its focus or narrower. It is held to what the
    search itself calls a shadow (``SHADOW_FIND_RATIO``), and, as any blob of 2.5 mm or more over a
    dark clean shadow is (:func:`_contrasted`), it may stand out by less than the ordinary contrast:
    a large calcification dims its own echo. A blob narrower than the dark band under it may be a
    speck of tissue over another object's shadow or a cavity (the band is not its own) and must
    show the dark shadow and the ordinary contrast.
    """
    if behind.dirty:
        return False
    if _spans_its_shadow(c):
        return behind.ratio < SHADOW_FIND_RATIO and (c.contrast >= MIN_CONTRAST or behind.ratio < DARK_SHADOW_RATIO)
    return behind.ratio < DARK_SHADOW_RATIO and c.contrast >= MIN_CONTRAST


def _spans_its_shadow(c: Candidate) -> bool:
    """``c``, found at a shadow's top, reaches across the beam at least as far as that shadow."""
    return c.shadow_top and c.half_width >= c.shadow_half


def _front_cap(c: Candidate, behind: Shadow, mm: float) -> bool:
    """A blob found at the top of a shadow that is the front surface of the focus
    casting it: thin along the beam, across it no wider than the shadow (and than a focus). A
    strong reflector echoes at its front surface only, so its blob is a cap, elongated across the
    beam, however round the focus is. A thin cap (under ``CURVILINEAR_MIN_MM``) needs an almost
    total shadow: a thin bright line over a merely dark area is no such reflector. A thick one, the
    bright front of a large focus, needs what the search itself calls a shadow (``SHADOW_FIND_RATIO``)."""
    limit = SHADOW_FIND_RATIO if c.diameter_mm >= CURVILINEAR_MIN_MM else FRONT_CAP_SHADOW_RATIO
    return (c.shadow_top and behind.ratio < limit and c.depth_end <= 0.75 * c.half_width
            and c.half_width <= FRONT_CAP_WIDER * c.shadow_half and 2 * c.half_width * mm <= MAX_DIAMETER_MM)


def _curvilinear_calcification(c: Candidate, behind: Shadow, mm: float) -> bool:
    """An elongated bright structure that is a rim or plaque of calcification: its shadow is
    strong, and darker still when it is large. A bowel-gas arc is as bright and as wide,
    but reverberation fills its shadow in part. A rib's arc shadows as totally, but it is
    a curved line (not solid) wider across the beam than a focus (``MAX_DIAMETER_MM``)."""
    if _hollow_and_wide(c, mm):
        return False
    if c.diameter_mm < CURVILINEAR_MIN_MM:
        return c.roundness >= MIN_ROUNDNESS_SMALL_STRONG_SHADOW and behind.ratio < STRONG_SHADOW_RATIO
    return behind.ratio < CURVILINEAR_SHADOW_RATIO


def _ball(c: Candidate) -> bool:
    """A calcification by its shape (large and round, or solid), whose partial shadow may be
    'dirty' (:func:`_dirty`)."""
    return _large_ball(c) or _solid_ball(c) or _small_solid_focus(c)


def _shadow_ratio(c: Candidate) -> float:
    """Behind / beside below which ``c`` shadows.

    A large, round, clearly bright focus may show a shadow that is partly filled in
    (echoes from around its edges); tissue makes no such ball, so a milder shadow counts.
    """
    return BALL_SHADOW_RATIO if _large_ball(c) else SHADOW_RATIO


def _large_ball(c: Candidate) -> bool:
    """A large, round, clearly bright focus: coarse calcification. Echoes through its gaps
    may fill its shadow in part ('dirty'), which in a blob of any other shape means gas."""
    return (c.diameter_mm >= BALL_MIN_MM and _ball_roundness(c) >= BALL_MIN_ROUNDNESS
            and c.contrast >= BALL_MIN_CONTRAST)


def _ball_roundness(c: Candidate) -> float:
    """How round a blob is as a ball: its outline's roundness, or its whole extent's if rounder
    (a large solid focus whose echo fades with depth, see :func:`_extent_roundness`).

    A blob whose whole extent is as round as a ball is no elongated structure either, though its
    outline is. Below that the outline decides: a whole extent merely over ``MIN_ROUNDNESS`` let
    a solid bowel-gas blob of the third generator's set A through on three frames (roundness
    0.42-0.44, its whole extent 0.45-0.47)."""
    return max(c.roundness, c.extent_roundness)


def _solid_ball(c: Candidate) -> bool:
    """A round, solid focus of a few millimetres: a calcification, whose shadow is partial and
    may reach tissue brightness now and then ('dirty'), as the beam is about as wide as the focus.

    Gas echoes from an interface: a wall or an arc, elongated or hollow (a bright rim around a
    darker middle, little of its ellipse filled); text drawn over tissue makes a blob of strokes
    and gaps. Neither is a solid ball. Its shadow must still be below ``SHADOW_RATIO``.
    """
    return (c.diameter_mm >= GAS_MIN_MM and _ball_roundness(c) >= BALL_MIN_ROUNDNESS
            and c.fill >= SOLID_MIN_FILL)


def _small_solid_focus(c: Candidate) -> bool:
    """A solid, clearly bright focus of ``SMALL_SOLID_MIN_MM`` up to ``GAS_MIN_MM``: a calcification
    no wider than the beam, so its shadow is partial and reaches tissue brightness now and then
    ('dirty'). Behind a smaller blob a dirty shadow is not told from speckle (a bright speck of
    1.2 mm in the myocardium of pydicom's cardiac clip, examples_ybr_color.dcm, has one).

    What else holds a dirty shadow at this size, on the tuning sets, is text over tissue
    (strokes and gaps: not solid) and tissue that stands out by barely the minimum (1.5-1.9
    spreads); no gas blob (ring-down, elongation or the shadow ratio remove those). Beyond
    the elongation test nothing is asked of its shape (a focus this small is blurred wider
    across the beam than along it). From ``GAS_MIN_MM`` on, a dirty shadow still means gas
    unless the blob is a ball. Its shadow must still be below ``SHADOW_RATIO``.
    """
    return (SMALL_SOLID_MIN_MM <= c.diameter_mm < GAS_MIN_MM and c.fill >= SOLID_MIN_FILL
            and c.contrast >= BALL_MIN_CONTRAST)


def _contrasted(blobs: list[Candidate], shadows: list[Shadow]) -> tuple[list[Candidate], list[Shadow]]:
    """The blobs that stand out enough from their background, with their shadows.

    A blob the size of a speckle grain must stand out more than speckle does by
    chance. A large calcification dims its own echo (much of the beam is absorbed in it), so
    that little more than its front surface is bright, and it may stand out of
    bright, coarse tissue by only one speckle spread; its dark, clean shadow is then
    the sign that tells it from that tissue.
    """
    kept = [(c, s) for c, s in zip(blobs, shadows)
            if c.contrast >= (GRAIN_MIN_CONTRAST if c.diameter_mm < GRAIN_MM else MIN_CONTRAST)
            or (c.diameter_mm >= DARK_SHADOW_MIN_MM and s.ratio < DARK_SHADOW_RATIO and not s.dirty)]
    return [c for c, _ in kept], [s for _, s in kept]


def _crop(mask: np.ndarray, box: Box | None) -> np.ndarray:
    return mask if box is None else mask[box[1]:box[3] + 1, box[0]:box[2] + 1]


def detect_instance(path: Path, rois: dict[int | None, np.ndarray] | None = None,
                    first: np.ndarray | None = None) -> Detection:
    """All foci in every frame of the US image at ``path`` (frames read one at a time;
    ``first``: its first frame as :func:`~advisor.evidence.pixels.first_frame` decoded it,
    if the caller has).

    ``rois`` maps a frame number (None: every frame) to a mass mask; frames
    without one are searched in the tissue region eroded from its edges. Only the
    calibrated region's bounding box is decoded to grey and searched. A cine clip
    is searched as :func:`detect_clip` says.
    """
    rois = rois or {}
    ds = dcmread(path, stop_before_pixels=True)
    box, _ = tissue_region(ds, (int(ds.Rows), int(ds.Columns)))
    offset = (box[0], box[1]) if box else (0, 0)
    greys = enumerate(grey_frames(path, box, ds, first), start=1)
    first = next(greys, None)
    if first is None:
        return Detection(foci=[], mask="none", spacing_known=False, frames=0)
    geometry, tissue_mask = series_geometry(ds, first[1][0], offset)
    kinds = set()

    def masked() -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        for number, (grey, colour) in chain([first], greys):
            roi = rois.get(number, rois.get(None))
            mask, kind = (search_mask(geometry, _crop(roi, box)) if roi is not None
                          else (tissue_mask, "tissue-region-eroded"))
            kinds.add(kind)
            yield number, without_overlay(grey, geometry.tissue), mask if colour is None else mask & ~colour

    foci, count = [], 0
    for number, found in detect_clip(masked(), geometry):
        count = number
        foci.extend(Focus(sop_instance_uid=str(ds.SOPInstanceUID), sop_class_uid=str(ds.SOPClassUID),
                          frame=number, x=x + offset[0], y=y + offset[1],
                          diameter_mm=diameter, shadow=shadow, score=score,
                          mm_per_pixel=geometry.mm_per_pixel, spacing_known=geometry.spacing_known)
                    for c, shadow, score in found for x, y, diameter in [reported(c, geometry)])
    return Detection(foci=foci, mask="+".join(sorted(kinds)), spacing_known=geometry.spacing_known,
                     frames=count)


Found = list[tuple[Candidate, bool, float]]   # (focus, shadow, score) in one frame


def reported(c: Candidate, geometry: Geometry) -> tuple[float, float, float]:
    """(column, row, diameter in mm) of the focus ``c``: its blob's, or for a blob at the top of a
    wider shadow, a focus as wide as the shadow whose front is the blob. A strong reflector echoes
    at its front surface; its width across the beam is its shadow's."""
    width_mm = 2 * c.shadow_half * geometry.mm_per_pixel
    if width_mm <= c.diameter_mm:
        return c.x, c.y, c.diameter_mm
    along = beam_direction(c.x, c.y, geometry.apex)
    shift = max(c.shadow_half - c.depth_end, 0.0)
    return c.x + shift * along[0], c.y + shift * along[1], min(width_mm, MAX_DIAMETER_MM)


def detect_clip(frames: Iterable[tuple[int, np.ndarray, np.ndarray]], geometry: Geometry,
                ) -> Iterator[tuple[int, Found]]:
    """(frame number, foci) for each (frame number, grey frame, search mask) of a clip, in order.

    Every frame measures again, where they were, the foci of the frame before: a
    focus moves little from one frame to the next, so once found it is followed
    through the clip. The whole search runs on every ``FULL_SEARCH_EVERY``-th frame
    (the first, the fifth, ...) and on a frame where a focus followed is lost; when
    even the whole search does not find it again, on the ``FULL_SEARCH_EVERY - 1``
    frames after it too (speckle may hide a focus for a frame or two). A focus
    found by a whole search is also followed back through the frames since the
    last one. At most ``FULL_SEARCH_EVERY - 1`` frames are held, so memory stays
    flat in the clip's length. A solid ball that shadowed on the frame next to this
    one (before it, or after it when followed back) keeps a milder shadow limit
    (:func:`detect_frame`).
    """
    held: list[tuple[int, np.ndarray, np.ndarray, Found]] = []   # frames since the last whole search
    found: Found = []
    search_until = 0   # the last frame searched whole after a focus was lost
    for number, grey, mask in frames:
        followed = _followed([c for c, _, _ in found])
        confirmed = _shadowing(found)
        whole = (number - 1) % FULL_SEARCH_EVERY == 0 or number <= search_until
        if not whole:
            found = detect_frame(grey, geometry, mask, followed, confirmed)
            whole = len(found) < len(followed)
        if whole:
            found = detect_frame(grey, geometry, mask, search_peaks(grey, mask, geometry) + followed, confirmed)
            if len(found) < len(followed) and number > search_until:
                search_until = number + FULL_SEARCH_EVERY - 1
        else:
            held.append((number, grey, mask, found))
            continue
        _follow_back(held, found, geometry)
        yield from ((n, f) for n, _, _, f in held)
        held = []
        yield number, found
    yield from ((n, f) for n, _, _, f in held)


def _followed(foci: list[Candidate]) -> list[Peak]:
    """Peaks where ``foci`` were, each with the background ring it was measured against."""
    return [Peak(c.x, c.y, c.ring_radius, np.inf, c.shadow_top, c.shadow_half) for c in foci]


def _shadowing(found: Found) -> tuple[Candidate, ...]:
    """The foci of ``found`` that shadowed: a solid ball there keeps the milder limit in the
    frame next to it (:func:`detect_frame`'s ``confirmed``)."""
    return tuple(c for c, shadow, _ in found if shadow)


def _follow_back(held: list[tuple[int, np.ndarray, np.ndarray, Found]], found: Found,
                 geometry: Geometry) -> None:
    """Look for ``found``'s foci in the ``held`` frames before, latest first, while they are
    seen there; what is found is added to those frames' foci."""
    later = [c for c, _, _ in found]
    confirmed = _shadowing(found)
    for i in reversed(range(len(held))):
        number, grey, mask, earlier = held[i]
        missing = [c for c in later
                   if not any(_overlap(c, e, geometry.mm_per_pixel) for e, _, _ in earlier)]
        if not missing:
            return
        extra = [f for f in detect_frame(grey, geometry, mask, _followed(missing), confirmed)
                 if not any(_overlap(f[0], e, geometry.mm_per_pixel) for e, _, _ in earlier)]
        held[i] = number, grey, mask, earlier + extra
        later = [c for c, _, _ in extra]
        confirmed = _shadowing(extra)
