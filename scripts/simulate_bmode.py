#!/usr/bin/env python3
"""simulate_bmode.py - independent B-mode ultrasound simulator writing DICOM + ground truth.

Purpose
-------
Generates synthetic abdominal B-mode images containing calcific foci (with
posterior acoustic shadowing), non-shadowing echogenic foci and labelled
distractors, to evaluate a calcification detector.  Only numpy, scipy,
pydicom and Pillow are used; nothing is imported from any other project.

Physics (convolution model, everything below is drawn per image)
-----------------------------------------------------------------
1. Scene, in physical millimetres (x lateral, z depth; for a curvilinear probe
   z is measured from the virtual apex, which lies above the skin line).
   An echogenicity map (mean backscattered intensity) is built from: skin /
   subcutaneous fat / fascia layers, 1-3 large organ ellipses, a smooth
   log-normal texture, a "mass" (irregular blob, hypo/iso/hyper-echoic, optional
   halo, heterogeneous), anechoic fluid areas (cysts, vessels with bright
   walls).  An attenuation map (dB/mm, round trip) holds tissue attenuation
   (alpha0 * f0, alpha0 0.4-0.7 dB/cm/MHz), weak attenuation in fluid
   (-> posterior enhancement), a high coefficient inside calcific foci
   (shadow_db / diameter) and an extreme one inside gas.
2. Beam (polar) space: a grid (depth sample x beam line).  Random point
   scatterers (2.5-30 per resolution cell, drawn per image) are placed uniformly
   in physical space; each carries a Gaussian amplitude scaled by
   sqrt(echogenicity / expected scatterers per cell) and the two-way phase
   exp(-2j k0 r) of its exact range, and is accumulated onto the grid.  This is
   the complex (analytic, base-band) RF scatterer field.
3. Attenuation: the field is multiplied by 10^(-A/20), A(r) = integral of the
   attenuation map along each beam up to r (computed in beam space, before scan
   conversion).  Everything behind a calcific focus is therefore darkened
   along every beam crossing it: posterior acoustic shadow, with a shadow
   strength (10-40 dB through the focus centre, 14-40 dB for foci >= 4 mm)
   drawn per focus.  Only a per-focus fraction (0.35-1) of the focus' own
   attenuation dims its own echo, so large foci range from a bright ball to a
   bright proximal arc.  Small foci narrower than the beam shadow only
   partially; truth reports "shadow_effective_db", the shadow depth just behind
   the focus after lateral beam blurring.
4. Point-spread function, applied in beam space: axial = Gaussian envelope of a
   Gaussian-modulated sinusoid (1.5-3 cycles at f0; its analytic signal is
   exp(-t^2/2s^2) exp(j w0 t), so in base band the axial kernel is the
   Gaussian envelope), lateral = Gaussian whose width depends on depth
   relative to a transmit focal depth drawn per image
   (w(d) = w_f sqrt(1 + ((d - d_f)/dof)^2)).  Both are applied by FFT, the
   lateral one row-by-row (depth dependent), normalised to unit energy so the
   mean speckle intensity equals the echogenicity.
   Envelope detection = magnitude of the complex RF (|analytic signal|).
   Strong reflectors (calcific foci, specular arcs, gas interface) are added as
   a smooth incoherent intensity term blurred with the intensity PSF; calcific
   foci also carry bright scatterers (mixed speckle / solid look).  The focus
   brightness is "contrast_db" (12-28 dB, per image, +-3 dB per focus) above
   the local tissue echogenicity, corrected for partial-volume blurring.
5. Gas: bright interface, total blockage, then a "dirty" shadow of decaying
   reverberation echoes, repeat echoes at 2x/3x the gas depth and optionally a
   ring-down (comet-tail) streak.  Electronic noise and near-field clutter are
   added before the PSF.
6. Receive chain: time-gain compensation = compensation factor (0.7-1.08) x
   tissue attenuation + random slider wiggles (imperfect TGC); log compression
   with dynamic range 40-70 dB, gain (mid-grey 60-120), black floor, grey-map
   gamma, all drawn per image; 8-bit.  (TGC is smooth in depth and is applied
   just before the local PSF to keep the numeric dynamic range small.)
   The axial / lateral PSF widths are floored at 0.7 / 1.0 output pixel
   (display low-pass) so speckle is never finer than the pixel grid.
7. Scan conversion (bilinear) to a curvilinear sector (apex above the image,
   sector angle 50-80 deg, 75 %) or a linear-probe rectangle (25 %), inside a
   frame of 480-768 rows x 640-1024 columns, black background,
   0.10-0.40 mm per pixel.
8. Overlays (drawn with PIL after scan conversion): header text outside the
   sector, a depth scale with tick marks, a focal-zone marker, a grey bar,
   calipers ("+"/"x" crosses, white or yellow), caliper measurement text,
   occasionally an annotation word inside / near the sector; in colour kinds a
   colour bar and a coloured orientation marker.
9. Cine: 5-12 frames; all tissue (and foci) translate with a smooth breathing
   motion (0.5-2.5 mm), foci drift a further <=0.4 mm, scatterers jitter
   (sub-wavelength) and a fraction are re-drawn each frame (out-of-plane
   motion), so speckle decorrelates partially.

Output
------
DIR/img0001.dcm ...  kinds (cycled over --kinds, in order):
  mono : US Image Storage, MONOCHROME2, 8 bit, Explicit VR Little Endian
  rgb  : US Image Storage, RGB (grey image + coloured overlay graphics)
  jpeg : US Image Storage, JPEG Baseline (1.2.840.10008.1.2.4.50),
         YBR_FULL_422 (Pillow JPEG 4:2:2, encapsulated with pydicom)
  cine : US Multi-frame Image Storage, MONOCHROME2, 5-12 frames
Every file has Modality US, BodyPartExamined ABDOMEN, PatientAge "NNNY",
valid Study/Series/SOP Instance UIDs (deterministic from the seed) and one
SequenceOfUltrasoundRegions item: RegionSpatialFormat 1, RegionDataType 1,
RegionLocationMin/Max = sector bounding box, PhysicalUnits X/Y = 3 (cm),
PhysicalDeltaX = PhysicalDeltaY = cm per pixel, ReferencePixelX0/Y0 = the
skin-line centre (physical value 0,0).

DIR/truth.json:
 {"generator": "simulate_bmode", "seed": S, "images": [{
   "file", "sop_instance_uid", "kind", "frames", "mm_per_pixel", "rows",
   "columns", "probe", "sector_bbox": [x0, y0, x1, y1], "params": {...},
   "foci": [{"frame", "id", "x", "y", "diameter_mm", "diameter_px", "shadow",
             "shadow_db", "shadow_effective_db", "contrast_db", "front_x",
             "front_y"}],
   "distractors": [{"frame", "kind", "x", "y", "bbox"?, "detail"?}]}]}
 x = column, y = row (0-based, scan-converted pixel coordinates) of the
 physical centre of the focus; front_x/front_y = the proximal (probe-facing)
 surface point, where the brightest echo of a large focus sits.  Frames are
 1-based; in cine every focus / distractor is listed once per frame.
 shadow=false foci are non-shadowing echogenic foci; they are ALSO listed in
 "distractors" with kind "nonshadow" so that an evaluator can treat them either
 as optional targets or as distractors.  Distractor kinds: gas, specular,
 caliper, text (detail: header, annotation, measurement, depth_scale,
 focal_marker, grey_bar, colour_bar, orientation_marker), nonshadow.
 gas x,y = the bright gas interface; specular x,y = a point on the arc, plus
 "points" along it; overlay items carry a "bbox" [x0, y0, x1, y1].
 Focus diameters are drawn uniformly over the bins 0.7-2, 2-4, 4-6, 6-10 mm
 (shadowing foci, 1-4 per image, inside the mass, never inside another
 focus' shadow); non-shadowing foci are 0.7-2.5 mm.  Output is deterministic
 for a given --seed (independent of --jobs).
 About 20 % of images (chosen from the seed) contain no focus at all.

CLI
---
  python simulate_bmode.py --out DIR --count N --seed S [--kinds mono,rgb,jpeg,cine]
                           [--jobs J] [--png]
"""
import argparse
import io
import json
import math
import os
import time
from dataclasses import dataclass, field
from multiprocessing import Pool

import numpy as np
from scipy import fft as sfft
from scipy import ndimage
from scipy.special import erf
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence
from pydicom.tag import Tag
from pydicom.uid import ExplicitVRLittleEndian, JPEGBaseline8Bit, generate_uid

