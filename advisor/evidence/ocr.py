"""Burned-in annotation text: what the sonographer typed on the image, read by Tesseract.

On ultrasound the side and the region are most often typed on the image ("LT
KIDNEY", "TRANS LUQ") and burned into the pixels. Once per series (the first
frame of its first image) this module:

1. finds the imaged tissue: in each ultrasound region (Sequence of Ultrasound
   Regions, PS3.3 C.8.5.5.1), the largest densely lit area, rows filled. Bright
   strokes off it may be annotation text: outside the regions, or in the black
   corners of a region's rectangle beside the fan, where scanners put labels.
   Text over the tissue, and a label running onto it, is not read;
2. upscales them so that a capital is about :data:`TARGET_HEIGHT_PX` high and
   binarises them as dark text on white, as Tesseract reads best;
3. reads the words and their boxes with Tesseract (``tesserocr``, its library in this
   process, with the English model of Debian's ``tesseract-ocr-eng``), one run for all
   the series of a study (their text stacked on one page, a strip per series), and
   keeps the runs of words found in the annotation
   vocabulary (``advisor/annotations.toml``), with the side they name ("LT",
   "LUQ" -> left) and spelt out in plain words ("left upper quadrant") for the
   text reader (mass, calcification, organ, with negation).

Without Tesseract the log says so once and the study is analysed without it.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import logging
import os
import re
import threading
import time
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from importlib import resources
from pathlib import Path

import jsonschema
import numpy as np
from PIL import Image
from pydicom import Dataset
from scipy import ndimage

from advisor.evidence.pixels import (as_rgb, brightness, densely_lit, dilate_ball, fill_rows, first_frame,
                                     header_photometric, largest_component, ultrasound_region_boxes)

try:
    import tesserocr
except ImportError:  # the package is a dependency; a broken install still analyses
    tesserocr = None

log = logging.getLogger(__name__)

# One thread per Tesseract run: on a frame's few labels its OpenMP threads cost more
# CPU than they save, and the node runs analyses side by side.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

TEXT_LEVEL = 96            # brightness above which a pixel may be a stroke of text
LIT_LEVEL = 20             # above: tissue echo (speckle is rarely darker; JPEG noise on black is)
TISSUE_MARGIN_PX = 2
TARGET_HEIGHT_PX = 32      # Tesseract reads capitals best at about this height
BAR_FILL = 0.85            # a stroke filling this much of its box is solid (a bar, or an "I")
BAR_LENGTH = 3.0           # and a bar if this many times longer than wide and than glyphs are high
MAX_SCALE = 5
MAX_PAGE_PIXELS = 8_000_000  # upscaled text of one series given to Tesseract, at most
MAX_STACK_PIXELS = 4 * MAX_PAGE_PIXELS  # a page of stacked series, at most (white costs Tesseract little)
PAGE_PAD_PX = 4           # black kept around the strokes' box (the upscaling filter's reach)
MARGIN_PX = 16            # white border around the page given to Tesseract
STRIP_GAP_PX = 2 * TARGET_HEIGHT_PX   # white rows between two series' strips on one page
MAX_PAGE_SIDE_PX = 32_767  # Tesseract refuses a taller or wider page ("Image too large")
# Where Debian's tesseract-ocr-eng puts the English model (TESSDATA_PREFIX overrides).
TESSDATA_GLOBS = ("/usr/share/tesseract-ocr/*/tessdata", "/usr/share/tessdata")
TSV_INTEGERS = ("level", "page_num", "block_num", "par_num", "line_num", "word_num",
                "left", "top", "width", "height")   # Tesseract's TSV columns, then conf and text
WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Annotation:
    """One run of annotation words read on an image."""

    sop_instance_uid: str
    frame: int                                  # 1-based
    text: str                                   # as read, vocabulary words only ("LT KIDNEY")
    meaning: str                                # in plain words ("left kidney")
    side: str | None                            # the side the label names ("left")
    box: tuple[int, int, int, int]              # x0, y0, x1, y1 in the frame's pixels


@dataclass(frozen=True)
class Strip:
    """One series' text strokes, ready to be read: dark text on white, upscaled by ``scale``,
    starting at frame pixel ``origin`` (column, row); no image if the frame has no strokes."""

    series_instance_uid: str
    sop_instance_uid: str
    image: Image.Image | None
    scale: int
    origin: tuple[int, int]
    tissue: np.ndarray
    seconds: float = 0.0                        # wall clock of its decoding and preparation


@dataclass(frozen=True)
class Reading:
    """What OCR found on one series, and what it cost."""

    series_instance_uid: str
    sop_instance_uid: str
    annotations: list[Annotation]
    seconds: float                              # wall clock, with its share of a shared Tesseract run


@functools.cache
def _annotation_data() -> dict:
    """``annotations.toml``, checked against its schema."""
    package = resources.files("advisor")
    data = tomllib.loads(package.joinpath("annotations.toml").read_text(encoding="utf-8"))
    schema = json.loads(package.joinpath("annotations.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    return data


def vocabulary() -> dict[str, str]:
    """Typed word -> plain words."""
    return _annotation_data()["words"]


def label_side(typed: list[str]) -> str | None:
    """The side a label's words place the image on: left, right, bilateral or None."""
    sides = {_annotation_data()["sides"][w] for w in typed if w in _annotation_data()["sides"]}
    if "bilateral" in sides or {"left", "right"} <= sides:
        return "bilateral"
    return sides.pop() if sides else None


