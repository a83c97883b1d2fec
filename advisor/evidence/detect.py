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
4. a posterior-shadow measure along the beam (from the apex through the
   focus): the median behind the focus over the median beside it at the same
   depth, and a reverberation test (periodic bright bands behind gas).

Two tiers: ``shadow=True`` (calcific focus with posterior acoustic shadow: what
the decision counts) and ``shadow=False`` (non-shadowing echogenic focus:
"possible calcification", reported only). Frames are read one at a time, so
memory stays flat for long cine clips.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import SimpleITK as sitk
from pydicom import Dataset, dcmread

from advisor.evidence.pixels import ASSUMED_MM_PER_PIXEL, grey_frames, tissue_region
from advisor.model import Focus

MIN_DIAMETER_MM, MAX_DIAMETER_MM = 0.8, 12.0
MAX_ELONGATION = 2.2
MIN_ROUNDNESS = 0.55
SHADOW_RATIO = 0.72          # behind / beside; below this the focus shadows
DIRTY_FRACTION = 0.15        # share of a shadow's profile at tissue brightness: gas, not stone
GAS_MIN_MM = 3.0             # calcific foci this large shadow cleanly; a dirty shadow means gas
POSSIBLE_CONTRAST = 5.0      # a focus without shadow is reported only above this contrast,
POSSIBLE_MAX_MM = 4.0        # this size or smaller,
POSSIBLE_MIN_ROUNDNESS = 0.85  # and this round
EDGE_MARGIN_MM = 3.0
OPENING_MAX_MM = 0.25         # coarser than this a 1 mm focus is under 4 pixels: no opening
THRESHOLD_SPREADS = 3.0      # residual above the background, in robust tissue spreads
FLAT_GREY_LEVELS = 12        # a drawn line varies less than this along its length


@dataclass(frozen=True)
class Geometry:
    """Where the tissue is in the frame and how the beams run."""

    tissue: np.ndarray                 # bool, rows x columns
    mm_per_pixel: float
    spacing_known: bool
    apex: tuple[float, float] | None   # (column, row); None: parallel beams (linear probe)


@dataclass(frozen=True)
class Detection:
    """What the detector found in one instance, and how it looked."""

    foci: list[Focus]
    mask: str                          # "mass-roi" or "tissue-region-eroded"
    spacing_known: bool
    frames: int


# --- geometry -----------------------------------------------------------------

def _largest_component(mask: np.ndarray) -> np.ndarray:
    labels = sitk.ConnectedComponent(sitk.GetImageFromArray(mask.astype(np.uint8)))
    labels = sitk.RelabelComponent(labels, sortByObjectSize=True)
    return sitk.GetArrayFromImage(labels) == 1


def _fill_rows(mask: np.ndarray) -> np.ndarray:
    """Fill each row between its first and last pixel (shadows inside the fan stay tissue)."""
    filled = np.zeros_like(mask)
    rows = np.nonzero(mask.any(axis=1))[0]
    for row in rows:
        cols = np.nonzero(mask[row])[0]
        filled[row, cols[0]:cols[-1] + 1] = True
    return filled


def fan_mask(grey: np.ndarray, box: tuple[int, int, int, int] | None) -> np.ndarray:
    """The imaged fan: the largest densely bright area, row-filled.

    Density (the share of lit pixels around each pixel) keeps out burned-in text
    and graphics, which are sparse strokes on black, even where they touch the image.
    """
    lit = sitk.GetImageFromArray((grey > 6).astype(np.float32))
    dense = sitk.GetArrayFromImage(sitk.BoxMean(lit, [7, 7])) > 0.6
    if box is not None:
        x0, y0, x1, y1 = box
        inside = np.zeros_like(dense)
        inside[y0:y1 + 1, x0:x1 + 1] = True
        dense &= inside
    if not dense.any():
        return dense
    return _fill_rows(_largest_component(dense))


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
    left = np.array([np.argmax(tissue[r]) for r in middle], float)
    right = np.array([last - np.argmax(tissue[r][::-1]) for r in middle], float)
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
    strokes = sitk.GetImageFromArray(jump.astype(np.uint8))
    return sitk.GetArrayFromImage(sitk.BinaryDilate(strokes, [3, 3])).astype(bool)