US_IMAGE = "1.2.840.10008.5.1.4.1.1.6.1"
US_MULTIFRAME = "1.2.840.10008.5.1.4.1.1.3.1"
C_MM_PER_US = 1.54
SIZE_BINS = ((0.7, 2.0), (2.0, 4.0), (4.0, 6.0), (6.0, 10.0))
KINDS = ("mono", "rgb", "jpeg", "cine")
UID_ROOT = "1.2.826.0.1.3680043.8.498."


# --------------------------------------------------------------------------- geometry
@dataclass
class Probe:
    kind: str          # "curved" | "linear"
    r0: float          # mm radius of curvature (0 for linear)
    half: float        # half sector angle (rad) or half aperture width (mm)
    depth: float       # mm below the skin line
    f0: float          # MHz
    sig_ax: float      # mm, sigma of the axial pulse envelope (two-way)
    lat_fwhm: float    # mm, lateral FWHM at the focal depth
    dof: float         # mm, depth of field
    att: float         # dB/cm/MHz one-way
    focal: float = 0.0  # mm below skin


@dataclass
class Frame:
    H: int
    W: int
    px: float          # mm per pixel
    cx: float          # column of x = 0
    top: float         # row of z = z_top
    z_top: float
    bbox: tuple        # x0, y0, x1, y1 (inclusive)


@dataclass
class Shape:
    cx: float
    cz: float
    a: float
    b: float
    rot: float = 0.0
    harm: tuple = ()
    edge: float = 1.0


def draw_probe(rng):
    if rng.random() < 0.75:
        depth = rng.uniform(60, 170)
        f0 = rng.uniform(2.5, 4.0) if depth > 120 else rng.uniform(3.0, 5.5)
        kind, r0, half = "curved", rng.uniform(25, 60), np.deg2rad(rng.uniform(50, 80)) / 2
    else:
        depth, f0 = rng.uniform(30, 70), rng.uniform(6.0, 12.0)
        kind, r0, half = "linear", 0.0, rng.uniform(17, 25)
    lam = C_MM_PER_US / f0
    sig_ax = rng.uniform(1.5, 3.0) * lam / 2 / 2.355
    return Probe(kind, r0, half, depth, f0, sig_ax, lam * rng.uniform(2.0, 4.0),
                 rng.uniform(0.25, 0.6) * depth, rng.uniform(0.4, 0.7))


def polar(p, x, z):
    """physical (x, z) -> (depth below skin, beam coordinate)."""
    if p.kind == "curved":
        return np.hypot(x, z) - p.r0, np.arctan2(x, z)
    return z, x


def cart(p, d, b):
    """(depth below skin, beam coordinate) -> physical (x, z)."""
    if p.kind == "curved":
        r = p.r0 + d
        return r * np.sin(b), r * np.cos(b)
    return b + 0 * d, d + 0 * b


def lat_scale(p, d):
    """mm per unit of beam coordinate at depth d."""
    return (p.r0 + d) if p.kind == "curved" else 1.0 + 0 * d


def inside(p, x, z, margin=0.0):
    d, b = polar(p, x, z)
    s = lat_scale(p, d)
    return (d >= margin) & (d <= p.depth - margin) & (np.abs(b) * s <= p.half * s - margin)


def extents(p):
    if p.kind == "curved":
        rmax = p.r0 + p.depth
        return rmax * np.sin(p.half), p.r0 * np.cos(p.half), rmax
    return p.half, 0.0, p.depth


def draw_frame(rng, p):
    H = int(rng.integers(480, 769))
    W = int(np.clip(round(H * rng.uniform(1.25, 1.42)), 640, 1024))
    top, bot, wfrac = rng.uniform(28, 70), rng.uniform(8, 30), rng.uniform(0.7, 0.97)
    while True:
        xh, zt, zb = extents(p)
        px = max((zb - zt) / (H - top - bot), 2 * xh / (W * wfrac), 0.1)
        if px <= 0.4:
            break
        p.depth *= 0.93
    px = round(px, 5)
    xh, zt, zb = extents(p)
    hw = xh / px
    cx = float(np.clip(W / 2 + rng.uniform(-0.05, 0.05) * W, hw + 8, W - hw - 8))
    top = float(int(top))
    bbox = (int(math.floor(cx - hw)), int(top), int(math.ceil(cx + hw)),
            int(math.ceil(top + (zb - zt) / px)))
    return Frame(H, W, px, cx, top, zt, bbox)


def to_pixel(fr, x, z):
    return fr.cx + np.asarray(x) / fr.px, fr.top + (np.asarray(z) - fr.z_top) / fr.px


def place(p, d, u):
    """point at depth d below skin and lateral fraction u in [-1, 1]."""
    return cart(p, d, u * p.half)


# --------------------------------------------------------------------------- beam grid
@dataclass
class Grid:
    nr: int
    nb: int
    dd: float
    db: float
    d: np.ndarray
    D: np.ndarray
    X: np.ndarray
    Z: np.ndarray
    sig_ax: float
    lat_sig: np.ndarray     # mm, per row
    tf_ax: np.ndarray
    tf_lat: np.ndarray
    norm: np.ndarray
    cell_area: np.ndarray   # mm^2 per row


def make_grid(p, fr):
    sig_ax = max(p.sig_ax, 0.7 * fr.px)      # receive / display low-pass: speckle >= ~2 px
    nr = min(int(math.ceil(p.depth / (sig_ax / 1.2))) + 1, 1200)
    dd = p.depth / (nr - 1)
    sig_ax = max(sig_ax, dd)
    d = np.arange(nr) * dd
    p.lat_fwhm = max(p.lat_fwhm, 2.355 * 1.0 * fr.px)
    lat = p.lat_fwhm * np.sqrt(1 + ((d - p.focal) / p.dof) ** 2) / 2.355
    lat = np.minimum(lat, 2.5 * p.lat_fwhm / 2.355)
    scale = lat_scale(p, d)
    spacing = min(lat.min(), 0.6)
    nb = int(np.clip(math.ceil(2 * p.half * scale[-1] / spacing) + 1, 160, 720))
    db = 2 * p.half / (nb - 1)
    b = -p.half + np.arange(nb) * db
    D, B = np.meshgrid(d.astype(np.float32), b.astype(np.float32), indexing="ij")
    X, Z = cart(p, D, B)
    tf_ax, tf_lat, norm = transfer_functions(nr, nb, sig_ax / dd, lat / (scale * db))
    return Grid(nr, nb, dd, db, d, D, X.astype(np.float32), Z.astype(np.float32), sig_ax,
                lat, tf_ax, tf_lat, norm, (dd * db * scale).astype(np.float32))


def transfer_functions(nr, nb, sa, sl):
    """Gaussian transfer functions (axial sigma sa cells, lateral sigma sl[row] cells)."""
    nfr = sfft.next_fast_len(nr + int(8 * sa) + 4)
    nfb = sfft.next_fast_len(nb + int(8 * sl.max()) + 4)
    fa, fb = sfft.fftfreq(nfr), sfft.fftfreq(nfb)
    tf_ax = np.exp(-2 * (np.pi * fa * sa) ** 2).astype(np.float32)
    tf_lat = np.exp(-2 * (np.pi * fb[None, :] * sl[:, None]) ** 2).astype(np.float32)
    norm = 1 / np.sqrt(np.mean(tf_ax ** 2) * np.mean(tf_lat ** 2, axis=1))
    return tf_ax, tf_lat, norm.astype(np.float32)


def psf(A, g, intensity=False):
    """Apply the (depth-dependent) PSF in beam space by FFT.  intensity=True uses the
    intensity PSF (sigma / sqrt 2, unit area) for incoherent terms."""
    ta, tl = (np.sqrt(g.tf_ax), np.sqrt(g.tf_lat)) if intensity else (g.tf_ax, g.tf_lat)
    A = A.astype(np.complex128 if intensity else np.complex64)   # B spans >100 dB: double precision
    F = sfft.fft(A, n=len(ta), axis=0) * ta[:, None]
    A = sfft.ifft(F, axis=0)[: g.nr]
    F = sfft.fft(A, n=tl.shape[1], axis=1) * tl
    A = sfft.ifft(F, axis=1)[:, : g.nb]
    return A.real if intensity else A * g.norm[:, None]


# --------------------------------------------------------------------------- shapes
def shape_weight(s, dx, dz):
    c, sn = math.cos(s.rot), math.sin(s.rot)
    u = (dx * c + dz * sn) / s.a
    v = (-dx * sn + dz * c) / s.b
    rho = np.sqrt(u * u + v * v)
    if s.harm:
        phi = np.arctan2(v, u)
        rho = rho / (1 + sum(a * np.cos(k * phi + ph) for k, a, ph in s.harm))
    return np.clip(0.5 + (1 - rho) * math.sqrt(s.a * s.b) / s.edge, 0, 1).astype(np.float32)


