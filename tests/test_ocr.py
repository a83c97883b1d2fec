"""Burned-in annotations read by Tesseract: side from the label beside the fan, never from the tissue."""

import logging
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydicom import dcmread

from advisor import analyze
from advisor.analyze import analyze_study, group_by_study
from advisor.evidence import ocr
from advisor.evidence.header import read_header
from advisor.evidence.pixels import brightness, ultrasound_region_boxes
from conftest import ROOT, SAMPLES

sys.path.insert(0, str(ROOT / "scripts"))
import annotation_phantoms as ap  # noqa: E402

SHAPE = (240, 320)


def case(label, side, font="DejaVuSans.ttf", size=14, colour="white", corner="bottom-left",
         encoding="mono", quality=92, shape=SHAPE, decoy=None):
    return ap.fitted(ap.AnnotationCase(label, side, font, size, colour, corner, encoding, quality,
                                       shape, decoy))


def analyse(path: Path, **header):
    ds = read_header(path)
    for keyword, value in header.items():
        setattr(ds, keyword, value)
    return analyze_study(str(ds.StudyInstanceUID), [(path, ds)], detect=False)


RENDERED = [
    # fonts, sizes, colours, corners and encodings; the side each label names
    case("LT KIDNEY", "left", font=None, size=10),
    case("RT FLANK", "right", font="DejaVuSans-Bold.ttf", size=22, corner="bottom-right"),
    case("TRANS LUQ", "left", font="DejaVuSansMono.ttf", size=16, corner="top-left", encoding="rgb",
         colour="yellow"),
    case("L ADRENAL", "left", font="LiberationSans-Regular.ttf", size=18, corner="top-right",
         encoding="rgb", colour="cyan", shape=(480, 640)),
    case("SAG RUQ", "right", font="LiberationMono-Regular.ttf", size=12, encoding="jpeg", quality=60,
         colour="light grey"),
    case("R KIDNEY UPPER POLE", "right", font="NimbusSans-Regular.otf", size=26, encoding="jpeg",
         quality=75, colour="green", shape=(480, 640)),
    case("LONG LEFT FLANK", "left", size=11, encoding="jpeg", quality=60, colour="orange",
         corner="bottom-right", shape=(480, 640)),
    # a label of the other side typed over the tissue is not read
    case("RIGHT ADRENAL", "right", encoding="rgb", colour="yellow", decoy="LT KIDNEY"),
    case("TRANS ABD", None, decoy="RT KIDNEY", encoding="jpeg", quality=60),
]


@pytest.mark.parametrize("drawn", RENDERED, ids=lambda c: f"{c.label}-{c.font}-{c.size_px}-{c.encoding}")
def test_side_is_read_from_the_label_beside_the_fan(drawn, tmp_path):
    path = tmp_path / "US.dcm"
    ap.write_case(drawn, 7, path)
    facts = analyse(path)
    assert facts.laterality.value == drawn.side
    if drawn.side:
        assert facts.laterality.source == "burned-in-text"
    assert any(note.startswith("Burned-in text (OCR of ") for note in facts.notes)


def test_text_over_the_tissue_is_not_read(tmp_path):
    path = tmp_path / "US.dcm"
    # The only side on the image is typed over the tissue.
    ap.write_case(case("TRANS ABD", None, decoy="LT KIDNEY", size=20, colour="white"), 3, path)
    ds = dcmread(path, stop_before_pixels=True)
    [image] = ocr.series_images([(path, ds)])
    reading = ocr.read_series(*image)
    assert [a.text for a in reading.annotations] == ["TRANS ABD"]
    assert analyse(path).laterality.value is None


def test_box_of_the_label_is_where_it_was_drawn(tmp_path):
    path = tmp_path / "US.dcm"
    drawn = case("RT KIDNEY", "right", size=20, corner="top-right", shape=(480, 640))
    ap.write_case(drawn, 5, path)
    [annotation] = ocr.read_series(path, dcmread(path, stop_before_pixels=True)).annotations
    x0, y0, x1, y1 = annotation.box
    font_box = ap.load_font(drawn).getbbox(drawn.label)
    x, y = ap._corner_xy(drawn, font_box)
    assert abs(x0 - (x + font_box[0])) <= 3 and abs(y0 - (y + font_box[1])) <= 3
    assert abs(x1 - (x + font_box[2])) <= 3 and abs(y1 - (y + font_box[3])) <= 3


