"""The Key Object Selection document that flags the key image and the SR for a PACS."""

from pathlib import Path

import highdicom as hd
import pytest
from pydicom import dcmread

from advisor.analyze import analyze_study, group_by_study
from advisor.decide import decide
from advisor.output.keyimage import build_key_image
from advisor.output.kos import build_kos
from advisor.output.report import build_sr, summary_line
from advisor.output.uids import result_uids
from advisor.protocols import load_protocols
from conftest import PATIENT_STUDY, PROTOCOLS, SAMPLES, Validation, copy_without, require_tool, run

PROTOCOL_SET = load_protocols(PROTOCOLS)
FOLDER = SAMPLES / "01-calcified-left-flank-coded"


def results(folder: Path, revision: int = 1, predecessor: str | None = None, *, key_image: bool = True):
    """The SR, key image and KOS of one revision, as the assembler builds them."""
    [(study_uid, items)] = group_by_study([folder])[0].items()
    facts = analyze_study(study_uid, items)
    decision = decide(facts, PROTOCOL_SET)
    uids = result_uids(facts, PROTOCOL_SET.fingerprint, revision=revision, predecessor_uid=predecessor)
    summary = summary_line(decision)
    image = build_key_image(facts, summary, uids) if key_image else None
    sr = build_sr(facts, decision, [ds for _, ds in items], uids, key_image=image)
    return sr, image, build_kos(summary, sr, image, uids), summary


def referenced(kos) -> list[tuple[str, str]]:
    return [(item.ValueType, item.ReferencedSOPSequence[0].ReferencedSOPInstanceUID)
            for item in kos.ContentSequence if item.ValueType in ("IMAGE", "COMPOSITE")]


def test_kos_is_valid_and_names_the_key_image_and_the_sr(tmp_path):
    sr, image, kos, summary = results(FOLDER)
    path = tmp_path / "kos.dcm"
    kos.save_as(path, enforce_file_format=True)
    checked = run([require_tool("dciodvfy"), str(path)])
    assert Validation.errors(checked.stdout + checked.stderr) == []
    dump = run([require_tool("dsrdump"), "-v", str(path)])
    assert "Key Object Selection Document" in dump.stdout and "E: " not in dump.stdout + dump.stderr
    ds = dcmread(path)
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.59" and ds.Modality == "KO"
    assert (ds.ConceptNameCodeSequence[0].CodeValue, ds.ConceptNameCodeSequence[0].CodingSchemeDesignator) \
        == ("113000", "DCM")
    [description] = [i for i in ds.ContentSequence if i.ConceptNameCodeSequence[0].CodeValue == "113012"]
    assert description.TextValue == summary
    assert referenced(ds) == [("IMAGE", image.SOPInstanceUID), ("COMPOSITE", sr.SOPInstanceUID)]
    evidence = {ref.ReferencedSOPInstanceUID for study in ds.CurrentRequestedProcedureEvidenceSequence
                for series in study.ReferencedSeriesSequence for ref in series.ReferencedSOPSequence}
    assert evidence == {image.SOPInstanceUID, sr.SOPInstanceUID}
    assert ds.StudyInstanceUID == sr.StudyInstanceUID and ds.PatientID == sr.PatientID
    hd.ko.KeyObjectSelectionDocument.from_dataset(ds)  # highdicom reads it back


def test_the_sr_names_the_key_image(tmp_path):
    sr, image, _, _ = results(FOLDER)
    evidence = {ref.ReferencedSOPInstanceUID for study in sr.CurrentRequestedProcedureEvidenceSequence
                for series in study.ReferencedSeriesSequence for ref in series.ReferencedSOPSequence}
    assert image.SOPInstanceUID in evidence
    illustrations = [e for e in sr.iterall() if e.keyword == "ReferencedSOPInstanceUID"
                     and e.value == image.SOPInstanceUID]
    assert len(illustrations) >= 2, "in the evidence and as the illustration of the foci it shows"


def test_amended_kos_names_the_new_key_image_and_sr():
    first_sr, first_image, first_kos, _ = results(FOLDER)
    sr, image, kos, _ = results(FOLDER, revision=2, predecessor=str(first_sr.SOPInstanceUID))
    assert kos.SOPInstanceUID != first_kos.SOPInstanceUID and kos.InstanceNumber == 2
    assert kos.SeriesInstanceUID == first_kos.SeriesInstanceUID
    assert referenced(kos) == [("IMAGE", image.SOPInstanceUID), ("COMPOSITE", sr.SOPInstanceUID)]
    assert {image.SOPInstanceUID, sr.SOPInstanceUID}.isdisjoint(
        {first_image.SOPInstanceUID, first_sr.SOPInstanceUID})


def test_without_a_key_image_the_kos_names_the_sr():
    sr, image, kos, _ = results(FOLDER, key_image=False)
    assert image is None
    assert referenced(kos) == [("COMPOSITE", sr.SOPInstanceUID)]


def test_a_description_longer_than_orthanc_shows_is_refused():
    sr, image, _, _ = results(FOLDER)
    [(study_uid, items)] = group_by_study([FOLDER])[0].items()
    uids = result_uids(analyze_study(study_uid, items), PROTOCOL_SET.fingerprint)
    with pytest.raises(ValueError, match="256"):
        build_kos("x" * 257, sr, image, uids)


def test_kos_of_a_study_without_patient_and_study_attributes_is_valid(tmp_path):
    folder = copy_without(FOLDER, tmp_path / "in", PATIENT_STUDY)
    _, _, kos, _ = results(folder)
    path = tmp_path / "kos.dcm"
    kos.save_as(path, enforce_file_format=True)
    checked = run([require_tool("dciodvfy"), str(path)])
    assert Validation.errors(checked.stdout + checked.stderr) == []
    ds = dcmread(path)
    assert ds.PatientID == "" and ds.StudyDate == "" and "AccessionNumber" in ds