def boundary(s, n=24, grow=0.0):
    phi = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = 1 + sum(a * np.cos(k * phi + ph) for k, a, ph in s.harm) if s.harm else np.ones(n)
    u, v = (s.a + grow) * r * np.cos(phi), (s.b + grow) * r * np.sin(phi)
    c, sn = math.cos(s.rot), math.sin(s.rot)
    return s.cx + u * c - v * sn, s.cz + u * sn + v * c


def slices_for(p, g, xs, zs, pad):
    d, b = polar(p, np.asarray(xs), np.asarray(zs))
    r0 = max(0, int((d.min() - pad) / g.dd))
    r1 = min(g.nr, int((d.max() + pad) / g.dd) + 2)
    bp = pad / lat_scale(p, max(d.min(), 0.0))
    c0 = max(0, int((b.min() - bp + p.half) / g.db))
    c1 = min(g.nb, int((b.max() + bp + p.half) / g.db) + 2)
    if r1 <= r0 or c1 <= c0:
        return None
    return slice(r0, r1), slice(c0, c1)


def patch(p, g, s, dx=0.0, dz=0.0):
    s2 = Shape(s.cx + dx, s.cz + dz, s.a, s.b, s.rot, s.harm, s.edge)
    xs, zs = boundary(s2, 16, grow=2 * s.edge)
    sl = slices_for(p, g, np.append(xs, s2.cx), np.append(zs, s2.cz), 2 * s.edge + 1)
    if sl is None:
        return None, None
    return sl, shape_weight(s2, g.X[sl] - s2.cx, g.Z[sl] - s2.cz)


def rand_harm(rng, amp, kmax=5):
    return tuple((k, rng.uniform(0, amp) / k ** 0.5, rng.uniform(0, 2 * np.pi))
                 for k in range(2, kmax + 1))


# --------------------------------------------------------------------------- scene
@dataclass
class Focus:
    fid: int
    x: float
    z: float
    diam: float
    shadow: bool
    shadow_db: float
    contrast_db: float
    shape: Shape
    drift: tuple = (0.0, 0.0)
    keep: float = 0.5
    eff_db: float = None
    local: float = None


@dataclass
class Scene:
    layers: dict
    organs: list
    tex: dict
    mass: Shape = None
    mass_echo: float = 1.0
    mass_att: float = 1.0
    mass_het: float = 0.3
    halo: float = 0.0
    fluids: list = field(default_factory=list)
    vessels: list = field(default_factory=list)
    foci: list = field(default_factory=list)
    gas: list = field(default_factory=list)
    arcs: list = field(default_factory=list)
    motion: list = field(default_factory=lambda: [(0.0, 0.0)])
    gp: dict = field(default_factory=dict)   # global acquisition / display parameters


def draw_layers(rng, p):
    return dict(skin=rng.uniform(1.0, 2.5), fat=rng.uniform(2.0, 4 + 0.1 * p.depth),
                fat_echo=rng.uniform(0.35, 0.85), fascia=rng.uniform(0.8, 3.0),
                wav=rng.uniform(0, 2), per=rng.uniform(20, 80), ph=rng.uniform(0, 6.3))


def draw_texture(rng, p):
    xh, zt, zb = extents(p)
    x0, z0 = -xh - 15, zt - 15
    nx, nz = int(2 * xh + 31), int(zb - zt + 31)
    n1 = ndimage.gaussian_filter(rng.standard_normal((nz, nx)), rng.uniform(2, 6))
    n2 = ndimage.gaussian_filter(rng.standard_normal((nz, nx)), rng.uniform(0.8, 2))
    n1, n2 = n1 / n1.std(), n2 / n2.std()
    return dict(x0=x0, z0=z0, n1=n1.astype(np.float32), n2=n2.astype(np.float32),
                amp=rng.uniform(0.1, 0.35))


def draw_organs(rng, p):
    out = []
    for _ in range(rng.integers(1, 4)):
        x, z = place(p, rng.uniform(0.2, 1.0) * p.depth, rng.uniform(-1, 1))
        s = Shape(x, z, rng.uniform(0.25, 0.7) * p.depth, rng.uniform(0.2, 0.5) * p.depth,
                  rng.uniform(0, np.pi), rand_harm(rng, 0.08), rng.uniform(1, 4))
        out.append((s, rng.uniform(0.5, 1.8)))
    return out


def focus_sizes(rng, n):
    start = int(rng.integers(len(SIZE_BINS)))        # stratified: consecutive foci use different bins
    bins = [SIZE_BINS[(start + i) % len(SIZE_BINS)] for i in range(n)]
    return [rng.uniform(lo, hi) for lo, hi in bins]


def draw_mass(rng, p, diams):
    """The mass, large enough for its foci; where it fits nowhere in the sector, its largest
    focus is dropped (in place, so the foci drawn later match) and it is placed again."""
    while True:
        mass = _place_mass(rng, p, diams)
        if mass is not None:
            return mass
        if not diams:
            raise RuntimeError("cannot place mass")
        diams.remove(max(diams))


def _place_mass(rng, p, diams):
    while True:
        need = max(0.5 * sum(diams) + 2.0 * len(diams) + 3, max(diams, default=0) / 2 + 4)
        rmax = 0.5 * (p.depth - 14) if p.kind == "curved" else min(0.5 * (p.depth - 10), p.half - 4)
        if need <= rmax or len(diams) <= 1:
            break
        diams.pop()
    for _ in range(400):
        R = max(need, rng.uniform(0.08, 0.2) * p.depth) * rng.uniform(1.0, 1.3)
        R = min(R, max(rmax, need))
        asp = rng.uniform(0.75, 1.3)
        d = rng.uniform(R + 4, max(R + 4.5, p.depth - R - 8))
        x, z = place(p, d, rng.uniform(-0.7, 0.7))
        s = Shape(x, z, R * asp ** 0.5, R / asp ** 0.5, rng.uniform(0, np.pi),
                  rand_harm(rng, 0.12), rng.uniform(0.5, 3.0))
        if inside(p, *boundary(s, 36, grow=1), margin=3).all():
            return s
    return None


def interval(p, x, z, r):
    d, b = polar(p, x, z)
    hw = (r / (p.r0 + d)) if p.kind == "curved" else r
    return float(d), float(b - hw), float(b + hw)


def overlaps(i1, i2):
    return i1[1] < i2[2] and i2[1] < i1[2]


def focus_shape(rng, x, z, diam, p):
    asp = rng.uniform(0.75, 1.3)
    r = diam / 2
    harm = rand_harm(rng, 0.1, 4) if diam >= 3 else ()
    return Shape(x, z, r * asp ** 0.5, r / asp ** 0.5, rng.uniform(0, np.pi), harm, 0.12)


def place_in_mass(rng, p, mass, r, ok):
    for _ in range(300):
        rho, phi = math.sqrt(rng.random()) * 0.9, rng.uniform(0, 2 * np.pi)
        u, v = rho * mass.a * math.cos(phi), rho * mass.b * math.sin(phi)
        c, sn = math.cos(mass.rot), math.sin(mass.rot)
        x, z = mass.cx + u * c - v * sn, mass.cz + u * sn + v * c
        t = np.linspace(0, 2 * np.pi, 12, endpoint=False)
        w = shape_weight(mass, x + (r + 1.2) * np.cos(t) - mass.cx, z + (r + 1.2) * np.sin(t) - mass.cz)
        if (w >= 0.999).all() and ok(x, z):
            return x, z
    return None


def draw_foci(rng, p, mass, diams, contrast, n_ns):
    foci, ivs, margin = [], [], 0.5 * p.lat_fwhm + 0.6
    for diam in sorted(diams, reverse=True):
        r = diam / 2

        def ok(x, z, r=r):
            iv = interval(p, x, z, r + margin)
            return all(not overlaps(iv, j) for j in ivs) and \
                all(math.hypot(x - f.x, z - f.z) > r + f.diam / 2 + 1.5 for f in foci)
        pos = place_in_mass(rng, p, mass, r, ok)
        if pos is None:
            continue
        ivs.append(interval(p, *pos, r + margin))
        sdb = rng.uniform(10, 40) if diam < 4 else rng.uniform(14, 40)
        foci.append(Focus(len(foci), pos[0], pos[1], diam, True, sdb, contrast + rng.uniform(-3, 3),
                          focus_shape(rng, *pos, diam, p), keep=rng.uniform(0.35, 1.0)))
    return foci, ivs


def not_behind(p, x, z, r, ivs):
    d, b0, b1 = interval(p, x, z, r)
    return all(not (overlaps((d, b0, b1), iv) and d + r > iv[0] - 1) for iv in ivs)


