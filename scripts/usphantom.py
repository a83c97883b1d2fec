"""Synthetic B-mode ultrasound frames and the DICOM objects that carry them.

Used by ``make_samples.py`` to make the bundled sample studies. Everything is
generated from a seed: the same call gives the same pixels and UIDs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk
from PIL import Image, ImageDraw, ImageFont
from pydicom import Dataset
from pydicom.dataset import FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (ExplicitVRLittleEndian, JPEGBaseline8Bit, PYDICOM_IMPLEMENTATION_UID,
                         generate_uid)

US_IMAGE = "1.2.840.10008.5.1.4.1.1.6.1"
US_MULTIFRAME = "1.2.840.10008.5.1.4.1.1.3.1"


@dataclass(frozen=True)
class Sector:
    """Probe geometry in pixels: apex (column, row), half angle, depth range.

    A curved or sector probe has a finite apex and beams fanning out from it; a
    linear probe (``linear_width`` set) has parallel vertical beams.
    """

    apex_x: float
    apex_y: float
    half_angle_deg: float
    r_min: float
    r_max: float
    mm_per_pixel: float
    linear_width: float | None = None


@dataclass(frozen=True)
class Focus:
    """A calcific focus; ``shadow`` is how much of the beam it stops (0 to 1)."""

    x: float
    y: float
    diameter_mm: float
    shadow: float = 0.9


@dataclass(frozen=True)
class Mimic:
    """Something bright that is not calcification.

    kind: ``gas`` (bright, dirty shadow with reverberation bands), ``specular``
    (long thin bright line), ``vessel`` (anechoic lumen between bright walls).
    """

    kind: str
    x: float
    y: float
    size_mm: float
    angle_deg: float = 0.0


@dataclass(frozen=True)
class Scene:
    shape: tuple[int, int]
    sector: Sector
    mass_center: tuple[float, float]
    mass_radius: float
    mass_echo: float = 0.6
    foci: tuple[Focus, ...] = ()
    mimics: tuple[Mimic, ...] = ()
    speckle_px: float = 1.2         # speckle grain size (PSF sigma), pixels
    dynamic_range_db: float = 55.0
    gain_db: float = 0.0
    tgc_error_db: float = 0.0       # uncorrected attenuation left over, dB at full depth


def beam_coordinates(scene: Scene, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(depth along the beam, lateral position across beams) of image points, pixels."""
    s = scene.sector
    if s.linear_width is not None:
        return rows - s.apex_y, cols - s.apex_x
    dx, dy = cols - s.apex_x, rows - s.apex_y
    return np.hypot(dx, dy), np.degrees(np.arctan2(dx, dy))


def _image_coordinates(scene: Scene, depth: np.ndarray, lateral: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = scene.sector
    if s.linear_width is not None:
        return s.apex_x + lateral, s.apex_y + depth
    theta = np.radians(lateral)
    return s.apex_x + depth * np.sin(theta), s.apex_y + depth * np.cos(theta)


def _beam_grid(scene: Scene) -> tuple[np.ndarray, np.ndarray]:
    s = scene.sector
    n_depth = int(s.r_max - s.r_min) + 1
    if s.linear_width is not None:
        lateral = np.linspace(-s.linear_width / 2, s.linear_width / 2, int(s.linear_width) + 1)
    else:
        arc = np.radians(2 * s.half_angle_deg) * s.r_max
        lateral = np.linspace(-s.half_angle_deg, s.half_angle_deg, int(arc) + 1)
    depth = np.linspace(s.r_min, s.r_max, n_depth)
    return np.meshgrid(depth, lateral, indexing="ij")


def _disk(x, y, cx, cy, radius):
    return np.hypot(x - cx, y - cy) <= radius


def _segment_distance(x, y, cx, cy, half_length, angle_deg):
    """Distance from points to a segment centred at (cx, cy)."""
    ux, uy = np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))
    along = np.clip((x - cx) * ux + (y - cy) * uy, -half_length, half_length)
    return np.hypot(x - (cx + along * ux), y - (cy + along * uy))