def test_header_and_burned_in_text_that_disagree_are_reported(tmp_path):
    path = tmp_path / "US.dcm"
    ap.write_case(case("LT KIDNEY", "left", size=16), 11, path)
    facts = analyse(path, ImageLaterality="R")
    assert (facts.laterality.value, facts.laterality.source) == ("right", "header")
    assert ("Disagreement on laterality: burned-in-text says left, header says right; "
            "header was used.") in facts.notes


def test_sample_whose_only_side_is_burned_in():
    [(uid, items)] = group_by_study([SAMPLES / "07-calcified-mass-side-burned-in"])[0].items()
    facts = analyze_study(uid, items, detect=False)
    assert (facts.laterality.value, facts.laterality.source) == ("left", "burned-in-text")
    assert "left adrenal" in " ".join(facts.region_texts)


@pytest.mark.parametrize("folder", sorted(p.name for p in SAMPLES.iterdir()))
def test_samples_do_not_contradict_themselves(folder):
    [(uid, items)] = group_by_study([SAMPLES / folder])[0].items()
    facts = analyze_study(uid, items, detect=False)
    burned_in = {o.value for o in facts.observations
                 if o.kind == "laterality" and o.source == "burned-in-text"}
    assert burned_in == {facts.laterality.value}
    assert not [n for n in facts.notes if n.startswith("Disagreement on laterality")]


def test_one_reading_per_series_not_per_frame(monkeypatch):
    calls = []
    real = ocr.image_to_data
    monkeypatch.setattr(ocr, "image_to_data", lambda *a, **k: calls.append(1) or real(*a, **k))
    [(uid, items)] = group_by_study([SAMPLES / "01-calcified-left-flank-coded"])[0].items()
    analyze_study(uid, items, detect=False)   # one series: a single frame image and a 3-frame cine
    assert len(calls) == 1


def test_series_of_a_study_are_read_in_one_run_as_each_would_be_alone(monkeypatch, tmp_path):
    drawn = [case("LT KIDNEY", "left", size=16),
             case("RT FLANK", "right", font="DejaVuSans-Bold.ttf", size=22, corner="top-right",
                  encoding="rgb", colour="yellow", shape=(480, 640)),
             case("TRANS LUQ", "left", font="DejaVuSansMono.ttf", size=12, corner="bottom-right",
                  encoding="jpeg", quality=75)]
    strips = []
    for seed, label in enumerate(drawn):
        path = tmp_path / f"{seed}.dcm"
        ap.write_case(label, seed, path)
        strips.append(ocr.series_strip(path, dcmread(path, stop_before_pixels=True)))
    alone = [ocr.read_strips([strip])[0].annotations for strip in strips]
    calls = []
    real = ocr.image_to_data
    monkeypatch.setattr(ocr, "image_to_data", lambda *a, **k: calls.append(1) or real(*a, **k))
    together = [reading.annotations for reading in ocr.read_strips(strips)]
    assert len(calls) == 1
    assert together == alone
    # each series gets its own label, no word of another series' strip
    assert [[a.text for a in found if a.side] for found in together] == [["LT KIDNEY"], ["RT FLANK"],
                                                                          ["TRANS LUQ"]]


def test_a_study_too_large_for_one_page_is_read_on_several():
    def strip(width, height):
        blank = Image.new("L", (width, height), 255)
        return ocr.Strip("1.2", "1.2.3", blank, 1, (0, 0), np.zeros((1, 1), bool))
    tall = [strip(400, 12_000)] * 3              # Tesseract's largest side is 32767 pixels
    assert ocr._pages([0, 1, 2], tall) == [[0, 1], [2]]
    wide = [strip(6_000, 3_000)] * 3             # two on a page: 6032 x 6096, over MAX_STACK_PIXELS
    assert ocr._pages([0, 1, 2], wide) == [[0], [1], [2]]
    assert ocr._pages([1, 2], [strip(100, 100)] * 3) == [[1, 2]]