@functools.cache
def tesseract_available() -> bool:
    """True if Tesseract can read English here; logs once when it cannot."""
    if tesserocr is None:
        log.warning("burned-in text not read: the tesserocr package is not installed")
        return False
    if _tessdata() is None:
        log.warning("burned-in text not read: Tesseract OCR's English model is not installed; "
                    "install tesseract-ocr-eng (or set TESSDATA_PREFIX)")
        return False
    return True


def _tessdata() -> str | None:
    """The folder holding ``eng.traineddata``: TESSDATA_PREFIX, else Debian's."""
    prefix = os.environ.get("TESSDATA_PREFIX")
    folders = [Path(prefix)] if prefix else sorted(
        (folder for pattern in TESSDATA_GLOBS for folder in Path("/").glob(pattern.lstrip("/"))), reverse=True)
    return next((str(folder) for folder in folders if (folder / "eng.traineddata").is_file()), None)


_per_thread = threading.local()


def _tesseract():
    """This thread's Tesseract, the English model loaded once (about 40 ms): an API may not
    be shared between threads, and starting a Tesseract process per study cost ten times
    the reading. Page segmentation: sparse text, labels scattered over the frame."""
    api = getattr(_per_thread, "api", None)
    if api is None:
        api = _per_thread.api = tesserocr.PyTessBaseAPI(path=_tessdata(), lang="eng",
                                                     psm=tesserocr.PSM.SPARSE_TEXT)
    return api


def image_to_data(page: Image.Image) -> dict[str, list]:
    """Tesseract's words on ``page`` (8-bit grey) with their boxes, as columns of its TSV output
    (the layout pytesseract's image_to_data gives): level ... height as ints, conf, text."""
    api = _tesseract()
    # Its pixels as they are: SetImage would encode the page as PNG for Leptonica to decode.
    api.SetImageBytes(page.tobytes(), page.width, page.height, 1, page.width)
    rows = [line.split("\t") for line in api.GetTSVText(0).splitlines()]
    data: dict[str, list] = {key: [int(row[i]) for row in rows] for i, key in enumerate(TSV_INTEGERS)}
    data["conf"] = [float(row[10]) for row in rows]
    data["text"] = [row[11] if len(row) > 11 else "" for row in rows]
    return data


# --- where text can be -------------------------------------------------------