def _blur(field: np.ndarray, sigma: float) -> np.ndarray:
    image = sitk.SmoothingRecursiveGaussian(sitk.GetImageFromArray(field.astype(np.float32)), float(sigma))
    return sitk.GetArrayFromImage(image)


def _correlated_speckle(shape, sigma_depth, sigma_lateral, rng) -> np.ndarray:
    """Rayleigh speckle: magnitude of complex Gaussian noise blurred by the PSF."""
    def blur(field):
        image = sitk.GetImageFromArray(field.astype(np.float32))
        image = sitk.SmoothingRecursiveGaussian(image, [float(sigma_lateral), float(sigma_depth)])
        return sitk.GetArrayFromImage(image)
    real, imag = blur(rng.standard_normal(shape)), blur(rng.standard_normal(shape))
    magnitude = np.hypot(real, imag)
    return magnitude / magnitude.mean()


def _scene_in_beams(scene: Scene, depth, lateral, rng):
    """Echogenicity and per-sample attenuation on the beam grid, plus reverberation."""
    x, y = _image_coordinates(scene, depth, lateral)
    mm = scene.sector.mm_per_pixel
    echo = 1.0 + 0.15 * _correlated_speckle(depth.shape, 25, 25, rng)
    speckle_weight = np.ones_like(depth)
    mass = _disk(x, y, *scene.mass_center, scene.mass_radius)
    echo[mass] *= scene.mass_echo
    attenuation = np.zeros_like(depth)
    reverberation = np.zeros_like(depth)
    for focus in scene.foci:
        inside = _disk(x, y, focus.x, focus.y, focus.diameter_mm / mm / 2)
        echo[inside] = 40.0
        speckle_weight[inside] = 0.25
        # Stop the beam within the focus: a clean shadow behind it, along the beam.
        attenuation[inside] += -np.log(1 - min(focus.shadow, 0.999)) / max(inside.sum(axis=0).max(), 1)
    for mimic in scene.mimics:
        size = mimic.size_mm / mm
        if mimic.kind == "specular":
            line = _segment_distance(x, y, mimic.x, mimic.y, size / 2, mimic.angle_deg) < 0.7
            echo[line] = 25.0
        elif mimic.kind == "vessel":
            centre = _segment_distance(x, y, mimic.x, mimic.y, size * 2, mimic.angle_deg)
            echo[centre < size / 2] = 0.03
            echo[np.abs(centre - size / 2) < 0.8] = 12.0
        elif mimic.kind == "gas":
            blob = _disk(x, y, mimic.x, mimic.y, size / 2)
            echo[blob] = 60.0
            attenuation[blob] += 3.0 / max(blob.sum(axis=0).max(), 1)
            gas_depth = np.where(blob.any(axis=0), np.argmax(blob, axis=0), -1)
            spacing = max(int(1.5 / mm), 3)
            for column in np.nonzero(gas_depth >= 0)[0]:
                start = gas_depth[column] + int(size)
                for k, row in enumerate(range(start, depth.shape[0], spacing)):
                    reverberation[row:row + 2, column] = 4.0 * 0.85 ** k
    return echo, attenuation, reverberation, speckle_weight