def draw_nonshadow(rng, p, sc, ivs, n, contrast):
    for _ in range(n):
        diam = rng.uniform(0.7, 2.5)
        r = diam / 2

        def ok(x, z):
            far = all(math.hypot(x - f.x, z - f.z) > r + f.diam / 2 + 2 for f in sc.foci)
            return far and not_behind(p, x, z, r + 0.5 * p.lat_fwhm, ivs) and inside(p, x, z, r + 3)
        pos = None
        if rng.random() < 0.5:
            pos = place_in_mass(rng, p, sc.mass, r, ok)
        for _ in range(200):
            if pos is not None:
                break
            x, z = place(p, rng.uniform(0.1, 0.9) * p.depth, rng.uniform(-0.85, 0.85))
            clear = all(shape_weight(s, x - s.cx, z - s.cz) == 0 for s in sc.fluids + sc.vessels)
            pos = (x, z) if clear and ok(x, z) else None
        if pos is not None:
            sc.foci.append(Focus(len(sc.foci), pos[0], pos[1], diam, False, 0.0,
                                 contrast + rng.uniform(-3, 3), focus_shape(rng, *pos, diam, p)))


def mass_interval(p, mass, pad=2.0):
    xs, zs = boundary(mass, 36, grow=pad)
    d, b = polar(p, xs, zs)
    return float(d.min()), float(b.min()), float(b.max())


def draw_gas(rng, p, sc):
    miv = mass_interval(p, sc.mass, 4.0)
    for _ in range(100):
        d, u = rng.uniform(0.08, 0.5) * p.depth + 5, rng.uniform(-0.85, 0.85)
        x, z = place(p, d, u)
        th = math.atan2(x, z) if p.kind == "curved" else 0.0
        s = Shape(x, z, rng.uniform(4, 12), rng.uniform(1.2, 3.0), -th + rng.uniform(-0.3, 0.3),
                  rand_harm(rng, 0.1, 4), 0.3)
        xs, zs = boundary(s, 24, grow=3)
        _, b = polar(p, xs, zs)
        if inside(p, xs, zs, 2).all() and not overlaps(miv, (0, b.min(), b.max())):
            ring = rng.random() < 0.5
            return [dict(shape=s, G=rng.uniform(15, 28), level=rng.uniform(-7, 1),
                         L=rng.uniform(15, 50), per=rng.uniform(0.8, 3.0), ring=ring,
                         ring_w=rng.uniform(1, 3), ring_db=rng.uniform(-4, 3),
                         ring_L=rng.uniform(20, 80), ring_per=rng.uniform(0.4, 1.2))]
    return []


def far_from_mass(sc, x, z, pad):
    s = sc.mass
    return shape_weight(Shape(s.cx, s.cz, s.a + pad, s.b + pad, s.rot, s.harm, s.edge),
                        np.asarray(x) - s.cx, np.asarray(z) - s.cz).max() == 0


def draw_fluids(rng, p, sc):
    n_f, n_v = rng.choice([0, 1, 1, 2]), rng.choice([0, 1, 2, 3])
    for i in range(int(n_f + n_v)):
        vessel = i >= n_f
        for _ in range(50):
            x, z = place(p, rng.uniform(0.1, 0.95) * p.depth, rng.uniform(-0.9, 0.9))
            if vessel:
                rad = rng.uniform(1.5, 5)
                s = Shape(x, z, rad * rng.uniform(1, 4), rad, rng.uniform(0, np.pi), (), 0.4)
            else:
                s = Shape(x, z, rng.uniform(5, 8 + 0.12 * p.depth), rng.uniform(4, 6 + 0.08 * p.depth),
                          rng.uniform(0, np.pi), rand_harm(rng, 0.08, 3), rng.uniform(0.3, 0.8))
            xs, zs = boundary(s, 24, grow=2)
            if inside(p, xs, zs, 2).all() and far_from_mass(sc, xs, zs, 3) and \
                    all(shape_weight(g["shape"], xs - g["shape"].cx, zs - g["shape"].cz).max() == 0
                        for g in sc.gas):
                (sc.vessels if vessel else sc.fluids).append(s)
                break


def draw_arcs(rng, p, sc):
    for _ in range(int(rng.choice([0, 1, 1, 2]))):
        for _ in range(60):
            arc = random_arc(rng, p)
            xs, zs = arc_points(arc, 15)
            ok = inside(p, xs, zs, 1).sum() >= 8 and far_from_mass(sc, xs, zs, 4)
            ok = ok and all(np.hypot(xs - f.x, zs - f.z).min() > f.diam / 2 + 4 for f in sc.foci)
            if ok:
                sc.arcs.append(arc)
                break


def random_arc(rng, p):
    x, z = place(p, rng.uniform(0.15, 0.95) * p.depth, rng.uniform(-0.8, 0.8))
    th = (math.atan2(x, z) if p.kind == "curved" else 0.0) + rng.uniform(-0.45, 0.45)
    Rc = rng.uniform(15, 90)
    sgn = 1 if rng.random() < 0.75 else -1       # convex toward the probe mostly
    cxa, cza = x + sgn * Rc * math.sin(th), z + sgn * Rc * math.cos(th)
    phic = math.atan2(z - cza, x - cxa)
    span = rng.uniform(12, 60) / (2 * Rc)
    return dict(cx=cxa, cz=cza, R=Rc, phic=phic, span=min(span, 1.2), px=x, pz=z,
                thick=rng.uniform(0.5, 1.5), G=rng.uniform(8, 20), pw=rng.uniform(2, 8))


def arc_points(a, n, dx=0.0, dz=0.0):
    t = a["phic"] + np.linspace(-a["span"], a["span"], n)
    return a["cx"] + dx + a["R"] * np.cos(t), a["cz"] + dz + a["R"] * np.sin(t)


def draw_motion(rng, n):
    if n == 1:
        return [(0.0, 0.0)]
    amp, fq, ph = rng.uniform(0.25, 1.25, 2), rng.uniform(0.3, 1.0), rng.uniform(0, 2 * np.pi)
    t = np.arange(n) / (n - 1)
    s = np.sin(2 * np.pi * fq * t + ph) - np.sin(ph)
    return [(float(amp[0] * v), float(amp[1] * v)) for v in s]


def draw_global(rng, p, n_frames):
    knots = rng.uniform(-1, 1, 8) * rng.uniform(1, 5)
    return dict(per_cell=float(np.exp(rng.uniform(np.log(2.5), np.log(30)))),
                sfrac=rng.uniform(0.15, 0.6), tgc_comp=rng.uniform(0.7, 1.08),
                tgc_knots=knots.tolist(), snr=rng.uniform(3, 25), clutter=rng.uniform(0.02, 0.5),
                clutter_L=rng.uniform(2, 8), dr=rng.uniform(40, 70), gmid=rng.uniform(60, 120),
                gamma=rng.uniform(0.8, 1.25), floor=rng.uniform(0, 12), jitter=rng.uniform(0.02, 0.08),
                redraw=rng.uniform(0.03, 0.2), fps=rng.uniform(15, 40), n_frames=n_frames,
                smooth=rng.uniform(0, 0.8) if rng.random() < 0.4 else 0.0)


def draw_scene(rng, p, empty, n_frames):
    sc = Scene(draw_layers(rng, p), draw_organs(rng, p), draw_texture(rng, p))
    contrast = rng.uniform(12, 28)
    diams = [] if empty else focus_sizes(rng, int(rng.choice([1, 1, 2, 2, 3, 4])))
    sc.mass = draw_mass(rng, p, diams)
    sc.mass_echo = float(rng.choice([rng.uniform(0.15, 0.6), rng.uniform(0.8, 1.3), rng.uniform(1.6, 3.0)],
                                    p=[0.5, 0.2, 0.3]))
    sc.mass_att, sc.mass_het = rng.uniform(0.9, 1.5), rng.uniform(0.1, 0.6)
    sc.halo = rng.uniform(0.3, 0.7) if rng.random() < 0.3 else 0.0
    p.focal = (float(np.clip(polar(p, sc.mass.cx, sc.mass.cz)[0] + rng.normal(0, 0.1 * p.depth), 10, p.depth))
               if rng.random() < 0.6 else rng.uniform(0.2, 0.8) * p.depth)
    sc.foci, ivs = draw_foci(rng, p, sc.mass, diams, contrast, 0)
    sc.gas = draw_gas(rng, p, sc) if rng.random() < 0.35 else []
    for g in sc.gas:
        xs, zs = boundary(g["shape"], 24, grow=2)
        dg, bg = polar(p, xs, zs)
        ivs.append((float(dg.min()), float(bg.min()), float(bg.max())))
    draw_fluids(rng, p, sc)
    if not empty:
        draw_nonshadow(rng, p, sc, ivs, int(rng.choice([0, 0, 1, 1, 2, 3])), contrast)
    draw_arcs(rng, p, sc)
    sc.motion = draw_motion(rng, n_frames)
    for f in sc.foci:
        f.drift = tuple(rng.uniform(-0.4, 0.4, 2)) if n_frames > 1 else (0.0, 0.0)
    sc.gp = draw_global(rng, p, n_frames)
    sc.gp["contrast_db"] = contrast
    return sc


