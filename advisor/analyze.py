"""Analysis stage: from the instances of one study to :class:`StudyFacts`.

Reads the header (age, weight, body part, laterality tags), the order and
description text, the sonographer's findings SRs (coded and free text), the text
burned into the images (OCR) and the pixel detector's foci, then resolves each
kind of evidence by the precedence in DESIGN.md.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import math
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from pydicom import Dataset

from advisor import is_own_output
from advisor.evidence.detect import Detection, detect_instance
from advisor.evidence.findings_sr import sr_observations
from advisor.evidence.text import text_observations
from advisor.evidence.header import (UnreadableFile, body_part, header_observations,
                                     header_texts, instance_ref, integer, is_us_image, modality,
                                     patient_age, patient_weight, read_header, text)
from advisor.evidence.masks import mass_masks
from advisor.evidence.ocr import (Annotation, Reading, Strip, read_strips, series_images, series_strip,
                                  tesseract_available)
from advisor.evidence.pixels import ASSUMED_MM_PER_PIXEL, first_frame, tissue_region
from advisor.model import SOURCE_PRECEDENCE, BurnedInLabel, Focus, Observation, Resolved, StudyFacts

log = logging.getLogger(__name__)

FOCUS_MATCH_MIN_MM = 1.5   # detections closer than this (or the focus radius) are one focus
# Threads of one analysis: 1, all in the calling thread; 2, the burned-in text read in a
# second thread beside the detector (the default where there is a second core).
DEFAULT_THREADS = 2 if (os.cpu_count() or 1) > 1 else 1
FIRST_FRAMES_AHEAD = 4   # a study's text is read ahead of the detector when it has this many series or fewer
HEAP_KEPT_BYTES = 64 * 2**20   # freed heap glibc keeps for the next frame (see keep_freed_heap)


def keep_freed_heap() -> None:
    """Ask glibc's allocator (no effect without it) to serve a frame's arrays (1-10 MB) from the
    heap and keep up to HEAP_KEPT_BYTES of freed heap for the next frame. By default it maps each
    allocation above 128 kB afresh, raising that limit only to the size of a mapped block it
    frees, and hands freed heap above twice the limit back to the system: which sizes happened
    to be freed first decided whether each frame's arrays page-faulted afresh (0.3-1 ms of system
    time per frame of the benchmark's analysis). Called once per process by the command line and
    the node's workers; the answers do not depend on it."""
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3   # malloc.h
    mallopt(m_mmap_threshold, HEAP_KEPT_BYTES // 2)
    mallopt(m_trim_threshold, HEAP_KEPT_BYTES)


# --- pixels ---------------------------------------------------------------

def _detector_note(detections: list[tuple[str, Detection]]) -> str:
    frames = sum(d.frames for _, d in detections)
    masks = sorted({d.mask for _, d in detections})
    unknown = [uid for uid, d in detections if not d.spacing_known]
    note = (f"Detector: {frames} frame(s) of {len(detections)} image(s) searched "
            f"({', '.join(masks)}).")
    if unknown:
        note += (f" No calibrated ultrasound region on {len(unknown)} image(s): sizes there "
                 f"assume {ASSUMED_MM_PER_PIXEL} mm per pixel.")
    return note


def _same_focus(a: Focus, b: Focus) -> bool:
    """Within max(1.5 mm, the larger radius) of each other (same pixel grid assumed)."""
    tolerance_mm = max(FOCUS_MATCH_MIN_MM, max(a.diameter_mm, b.diameter_mm) / 2)
    return math.hypot(a.x - b.x, a.y - b.y) * a.mm_per_pixel <= tolerance_mm


def distinct_foci(foci: list[Focus], grid_of: dict[str, tuple]) -> list[Focus]:
    """One focus per calcification: detections of the same focus on several frames of a
    cine clip, or on images of one series sharing one pixel grid (``grid_of``: SOP
    Instance UID -> series and calibrated region), are one focus.

    The representative is the strongest detection (shadowing first, then score); its
    ``frames`` lists every frame of its image the focus was seen on.
    """
    groups: list[list[Focus]] = []
    for focus in sorted(foci, key=lambda f: (not f.shadow, -f.score, f.sop_instance_uid, f.frame)):
        group = next((g for g in groups if grid_of[g[0].sop_instance_uid] == grid_of[focus.sop_instance_uid]
                      and _same_focus(g[0], focus)), None)
        if group is None:
            groups.append([focus])
        else:
            group.append(focus)
    return [replace(g[0], frames=tuple(sorted({f.frame for f in g
                                                if f.sop_instance_uid == g[0].sop_instance_uid})))
            for g in groups]


def pixel_grid(ds: Dataset) -> tuple:
    """Images of one series with the same matrix and calibrated region share one pixel grid;
    an image without a calibrated region has a grid of its own."""
    box, spacing = tissue_region(ds, (int(ds.Rows), int(ds.Columns)))
    if box is None:
        return (str(ds.SOPInstanceUID),)
    return str(ds.get("SeriesInstanceUID", "")), int(ds.Rows), int(ds.Columns), box, spacing


# detect_instance, or one that remembers results: (path, mass masks, first frame if decoded)
Detector = Callable[[Path, dict, np.ndarray | None], Detection]


def pixel_evidence(items: list[tuple[Path, Dataset]], detector: Detector = detect_instance,
                   text_reader: SeriesText | None = None) -> tuple[list[Focus], list[Observation], list[str]]:
    """Distinct foci found by the detector in the US images, as evidence about calcification.

    A shadowing focus counts as calcification present; finding none is not
    evidence of absence (ultrasound can miss calcification). ``text_reader``: the OCR of the
    study, handed the first frame of each image it reads, so that frame is decoded once.
    """
    shapes = {str(ds.SOPInstanceUID): (integer(ds, "Rows"), integer(ds, "Columns"))
              for _, ds in items if is_us_image(ds)}
    shapes = {uid: shape for uid, shape in shapes.items() if all(shape)}
    images = [(p, ds) for p, ds in items if str(ds.SOPInstanceUID) in shapes]
    if not images:
        return [], [], []
    masks = mass_masks(items, shapes)
    if text_reader is not None:
        text_reader.read_ahead(images)
    found, notes, detections = [], [], []
    for path, ds in images:
        uid = str(ds.SOPInstanceUID)
        try:
            first = text_reader.hand_first_frame(path, ds) if text_reader is not None else None
            detection = detector(path, {frame: m for (u, frame), m in masks.items() if u == uid},
                                 first[0] if first is not None else None)
        except Exception as exc:  # noqa: BLE001 - undecodable pixels: say so, keep the other evidence
            notes.append(f"Detector could not read the pixels of {uid}: {exc}")
            continue
        detections.append((uid, detection))
        found.extend(detection.foci)
    foci = distinct_foci(found, {str(ds.SOPInstanceUID): pixel_grid(ds) for _, ds in images})
    observations = []
    for uid in dict.fromkeys(f.sop_instance_uid for f in foci if f.shadow):
        shadowing = [f for f in foci if f.shadow and f.sop_instance_uid == uid]
        observations.append(Observation(
            "calcification", "present", "detector", uid,
            f"{len(shadowing)} distinct shadowing focus/foci, largest "
            f"{max(f.diameter_mm for f in shadowing):.1f} mm, seen on "
            f"{sum(len(f.frames) for f in shadowing)} frame(s)"))
    if detections:
        notes.append(_detector_note(detections))
    return foci, observations, notes


# --- burned-in text ---------------------------------------------------------

def label_observations(annotation: Annotation) -> list[Observation]:
    """The side a label names (from the annotation vocabulary: the text reader gives a side
    only to a mass), and what the text reader finds in its words (mass, calcification, organ)."""
    where = f"burned-in text '{annotation.text}'"
    side = ([Observation("laterality", annotation.side, "burned-in-text", annotation.sop_instance_uid, where)]
            if annotation.side else [])
    return side + [o for o in text_observations(annotation.meaning, "burned-in-text",
                                                annotation.sop_instance_uid, where)
                   if o.kind != "laterality"]


class SeriesText:
    """The burned-in text of a study's US series: one strip (:func:`series_strip`) from the
    first frame of each series' first image, all read by one Tesseract run while they fit
    on a page. The detector decodes those frames anyway: it hands each over
    (:meth:`hand_first_frame`), so that it is decoded once; only the strip is kept.

    With a ``worker`` (an executor of one thread), the strips are made and, once every one
    is, read there while the detector goes on; the reading is the same as in this thread.
    A study of a few series is read ahead (:meth:`read_ahead`).
    """

    def __init__(self, images: list[tuple[Path, Dataset]], worker: Executor | None = None) -> None:
        self.images = series_images(images)
        self._wanted = {str(ds.SOPInstanceUID) for _, ds in self.images}
        self._worker = worker
        self._strips: dict[str, Future[Strip]] = {}
        self._reading: Future[tuple[list[Reading], list[str]]] | None = None
        self._ahead: dict[str, Future[tuple[np.ndarray, str]]] = {}

    def read_ahead(self, images: list[tuple[Path, Dataset]]) -> None:
        """With a worker, if every image this reader reads is among ``images`` (those the
        detector will hand over) and they are at most FIRST_FRAMES_AHEAD: decode their first
        frames on the worker now, make the strips and read them there, while the detector
        runs. Each frame is kept until the detector takes it (:meth:`hand_first_frame`): it is
        still decoded once, and at most FIRST_FRAMES_AHEAD frames are held."""
        ahead = [(p, ds) for p, ds in images if str(ds.SOPInstanceUID) in self._wanted]
        if self._worker is None or len(ahead) != len(self._wanted) or len(ahead) > FIRST_FRAMES_AHEAD:
            return
        for path, ds in ahead:
            uid = str(ds.SOPInstanceUID)
            self._ahead[uid] = self._worker.submit(first_frame, path, ds)
            self._strips[uid] = self._worker.submit(_strip_of, path, ds, self._ahead[uid])
        self._reading = self._worker.submit(self._read)

    def hand_first_frame(self, path: Path, ds: Dataset) -> tuple[np.ndarray, str] | None:
        """The first frame of ``path`` as decoded (:func:`first_frame`) if this reader reads
        it (its strip made from it), else None."""
        uid = str(ds.SOPInstanceUID)
        if uid in self._ahead:
            return self._ahead.pop(uid).result()
        if uid not in self._wanted or uid in self._strips:
            return None
        first = first_frame(path, ds)
        self._strips[uid] = self._run(series_strip, path, ds, first)
        if len(self._strips) == len(self._wanted) and self._worker is not None:
            self._reading = self._worker.submit(self._read)
        return first

    def _run(self, function: Callable, *args) -> Future:
        """``function(*args)`` on the worker, or here and now without one."""
        if self._worker is not None:
            return self._worker.submit(function, *args)
        done: Future = Future()
        try:
            done.set_result(function(*args))
        except Exception as exc:  # noqa: BLE001 - kept for _read, which tries again and says why
            done.set_exception(exc)
        return done

    def read(self) -> tuple[list[Reading], list[str]]:
        """Each series' reading, and a note for each series whose text could not be read."""
        return self._reading.result() if self._reading is not None else self._read()

    def _read(self) -> tuple[list[Reading], list[str]]:
        strips, notes = [], []
        for path, ds in self.images:
            uid = str(ds.SOPInstanceUID)
            try:
                strips.append(self._handed_strip(uid) or series_strip(path, ds))
            except Exception as exc:  # noqa: BLE001 - unreadable pixels: say so, keep the other evidence
                notes.append(f"Burned-in text of {ds.SOPInstanceUID} could not be read: {exc}")
        try:
            return read_strips(strips), notes
        except Exception as exc:  # noqa: BLE001 - Tesseract failed on the page: keep the other evidence
            return [], notes + [f"Burned-in text of {s.sop_instance_uid} could not be read: {exc}" for s in strips]

    def _handed_strip(self, uid: str) -> Strip | None:
        """The strip made from the frame handed over, None if none was or making it failed."""
        made = self._strips.get(uid)
        return made.result() if made is not None and made.exception() is None else None


def _strip_of(path: Path, ds: Dataset, first: Future[tuple[np.ndarray, str]]) -> Strip:
    """:func:`series_strip` of the first frame ``first`` decodes."""
    return series_strip(path, ds, first.result())


@functools.cache
def _text_worker(process: int) -> ThreadPoolExecutor:
    """The thread that reads burned-in text beside the detector, one per process (``process``:
    its id), kept for the process's life: Tesseract's model is loaded once per thread."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="burned-in-text")


def series_text(items: list[tuple[Path, Dataset]], threads: int = 1) -> SeriesText | None:
    """The reader of the study's burned-in text, None without US images or without Tesseract;
    with ``threads`` above 1 it reads in a thread of its own (:class:`SeriesText`)."""
    images = [(p, ds) for p, ds in items if is_us_image(ds)]
    if not images or not tesseract_available():
        return None
    return SeriesText(images, _text_worker(os.getpid()) if threads > 1 else None)


def burned_in_evidence(items: list[tuple[Path, Dataset]], text_reader: SeriesText | None = None
                       ) -> tuple[list[Observation], list[str], list[str], list[BurnedInLabel]]:
    """What the sonographer typed on the images, read by OCR once per series (one
    Tesseract run for the whole study; ``text_reader``: the study's reader, if the detector has
    handed it frames).

    Returns the observations (source ``burned-in-text``), the annotations in
    plain words (region texts, e.g. "left kidney"), one note per series for
    the reasons: what was read and where (no timing: the SR must be repeatable),
    and the labels with their boxes (for the study page).
    """
    if not any(is_us_image(ds) for _, ds in items):
        return [], [], [], []
    text_reader = text_reader or series_text(items)
    if text_reader is None:
        return [], [], ["Burned-in text not read: Tesseract OCR is not available."], []
    observations, regions, labels = [], [], []
    readings, notes = text_reader.read()
    for reading in readings:
        log.debug("series %s: burned-in text read in %.2f s", reading.series_instance_uid, reading.seconds)
        for annotation in reading.annotations:
            regions.append(annotation.meaning)
            observations.extend(label_observations(annotation))
            labels.append(BurnedInLabel(annotation.sop_instance_uid, annotation.frame,
                                        annotation.text, annotation.box))
        found = "; ".join(f"'{a.text}' at x {a.box[0]}-{a.box[2]}, y {a.box[1]}-{a.box[3]}"
                          for a in reading.annotations) or "no annotation recognised"
        notes.append(f"Burned-in text (OCR of {reading.sop_instance_uid} frame 1): {found}.")
    return observations, regions, notes, labels


# --- precedence -----------------------------------------------------------

def _rank(source: str) -> int:
    return SOURCE_PRECEDENCE.index(source)


def resolve(observations: list[Observation], kind: str) -> Resolved:
    """The strongest source's statement about ``kind``.

    Within one source, left + right make bilateral and present beats absent
    (an explicit finding anywhere in the sonographer's report is the finding).
    """
    relevant = [o for o in observations if o.kind == kind]
    if not relevant:
        return Resolved(None, None)
    best = min(_rank(o.source) for o in relevant)
    values = {o.value for o in relevant if _rank(o.source) == best}
    if kind == "laterality":
        value = "bilateral" if "bilateral" in values or {"left", "right"} <= values else values.pop()
    else:
        value = "present" if "present" in values else "absent"
    agreeing = sorted({o.source for o in relevant if o.value == value}, key=_rank)
    return Resolved(value, SOURCE_PRECEDENCE[best], tuple(agreeing))


def disagreements(observations: list[Observation], kind: str, chosen: Resolved) -> list[str]:
    """Notes for each weaker source that says something else than the chosen one."""
    if chosen.value is None:
        return []
    others = sorted({(o.source, o.value) for o in observations
                     if o.kind == kind and o.value != chosen.value and o.source != chosen.source},
                    key=lambda sv: _rank(sv[0]))
    return [f"Disagreement on {kind}: {source} says {value}, {chosen.source} says "
            f"{chosen.value}; {chosen.source} was used." for source, value in others]


def strongest_value(observations: list[Observation], kind: str) -> str | None:
    """The value of ``kind`` stated by the strongest source (first stated there)."""
    relevant = sorted((o for o in observations if o.kind == kind), key=lambda o: _rank(o.source))
    return relevant[0].value if relevant else None


@dataclass(frozen=True)
class MassDetails:
    """What the texts say about the mass beyond present/absent (StudyFacts fields)."""

    organ: str | None
    size_mm: float | None
    context: frozenset[str]
    uncertain: tuple[str, ...]


def mass_details(observations: list[Observation]) -> MassDetails:
    """Organ and size of the mass from the strongest source; context flags from every source.

    A flag (e.g. known-tumour-follow-up) stated by any source holds: the order text
    may be the only place that says the child is on treatment.
    """
    size = strongest_value(observations, "size_mm")
    uncertain = dict.fromkeys(f"Not a finding ({o.detail}): {o.value}." for o in observations
                              if o.kind == "uncertain")
    return MassDetails(organ=strongest_value(observations, "organ"),
                       size_mm=float(size) if size else None,
                       context=frozenset(o.value for o in observations if o.kind == "context"),
                       uncertain=tuple(uncertain))


# --- study ----------------------------------------------------------------

def instance_observations(ds: Dataset) -> list[Observation]:
    """What one instance's header and, for an SR, its content tree state."""
    observations = list(header_observations(ds))
    if modality(ds) == "SR":
        observations.extend(sr_observations(ds))
    return observations


def readable_instances(study_uid: str, items: list[tuple[Path, Dataset]]
                       ) -> tuple[list[tuple[Path, Dataset]], list[Observation], list[str]]:
    """The instances whose evidence could be read, their observations, and a note per excluded one.

    One instance that cannot be read (a malformed sequence, say) is left out with
    the reason; the rest of the study is still analysed.
    """
    kept, observations, notes = [], [], []
    for path, ds in items:
        try:
            found = instance_observations(ds)
            instance_ref(path, ds)
        except Exception as exc:  # noqa: BLE001 - exclude this instance, keep the study
            uid = str(ds.SOPInstanceUID)
            notes.append(f"Instance {uid} was excluded from the analysis: it could not be read "
                         f"({type(exc).__name__}).")
            log.warning("study %s: instance %s excluded: %s", study_uid, uid, type(exc).__name__)
            continue
        kept.append((path, ds))
        observations.extend(found)
    return kept, observations, notes


def read_instances(study_uid: str, paths: Iterable[Path]) -> tuple[list[tuple[Path, Dataset]], list[str]]:
    """(path, header) of each readable file of one study, and a note per file left out."""
    items, notes = [], []
    for path in paths:
        try:
            items.append((path, read_header(path)))
        except UnreadableFile as exc:
            notes.append(f"Instance file {path.name} was excluded from the analysis: it is not "
                         f"readable DICOM ({exc.reason}).")
            log.warning("study %s: %s excluded: not readable DICOM (%s)", study_uid, path.name,
                        exc.reason)
    return items, notes


def analyze_study(study_uid: str, items: list[tuple[Path, Dataset]], detect: bool = True,
                  ocr: bool = True, unreadable: Iterable[str] = (),
                  detector: Detector = detect_instance, threads: int | None = None) -> StudyFacts:
    """Facts of one study from its (path, header dataset) pairs.

    ``detect`` runs the pixel detector (``detector``) on every US image (pixels
    are read from ``path`` one frame at a time); ``ocr`` reads the text burned
    into the first image of each US series. ``unreadable`` holds the notes of
    files of the study that could not be read at all (:func:`read_instances`). ``threads``:
    1 runs all in the calling thread, 2 reads the burned-in text in a second thread while the
    detector runs (the facts are the same); None, :data:`DEFAULT_THREADS`.
    """
    items = [(p, ds) for p, ds in items if not is_own_output(ds)]
    items, observations, excluded = readable_instances(study_uid, items)
    excluded = list(unreadable) + excluded
    datasets = [ds for _, ds in items]
    text_reader = series_text(items, DEFAULT_THREADS if threads is None else threads) if ocr else None
    foci, detector_observations, detector_notes = (pixel_evidence(items, detector, text_reader) if detect
                                                   else ([], [], []))
    observations.extend(detector_observations)
    burned_in, burned_in_regions, burned_in_notes, labels = (burned_in_evidence(items, text_reader) if ocr
                                                             else ([], [], [], []))
    observations.extend(burned_in)
    age, age_source = patient_age(datasets)
    resolved = {kind: resolve(observations, kind) for kind in ("laterality", "mass", "calcification")}
    details = mass_details(observations)
    notes = excluded + detector_notes + burned_in_notes + [
        note for kind, chosen in resolved.items() for note in disagreements(observations, kind, chosen)]
    notes += list(details.uncertain)
    return StudyFacts(
        study_instance_uid=study_uid,
        instances=[instance_ref(p, ds) for p, ds in items],
        modalities={modality(ds) for ds in datasets} - {""},
        body_parts={body_part(ds) for ds in datasets} - {""},
        region_texts=sorted({value for ds in datasets for _, value in header_texts(ds)}
                            | set(burned_in_regions)),
        age_years=age, age_source=age_source, weight_kg=patient_weight(datasets),
        laterality=resolved["laterality"], mass=resolved["mass"],
        calcification=resolved["calcification"], observations=observations, foci=foci, notes=notes,
        labels=labels,
        organ=details.organ, mass_size_mm=details.size_mm, context=details.context)


def dicom_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every file under ``paths`` (files as given, folders walked in sorted order)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path


def group_by_study(paths: Iterable[Path]) -> tuple[dict[str, list[tuple[Path, Dataset]]], list[str]]:
    """Headers of every readable file grouped by Study Instance UID, plus problems found."""
    studies: dict[str, list[tuple[Path, Dataset]]] = {}
    problems = []
    for path in dicom_files(paths):
        try:
            ds = read_header(path)
        except UnreadableFile as exc:
            problems.append(f"skipped: {exc}")
            continue
        studies.setdefault(text(ds, "StudyInstanceUID"), []).append((path, ds))
    return studies, problems