def frame_geometry(ds: Dataset, grey: np.ndarray) -> Geometry:
    box, spacing = tissue_region(ds, grey.shape)
    graphics = graphics_mask(grey)
    tissue = fan_mask(np.where(graphics, 0, grey), box) & ~graphics
    return Geometry(tissue=tissue, mm_per_pixel=spacing or ASSUMED_MM_PER_PIXEL,
                    spacing_known=spacing is not None, apex=estimate_apex(tissue))


def search_mask(geometry: Geometry, roi: np.ndarray | None) -> tuple[np.ndarray, str]:
    """The mass ROI inside the tissue if given, else the tissue eroded from its edges."""
    if roi is not None:
        return roi & geometry.tissue, "mass-roi"
    radius = max(int(round(EDGE_MARGIN_MM / geometry.mm_per_pixel)), 1)
    eroded = sitk.BinaryErode(sitk.GetImageFromArray(geometry.tissue.astype(np.uint8)),
                              [radius, radius])
    return sitk.GetArrayFromImage(eroded).astype(bool), "tissue-region-eroded"


# --- candidates -------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    x: float
    y: float
    diameter_mm: float
    roundness: float
    contrast: float


def _robust_spread(values: np.ndarray) -> tuple[float, float]:
    """Median and MAD-based spread; every fifth pixel estimates them as well, five times faster."""
    values = values[::5]
    median = float(np.median(values))
    return median, 1.4826 * float(np.median(np.abs(values - median))) + 1e-3


def _binomial_smooth(grey: np.ndarray) -> np.ndarray:
    """3 x 3 [1 2 1] smoothing: takes the edge off single-pixel speckle, cheaply."""
    padded = np.pad(grey, 1, mode="edge")
    rows = padded[:-2] + 2 * padded[1:-1] + padded[2:]
    return (rows[:, :-2] + 2 * rows[:, 1:-1] + rows[:, 2:]) / 16


def _background(grey: np.ndarray, sigma_px: float) -> np.ndarray:
    """A smooth local background, computed at a quarter of the resolution for speed."""
    small = sitk.BinShrink(sitk.GetImageFromArray(grey), [4, 4])
    small = sitk.GetArrayFromImage(sitk.SmoothingRecursiveGaussian(small, sigma_px))
    full = np.repeat(np.repeat(small, 4, axis=0), 4, axis=1)
    return np.pad(full, ((0, max(grey.shape[0] - full.shape[0], 0)),
                         (0, max(grey.shape[1] - full.shape[1], 0))), mode="edge")[:grey.shape[0], :grey.shape[1]]


def _open_square(mask: np.ndarray) -> np.ndarray:
    """Binary opening with a 3 x 3 square: removes lines, caliper crosses and text strokes
    one or two pixels wide (numpy shifts: several times faster than the ITK filter here)."""
    def shifted(m: np.ndarray) -> list[np.ndarray]:
        p = np.pad(m, 1)
        return [p[1 + dy:p.shape[0] - 1 + dy, 1 + dx:p.shape[1] - 1 + dx]
                for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx]
    eroded = mask.copy()
    for s in shifted(mask):
        eroded &= s
    opened = eroded.copy()
    for s in shifted(eroded):
        opened |= s
    return opened


def candidates(grey: np.ndarray, mask: np.ndarray, mm: float) -> list[Candidate]:
    """Bright compact blobs inside ``mask``.

    The local background is smoothed from a copy with bright pixels clipped, so
    that a large focus does not raise its own background and break apart.
    """
    inside = grey[mask]
    if inside.size == 0:
        return []
    median, spread = _robust_spread(inside)
    background = _background(np.minimum(grey, median + 2 * spread), 4.0 / mm)
    residual = _binomial_smooth(grey) - background
    bright = (residual > THRESHOLD_SPREADS * spread) & mask
    if mm <= OPENING_MAX_MM:
        bright = _open_square(bright)
    labels = sitk.ConnectedComponent(sitk.GetImageFromArray(bright.astype(np.uint8)))
    labels.SetSpacing((mm, mm))
    stats = sitk.LabelShapeStatisticsImageFilter()
    stats.Execute(labels)
    found = []
    for label in stats.GetLabels():
        diameter = 2 * stats.GetEquivalentSphericalRadius(label)
        if not MIN_DIAMETER_MM <= diameter <= MAX_DIAMETER_MM:
            continue
        if stats.GetElongation(label) > MAX_ELONGATION or stats.GetRoundness(label) < MIN_ROUNDNESS:
            continue
        cx, cy = (c / mm for c in stats.GetCentroid(label))
        x0, y0, width, height = stats.GetBoundingBox(label)
        contrast = float(residual[y0:y0 + height, x0:x0 + width].max()) / spread
        if _drawn_lines(grey, cx, cy, diameter / mm / 2, median + THRESHOLD_SPREADS * spread):
            continue
        found.append(Candidate(cx, cy, diameter, stats.GetRoundness(label), contrast))
    return found