# --------------------------------------------------------------------------- maps
def focus_pos(sc, f, k):
    dx, dz = sc.motion[k]
    t = k / max(1, len(sc.motion) - 1)
    return f.x + dx + f.drift[0] * t, f.z + dz + f.drift[1] * t


def sample_tex(tex, key, X, Z):
    return ndimage.map_coordinates(tex[key], [Z - tex["z0"], X - tex["x0"]], order=1, mode="nearest")


def layer_echo(L, g):
    wav = L["wav"] * np.sin(2 * np.pi * g.X / L["per"] + L["ph"])
    t_fat = L["skin"] + L["fat"] + wav
    E = np.where(g.D < L["skin"], 1.8, np.where(g.D < t_fat, L["fat_echo"], 1.0)).astype(np.float32)
    return E + L["fascia"] * np.exp(-0.5 * ((g.D - t_fat) / 0.4) ** 2)


def build_echo(sc, p, g, dx, dz):
    E = layer_echo(sc.layers, g)
    deep = g.D >= sc.layers["skin"] + sc.layers["fat"] + 2
    for s, f in sc.organs:
        sl, w = patch(p, g, s, dx, dz)
        if sl is not None:
            E[sl] *= 1 + w * (f - 1) * deep[sl]
    E *= np.exp(sc.tex["amp"] * sample_tex(sc.tex, "n1", g.X - dx, g.Z - dz))
    A = np.ones_like(E)
    sl, w = patch(p, g, sc.mass, dx, dz)
    het = np.exp(sc.mass_het * sample_tex(sc.tex, "n2", g.X[sl] - dx, g.Z[sl] - dz))
    if sc.halo:
        ring = np.clip(1.5 - np.abs(w - 0.5) * 3, 0, 1) if sc.mass.edge > 1.5 else 0
        E[sl] *= 1 - sc.halo * ring
    E[sl] *= 1 + w * (sc.mass_echo * het - 1)
    A[sl] *= 1 + w * (sc.mass_att - 1)
    for s in sc.fluids + sc.vessels:
        sl, w = patch(p, g, s, dx, dz)
        if sl is None:
            continue
        E[sl] *= 1 - w * 0.985
        A[sl] *= 1 - 0.9 * w
        if s in sc.vessels:
            E[sl] += 1.5 * np.clip(1 - np.abs(w - 0.5) * 2.2, 0, 1)
    return E, A


def add_foci(sc, p, g, E, alpha, B, k):
    sfrac = sc.gp["sfrac"]
    for f in sc.foci:
        x, z = focus_pos(sc, f, k)
        s = f.shape
        sl, w = patch(p, g, Shape(x, z, s.a, s.b, s.rot, s.harm, max(s.edge, 0.6 * g.dd)))
        if sl is None:
            continue
        if f.local is None:
            f.local = float(np.median(E[sl][w > 0.5])) if (w > 0.5).any() else 1.0
        d = polar(p, x, z)[0]
        li = min(g.nr - 1, int(d / g.dd))
        peak = erf(f.diam / (2 * g.sig_ax)) * erf(f.diam / (2 * g.lat_sig[li]))  # disc * intensity PSF
        I = f.local * 10 ** (f.contrast_db / 10) / max(peak, 0.05)
        comp = 1.0
        if f.shadow:   # the focus' own attenuation dims its echo only partly (surface reflection)
            a_own = w * (f.shadow_db / f.diam)
            alpha[sl] += a_own
            keep = f.keep   # fraction of its own attenuation dimming the focus echo (1: front arc only)
            comp = 10 ** ((1 - keep) * (np.cumsum(a_own, 0) - 0.5 * a_own) * g.dd / 10)
            if f.eff_db is None:
                f.eff_db = effective_shadow(g, sl, a_own, li + int((f.diam / 2 + 3) / g.dd))
        E[sl] = E[sl] * (1 - w) + w * I * sfrac * comp
        B[sl] += w * I * (1 - sfrac) * comp


def effective_shadow(g, sl, a_own, row):
    """Shadow depth (dB) just behind a focus after lateral beam blurring of its transmission."""
    T = np.ones(g.nb)
    T[sl[1]] = 10 ** (-a_own.sum(0) * g.dd / 10)
    row = min(row, g.nr - 1)
    sig = g.lat_sig[row] / math.sqrt(2) / (g.cell_area[row] / (g.dd * g.db)) / g.db
    return float(-10 * np.log10(ndimage.gaussian_filter1d(T, max(sig, 0.3)).min()))


def add_arcs(sc, p, g, E, B, dx, dz):
    for a in sc.arcs:
        xs, zs = arc_points(a, 25, dx, dz)
        sl = slices_for(p, g, xs, zs, 2 * a["thick"] + 1)
        if sl is None:
            continue
        X, Z = g.X[sl], g.Z[sl]
        ux, uz = X - a["cx"] - dx, Z - a["cz"] - dz
        rho = np.hypot(ux, uz) + 1e-6
        dphi = np.angle(np.exp(1j * (np.arctan2(uz, ux) - a["phic"])))
        taper = np.clip((a["span"] - np.abs(dphi)) / (0.15 * a["span"]), 0, 1)
        w = np.exp(-0.5 * ((rho - a["R"]) / (a["thick"] / 2)) ** 2) * taper
        bx, bz = (X, Z) if p.kind == "curved" else (0 * X, 1 + 0 * Z)
        cosi = np.abs(ux * bx + uz * bz) / (rho * np.hypot(bx, bz))
        B[sl] += w * E[sl] * 10 ** (a["G"] / 10) * cosi ** a["pw"]


def add_gas(sc, p, g, E, alpha, B, dx, dz):
    out = []
    for gas in sc.gas:
        sl, w = patch(p, g, gas["shape"], dx, dz)
        if sl is None:
            continue
        if "local" not in gas:
            gas["local"] = float(np.median(E[sl]))
        B[sl] += w * gas["local"] * 10 ** (gas["G"] / 10)
        alpha[sl] += w * 25.0
        out.append((gas, sl, w))
    return out


def build_maps(sc, p, g, k):
    dx, dz = sc.motion[k]
    E, afac = build_echo(sc, p, g, dx, dz)
    alpha = (2 * p.att * p.f0 / 10) * afac          # dB/mm round trip
    B = np.zeros_like(E)
    add_foci(sc, p, g, E, alpha, B, k)
    add_arcs(sc, p, g, E, B, dx, dz)
    gas = add_gas(sc, p, g, E, alpha, B, dx, dz)
    return E, alpha, B, gas


# --------------------------------------------------------------------------- acoustics
def init_scatterers(rng, p, g, sc):
    """Uniform scatterers; density = per_cell scatterers per resolution cell (FWHM_ax x FWHM_lat at focus)."""
    xh, zt, zb = extents(p)
    x0, x1, z0, z1 = -xh - 4, xh + 4, max(zt - 4, 0), zb + 4
    res_cell = (2.355 * g.sig_ax) * (2.355 * g.lat_sig.min())
    n = int(min(sc.gp["per_cell"] / res_cell * (x1 - x0) * (z1 - z0), 1_500_000))
    sc.gp["density"] = n / ((x1 - x0) * (z1 - z0))
    sc.scat = dict(x=rng.uniform(x0, x1, n).astype(np.float32), z=rng.uniform(z0, z1, n).astype(np.float32),
                   a=rng.standard_normal(n).astype(np.float32), box=(x0, x1, z0, z1))


def scatter_field(rng, p, g, sc, E, k):
    s, gp = sc.scat, sc.gp
    if k > 0:
        m = rng.random(len(s["x"])) < gp["redraw"]
        x0, x1, z0, z1 = s["box"]
        s["x"][m] = rng.uniform(x0, x1, m.sum())
        s["z"][m] = rng.uniform(z0, z1, m.sum())
    dx, dz = sc.motion[k]
    jit = gp["jitter"] if k > 0 else 0.0
    x = s["x"] + dx + jit * rng.standard_normal(len(s["x"])).astype(np.float32)
    z = s["z"] + dz + jit * rng.standard_normal(len(s["z"])).astype(np.float32)
    d, b = polar(p, x, z)
    i = np.rint(d / g.dd).astype(np.int64)
    j = np.rint((b + p.half) / g.db).astype(np.int64)
    ok = (i >= 0) & (i < g.nr) & (j >= 0) & (j < g.nb)
    i, j, d, a = i[ok], j[ok], d[ok], s["a"][ok]
    flat = i * g.nb + j
    lam_cell = gp["density"] * g.cell_area[i]
    amp = a * np.sqrt(E.ravel()[flat] / lam_cell)
    ph = (-4 * np.pi * p.f0 / C_MM_PER_US) * d
    n = g.nr * g.nb
    re = np.bincount(flat, amp * np.cos(ph), n)
    im = np.bincount(flat, amp * np.sin(ph), n)
    return (re + 1j * im).reshape(g.nr, g.nb).astype(np.complex64)