def tissue_mask(bright: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> np.ndarray:
    """The imaged tissue: in each ultrasound region (the whole frame without one), the
    largest densely lit area with each row filled, grown by a few pixels.

    Labels beside the fan are lit sparsely (strokes on black) and apart from it, so
    they stay out; text typed over the tissue is inside it.
    """
    dense = densely_lit(bright > LIT_LEVEL, 3, Fraction(1, 2))
    tissue = np.zeros(bright.shape, bool)
    for x0, y0, x1, y1 in boxes or [(0, 0, bright.shape[1] - 1, bright.shape[0] - 1)]:
        window = (slice(max(y0, 0), y1 + 1), slice(max(x0, 0), x1 + 1))
        if dense[window].any():
            tissue[window] |= fill_rows(largest_component(dense[window]))
    return dilate_ball(tissue, TISSUE_MARGIN_PX)


def text_strokes(bright: np.ndarray, tissue: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bright strokes that may be annotation text: those mostly off the tissue and not a bar
    (bool mask), and the height in pixels of each of them (each connected component)."""
    strokes = bright >= TEXT_LEVEL
    labels, count = ndimage.label(strokes, structure=np.ones((3, 3), bool))   # 8-connected
    count += 1   # and the background, 0
    size = np.bincount(labels[strokes], minlength=count)
    on_tissue = np.bincount(labels[strokes & tissue], minlength=count)
    keep = 2 * on_tissue < size
    keep[0] = False
    text = keep[labels]
    height, width = _extents(labels, text, keep)
    keep[_bars(keep, size, height, width)] = False
    text[text] = keep[labels[text]]   # the bars left out: looked up on the kept pixels only
    return text, height[keep]


def _extents(labels: np.ndarray, pixels: np.ndarray, kept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Height and width in pixels of each kept label's bounding box (0 for the others;
    ``pixels``: where the kept labels are)."""
    rows, cols = np.nonzero(pixels)
    which = labels[rows, cols]
    extent = []
    for index in (rows, cols):
        low, high = np.full(kept.size, np.iinfo(np.int64).max), np.full(kept.size, -1)
        np.minimum.at(low, which, index)
        np.maximum.at(high, which, index)
        extent.append(np.where(kept, high - low + 1, 0))
    return extent[0], extent[1]


def _bars(kept: np.ndarray, size: np.ndarray, height: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Kept labels that are a grey-scale or colour bar, not a glyph: a solid rectangle much
    longer than it is wide and than the glyphs beside it are high (Tesseract reads two bars
    as "LT")."""
    solid = kept & (size >= BAR_FILL * height * width)
    glyphs = height[kept & ~solid]
    glyph = float(np.median(glyphs)) if glyphs.size else 0.0
    long, short = np.maximum(height, width), np.minimum(height, width)
    return solid & (long >= BAR_LENGTH * np.maximum(short, glyph))


def _text_height(heights: np.ndarray, tallest: int) -> float | None:
    """Median of the glyph-sized stroke ``heights`` (``tallest`` at most), pixels."""
    glyphs = heights[(heights >= 4) & (heights <= tallest)]
    return float(np.median(glyphs)) if glyphs.size else None


def _extent(lit: np.ndarray) -> slice:
    """From the first to the last lit index, ``PAGE_PAD_PX`` more on either side."""
    where = np.nonzero(lit)[0]
    return slice(max(int(where[0]) - PAGE_PAD_PX, 0), min(int(where[-1]) + PAGE_PAD_PX + 1, lit.size))


def ocr_image(bright: np.ndarray, strokes: np.ndarray, heights: np.ndarray
              ) -> tuple[Image.Image, int, tuple[int, int]]:
    """Dark text on white, upscaled so that glyphs (``heights``: of the strokes' components)
    are about TARGET_HEIGHT_PX high, its scale, and the frame pixel (column, row) it starts at.

    The page holds the strokes' bounding box only: Tesseract's time, the upscaling's
    and the page's encoding grow with its area, and the rest would be white.
    """
    box = (_extent(strokes.any(axis=1)), _extent(strokes.any(axis=0)))
    height = _text_height(heights, strokes.shape[0] // 4) or TARGET_HEIGHT_PX
    largest = max(int(np.sqrt(MAX_PAGE_PIXELS / strokes.size)), 1)   # bounds Tesseract's time
    scale = int(np.clip(round(TARGET_HEIGHT_PX / height), 1, min(MAX_SCALE, largest)))
    # The anti-aliased rim of each stroke is kept so that upscaling gives smooth glyphs.
    rim = dilate_ball(strokes[box], 1)
    text = Image.fromarray(np.where(rim, bright[box], 0).astype(np.uint8))
    if scale > 1:
        text = text.resize((text.width * scale, text.height * scale), Image.Resampling.LANCZOS)
    binary = Image.fromarray(np.where(np.asarray(text) >= TEXT_LEVEL, 0, 255).astype(np.uint8))
    return binary, scale, (box[1].start, box[0].start)


# --- what it says -------------------------------------------------------------

def _lines(data: dict) -> dict[tuple[int, int, int], list[int]]:
    """Word indices of Tesseract's image_to_data output grouped by line."""
    lines: dict[tuple[int, int, int], list[int]] = {}
    for i, word in enumerate(data["text"]):
        # Tesseract's word confidence is left aside: on short upper-case labels it is
        # often 0 for words it read right. The vocabulary is the filter.
        if word.strip():
            lines.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(i)
    return lines


def vocabulary_words(word: str) -> list[str] | None:
    """``word``'s letters as vocabulary words, or None if they are not made of them.

    Tesseract sometimes misses a narrow space ("LADRENAL"): letters that split
    into vocabulary words are read as those words, whole words first.
    """
    letters = "".join(WORD.findall(word)).upper()
    return _split(letters) if letters else None


@functools.cache
def _split(letters: str) -> list[str] | None:
    known = vocabulary()
    if letters in known:
        return [letters]
    for cut in range(len(letters) - 1, 0, -1):
        head, rest = letters[:cut], _split(letters[cut:])
        if head in known and rest is not None:
            return [head, *rest]
    return None


def vocabulary_runs(words: list[str]) -> list[tuple[list[int], list[str]]]:
    """(word indices, vocabulary words) of each run of consecutive vocabulary words.

    Runs of single letters alone ("R", "L") are dropped.
    """
    runs, indices, typed = [], [], []
    for i, word in enumerate(words + [""]):
        parts = vocabulary_words(word)
        if parts:
            indices.append(i)
            typed.extend(parts)
            continue
        if any(len(t) > 1 for t in typed):
            runs.append((indices, typed))
        indices, typed = [], []
    return runs


def annotations(data: dict, scale: int, uid: str, frame: int, origin: tuple[int, int] = (0, 0)
                ) -> list[Annotation]:
    """The vocabulary runs in Tesseract's output, with their boxes in frame pixels (the page
    starts at frame pixel ``origin``, column and row, inside its margin)."""
    known = vocabulary()
    found = []
    for line in _lines(data).values():
        for run, typed in vocabulary_runs([data["text"][i] for i in line]):
            members = [line[k] for k in run]
            x0 = min(data["left"][i] for i in members)
            y0 = min(data["top"][i] for i in members)
            x1 = max(data["left"][i] + data["width"][i] for i in members)
            y1 = max(data["top"][i] + data["height"][i] for i in members)
            box = tuple(int((v - MARGIN_PX) / scale) + o for v, o in zip((x0, y0, x1, y1), origin * 2))
            found.append(Annotation(uid, frame, " ".join(typed), " ".join(known[w] for w in typed),
                                    label_side(typed), box))
    return found


def frame_strip(bright: np.ndarray, ds: Dataset, series_uid: str, uid: str) -> Strip:
    """The text strokes of one frame (``bright``: 0-255 brightness) as a strip to read."""
    tissue = tissue_mask(bright, ultrasound_region_boxes(ds))
    strokes, heights = text_strokes(bright, tissue)
    if not strokes.any():
        return Strip(series_uid, uid, None, 1, (0, 0), tissue)
    image, scale, origin = ocr_image(bright, strokes, heights)
    return Strip(series_uid, uid, image, scale, origin, tissue)


def read_strips(strips: list[Strip]) -> list[Reading]:
    """The annotations of each strip (frame 1 of its image), read with one Tesseract run
    per page of stacked strips; strips without strokes are not given to Tesseract."""
    found: dict[int, list[Annotation]] = {}
    seconds = {i: strip.seconds for i, strip in enumerate(strips)}
    for page in _pages([i for i, strip in enumerate(strips) if strip.image is not None], strips):
        started = time.perf_counter()
        for i, data in zip(page, _read_page([strips[i].image for i in page])):
            strip = strips[i]
            found[i] = [a for a in annotations(data, strip.scale, strip.sop_instance_uid, 1, strip.origin)
                        if not touches(a.box, strip.tissue)]
        for i in page:
            seconds[i] += (time.perf_counter() - started) / len(page)
    return [Reading(strip.series_instance_uid, strip.sop_instance_uid, found.get(i, []), seconds[i])
            for i, strip in enumerate(strips)]


def _pages(indices: list[int], strips: list[Strip]) -> list[list[int]]:
    """``indices`` in runs whose stacked page stays within MAX_STACK_PIXELS and within
    Tesseract's largest side (but for a single strip)."""
    pages: list[list[int]] = []
    width = height = 0
    for i in indices:
        image = strips[i].image
        grown = (max(width, image.width + 2 * MARGIN_PX), height + STRIP_GAP_PX + image.height)
        if not pages or grown[0] * grown[1] > MAX_STACK_PIXELS or max(grown) > MAX_PAGE_SIDE_PX:
            pages.append([])
            grown = (image.width + 2 * MARGIN_PX, image.height + 2 * MARGIN_PX)
        pages[-1].append(i)
        width, height = grown
    return pages


def _read_page(images: list[Image.Image]) -> list[dict]:
    """Tesseract's image_to_data of each image, read on one page where they are stacked
    with STRIP_GAP_PX of white between them; each image's words with the coordinates they
    would have on a page of their own (the image inside a MARGIN_PX white border).

    A word belongs to the image its box's middle row falls in: the gap is twice the
    height of a capital, so no word or line of Tesseract's spans two images.
    """
    # Tesseract misses text that touches the edge of its page.
    tops = list(itertools.accumulate([MARGIN_PX] + [image.height + STRIP_GAP_PX for image in images[:-1]]))
    page = Image.new("L", (max(image.width for image in images) + 2 * MARGIN_PX,
                           tops[-1] + images[-1].height + MARGIN_PX), 255)
    for image, top in zip(images, tops):
        page.paste(image, (MARGIN_PX, top))
    data = image_to_data(page)
    _fit_to_ink(data, np.asarray(page) < 128)
    split = [{key: [] for key in data} for _ in images]
    for i, (top, height) in enumerate(zip(data["top"], data["height"])):
        middle = top + height / 2
        for part, image, strip_top in zip(split, images, tops):
            if strip_top <= middle < strip_top + image.height:
                for key, values in data.items():
                    part[key].append(values[i] - strip_top + MARGIN_PX if key == "top" else values[i])
    return split


def _fit_to_ink(data: dict, ink: np.ndarray) -> None:
    """Cuts each word's box in ``data`` to the ink inside it (the page is binary: ink is
    the glyphs). Tesseract's box of a word sometimes reaches a few pixels further, and
    by how much depends on the rest of the page."""
    for i, word in enumerate(data["text"]):
        x, y, w, h = (data[key][i] for key in ("left", "top", "width", "height"))
        inside = ink[y:y + h, x:x + w]
        if not word.strip() or not inside.any():
            continue
        rows, columns = np.nonzero(inside.any(axis=1))[0], np.nonzero(inside.any(axis=0))[0]
        data["left"][i], data["top"][i] = x + int(columns[0]), y + int(rows[0])
        data["width"][i], data["height"][i] = int(columns[-1] - columns[0]) + 1, int(rows[-1] - rows[0]) + 1


def touches(box: tuple[int, int, int, int], tissue: np.ndarray) -> bool:
    """True if a label's box, grown by half its height, reaches the tissue.

    A label that runs onto the fan ("LT" beside it, "KIDNEY" over it) is partly
    typed over the image: it is not read.
    """
    x0, y0, x1, y1 = box
    grow = max((y1 - y0) // 2, 1)
    return bool(tissue[max(y0 - grow, 0):y1 + grow + 1, max(x0 - grow, 0):x1 + grow + 1].any())


def series_images(images: list[tuple[Path, Dataset]]) -> list[tuple[Path, Dataset]]:
    """The image OCR reads in each series: its first by Instance Number."""
    series: dict[str, list[tuple[Path, Dataset]]] = {}
    for path, ds in images:
        series.setdefault(str(ds.get("SeriesInstanceUID", "")), []).append((path, ds))
    return [min(members, key=lambda m: (_instance_number(m[1]), str(m[1].SOPInstanceUID)))
            for members in series.values()]


def series_strip(path: Path, ds: Dataset, first: tuple[np.ndarray, str] | None = None) -> Strip:
    """The text strokes on the first frame of ``path``, the image that stands for its series
    (``first``: that frame and its photometric interpretation as :func:`first_frame` decoded
    them, if the caller has)."""
    started = time.perf_counter()
    frame, decoded_as = first if first is not None else first_frame(path, ds)
    strip = frame_strip(brightness(as_rgb(frame, decoded_as, ds), header_photometric(ds)), ds,
                        str(ds.get("SeriesInstanceUID", "")), str(ds.SOPInstanceUID))
    return dataclasses.replace(strip, seconds=time.perf_counter() - started)


def read_series(path: Path, ds: Dataset) -> Reading:
    """The annotations on the first frame of ``path``, read on their own."""
    return read_strips([series_strip(path, ds)])[0]


def _instance_number(ds: Dataset) -> int:
    try:
        return int(ds.get("InstanceNumber") or 0)
    except (TypeError, ValueError):
        return 0