def _drawn_lines(grey: np.ndarray, x: float, y: float, half: float, level: float) -> bool:
    """Graphics drawn over the tissue (caliper crosses, measurement boxes): bright, flat,
    straight arms leaving the blob in two or more of the four axis directions.

    Speckled tissue is never flat along a line; a drawn line is.
    """
    col, row = int(round(x)), int(round(y))
    reach = np.arange(int(half) + 1, int(half) + 5)
    arms = 0
    for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        rows, cols = row + dy * reach, col + dx * reach
        if not ((rows >= 0) & (rows < grey.shape[0]) & (cols >= 0) & (cols < grey.shape[1])).all():
            continue
        values = grey[rows, cols]
        arms += bool((values > level).all() and np.ptp(values) <= FLAT_GREY_LEVELS)
    return arms >= 2


# --- shadow -----------------------------------------------------------------

def _beam_axes(c: Candidate, apex: tuple[float, float] | None) -> tuple[np.ndarray, np.ndarray]:
    along = np.array([0.0, 1.0]) if apex is None else np.array([c.x - apex[0], c.y - apex[1]])
    along /= np.linalg.norm(along) or 1.0
    return along, np.array([-along[1], along[0]])


def _sample(grey: np.ndarray, tissue: np.ndarray, points: np.ndarray) -> np.ndarray:
    cols, rows = np.round(points[..., 0]).astype(int), np.round(points[..., 1]).astype(int)
    ok = (rows >= 0) & (rows < grey.shape[0]) & (cols >= 0) & (cols < grey.shape[1])
    values = np.full(points.shape[:-1], np.nan, np.float32)
    values[ok] = np.where(tissue[rows[ok], cols[ok]], grey[rows[ok], cols[ok]], np.nan)
    return values


def _object_end(grey: np.ndarray, tissue: np.ndarray, centre: np.ndarray, along: np.ndarray,
                radius: float) -> float:
    """Distance along the beam from the centre to where the bright object ends."""
    steps = np.arange(0.0, 3 * radius + 2, 1.0)
    profile = _sample(grey, tissue, centre + steps[:, None] * along)
    peak = np.nanmax(profile[:max(int(radius), 1) + 1]) if np.isfinite(profile).any() else 0.0
    below = np.nonzero(~(profile > 0.6 * peak))[0]
    return float(steps[below[0]]) if below.size else float(steps[-1])


@dataclass(frozen=True)
class Shadow:
    ratio: float          # behind / beside, the worse of the near and far halves
    dirty: bool           # the shadow keeps reaching tissue brightness
    reverberation: bool   # periodic bright bands: gas ring-down


def shadow_measure(grey: np.ndarray, geometry: Geometry, c: Candidate) -> Shadow:
    """How the beam behind ``c`` looks compared with the tissue beside it."""
    mm = geometry.mm_per_pixel
    along, across = _beam_axes(c, geometry.apex)
    radius = c.diameter_mm / 2 / mm
    start = _object_end(grey, geometry.tissue, np.array([c.x, c.y]), along, radius) + 1.0 / mm
    depths = np.arange(start, start + 11.0 / mm, 1.0)
    core = np.linspace(-0.5 * radius, 0.5 * radius, 5)
    side = np.concatenate([np.linspace(radius + 2 / mm, radius + 5 / mm, 3),
                           -np.linspace(radius + 2 / mm, radius + 5 / mm, 3)])
    centre = np.array([c.x, c.y])

    def strip(offsets):
        grid = centre + depths[:, None, None] * along + offsets[None, :, None] * across
        return _sample(grey, geometry.tissue, grid)

    behind, beside = strip(core), strip(side)
    valid_rows = np.isfinite(behind).all(axis=1)
    if valid_rows.sum() * mm < 3.0 or not np.isfinite(beside).any():
        return Shadow(1.0, False, False)
    beside_level = max(float(np.nanmedian(beside)), 1.0)
    profile = behind[valid_rows].mean(axis=1)
    # A calcific shadow runs deep: a vessel lumen under a bright wall ends after a few mm.
    half = len(profile) // 2
    ratio = max(float(np.median(profile[:half])), float(np.median(profile[half:]))) / beside_level
    shadowed = ratio < 1.0
    return Shadow(ratio, shadowed and _dirty(profile, beside_level),
                  shadowed and _reverberation(profile, beside_level, mm))