def test_without_tesseract_the_log_says_so_once_and_the_analysis_carries_on(monkeypatch, caplog, tmp_path):
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))    # no English model there
    ocr.tesseract_available.cache_clear()
    try:
        [(uid, items)] = group_by_study([SAMPLES / "03-right-mass-no-calcification"])[0].items()
        with caplog.at_level(logging.WARNING, logger="advisor.evidence.ocr"):
            first = analyze_study(uid, items, detect=False)
            analyze_study(uid, items, detect=False)
    finally:
        ocr.tesseract_available.cache_clear()
    assert len([r for r in caplog.records if "Tesseract" in r.getMessage()]) == 1
    assert "Burned-in text not read: Tesseract OCR is not available." in first.notes
    assert (first.laterality.value, first.laterality.source) == ("right", "sr-text")


def test_every_side_word_is_a_vocabulary_word_and_labels_name_their_side():
    assert set(ocr._annotation_data()["sides"]) <= set(ocr.vocabulary())
    assert ocr.label_side(["TRANS", "LUQ"]) == "left"
    assert ocr.label_side(["RK", "LOWER", "POLE"]) == "right"
    assert ocr.label_side(["SAG", "LIVER"]) is None
    assert ocr.label_side(["BILAT", "KIDNEY"]) == "bilateral"


def test_vocabulary_words_and_runs():
    assert ocr.vocabulary_words("LADRENAL") == ["L", "ADRENAL"]   # a narrow space missed
    assert ocr.vocabulary_words("PEDS") is None
    runs = ocr.vocabulary_runs(["PEDS", "ABD", "C5-1", "TRANS", "LUQ"])
    assert [typed for _, typed in runs] == [["ABD"], ["TRANS", "LUQ"]]
    assert ocr.vocabulary_runs(["R"]) == []        # a lone letter is not a side
    assert ocr.vocabulary_runs(["SMITH^R", "5Y"]) == []


def test_without_ultrasound_regions_the_fan_is_found_in_the_whole_frame(tmp_path):
    path = tmp_path / "US.dcm"
    ds = ap.write_case(case("RT ADRENAL", "right", size=16, corner="top-left", decoy="LT KIDNEY"), 13, path)
    del ds.SequenceOfUltrasoundRegions
    ds.save_as(path, enforce_file_format=True)
    facts = analyse(path)
    assert (facts.laterality.value, facts.laterality.source) == ("right", "burned-in-text")


def test_a_label_running_onto_the_fan_is_not_read(tmp_path):
    import usphantom as us
    from PIL import ImageFont
    drawn = case("SAG LIVER", None, size=14, corner="top-right", shape=(480, 640))
    frame = ap.render(drawn, 17)
    fan = us.sector_mask(us.Scene(shape=drawn.shape, sector=ap.sector_for(drawn.shape),
                                  mass_center=(0, 0), mass_radius=0))
    row = 200
    edge = int(fan[row].argmax())          # the fan's left edge on that row
    font = ImageFont.truetype("DejaVuSans.ttf", 16)
    side_width = font.getbbox("LT ")[2]
    us.burn_text(frame, edge - side_width - 3, row, "LT KIDNEY", font=font)   # "LT" beside, "KIDNEY" over
    path = tmp_path / "US.dcm"
    us.us_image(ap._study(17), us.uid("straddle", "series"), us.uid("straddle", "image"), 1, [frame],
                ap.sector_for(drawn.shape), "mono").save_as(path, enforce_file_format=True)
    facts = analyse(path)
    assert facts.laterality.value is None
    assert any("'SAG LIVER'" in note for note in facts.notes), "the label beside the fan is still read"


