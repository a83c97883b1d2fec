"""Key image: the recommendation at a glance, for viewers that show SRs poorly.

A Secondary Capture (PS3.3 A.8.1, built with highdicom) of the most informative
source frame (the frame of the strongest focus, else the first frame), with the
detected foci outlined, the laterality, and a banner with the recommendation in
one line. Marked as derived (Image Type DERIVED\\SECONDARY, Source Image
Sequence, Burned In Annotation YES) in a series of its own; its UID derives from the
same inputs and revision as the SR's (:mod:`advisor.output.uids`), so the SR
can name it and the same inputs give the same key image.
"""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import highdicom as hd
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydicom import Dataset, dcmread
from pydicom.pixels import iter_pixels
from pydicom.uid import ExplicitVRLittleEndian

from advisor import MANUFACTURER, MODEL_NAME, __version__
from advisor.evidence.pixels import grey_frames
from advisor.model import Focus, StudyFacts
from advisor.output.identity import identity_header
from advisor.output.report import focus_frames, foci_count_text
from advisor.output.uids import ResultUids

SERIES_NUMBER = 9902
SERIES_DESCRIPTION = "Protocol advisor key image (decision support)"
MIN_WIDTH = 960
SHADOW_COLOUR, POSSIBLE_COLOUR, TEXT_COLOUR = (255, 210, 0), (0, 200, 255), (255, 255, 255)


def key_frame(facts: StudyFacts) -> tuple[Path, int, list[Focus]] | None:
    """(image path, frame number, foci on that frame) of the most informative frame."""
    images = {ref.sop_instance_uid: ref for ref in facts.instances if ref.modality == "US"}
    if not images:
        return None
    if facts.foci:
        best = max(facts.foci, key=lambda f: (f.shadow, f.score))
        on_frame = [f for f in facts.foci
                    if f.sop_instance_uid == best.sop_instance_uid and best.frame in focus_frames(f)]
        return images[best.sop_instance_uid].path, best.frame, on_frame
    return next(iter(images.values())).path, 1, []


def frame_rgb(path: Path, number: int) -> np.ndarray:
    """The frame as RGB, decoded once and one frame at a time: grey and palette images
    through the detector's grey levels, colour images as stored."""
    photometric = str(dcmread(path, stop_before_pixels=True).get("PhotometricInterpretation", ""))
    if photometric.startswith("MONOCHROME") or photometric == "PALETTE COLOR":
        frames = (np.repeat(np.clip(grey, 0, 255).astype(np.uint8)[..., None], 3, axis=2)
                  for grey, _ in grey_frames(path))
    else:
        frames = (np.clip(frame, 0, 255).astype(np.uint8) for frame in iter_pixels(path))
    frame = next(islice(frames, number - 1, None), None)
    if frame is None:
        raise ValueError(f"{path} has no frame {number}")
    return frame


def draw_foci(rgb: np.ndarray, foci: list[Focus], scale: int = 1) -> Image.Image:
    """The frame enlarged by ``scale`` with each focus circled (yellow: shadowing, blue: possible)."""
    image = Image.fromarray(rgb).resize((rgb.shape[1] * scale, rgb.shape[0] * scale), Image.NEAREST)
    draw = ImageDraw.Draw(image)
    for focus in foci:
        radius = max(focus.diameter_mm / focus.mm_per_pixel / 2 + 4, 6) * scale
        x, y = (focus.x + 0.5) * scale, (focus.y + 0.5) * scale
        draw.ellipse([x - radius, y - radius, x + radius, y + radius],
                     outline=SHADOW_COLOUR if focus.shadow else POSSIBLE_COLOUR, width=max(2, scale))
    return image


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and font.getlength(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return lines + [current] if current else lines


def _banner(image: Image.Image, texts: list[str]) -> np.ndarray:
    font = ImageFont.load_default(size=max(14, image.width // 48))
    lines = [line for text in texts for line in _wrap(text, font, image.width - 20)]
    step = font.size + 8
    canvas = Image.new("RGB", (image.width, image.height + step * len(lines) + 10), (20, 20, 60))
    canvas.paste(image, (0, step * len(lines) + 10))
    draw = ImageDraw.Draw(canvas)
    for i, line in enumerate(lines):
        draw.text((10, 6 + i * step), line, fill=TEXT_COLOUR, font=font)
    return np.asarray(canvas)


def banner_texts(summary: str, facts: StudyFacts, foci: list[Focus]) -> list[str]:
    """The banner: the summary, then the side and the distinct foci (study, and this frame)."""
    side = (facts.laterality.value or "unknown").upper()
    shadowing = sum(f.shadow for f in foci)
    detector = f" Detector: {foci_count_text(facts.foci)}." if facts.foci else ""
    return [summary, f"Laterality: {side}.{detector} Circled on this frame: {shadowing} with shadow "
                     f"(yellow), {len(foci) - shadowing} without shadow (blue)."]


# Equipment of the source, which highdicom names as acquisition equipment.
EQUIPMENT = ("Manufacturer", "ManufacturerModelName", "DeviceSerialNumber", "SoftwareVersions",
             "InstitutionName", "StationName")


def _reference_header(source: Dataset) -> Dataset:
    """The source's identity (Type 2 attributes present, empty if unknown) and equipment."""
    header = identity_header(source)
    for keyword in EQUIPMENT:
        try:
            if source.get(keyword):
                setattr(header, keyword, source[keyword].value)
        except Exception:  # noqa: BLE001 - unreadable equipment is left out
            continue
    return header


def build_key_image(facts: StudyFacts, summary: str, uids: ResultUids) -> hd.sc.SCImage | None:
    """The key image of result revision ``uids.revision``, or None when the study has no
    US image."""
    chosen = key_frame(facts)
    if chosen is None:
        return None
    path, number, foci = chosen
    rgb = frame_rgb(path, number)
    scale = max(1, -(-MIN_WIDTH // rgb.shape[1]))
    pixels = _banner(draw_foci(rgb, foci, scale), banner_texts(summary, facts, foci))
    source = dcmread(path, stop_before_pixels=True)
    image = hd.sc.SCImage.from_ref_dataset(
        ref_dataset=_reference_header(source), pixel_array=pixels, photometric_interpretation="RGB",
        bits_allocated=8, coordinate_system="PATIENT", patient_orientation=("A", "F"),
        series_instance_uid=uids.key_image_series_uid, series_number=SERIES_NUMBER,
        sop_instance_uid=uids.key_image_uid, instance_number=uids.revision, manufacturer=MANUFACTURER,
        laterality={"left": "L", "right": "R"}.get(facts.laterality.value or ""),
        transfer_syntax_uid=ExplicitVRLittleEndian)
    # highdicom asks for an orientation; an ultrasound frame has none, so the Type 2
    # attribute is left empty, as the General Image module allows when it is unknown.
    image.PatientOrientation = ""
    image.ImageType = ["DERIVED", "SECONDARY"]
    image.SeriesDescription = SERIES_DESCRIPTION
    image.ManufacturerModelName, image.SoftwareVersions = MODEL_NAME, __version__
    image.BurnedInAnnotation = "YES"
    image.DerivationDescription = (f"Protocol advisor summary of SR {uids.sop_instance_uid}, "
                                   f"frame {number} of the source")
    reference = Dataset()
    reference.ReferencedSOPClassUID, reference.ReferencedSOPInstanceUID = source.SOPClassUID, source.SOPInstanceUID
    if "NumberOfFrames" in source:
        reference.ReferencedFrameNumber = number
    image.SourceImageSequence = [reference]
    return image