def _dirty(profile: np.ndarray, beside_level: float) -> bool:
    """A 'dirty' shadow (gas): it keeps reaching the brightness of the tissue beside."""
    return float(np.mean(profile > 0.85 * beside_level)) >= DIRTY_FRACTION


def _reverberation(profile: np.ndarray, beside_level: float, mm: float) -> bool:
    """Gas ring-down: bands brighter than the tissue beside, repeating at a regular interval."""
    # Ring-down repeats every millimetre or more; speckle decorrelates well within that.
    shortest, longest = max(int(round(1.2 / mm)), 2), max(int(6.0 / mm), 4)
    if len(profile) < 2 * shortest + 2:
        return False
    if np.count_nonzero(profile > 0.9 * beside_level) < 2:
        return False  # a clean shadow: nothing in it reaches the brightness of the tissue beside
    centred = profile - profile.mean()
    energy = float(np.dot(centred, centred)) or 1.0
    autocorrelation = np.correlate(centred, centred, "full")[len(centred) - 1:] / energy
    lags = autocorrelation[shortest:min(longest, len(autocorrelation) // 2) + 1]
    return bool(lags.size and lags.max() > 0.5)


# --- instance ---------------------------------------------------------------

def _score(ratio: float, contrast: float, roundness: float) -> float:
    return float(np.clip(0.5 * (1 - ratio) + 0.3 * min(contrast / 12, 1) + 0.2 * roundness, 0, 1))


def _possible_calcification(c: Candidate) -> bool:
    """A non-shadowing echogenic focus worth reporting: small, round and clearly bright.

    A bright blob larger than this without a clean shadow is not a calcific focus
    (a calcification that size shadows): tissue, fat or gas.
    """
    return (c.contrast >= POSSIBLE_CONTRAST and c.diameter_mm <= POSSIBLE_MAX_MM
            and c.roundness >= POSSIBLE_MIN_ROUNDNESS)


def detect_frame(grey: np.ndarray, geometry: Geometry, mask: np.ndarray) -> list[tuple[Candidate, bool, float]]:
    """(candidate, shadow, score) for each focus found in one frame."""
    found = []
    for c in candidates(grey, mask, geometry.mm_per_pixel):
        behind = shadow_measure(grey, geometry, c)
        if behind.reverberation or (behind.dirty and c.diameter_mm >= GAS_MIN_MM):
            continue  # gas: ring-down, or a large bright blob with a dirty shadow
        shadow = behind.ratio < SHADOW_RATIO and not behind.dirty
        if not shadow and not _possible_calcification(c):
            continue
        found.append((c, shadow, _score(behind.ratio, c.contrast, c.roundness)))
    return found


def detect_instance(path: Path, rois: dict[int | None, np.ndarray] | None = None) -> Detection:
    """All foci in every frame of the US image at ``path`` (one frame in memory at a time).

    ``rois`` maps a frame number (None: every frame) to a mass mask; frames
    without one are searched in the tissue region eroded from its edges.
    """
    rois = rois or {}
    ds = dcmread(path, stop_before_pixels=True)
    foci: list[Focus] = []
    geometry, tissue_mask, frames, kinds = None, None, 0, set()
    for number, (grey, colour) in enumerate(grey_frames(path), start=1):
        if geometry is None:
            geometry = frame_geometry(ds, grey)
            tissue_mask, _ = search_mask(geometry, None)
        roi = rois.get(number, rois.get(None))
        mask, kind = search_mask(geometry, roi) if roi is not None else (tissue_mask, "tissue-region-eroded")
        kinds.add(kind)
        for c, shadow, score in detect_frame(grey, geometry, mask if colour is None else mask & ~colour):
            foci.append(Focus(sop_instance_uid=str(ds.SOPInstanceUID),
                              sop_class_uid=str(ds.SOPClassUID), frame=number, x=c.x, y=c.y,
                              diameter_mm=c.diameter_mm, shadow=shadow, score=score,
                              mm_per_pixel=geometry.mm_per_pixel,
                              spacing_known=geometry.spacing_known))
        frames = number
    return Detection(foci=foci, mask="+".join(sorted(kinds)) or "none",
                     spacing_known=bool(geometry and geometry.spacing_known), frames=frames)