def cnoise(rng, shape):
    return ((rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / math.sqrt(2)).astype(np.complex64)


def gas_reverb(rng, p, g, gas, sl, w):
    m = w > 0.4
    cov = m.any(0)
    if not cov.any():
        return None
    j = np.nonzero(cov)[0]
    rf = sl[0].start + np.argmax(m, 0)[j]
    cols = sl[1].start + j
    R = np.arange(g.nr)[:, None] * g.dd
    df = rf[None, :] * g.dd
    rel = R - df
    env = np.where(rel > 1.0, np.exp(-rel / gas["L"]) * (0.45 + 0.55 * np.cos(np.pi * rel / gas["per"]) ** 2), 0)
    for mlt in (2, 3):
        env += 0.6 ** mlt * np.exp(-0.5 * ((R - mlt * df) / 0.7) ** 2)
    if gas["ring"]:
        cx = polar(p, gas["shape"].cx, gas["shape"].cz)[1]
        bw = gas["ring_w"] / 2 / lat_scale(p, df[0])
        ring = np.abs(-p.half + cols * g.db - cx)[None, :] < bw
        env += ring * (rel > 0) * 10 ** (gas["ring_db"] / 10) * np.exp(-rel / gas["ring_L"]) * \
            (0.5 + 0.5 * np.cos(2 * np.pi * rel / gas["ring_per"]))
    env *= 10 ** (-(2 * p.att * p.f0 / 10) * R / 10)     # decays like tissue echoes (TGC-matched)
    amp = np.sqrt(gas["local"] * 10 ** (gas["level"] / 10) * env)
    Zr = np.zeros((g.nr, g.nb), np.complex64)
    Zr[:, cols] = amp * cnoise(rng, amp.shape)
    return Zr


def tgc_gain(p, g, gp):
    base = 2 * p.att * p.f0 / 10 * g.d
    wig = np.interp(g.d, np.linspace(0, p.depth, len(gp["tgc_knots"])), gp["tgc_knots"])
    return (10 ** ((gp["tgc_comp"] * base + wig) / 10)).astype(np.float32)


def render_beam(rng, p, g, sc, k):
    """One frame in beam space -> float grey levels 0..255."""
    gp = sc.gp
    E, alpha, B, gases = build_maps(sc, p, g, k)
    Z = scatter_field(rng, p, g, sc, E, k)
    att = (np.cumsum(alpha, axis=0) - 0.5 * alpha) * g.dd
    Z *= (10 ** (-att / 20)).astype(np.float32)
    B *= (10 ** (-att / 10)).astype(np.float32)
    for gas, sl, w in gases:
        Zr = gas_reverb(rng, p, g, gas, sl, w)
        if Zr is not None:
            Z += Zr
    total = 2 * p.att * p.f0 / 10 * p.depth
    n0 = 10 ** (-(total + gp["snr"]) / 10)
    clutter = gp["clutter"] * np.exp(-g.d / gp["clutter_L"]) * 10 ** (-2 * p.att * p.f0 / 10 * g.d / 10)
    Z += cnoise(rng, Z.shape) * np.sqrt(n0 + clutter).astype(np.float32)[:, None]
    gain = tgc_gain(p, g, gp)[:, None]      # smooth in depth: applied before the (local) PSF
    I = np.abs(psf(Z * np.sqrt(gain), g)) ** 2
    if B.any():
        I += np.clip(psf(B * gain, g, intensity=True), 0, None)
    return log_compress(I, gp)


def log_compress(I, gp):
    L = 10 * np.log10(I + 1e-30)
    if "ref" not in gp:
        gp["ref"] = float(np.percentile(L[::3, ::3], 60))
    grey = np.clip(gp["gmid"] + 255 * (L - gp["ref"]) / gp["dr"], 0, 255) / 255
    return (gp["floor"] + (255 - gp["floor"]) * grey ** gp["gamma"]).astype(np.float32)


# --------------------------------------------------------------------------- scan conversion
def scan_coords(p, fr, g):
    x0, y0, x1, y1 = fr.bbox
    cols, rows = np.arange(x0, x1 + 1), np.arange(y0, y1 + 1)
    Xp, Zp = np.meshgrid((cols - fr.cx) * fr.px, fr.z_top + (rows - fr.top) * fr.px)
    d, b = polar(p, Xp, Zp)
    mask = (d >= 0) & (d <= p.depth) & (np.abs(b) <= p.half)
    coords = np.stack([d[mask] / g.dd, (b[mask] + p.half) / g.db]).astype(np.float32)
    full = np.zeros((fr.H, fr.W), bool)
    full[y0:y1 + 1, x0:x1 + 1] = mask
    return coords, full


def scan_convert(beam, coords, full, smooth):
    out = np.zeros(full.shape, np.float32)
    out[full] = ndimage.map_coordinates(beam, coords, order=1, mode="nearest")
    if smooth > 0:
        out = np.where(full, ndimage.gaussian_filter(out, smooth), 0)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- overlays
def font(size):
    return ImageFont.load_default(size=int(size))


class Overlay:
    """RGBA layer of burned-in graphics + the matching distractor records."""

    def __init__(self, fr, mask, colour, rng):
        self.fr, self.mask, self.colour, self.rng = fr, mask, colour, rng
        self.img = Image.new("RGBA", (fr.W, fr.H), (0, 0, 0, 0))
        self.draw = ImageDraw.Draw(self.img)
        self.items, self.used = [], []

    def col(self, name):
        if not self.colour:
            v = int(self.rng.integers(190, 256))
            return (v, v, v, 255)
        return {"yellow": (255, 230, 0, 255), "white": (235, 235, 235, 255), "cyan": (0, 220, 235, 255),
                "green": (60, 230, 60, 255), "orange": (255, 150, 0, 255)}[name]

    def record(self, kind, bbox, detail=None):
        x0, y0, x1, y1 = [float(v) for v in bbox]
        it = {"kind": kind, "x": round((x0 + x1) / 2, 1), "y": round((y0 + y1) / 2, 1),
              "bbox": [round(x0), round(y0), round(x1), round(y1)]}
        if detail:
            it["detail"] = detail
        self.items.append(it)
        self.used.append((x0, y0, x1, y1))

    def free(self, bbox, pad=2):
        x0, y0, x1, y1 = [int(v) for v in bbox]
        if x0 < 0 or y0 < 0 or x1 >= self.fr.W or y1 >= self.fr.H:
            return False
        if any(x0 - pad < u1 and u0 < x1 + pad and y0 - pad < v1 and v0 < y1 + pad for u0, v0, u1, v1 in self.used):
            return False
        return not self.mask[max(0, y0 - pad):y1 + pad, max(0, x0 - pad):x1 + pad].any()

    def text(self, xy, s, size, fill, detail, anchor="la", need_free=True):
        bb = self.draw.multiline_textbbox(xy, s, font=font(size), anchor=anchor)
        if need_free and not self.free(bb):
            return False
        self.draw.multiline_text(xy, s, font=font(size), fill=fill, anchor=anchor)
        self.record("text", bb, detail)
        return True


def header_text(ov, rng, p, gp):
    fr, size = ov.fr, int(rng.integers(11, 17))
    date = "2024-%02d-%02d %02d:%02d" % (rng.integers(1, 13), rng.integers(1, 29), rng.integers(0, 24), rng.integers(0, 60))
    left = "\n".join(["SIM GENERAL HOSPITAL", "ABDOMEN", date])
    probe = "C5-2" if p.kind == "curved" else "L12-5"
    right = "\n".join([probe, "Fr %d Hz" % gp["fps"], "D %.1f cm" % (p.depth / 10), "G %d" % gp["gmid"],
                       "DR %d" % gp["dr"], "MI 1.%d TIS 0.%d" % tuple(rng.integers(0, 10, 2))])
    for s, xy, anc in ((left, (6, 4), "la"), (right, (fr.W - 6, 4), "ra")):
        for sz in (size, 10):
            if ov.text(xy, s, sz, ov.col("white"), "header", anc):
                break


def depth_scale(ov, rng, p, fr):
    step, lab = (10, 50) if p.depth > 80 else (5, 10)
    right = fr.bbox[2] + 40 < fr.W or fr.bbox[0] < 40
    x = min(fr.bbox[2] + 10, fr.W - 30) if right else max(fr.bbox[0] - 10, 30)
    sg, c = (-1 if right else 1), ov.col("white")
    rows = []
    for dmm in np.arange(0, p.depth + 1e-6, step):
        y = fr.top + ((p.r0 if p.kind == "curved" else 0) + dmm - fr.z_top) / fr.px
        ov.draw.line([(x + sg * (6 if dmm % lab == 0 else 3), y), (x, y)], fill=c, width=1)
        if dmm % lab == 0 and dmm > 0:
            ov.draw.text((x - 3 * sg, y), "%d" % (dmm / 10), font=font(11), fill=c, anchor="lm" if right else "rm")
        rows.append(y)
    ov.record("text", (x - 14 * (not right) - 6 * right, rows[0], x + 14 * right + 6 * (not right), rows[-1]),
              "depth_scale")
    yf = fr.top + ((p.r0 if p.kind == "curved" else 0) + p.focal - fr.z_top) / fr.px
    xf = x + 10 * sg
    ov.draw.polygon([(xf, yf), (xf - 6 * sg, yf - 4), (xf - 6 * sg, yf + 4)], fill=ov.col("yellow"))
    ov.record("text", (min(xf, xf - 6 * sg), yf - 4, max(xf, xf - 6 * sg), yf + 4), "focal_marker")


def bars(ov, rng):
    fr = ov.fr
    h = int(rng.integers(90, 180))
    y0 = int(fr.H / 2 - h / 2)
    bb = (8, y0, 18, y0 + h)
    if not ov.free(bb):
        return
    for i in range(h):
        v = int(255 * (1 - i / (h - 1)))
        ov.draw.line([(8, y0 + i), (18, y0 + i)], fill=(v, v, v, 255))
    ov.record("text", bb, "grey_bar")
    if ov.colour and ov.free((24, y0, 34, y0 + h // 2)):
        for i in range(h // 2):
            t = i / (h // 2 - 1)
            c = (int(255 * (1 - t)), int(200 * (1 - abs(2 * t - 1))), int(255 * t), 255)
            ov.draw.line([(24, y0 + i), (34, y0 + i)], fill=c)
        ov.record("text", (24, y0, 34, y0 + h // 2), "colour_bar")


def caliper(ov, x, y, size, style, c):
    if style == "+":
        ov.draw.line([(x - size, y), (x + size, y)], fill=c, width=1)
        ov.draw.line([(x, y - size), (x, y + size)], fill=c, width=1)
    else:
        ov.draw.line([(x - size, y - size), (x + size, y + size)], fill=c, width=1)
        ov.draw.line([(x - size, y + size), (x + size, y - size)], fill=c, width=1)
    ov.record("caliper", (x - size, y - size, x + size, y + size))


def calipers(ov, rng, p, sc, foci_px):
    fr = ov.fr
    c = ov.col("yellow" if rng.random() < 0.7 else "white")
    size, style = int(rng.integers(4, 9)), "+" if rng.random() < 0.8 else "x"
    m, pairs = sc.mass, []
    for k in range(int(rng.choice([1, 1, 2]))):
        t = rng.uniform(0, np.pi) + k * np.pi / 2
        xs, zs = boundary(Shape(m.cx, m.cz, m.a, m.b, m.rot, m.harm), 72)
        ang = np.arctan2(zs - m.cz, xs - m.cx)
        i1, i2 = [int(np.argmin(np.abs(np.angle(np.exp(1j * (ang - a)))))) for a in (t, t + np.pi)]
        pts = [to_pixel(fr, xs[i], zs[i]) for i in (i1, i2)]
        for x, y in pts:
            caliper(ov, float(x), float(y), size, style, c)
        if rng.random() < 0.5:
            n = 12
            for s in np.linspace(0.08, 0.92, n):
                qx, qy = pts[0][0] + s * (pts[1][0] - pts[0][0]), pts[0][1] + s * (pts[1][1] - pts[0][1])
                ov.draw.point((float(qx), float(qy)), fill=c)
        pairs.append(math.hypot(xs[i1] - xs[i2], zs[i1] - zs[i2]))
    if foci_px and rng.random() < 0.3:
        fx, fy, rp = foci_px[int(rng.integers(len(foci_px)))]
        a, dist = rng.uniform(0, 2 * np.pi), rp + rng.uniform(6, 15)
        caliper(ov, float(fx + dist * math.cos(a)), float(fy + dist * math.sin(a)), size, style, c)
    s = "\n".join("D%d %.2f cm" % (i + 1, v / 10) for i, v in enumerate(pairs))
    for xy, anc in (((8, fr.H - 8), "ld"), ((fr.W - 8, fr.H - 8), "rd")):
        if ov.text(xy, s, 13, c, "measurement", anc):
            break


def annotation(ov, rng, foci_px):
    words = ["LIVER", "RT KIDNEY", "LT KIDNEY", "SAG", "TRANS", "RUQ", "MASS", "GB", "SPLEEN", "LONG"]
    ys, xs = np.nonzero(ov.mask)
    for _ in range(30):
        i = int(rng.integers(len(xs)))
        x, y = int(xs[i]), int(ys[i])
        if all(math.hypot(x - fx, y - fy) > 45 + r for fx, fy, r in foci_px):
            ov.text((x, y), str(rng.choice(words)), int(rng.integers(12, 18)), ov.col("white"),
                    "annotation", "mm", need_free=False)
            return


def orientation_marker(ov, fr, p):
    x, y = fr.bbox[0] + 4, fr.top - 4 if fr.top > 16 else fr.top + 4
    if p.kind == "curved":
        x = fr.cx - p.r0 * math.sin(p.half) / fr.px - 12
    ov.draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=ov.col("orange"))
    ov.record("text", (x - 4, y - 4, x + 4, y + 4), "orientation_marker")


def build_overlay(rng, p, fr, sc, mask, colour, foci_px):
    ov = Overlay(fr, mask, colour, rng)
    depth_scale(ov, rng, p, fr)
    header_text(ov, rng, p, sc.gp)
    if rng.random() < 0.6:
        bars(ov, rng)
    if rng.random() < 0.55:
        calipers(ov, rng, p, sc, foci_px)
    if rng.random() < 0.35:
        annotation(ov, rng, foci_px)
    if colour and rng.random() < 0.7:
        orientation_marker(ov, fr, p)
    return ov


def compose(grey, ov, mono):
    base = Image.fromarray(grey, "L").convert("RGBA")
    img = Image.alpha_composite(base, ov.img).convert("RGB")
    return np.asarray(img.convert("L") if mono else img)


# --------------------------------------------------------------------------- truth
def frame_truth(sc, p, fr, k, mask):
    foci, dis = [], []
    for f in sc.foci:
        x, z = focus_pos(sc, f, k)
        col, row = to_pixel(fr, x, z)
        if not mask[int(round(float(row))), int(round(float(col)))]:
            continue
        d, b = polar(p, x, z)
        ux, uz = (math.sin(b), math.cos(b)) if p.kind == "curved" else (0.0, 1.0)
        fc, frow = to_pixel(fr, x - ux * f.diam / 2, z - uz * f.diam / 2)
        rec = {"frame": k + 1, "id": f.fid, "x": round(float(col), 1), "y": round(float(row), 1),
               "diameter_mm": round(f.diam, 2), "diameter_px": round(f.diam / fr.px, 1), "shadow": f.shadow,
               "shadow_db": round(f.shadow_db, 1), "shadow_effective_db": round(f.eff_db or 0.0, 1),
               "contrast_db": round(f.contrast_db, 1),
               "front_x": round(float(fc), 1), "front_y": round(float(frow), 1)}
        foci.append(rec)
        if not f.shadow:
            dis.append({"frame": k + 1, "kind": "nonshadow", "x": rec["x"], "y": rec["y"],
                        "diameter_mm": rec["diameter_mm"]})
    return foci, dis + tissue_distractors(sc, p, fr, k)


def tissue_distractors(sc, p, fr, k):
    dis, (dx, dz) = [], sc.motion[k]
    for gas in sc.gas:
        s = gas["shape"]
        d, b = polar(p, s.cx + dx, s.cz + dz)
        x, z = cart(p, d - s.b, b)
        col, row = to_pixel(fr, x, z)
        dis.append({"frame": k + 1, "kind": "gas", "x": round(float(col), 1), "y": round(float(row), 1),
                    "detail": "ring-down" if gas["ring"] else "dirty shadow"})
    for a in sc.arcs:
        xs, zs = arc_points(a, 7, dx, dz)
        cols, rows = to_pixel(fr, xs, zs)
        col, row = to_pixel(fr, a["px"] + dx, a["pz"] + dz)
        dis.append({"frame": k + 1, "kind": "specular", "x": round(float(col), 1), "y": round(float(row), 1),
                    "points": [[round(float(c), 1), round(float(r), 1)] for c, r in zip(cols, rows)]})
    return dis


# --------------------------------------------------------------------------- DICOM
def uid(seed, idx, what):
    return generate_uid(prefix=UID_ROOT, entropy_srcs=["simulate_bmode", str(seed), str(idx), what])


def region_item(p, fr):
    r = Dataset()
    x0, y0, x1, y1 = fr.bbox
    r.RegionSpatialFormat, r.RegionDataType, r.RegionFlags = 1, 1, 0
    r.RegionLocationMinX0, r.RegionLocationMinY0 = x0, y0
    r.RegionLocationMaxX1, r.RegionLocationMaxY1 = x1, y1
    r.PhysicalUnitsXDirection, r.PhysicalUnitsYDirection = 3, 3
    r.PhysicalDeltaX, r.PhysicalDeltaY = fr.px / 10, fr.px / 10
    skin_row = fr.top + ((p.r0 if p.kind == "curved" else 0) - fr.z_top) / fr.px
    r.ReferencePixelX0, r.ReferencePixelY0 = int(round(fr.cx - x0)), int(round(skin_row - y0))
    r.ReferencePixelPhysicalValueX, r.ReferencePixelPhysicalValueY = 0.0, 0.0
    r.TransducerFrequency = int(p.f0 * 1000)
    return r


def make_dataset(seed, idx, kind, p, fr, rng, n_frames, gp):
    sop_class = US_MULTIFRAME if kind == "cine" else US_IMAGE
    fm = FileMetaDataset()
    fm.MediaStorageSOPClassUID, fm.MediaStorageSOPInstanceUID = sop_class, uid(seed, idx, "sop")
    fm.TransferSyntaxUID = JPEGBaseline8Bit if kind == "jpeg" else ExplicitVRLittleEndian
    fm.ImplementationClassUID = UID_ROOT + "1"
    ds = Dataset()
    ds.file_meta = fm
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, fm.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = uid(seed, idx, "study"), uid(seed, idx, "series")
    ds.Modality, ds.BodyPartExamined, ds.Manufacturer = "US", "ABDOMEN", "SIMULATED"
    ds.ManufacturerModelName = "simulate_bmode"
    ds.PatientName, ds.PatientID = "SIM^%04d" % (idx + 1), "SIM%05d%04d" % (seed % 100000, idx + 1)
    ds.PatientAge, ds.PatientSex = "%03dY" % rng.integers(1, 86), str(rng.choice(["M", "F"]))
    ds.PatientBirthDate, ds.ReferringPhysicianName, ds.AccessionNumber = "", "", ""
    ds.StudyDate, ds.StudyTime, ds.StudyID = "20240101", "120000", str(idx + 1)
    ds.SeriesNumber, ds.InstanceNumber = 1, 1
    ds.ImageType = ["ORIGINAL", "PRIMARY", "ABDOMINAL"]
    ds.Rows, ds.Columns = fr.H, fr.W
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.SequenceOfUltrasoundRegions = Sequence([region_item(p, fr)])
    ds.ImageComments = "synthetic image from simulate_bmode (not a patient)"
    if kind == "cine":
        ds.NumberOfFrames = n_frames
        ds.FrameTime = "%.2f" % (1000 / gp["fps"])
        ds.CineRate = int(round(gp["fps"]))
        ds.FrameIncrementPointer = Tag(0x0018, 0x1063)
    return ds


def set_pixels(ds, frames, kind, rng):
    colour = kind in ("rgb", "jpeg")
    ds.SamplesPerPixel = 3 if colour else 1
    if colour:
        ds.PlanarConfiguration = 0
    if kind == "jpeg":
        buf = io.BytesIO()
        q = int(rng.integers(70, 96))
        Image.fromarray(frames[0], "RGB").save(buf, "JPEG", quality=q, subsampling=1)
        data = buf.getvalue()
        ds.PhotometricInterpretation = "YBR_FULL_422"
        ds.PixelData = encapsulate([data])
        ds["PixelData"].VR = "OB"
        ds.LossyImageCompression, ds.LossyImageCompressionMethod = "01", "ISO_10918_1"
        ds.LossyImageCompressionRatio = "%.2f" % (frames[0].nbytes / len(data))
    else:
        ds.PhotometricInterpretation = "RGB" if colour else "MONOCHROME2"
        ds.PixelData = np.ascontiguousarray(np.stack(frames) if len(frames) > 1 else frames[0]).tobytes()


# --------------------------------------------------------------------------- driver
def generate_one(job):
    out, seed, idx, kind, empty, png = job
    rng = np.random.default_rng([seed, idx])
    n_frames = int(rng.integers(5, 13)) if kind == "cine" else 1
    p = draw_probe(rng)
    fr = draw_frame(rng, p)
    sc = draw_scene(rng, p, empty, n_frames)
    g = make_grid(p, fr)
    coords, mask = scan_coords(p, fr, g)
    init_scatterers(rng, p, g, sc)
    frames_grey, foci, dis = [], [], []
    for k in range(n_frames):
        frames_grey.append(scan_convert(render_beam(rng, p, g, sc, k), coords, mask, sc.gp["smooth"]))
        fk, dk = frame_truth(sc, p, fr, k, mask)
        foci += fk
        dis += dk
    foci_px = [(f["x"], f["y"], f["diameter_px"] / 2) for f in foci if f["frame"] == 1]
    ov = build_overlay(rng, p, fr, sc, mask, kind in ("rgb", "jpeg"), foci_px)
    for k in range(n_frames):
        dis += [dict(it, frame=k + 1) for it in ov.items]
    frames = [compose(fg, ov, kind in ("mono", "cine")) for fg in frames_grey]
    ds = make_dataset(seed, idx, kind, p, fr, rng, n_frames, sc.gp)
    set_pixels(ds, frames, kind, rng)
    name = "img%04d.dcm" % (idx + 1)
    ds.save_as(os.path.join(out, name), enforce_file_format=True)
    if png:
        Image.fromarray(frames[0]).save(os.path.join(out, name.replace(".dcm", ".png")))
    return image_record(name, ds, kind, n_frames, p, fr, sc, foci, dis)


def image_record(name, ds, kind, n_frames, p, fr, sc, foci, dis):
    gp = sc.gp
    params = {"depth_mm": round(p.depth, 1), "f0_mhz": round(p.f0, 2), "focal_depth_mm": round(p.focal, 1),
              "lateral_fwhm_mm": round(p.lat_fwhm, 2), "dynamic_range_db": round(gp["dr"], 1),
              "tgc_compensation": round(gp["tgc_comp"], 2), "scatterer_density_per_mm2": round(gp["density"], 2),
              "scatterers_per_resolution_cell": round(gp["per_cell"], 1),
              "contrast_db": round(gp["contrast_db"], 1), "gain_mid_grey": round(gp["gmid"], 1),
              "sector_angle_deg": round(math.degrees(2 * p.half), 1) if p.kind == "curved" else None,
              "probe_radius_mm": round(p.r0, 1) if p.kind == "curved" else None}
    return {"file": name, "sop_instance_uid": str(ds.SOPInstanceUID), "kind": kind, "frames": n_frames,
            "mm_per_pixel": round(fr.px, 5), "rows": fr.H, "columns": fr.W, "probe": p.kind,
            "sector_bbox": list(fr.bbox), "params": params, "foci": foci, "distractors": dis}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--png", action="store_true", help="also write a PNG of frame 1 next to each file")
    a = ap.parse_args(argv)
    kinds = [k.strip() for k in a.kinds.split(",") if k.strip()]
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        ap.error("unknown kinds: %s" % bad)
    os.makedirs(a.out, exist_ok=True)
    perm = np.random.default_rng(a.seed).permutation(a.count)
    empty = set(perm[: int(round(0.2 * a.count))].tolist())
    jobs = [(a.out, a.seed, i, kinds[i % len(kinds)], i in empty, a.png) for i in range(a.count)]
    t0 = time.time()
    if a.jobs > 1:
        with Pool(a.jobs) as pool:
            recs = pool.map(generate_one, jobs, chunksize=1)
    else:
        recs = [generate_one(j) for j in jobs]
    with open(os.path.join(a.out, "truth.json"), "w") as f:
        json.dump({"generator": "simulate_bmode", "seed": a.seed, "images": recs}, f, indent=1)
    print("wrote %d images to %s in %.1f s" % (len(recs), a.out, time.time() - t0))


if __name__ == "__main__":
    main()
