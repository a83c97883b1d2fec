"""Synthetic B-mode ultrasound frames and the DICOM objects that carry them.

Used by ``make_samples.py`` to make the bundled sample studies. Everything is
generated from a seed: the same call gives the same pixels and UIDs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image
from pydicom import Dataset
from pydicom.dataset import FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (ExplicitVRLittleEndian, JPEGBaseline8Bit, PYDICOM_IMPLEMENTATION_UID,
                         generate_uid)

US_IMAGE = "1.2.840.10008.5.1.4.1.1.6.1"
US_MULTIFRAME = "1.2.840.10008.5.1.4.1.1.3.1"


@dataclass(frozen=True)
class Sector:
    """Curved-array geometry in pixels: apex (column, row), half angle, depth range."""

    apex_x: float
    apex_y: float
    half_angle_deg: float
    r_min: float
    r_max: float
    mm_per_pixel: float


@dataclass(frozen=True)
class Focus:
    x: float
    y: float
    diameter_mm: float


def sector_mask(shape: tuple[int, int], sector: Sector) -> np.ndarray:
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    dx, dy = cols - sector.apex_x, rows - sector.apex_y
    radius = np.hypot(dx, dy)
    angle = np.degrees(np.arctan2(dx, dy))
    return (radius >= sector.r_min) & (radius <= sector.r_max) & (np.abs(angle) <= sector.half_angle_deg)


def bmode_frame(shape: tuple[int, int], sector: Sector, mass_center: tuple[float, float],
                mass_radius: float, foci: list[Focus], seed: int) -> np.ndarray:
    """One 8-bit B-mode frame: speckle, a hypoechoic mass, bright foci with shadows."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    speckle = rng.rayleigh(1.0, shape)
    speckle = (speckle + np.roll(speckle, 1, 0) + np.roll(speckle, 1, 1)) / 3
    depth = np.hypot(cols - sector.apex_x, rows - sector.apex_y)
    tissue = 90 * speckle * np.exp(-depth / (4 * shape[0]))
    in_mass = np.hypot(cols - mass_center[0], rows - mass_center[1]) < mass_radius
    tissue[in_mass] *= 0.7
    for focus in foci:
        radius_px = focus.diameter_mm / sector.mm_per_pixel / 2
        d = np.hypot(cols - focus.x, rows - focus.y)
        tissue[d <= radius_px] = 240
        beam = np.arctan2(focus.x - sector.apex_x, focus.y - sector.apex_y)
        ray_angle = np.arctan2(cols - sector.apex_x, rows - sector.apex_y)
        focus_depth = np.hypot(focus.x - sector.apex_x, focus.y - sector.apex_y)
        half_width = np.arctan2(radius_px, focus_depth)
        shadow = (np.abs(ray_angle - beam) < half_width) & (depth > focus_depth + radius_px)
        tissue[shadow] *= 0.15
    frame = np.clip(tissue, 0, 255).astype(np.uint8)
    frame[~sector_mask(shape, sector)] = 0
    return frame


def ultrasound_region(shape: tuple[int, int], sector: Sector) -> Dataset:
    """One SequenceOfUltrasoundRegions item: 2D tissue, PhysicalDelta in cm (PS3.3 C.8.5.5)."""
    region = Dataset()
    region.RegionSpatialFormat = 1
    region.RegionDataType = 1
    region.RegionFlags = 0
    region.RegionLocationMinX0 = 0
    region.RegionLocationMinY0 = 0
    region.RegionLocationMaxX1 = shape[1] - 1
    region.RegionLocationMaxY1 = shape[0] - 1
    region.PhysicalUnitsXDirection = 3
    region.PhysicalUnitsYDirection = 3
    region.PhysicalDeltaX = sector.mm_per_pixel / 10
    region.PhysicalDeltaY = sector.mm_per_pixel / 10
    region.ReferencePixelX0 = int(round(sector.apex_x))
    region.ReferencePixelY0 = int(round(sector.apex_y))
    return region


def _to_color(frame: np.ndarray) -> np.ndarray:
    return np.repeat(frame[..., None], 3, axis=2)


def _jpeg_frames(frames: list[np.ndarray]) -> list[bytes]:
    encoded = []
    for frame in frames:
        buffer = io.BytesIO()
        Image.fromarray(frame).save(buffer, format="JPEG", quality=92)
        encoded.append(buffer.getvalue())
    return encoded


def us_image(study: Dataset, series_uid: str, sop_uid: str, instance_number: int,
             frames: list[np.ndarray], sector: Sector, encoding: str) -> Dataset:
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
    ds.SequenceOfUltrasoundRegions = [ultrasound_region(frames[0].shape, sector)]
    color = encoding == "rgb" or (encoding == "jpeg" and instance_number % 2 == 0)
    pixels = [_to_color(f) if color else f for f in frames]
    ds.Rows, ds.Columns = frames[0].shape
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
        ds.PixelData = encapsulate(_jpeg_frames(pixels))
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