def bmode_frame(scene: Scene, seed: int) -> np.ndarray:
    """One 8-bit B-mode frame of ``scene``: simulated along the beams, then scan converted."""
    rng = np.random.default_rng(seed)
    depth, lateral = _beam_grid(scene)
    echo, attenuation, reverberation, speckle_weight = _scene_in_beams(scene, depth, lateral, rng)
    transmission = np.exp(-np.cumsum(attenuation, axis=0))
    transmission = np.vstack([np.ones((1, depth.shape[1])), transmission[:-1]])
    psf = scene.speckle_px
    speckle = 1 + speckle_weight * (_correlated_speckle(depth.shape, psf, psf * 1.8, rng) - 1)
    tgc = 10 ** (-scene.tgc_error_db * (depth - depth.min()) / np.ptp(depth) / 20)
    # Objects' edges are blurred by the system's resolution (the speckle already is).
    # Ring-down from gas is a multiple reflection: it shows behind the gas, not attenuated by it.
    structure = np.clip(_blur(echo * transmission + reverberation, psf * 0.6), 0, None)
    envelope = structure * speckle * tgc + 0.02 * rng.rayleigh(1, depth.shape)
    db = 20 * np.log10(envelope + 1e-6) + scene.gain_db
    beams = np.clip((db + scene.dynamic_range_db * 0.4) / scene.dynamic_range_db * 255, 0, 255)
    return _scan_convert(scene, beams, depth, lateral)


def _scan_convert(scene: Scene, beams, depth, lateral) -> np.ndarray:
    rows, cols = np.mgrid[0:scene.shape[0], 0:scene.shape[1]]
    d, l = beam_coordinates(scene, rows.astype(float), cols.astype(float))
    d_step = depth[1, 0] - depth[0, 0]
    l_step = lateral[0, 1] - lateral[0, 0]
    i = np.round((d - depth[0, 0]) / d_step).astype(int)
    j = np.round((l - lateral[0, 0]) / l_step).astype(int)
    inside = (i >= 0) & (i < depth.shape[0]) & (j >= 0) & (j < depth.shape[1])
    frame = np.zeros(scene.shape, np.uint8)
    frame[inside] = beams[i[inside], j[inside]].astype(np.uint8)
    return frame


def sector_mask(scene: Scene) -> np.ndarray:
    rows, cols = np.mgrid[0:scene.shape[0], 0:scene.shape[1]]
    d, l = beam_coordinates(scene, rows.astype(float), cols.astype(float))
    s = scene.sector
    half = s.linear_width / 2 if s.linear_width is not None else s.half_angle_deg
    return (d >= s.r_min) & (d <= s.r_max) & (np.abs(l) <= half)


def draw_caliper(frame: np.ndarray, x: float, y: float, size: int, colour=(255, 255, 255)) -> None:
    """A caliper cross drawn into the image, as scanners burn them in."""
    image = Image.fromarray(frame)
    draw = ImageDraw.Draw(image)
    fill = colour if frame.ndim == 3 else colour[0]
    draw.line([(x - size, y), (x + size, y)], fill=fill, width=1)
    draw.line([(x, y - size), (x, y + size)], fill=fill, width=1)
    frame[...] = np.asarray(image)


def burn_text(frame: np.ndarray, x: int, y: int, text: str, colour=(255, 255, 255),
              font: ImageFont.FreeTypeFont | None = None) -> tuple[int, int, int, int]:
    """Draw ``text`` into the pixels (Pillow's default font unless ``font``); returns its box."""
    image = Image.fromarray(frame)
    draw = ImageDraw.Draw(image)
    draw.text((x, y), text, fill=colour if frame.ndim == 3 else colour[0], font=font)
    frame[...] = np.asarray(image)
    return tuple(int(v) for v in draw.textbbox((x, y), text, font=font))


