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

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import SimpleITK as sitk
from pydicom import Dataset, dcmread

from advisor.evidence.pixels import ASSUMED_MM_PER_PIXEL, Box, grey_frames, tissue_region
from advisor.model import Focus

MIN_DIAMETER_MM, MAX_DIAMETER_MM = 0.7, 12.0
WORK_MM = 0.5                # the blob search runs at this many mm per pixel or finer
SIGMAS_PX = (0.8, 1.13)      # scales of one octave of the pyramid, in that octave's pixels
SIGMA_STEP = 2 ** 0.5        # difference of Gaussians between sigma and sigma x this
BLOB_RADIUS_PER_SIGMA = 1.7  # a disk of this radius answers DoG(sigma, sqrt 2 sigma) most
PEAK_SPREADS = 4.0           # a DoG response above this many robust spreads of its scale
MAX_CANDIDATES = 40          # strongest peaks measured per frame
RING_MARGIN_MM = 3.0         # background ring around a blob reaches this far beyond 1.5 radii
MIN_CONTRAST = 3.0           # blob peak over background, in local speckle spreads
MIN_ROUNDNESS = 0.45         # minor over major axis; a specular line or an edge is longer
SHADOW_RATIO = 0.72          # behind / beside; below this the focus shadows
DIRTY_FRACTION = 0.15        # share of a shadow's profile at tissue brightness: gas, not stone
GAS_MIN_MM = 3.0             # calcific foci this large shadow cleanly; a dirty shadow means gas
POSSIBLE_CONTRAST = 5.0      # a focus without shadow is reported only above this contrast,
POSSIBLE_MAX_MM = 4.0        # this size or smaller,
POSSIBLE_MIN_ROUNDNESS = 0.75  # and this round
EDGE_MARGIN_MM = 3.0
FLAT_GREY_LEVELS = 12        # a drawn line varies less than this along its length
GEOMETRY_CACHE_SIZE = 16     # series whose geometry is kept


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
        _SERIES_GEOMETRY[key] = found
        while len(_SERIES_GEOMETRY) > GEOMETRY_CACHE_SIZE:
            _SERIES_GEOMETRY.popitem(last=False)
    return found


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
    """A bright compact blob, measured at full resolution from its own extent."""

    x: float                  # centroid, column
    y: float                  # centroid, row
    diameter_mm: float        # equivalent circular diameter of the half-maximum region
    roundness: float          # 1 / elongation (minor over major axis)
    contrast: float           # peak over the background in front and beside, in local speckle spreads
    half_width: float = 0.0   # half the extent across the beam, pixels
    depth_end: float = 0.0    # from the centroid to where the blob ends along the beam, pixels
    level: float = 0.0        # the grey level that outlines it (half-way from background to peak)


@dataclass(frozen=True)
class Peak:
    x: float
    y: float
    radius: float   # blob radius of the scale that found it, pixels
    strength: float  # response in robust spreads of that scale's response