def _with_bars(path: Path, label: str | None, seed: int = 5) -> Path:
    """A US image whose left margin, beside the fan, holds a grey-scale and a colour bar, as
    scanners show; ``label`` typed in the bottom-right corner (none: no label)."""
    drawn = case(label or "X", None, corner="bottom-right", encoding="rgb", shape=(480, 640))
    frame = ap.render(drawn, seed)
    if not label:   # paint the label out again: black where it was
        frame[-60:, -200:] = 0
    top, height = 195, 90               # as simulate_bmode.py draws them
    frame[top:top + height, 8:19] = np.linspace(255, 0, height).astype(np.uint8)[:, None, None]
    t = np.linspace(0, 1, height // 2)[:, None]
    frame[top:top + height // 2, 24:35] = np.stack([255 * (1 - t), 200 * (1 - abs(2 * t - 1)), 255 * t],
                                                   axis=-1).astype(np.uint8)
    ds = ap.us.us_image(ap._study(seed), ap.us.uid("bars", seed, "series"), ap.us.uid("bars", seed, "image"), 1,
                        [frame], ap.sector_for(drawn.shape), "rgb", 92)
    ds.save_as(path, enforce_file_format=True)
    return path


def test_a_grey_scale_and_a_colour_bar_are_no_text_strokes(tmp_path):
    # Tesseract 5.5 read the two bars of a simulate_bmode.py image (seed 77, img0030) as "LT":
    # a side invented beside the fan. They are no strokes of text to give it.
    path = _with_bars(tmp_path / "bars.dcm", "RT KIDNEY")
    ds = dcmread(path)
    bright = brightness(ds.pixel_array, ds.PhotometricInterpretation)
    strokes, _ = ocr.text_strokes(bright, ocr.tissue_mask(bright, ultrasound_region_boxes(ds)))
    assert not strokes[195:285, 8:35].any()
    assert strokes[-60:, -200:].any()          # the label's


def test_a_label_beside_the_bars_is_still_read(tmp_path):
    facts = analyse(_with_bars(tmp_path / "bars.dcm", "RT KIDNEY"))
    assert (facts.laterality.value, facts.laterality.source) == ("right", "burned-in-text")


def test_analyses_side_by_side_each_read_with_their_own_tesseract(tmp_path):
    # The node analyses studies in several threads; a Tesseract API may not be shared.
    from concurrent.futures import ThreadPoolExecutor
    strips = []
    for seed, label in enumerate([case("LT KIDNEY", "left", size=16), case("RUQ", "right", size=18)]):
        path = tmp_path / f"{seed}.dcm"
        ap.write_case(label, seed, path)
        strips.append(ocr.series_strip(path, dcmread(path, stop_before_pixels=True)))
    alone = [[a.text for a in ocr.read_strips([strip])[0].annotations] for strip in strips]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda strip: [a.text for a in ocr.read_strips([strip])[0].annotations],
                                 strips * 4))
    assert together == alone * 4
    assert [[t for t in texts if t in ("LT KIDNEY", "RUQ")] for texts in alone] == [["LT KIDNEY"], ["RUQ"]]



@pytest.mark.parametrize("ahead", [0, 4])
def test_text_read_beside_the_detector_gives_the_same_facts(monkeypatch, tmp_path, ahead):
    # Two series with labels and one whose pixels cannot be decoded: the text read in a second
    # thread, from the first frames the detector hands over (or decoded ahead of it), is the
    # text read in this one.
    monkeypatch.setattr(analyze, "FIRST_FRAMES_AHEAD", ahead)
    study = None
    for seed, label in enumerate([case("LT KIDNEY", "left", size=16),
                                  case("TRANS LUQ", "left", encoding="jpeg", corner="bottom-right")]):
        ds = ap.write_case(label, seed, tmp_path / f"{seed}.dcm", study)
        study = study or ds
    broken = dcmread(tmp_path / "0.dcm")
    broken.SeriesInstanceUID, broken.SOPInstanceUID = "1.2.826.0.1.3680043.10.1", "1.2.826.0.1.3680043.10.2"
    broken.PixelData = broken.PixelData[:100]
    broken.save_as(tmp_path / "2.dcm")
    [(uid, items)] = group_by_study([tmp_path])[0].items()
    one, two = (analyze_study(uid, items, threads=threads) for threads in (1, 2))
    assert (one.labels, one.notes, one.observations, one.foci) == (two.labels, two.notes, two.observations,
                                                                   two.foci)
    assert [label.text for label in two.labels] == ["LT KIDNEY", "TRANS LUQ"]
    assert any(note.startswith("Burned-in text of 1.2.826.0.1.3680043.10.2 could not be read")
               for note in two.notes)