def colour_box(frame: np.ndarray, box: tuple[int, int, int, int], seed: int) -> None:
    """A colour Doppler box: red/blue flow pixels over the B-mode (RGB frames only)."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = box
    flow = rng.random((y1 - y0, x1 - x0)) > 0.6
    patch = frame[y0:y1, x0:x1]
    red = rng.random(flow.shape) > 0.5
    patch[flow & red] = (220, 30, 30)
    patch[flow & ~red] = (30, 60, 230)


def ultrasound_region(shape: tuple[int, int], sector: Sector) -> Dataset:
    """One SequenceOfUltrasoundRegions item: 2D tissue, PhysicalDelta in cm (PS3.3 C.8.5.5).

    The region is the bounding box of the imaged fan, as scanners set it.
    """
    fan = sector_mask(Scene(shape=shape, sector=sector, mass_center=(0, 0), mass_radius=0))
    rows, cols = np.nonzero(fan)
    region = Dataset()
    region.RegionSpatialFormat = 1
    region.RegionDataType = 1
    region.RegionFlags = 0
    region.RegionLocationMinX0 = int(cols.min())
    region.RegionLocationMinY0 = int(rows.min())
    region.RegionLocationMaxX1 = int(cols.max())
    region.RegionLocationMaxY1 = int(rows.max())
    region.PhysicalUnitsXDirection = 3
    region.PhysicalUnitsYDirection = 3
    region.PhysicalDeltaX = sector.mm_per_pixel / 10
    region.PhysicalDeltaY = sector.mm_per_pixel / 10
    region.ReferencePixelX0 = int(round(sector.apex_x))
    region.ReferencePixelY0 = int(round(sector.apex_y))
    return region


def to_color(frame: np.ndarray) -> np.ndarray:
    return frame if frame.ndim == 3 else np.repeat(frame[..., None], 3, axis=2)


def _jpeg_frames(frames: list[np.ndarray], quality: int) -> list[bytes]:
    encoded = []
    for frame in frames:
        buffer = io.BytesIO()
        Image.fromarray(frame).save(buffer, format="JPEG", quality=quality)
        encoded.append(buffer.getvalue())
    return encoded


def us_image(study: Dataset, series_uid: str, sop_uid: str, instance_number: int,
             frames: list[np.ndarray], sector: Sector, encoding: str, jpeg_quality: int = 92) -> Dataset:
    """A US Image (one frame) or US Multi-frame Image dataset with file meta.

    ``encoding`` is ``mono`` (MONOCHROME2), ``rgb`` (RGB) or ``jpeg``
    (JPEG Baseline; colour frames become YBR_FULL_422 as the codec stores them).
    """
    ds = Dataset()
    ds.update(study)
    multiframe = len(frames) > 1
    ds.SOPClassUID = US_MULTIFRAME if multiframe else US_IMAGE
    ds.SOPInstanceUID = sop_uid
    ds.SeriesInstanceUID = series_uid
    ds.Modality = "US"
    ds.SeriesNumber = 1
    ds.InstanceNumber = instance_number
    ds.ImageType = ["ORIGINAL", "PRIMARY", "ABDOMINAL", "0001"]
    ds.Manufacturer = "Synthetic Sample Generator"
    ds.ContentDate, ds.ContentTime = study.StudyDate, study.StudyTime
    ds.PatientOrientation = ""
    ds.SequenceOfUltrasoundRegions = [ultrasound_region(frames[0].shape[:2], sector)]
    color = frames[0].ndim == 3 or encoding == "rgb" or (encoding == "jpeg" and instance_number % 2 == 0)
    pixels = [to_color(f) if color else f for f in frames]
    ds.Rows, ds.Columns = frames[0].shape[:2]
    ds.SamplesPerPixel = 3 if color else 1
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    if color:
        ds.PlanarConfiguration = 0
    if multiframe:
        ds.NumberOfFrames = len(frames)
        ds.FrameTime = 33.3
        ds.FrameIncrementPointer = (0x0018, 0x1063)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = sop_uid
    ds.file_meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    if encoding == "jpeg":
        ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
        ds.PhotometricInterpretation = "YBR_FULL_422" if color else "MONOCHROME2"
        ds.PixelData = encapsulate(_jpeg_frames(pixels, jpeg_quality))
        ds["PixelData"].VR = "OB"
        ds.LossyImageCompression = "01"
        ds.LossyImageCompressionMethod = "ISO_10918_1"
    else:
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.PhotometricInterpretation = "RGB" if color else "MONOCHROME2"
        ds.PixelData = np.stack(pixels).tobytes()
    return ds


def uid(*parts: object) -> str:
    """A repeatable UID for the samples."""
    return generate_uid(entropy_srcs=["dicom-protocol-advisor-samples", *map(str, parts)])