def _robust_spread(values: np.ndarray) -> tuple[float, float]:
    """Median and MAD-based spread; a subsample estimates them as well, faster."""
    values = values[::max(values.size // 4000, 1)]
    median = float(np.median(values))
    return median, 1.4826 * float(np.median(np.abs(values - median))) + 1e-3


def _gaussian(image: sitk.Image, sigma_px: float) -> np.ndarray:
    return sitk.GetArrayFromImage(sitk.SmoothingRecursiveGaussian(image, sigma_px))


def _shrink(array: np.ndarray, factor: int) -> np.ndarray:
    if factor == 1:
        return array
    return sitk.GetArrayFromImage(sitk.BinShrink(sitk.GetImageFromArray(array), [factor, factor]))


def _peaks(response: np.ndarray, inside: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    """(row, column, strength) of the strongest pixel of each connected area above ``threshold``,
    strength in robust spreads of the response inside the search mask."""
    values = response[inside]
    if values.size < 16:
        return []
    _, spread = _robust_spread(values)
    above = (response > threshold * spread) & inside
    if not above.any():
        return []
    labels = sitk.GetArrayFromImage(sitk.ConnectedComponent(sitk.GetImageFromArray(above.view(np.uint8))))
    rows, cols = np.nonzero(above)
    ids, strengths = labels[rows, cols], response[rows, cols] / spread
    order = np.lexsort((-strengths, ids))
    first = order[np.r_[True, ids[order][1:] != ids[order][:-1]]]
    return [(int(rows[i]), int(cols[i]), float(strengths[i])) for i in first]


def blob_peaks(grey: np.ndarray, mask: np.ndarray, mm: float) -> list[Peak]:
    """Bright blobs of about ``MIN_DIAMETER_MM`` to ``MAX_DIAMETER_MM`` inside ``mask``.

    A difference-of-Gaussians pyramid: each octave halves the resolution, three
    scales a factor sqrt(2) apart in each. A response is measured in robust
    spreads of that scale's own response over the search mask (the speckle at
    that scale), so the threshold needs no grey levels and no gain. Overlapping
    peaks keep the strongest.
    """
    factor = max(int(round(WORK_MM / mm)), 1)
    work = _shrink(grey.astype(np.float32, copy=False), factor)
    inside = _shrink(mask.view(np.uint8), factor).astype(bool) if factor > 1 else mask
    inside = inside[:work.shape[0], :work.shape[1]]
    work_mm = mm * factor
    peaks: list[Peak] = []
    level, scale = work, 1
    while True:
        pixel_mm = work_mm * scale
        sigmas = [s for s in SIGMAS_PX if MIN_DIAMETER_MM <= 2 * BLOB_RADIUS_PER_SIGMA * s * pixel_mm
                  <= MAX_DIAMETER_MM * 1.2]
        if not sigmas or min(level.shape) < 8:
            break
        image = sitk.GetImageFromArray(level)
        smoothed = [_gaussian(image, s) for s in sigmas + [sigmas[-1] * SIGMA_STEP]]
        for sigma, fine, coarse in zip(sigmas, smoothed, smoothed[1:]):
            for row, col, strength in _peaks(fine - coarse, inside, PEAK_SPREADS):
                radius = BLOB_RADIUS_PER_SIGMA * sigma * scale * factor
                peaks.append(Peak((col + 0.5) * scale * factor - 0.5, (row + 0.5) * scale * factor - 0.5,
                                  radius, strength))
        if 2 * BLOB_RADIUS_PER_SIGMA * sigmas[-1] * pixel_mm >= MAX_DIAMETER_MM:
            break
        level, scale = _shrink(level, 2), scale * 2
        inside = _shrink(inside.view(np.uint8), 2).astype(bool)[:level.shape[0], :level.shape[1]]
    return _strongest_apart(peaks)


def _strongest_apart(peaks: list[Peak]) -> list[Peak]:
    kept: list[Peak] = []
    for peak in sorted(peaks, key=lambda p: -p.strength):
        if all(np.hypot(peak.x - k.x, peak.y - k.y) > max(peak.radius, k.radius) for k in kept):
            kept.append(peak)
        if len(kept) == MAX_CANDIDATES:
            break
    return kept


def measure_blob(grey: np.ndarray, tissue: np.ndarray, peak: Peak, along: np.ndarray,
                 mm: float) -> Candidate | None:
    """The blob around ``peak`` at full resolution: the connected area above half-way from
    the local background to the blob's peak, its size, shape and contrast.

    The background and the speckle spread come from a ring around the blob, leaving
    out the part behind it (its own shadow). None if the blob is not compact (it
    leaves its window: a band or an organ edge, not a focus).
    """
    r = max(peak.radius, 1.0)
    half = int(np.ceil(2.5 * r + RING_MARGIN_MM / mm)) + 2
    y0, x0 = max(int(peak.y) - half, 0), max(int(peak.x) - half, 0)
    window = grey[y0:int(peak.y) + half + 1, x0:int(peak.x) + half + 1]
    ok = tissue[y0:y0 + window.shape[0], x0:x0 + window.shape[1]]
    rows, cols = np.mgrid[0:window.shape[0], 0:window.shape[1]]
    dx, dy = cols + x0 - peak.x, rows + y0 - peak.y
    distance = np.hypot(dx, dy)
    ring = ok & (distance >= 1.5 * r + 1.0 / mm) & (distance <= 2.5 * r + RING_MARGIN_MM / mm) \
        & (dx * along[0] + dy * along[1] < 0.5 * r)
    core = ok & (distance <= max(0.5 * r, 1.5))
    if ring.sum() < 12 or not core.any():
        return None
    background, spread = _robust_spread(window[ring])
    smooth = _binomial_smooth(window)
    top = float(np.percentile(smooth[core], 90))
    if top <= background:
        return None
    level = background + 0.5 * (top - background)
    seed = np.unravel_index(np.argmax(np.where(core, smooth, -1)), smooth.shape)
    blob = sitk.GetArrayFromImage(sitk.ConnectedThreshold(
        sitk.GetImageFromArray(((smooth >= level) & ok).view(np.uint8)),
        seedList=[(int(seed[1]), int(seed[0]))], lower=1, upper=1)).astype(bool)
    if blob[0].any() or blob[-1].any() or blob[:, 0].any() or blob[:, -1].any():
        return None
    by, bx = rows[blob] + y0, cols[blob] + x0
    cx, cy = float(bx.mean()), float(by.mean())
    across = np.array([-along[1], along[0]])
    u = (bx - cx) * along[0] + (by - cy) * along[1]
    v = (bx - cx) * across[0] + (by - cy) * across[1]
    eigen = np.linalg.eigvalsh(np.cov(np.vstack([bx, by])) + np.eye(2) * 1 / 12) if bx.size > 2 \
        else np.array([1.0, 1.0])
    roundness = float(np.sqrt(max(eigen[0], 1e-6) / max(eigen[1], 1e-6)))
    return Candidate(cx, cy, 2 * np.sqrt(blob.sum() / np.pi) * mm, roundness,
                     (top - background) / spread, half_width=float(np.ptp(v) + 1) / 2,
                     depth_end=float(u.max()) + 0.5, level=level)


def candidates(grey: np.ndarray, mask: np.ndarray, geometry: Geometry) -> list[Candidate]:
    """Bright compact blobs whose centre lies inside ``mask``, measured and deduplicated."""
    mm, found = geometry.mm_per_pixel, []
    for peak in blob_peaks(grey, mask, mm):
        c = measure_blob(grey, geometry.tissue, peak, beam_direction(peak.x, peak.y, geometry.apex), mm)
        if c is None or not MIN_DIAMETER_MM <= c.diameter_mm <= MAX_DIAMETER_MM:
            continue
        if not mask[int(round(c.y)), int(round(c.x))]:
            continue
        if any(np.hypot(c.x - f.x, c.y - f.y) * mm < max(c.diameter_mm, f.diameter_mm) / 2 for f in found):
            continue
        if _drawn_lines(grey, c.x, c.y, c.diameter_mm / mm / 2, c.level):
            continue
        found.append(c)
    return found


def _binomial_smooth(grey: np.ndarray) -> np.ndarray:
    """3 x 3 [1 2 1] smoothing: takes the edge off single-pixel speckle, cheaply."""
    padded = np.pad(grey, 1, mode="edge")
    rows = padded[:-2] + 2 * padded[1:-1] + padded[2:]
    return (rows[:, :-2] + 2 * rows[:, 1:-1] + rows[:, 2:]) / 16


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

def beam_direction(x: float, y: float, apex: tuple[float, float] | None) -> np.ndarray:
    """Unit vector along the beam through (x, y): away from the apex, or straight down."""
    along = np.array([0.0, 1.0]) if apex is None else np.array([x - apex[0], y - apex[1]])
    norm = float(np.linalg.norm(along))
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


def shadow_measure(grey: np.ndarray, geometry: Geometry, c: Candidate) -> Shadow:
    """How the beam behind ``c`` looks compared with the tissue beside it.

    Everything scales with the focus: the shadow is sampled across the middle of
    its width, from where the blob ends, over a depth of two and a half diameters
    (8 to 16 mm); the tissue beside it lies beyond its edges by half its width
    (at least 1.5 to 4.5 mm).
    """
    mm = geometry.mm_per_pixel
    along = beam_direction(c.x, c.y, geometry.apex)
    across = np.array([-along[1], along[0]])
    width = max(c.half_width, 1.0)
    start = c.depth_end + 1.0 / mm
    depths = np.arange(start, start + float(np.clip(2.5 * c.diameter_mm, 8.0, 16.0)) / mm, 1.0)
    core = np.linspace(-0.35 * width, 0.35 * width, 5)
    near, far = width + max(1.5 / mm, 0.5 * width), width + max(4.5 / mm, 1.5 * width)
    side = np.concatenate([np.linspace(near, far, 3), -np.linspace(near, far, 3)])
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
    for c in candidates(grey, mask, geometry):
        if c.contrast < MIN_CONTRAST or c.roundness < MIN_ROUNDNESS:
            continue
        behind = shadow_measure(grey, geometry, c)
        if behind.reverberation or (behind.dirty and c.diameter_mm >= GAS_MIN_MM):
            continue  # gas: ring-down, or a large bright blob with a dirty shadow
        shadow = behind.ratio < SHADOW_RATIO and not behind.dirty
        if not shadow and not _possible_calcification(c):
            continue
        found.append((c, shadow, _score(behind.ratio, c.contrast, c.roundness)))
    return found


def _crop(mask: np.ndarray, box: Box | None) -> np.ndarray:
    return mask if box is None else mask[box[1]:box[3] + 1, box[0]:box[2] + 1]


def detect_instance(path: Path, rois: dict[int | None, np.ndarray] | None = None) -> Detection:
    """All foci in every frame of the US image at ``path`` (one frame in memory at a time).

    ``rois`` maps a frame number (None: every frame) to a mass mask; frames
    without one are searched in the tissue region eroded from its edges. Only the
    calibrated region's bounding box is decoded to grey and searched.
    """
    rois = rois or {}
    ds = dcmread(path, stop_before_pixels=True)
    box, _ = tissue_region(ds, (int(ds.Rows), int(ds.Columns)))
    offset = (box[0], box[1]) if box else (0, 0)
    foci: list[Focus] = []
    geometry, tissue_mask, frames, kinds = None, None, 0, set()
    for number, (grey, colour) in enumerate(grey_frames(path, box), start=1):
        if geometry is None:
            geometry, tissue_mask = series_geometry(ds, grey, offset)
        roi = rois.get(number, rois.get(None))
        mask, kind = (search_mask(geometry, _crop(roi, box)) if roi is not None
                      else (tissue_mask, "tissue-region-eroded"))
        kinds.add(kind)
        for c, shadow, score in detect_frame(grey, geometry, mask if colour is None else mask & ~colour):
            foci.append(Focus(sop_instance_uid=str(ds.SOPInstanceUID),
                              sop_class_uid=str(ds.SOPClassUID), frame=number,
                              x=c.x + offset[0], y=c.y + offset[1],
                              diameter_mm=c.diameter_mm, shadow=shadow, score=score,
                              mm_per_pixel=geometry.mm_per_pixel,
                              spacing_known=geometry.spacing_known))
        frames = number
    return Detection(foci=foci, mask="+".join(sorted(kinds)) or "none",
                     spacing_known=bool(geometry and geometry.spacing_known), frames=frames)
