"""Key image: the recommendation at a glance, for viewers that show SRs poorly.

A Secondary Capture (PS3.3 A.8.1, built with highdicom) of the most informative
source frame (the frame of the strongest focus, else the first frame), with the
detected foci outlined, the laterality, and a banner with the recommendation in
one line. Marked as derived (Image Type DERIVED\\SECONDARY, Source Image
Sequence, Burned In Annotation YES) in a series of its own; its UIDs derive from
the SR it accompanies, so the same inputs give the same key image.
"""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import highdicom as hd
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydicom import Dataset, dcmread
from pydicom.pixels import iter_pixels
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from advisor import MANUFACTURER, MODEL_NAME, __version__
from advisor.evidence.pixels import grey_frames
from advisor.model import Focus, StudyFacts

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
                    if f.sop_instance_uid == best.sop_instance_uid and best.frame in (f.frames or (f.frame,))]
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
    side = (facts.laterality.value or "unknown").upper()
    shadowing = sum(f.shadow for f in foci)
    return [summary, f"Laterality: {side}. Circled on this frame: {shadowing} calcific focus/foci "
                     f"with shadow (yellow), {len(foci) - shadowing} possible calcification (blue)."]


def build_key_image(facts: StudyFacts, summary: str, sr_uid: str, revision: int) -> hd.sc.SCImage | None:
    """The key image for a result, or None when the study has no US image."""
    chosen = key_frame(facts)
    if chosen is None:
        return None
    path, number, foci = chosen
    rgb = frame_rgb(path, number)
    scale = max(1, -(-MIN_WIDTH // rgb.shape[1]))
    pixels = _banner(draw_foci(rgb, foci, scale), banner_texts(summary, facts, foci))
    source = dcmread(path, stop_before_pixels=True)
    image = hd.sc.SCImage.from_ref_dataset(
        ref_dataset=source, pixel_array=pixels, photometric_interpretation="RGB", bits_allocated=8,
        coordinate_system="PATIENT", patient_orientation=("A", "F"), series_instance_uid=generate_uid(
            entropy_srcs=["advisor-key-series", facts.study_instance_uid]),
        series_number=SERIES_NUMBER, sop_instance_uid=generate_uid(entropy_srcs=["advisor-key", sr_uid]),
        instance_number=revision, manufacturer=MANUFACTURER,
        laterality={"left": "L", "right": "R"}.get(facts.laterality.value or ""),
        transfer_syntax_uid=ExplicitVRLittleEndian)
    # highdicom asks for an orientation; an ultrasound frame has none, so the Type 2
    # attribute is left empty, as the General Image module allows when it is unknown.
    image.PatientOrientation = ""
    image.ImageType = ["DERIVED", "SECONDARY"]
    image.SeriesDescription = SERIES_DESCRIPTION
    image.ManufacturerModelName, image.SoftwareVersions = MODEL_NAME, __version__
    image.BurnedInAnnotation = "YES"
    image.DerivationDescription = f"Protocol advisor summary of SR {sr_uid}, frame {number} of the source"
    reference = Dataset()
    reference.ReferencedSOPClassUID, reference.ReferencedSOPInstanceUID = source.SOPClassUID, source.SOPInstanceUID
    if "NumberOfFrames" in source:
        reference.ReferencedFrameNumber = number
    image.SourceImageSequence = [reference]
    return image
