"""Mass masks: where the sonographer outlined the mass on an image.

Two sources, both referencing a US image (and frame):

- a DICOM Segmentation (PS3.3 A.51), read with highdicom: every segment's
  pixels on each referenced source frame;
- an SR planar ROI: a closed SCOORD POLYLINE or POLYGON (PS3.3 C.18.6) with an
  IMAGE child naming the source image and frame (TID 1410 style). SCOORD
  coordinates have (0, 0) at the top left corner of the top left pixel, so a
  pixel's centre is at (column + 0.5, row + 0.5).

Masks are keyed by (SOP Instance UID, frame number); frame None means every frame.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

import highdicom as hd
import numpy as np
from PIL import Image, ImageDraw
from pydicom import Dataset
from pydicom.multival import MultiValue
from pydicom.uid import SegmentationStorage

from advisor.evidence.header import items as sequence_items
from advisor.evidence.header import modality, text

log = logging.getLogger(__name__)

MaskKey = tuple[str, int | None]


def content_items(items: Iterable[Dataset]) -> Iterator[Dataset]:
    """Every SR content item below ``items``, depth first (PS3.3 C.17.3 content tree).

    Walked with an explicit stack: a tree nested thousands deep is read, not a
    RecursionError.
    """
    stack = [iter(items)]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            continue
        yield item
        stack.append(iter(sequence_items(item, "ContentSequence")))


def first_frame(value) -> int | None:
    """The first value of a Referenced Frame Number (IS, VM 1-n), or None if absent."""
    if value is None or value == "":
        return None
    return int(value[0]) if isinstance(value, MultiValue) else int(value)


def _image_reference(item: Dataset) -> tuple[str, int | None] | None:
    for child in sequence_items(item, "ContentSequence"):
        references = sequence_items(child, "ReferencedSOPSequence")
        image = text(references[0], "ReferencedSOPInstanceUID") if references else None
        if text(child, "ValueType") == "IMAGE" and image:
            return image, first_frame(references[0].get("ReferencedFrameNumber"))
    return None


def sr_polygons(ds: Dataset) -> Iterator[tuple[MaskKey, np.ndarray]]:
    """(image key, polygon points in SCOORD coordinates) for each closed planar ROI."""
    for item in content_items(ds.get("ContentSequence", [])):
        graphic_type = text(item, "GraphicType")
        if text(item, "ValueType") != "SCOORD" or graphic_type not in ("POLYLINE", "POLYGON"):
            continue
        points = np.asarray(item.GraphicData, float).reshape(-1, 2)
        closed = graphic_type == "POLYGON" or (len(points) > 3 and np.allclose(points[0], points[-1]))
        reference = _image_reference(item)
        if closed and reference is not None:
            yield reference, points


def rasterise(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Pixels whose centres fall inside the polygon."""
    image = Image.new("1", (shape[1], shape[0]), 0)
    ImageDraw.Draw(image).polygon([(x - 0.5, y - 0.5) for x, y in points], fill=1, outline=1)
    return np.asarray(image, bool)


def seg_masks(path: Path) -> Iterator[tuple[MaskKey, np.ndarray]]:
    """Union of all segments on each source image (and frame) a Segmentation references."""
    seg = hd.seg.segread(path)
    references: set[tuple[str, int | None]] = set()
    for group in seg.get("PerFrameFunctionalGroupsSequence", []):
        for derivation in group.get("DerivationImageSequence", []):
            for source in derivation.get("SourceImageSequence", []):
                references.add((str(source.ReferencedSOPInstanceUID),
                                first_frame(source.get("ReferencedFrameNumber"))))
    for sop_uid, frame in sorted(references, key=lambda r: (r[0], r[1] or 0)):
        options = {"combine_segments": True, "ignore_spatial_locations": True}
        if frame is None:  # a single-frame source image
            pixels = seg.get_pixels_by_source_instance([sop_uid], **options)[0]
        else:
            pixels = seg.get_pixels_by_source_frame(sop_uid, [frame], **options)[0]
        yield (sop_uid, frame), np.squeeze(pixels) > 0


def mass_masks(items: list[tuple[Path, Dataset]], shapes: dict[str, tuple[int, int]]) -> dict[MaskKey, np.ndarray]:
    """Every mass mask in the study, on the images (uid -> rows, columns) it references."""
    masks: dict[MaskKey, np.ndarray] = {}

    def add(key: MaskKey, mask: np.ndarray) -> None:
        masks[key] = masks[key] | mask if key in masks else mask

    for path, ds in items:
        try:
            if ds.SOPClassUID == SegmentationStorage:
                for key, mask in seg_masks(path):
                    if key[0] in shapes and mask.shape == shapes[key[0]]:
                        add(key, mask)
            elif modality(ds) == "SR":
                for key, points in sr_polygons(ds):
                    if key[0] in shapes:
                        add(key, rasterise(points, shapes[key[0]]))
        except Exception as exc:  # noqa: BLE001 - a bad mask object must not stop the analysis
            log.warning("mass mask in %s not used: %s", ds.get("SOPInstanceUID"), exc)
    return masks
