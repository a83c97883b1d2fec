#!/usr/bin/env python3
"""Generate ``dicom_samples/``: small synthetic studies covering each outcome.

    python scripts/make_samples.py [--out dicom_samples]

Every patient, UID and pixel here is synthetic and repeatable (same output on
every run). Each study folder holds US images (single- and multi-frame, with
SequenceOfUltrasoundRegions) and, where the case needs one, the sonographer's
findings SR: coded (Comprehensive SR, TID-style Finding = Mass with finding
site, laterality and pathologic calcification) or free text (Enhanced SR).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import highdicom as hd
import numpy as np
from highdicom.sr import (CodeContentItem, ContainerContentItem, ContentSequence, GraphicTypeValues,
                          TextContentItem)
from pydicom import Dataset
from pydicom.sr.codedict import codes

sys.path.insert(0, str(Path(__file__).resolve().parent))
import usphantom as us  # noqa: E402

SHAPE = (240, 320)
SECTOR = us.Sector(apex_x=160, apex_y=-30, half_angle_deg=35, r_min=60, r_max=265, mm_per_pixel=0.3)
MASS_CENTER, MASS_RADIUS = (175.0, 120.0), 45.0
CALCIFIC_FOCI = (us.Focus(182, 112, 3.5),)


@dataclass(frozen=True)
class Case:
    folder: str
    age: str | None               # Patient's Age (AS); None: neither age nor birth date
    birth_date: str | None
    laterality: str               # Image Laterality on the images
    reason: str                   # Reason for the Requested Procedure (order text)
    findings: str | None          # "coded" or a free text; None: no findings SR
    encoding: str                 # "mono", "rgb" or "jpeg"
    calcified: bool               # foci drawn in the pixels
    annotation: str               # the sonographer's label burned into the images


CASES = [
    Case("01-calcified-left-flank-coded", "004Y", None, "L", "LT flank mass", "coded", "mono", True,
         "LT FLANK"),
    Case("02-calcified-left-flank-text", None, "20211105", "L", "Abdominal mass, left side",
         "Left flank mass with internal calcifications.", "rgb", True, "LT FLANK"),
    Case("03-right-mass-no-calcification", "006Y", None, "R", "RT abdominal mass",
         "Right renal mass. No calcification seen.", "jpeg", False, "RT KIDNEY"),
    Case("04-adult-calcified-mass", "045Y", None, "L", "LEFT flank mass",
         "Left flank mass with calcification.", "mono", True, "LT FLANK"),
    Case("05-no-age", None, None, "L", "L flank mass", "Left flank mass with calcifications.",
         "mono", True, "LT FLANK"),
    Case("06-calcified-left-flank-pixels-only", "003Y", None, "L", "LT flank mass", None, "mono", True,
         "LT FLANK"),
    # No side in the header, the order or the findings: only the label typed on the image says it.
    Case("07-calcified-mass-side-burned-in", "002Y", None, "", "Abdominal mass",
         "Suprarenal mass with internal calcifications.", "rgb", True, "TRANS L ADRENAL"),
]


def study_attributes(case: Case, index: int) -> Dataset:
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.PatientName = f"SYNTHETIC^CASE{index:02d}"
    ds.PatientID = f"SYN{index:04d}"
    ds.PatientBirthDate = case.birth_date or ""
    if case.age:
        ds.PatientAge = case.age
    ds.PatientSex = "O"
    ds.PatientWeight = 16.0 if case.age != "045Y" else 70.0
    ds.StudyInstanceUID = us.uid(case.folder, "study")
    ds.StudyDate, ds.StudyTime = "20260115", "101500"
    ds.StudyID = f"{index}"
    ds.AccessionNumber = f"SYNACC{index:04d}"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = "US ABDOMEN PAEDIATRIC" if case.age != "045Y" else "US ABDOMEN"
    ds.BodyPartExamined = "ABDOMEN"
    request = Dataset()
    request.RequestedProcedureID = f"RP{index:04d}"
    request.ReasonForTheRequestedProcedure = case.reason
    ds.RequestAttributesSequence = [request]
    return ds


def images(case: Case, study: Dataset) -> list[Dataset]:
    series_uid = us.uid(case.folder, "us-series")
    scene = us.Scene(shape=SHAPE, sector=SECTOR, mass_center=MASS_CENTER, mass_radius=MASS_RADIUS,
                     foci=CALCIFIC_FOCI if case.calcified else ())
    single = labelled(us.bmode_frame(scene, seed=1), case.annotation)
    cine = [labelled(us.bmode_frame(scene, seed=10 + i), case.annotation) for i in range(3)]
    result = []
    for number, frames in ((1, [single]), (2, cine)):
        ds = us.us_image(study, series_uid, us.uid(case.folder, "us", number), number,
                         frames, SECTOR, case.encoding)
        if case.laterality:
            ds.ImageLaterality = case.laterality
        ds.SeriesDescription = "Abdomen"
        result.append(ds)
    return result


def labelled(frame, annotation: str):
    """Burn in the labels a scanner shows beside the image (outside the tissue fan):
    the preset and probe, and the sonographer's label."""
    us.burn_text(frame, 4, 4, "PEDS ABD C5-1")
    us.burn_text(frame, 4, 18, annotation)
    return frame


def mass_outline(image: Dataset) -> hd.sr.ImageRegion:
    """The mass outlined on the first image: a closed POLYLINE (SCOORD, pixel centres + 0.5)."""
    angles = np.linspace(0, 2 * np.pi, 25)
    points = np.stack([MASS_CENTER[0] + 0.5 + MASS_RADIUS * np.cos(angles),
                       MASS_CENTER[1] + 0.5 + MASS_RADIUS * np.sin(angles)], axis=1)
    points[-1] = points[0]
    outline = hd.sr.ImageRegion(GraphicTypeValues.POLYLINE, points, hd.sr.SourceImageForRegion(
        image.SOPClassUID, image.SOPInstanceUID))
    outline.RelationshipType = "INFERRED FROM"
    return outline


def coded_findings(laterality: str, image: Dataset) -> ContainerContentItem:
    """Finding = Mass, with finding site, laterality, pathologic calcification and its outline."""
    root = ContainerContentItem(name=codes.LN.Findings, template_id=None)
    mass = CodeContentItem(codes.DCM.Finding, codes.SCT.Mass, relationship_type="CONTAINS")
    side = {"L": codes.SCT.Left, "R": codes.SCT.Right}[laterality]
    mass.ContentSequence = ContentSequence([
        CodeContentItem(codes.SCT.FindingSite, codes.SCT.Flank, relationship_type="HAS CONCEPT MOD"),
        CodeContentItem(codes.SCT.Laterality, side, relationship_type="HAS CONCEPT MOD"),
        CodeContentItem(codes.SCT.PathologicCalcification, codes.SCT.Present,
                        relationship_type="HAS PROPERTIES"),
        mass_outline(image),
    ])
    root.ContentSequence = ContentSequence([mass])
    return root


def text_findings(text: str) -> ContainerContentItem:
    root = ContainerContentItem(name=codes.LN.Findings)
    root.ContentSequence = ContentSequence([
        TextContentItem(codes.DCM.Finding, text, relationship_type="CONTAINS")])
    return root


def findings_sr(case: Case, evidence: list[Dataset]) -> Dataset:
    coded = case.findings == "coded"
    sr_class = hd.sr.ComprehensiveSR if coded else hd.sr.EnhancedSR
    content = coded_findings(case.laterality, evidence[0]) if coded else text_findings(case.findings)
    sr = sr_class(evidence=evidence, content=content,
                  series_instance_uid=us.uid(case.folder, "sr-series"), series_number=2,
                  sop_instance_uid=us.uid(case.folder, "sr"), instance_number=1,
                  manufacturer="Synthetic Sample Generator", is_complete=True,
                  content_date="20260115", content_time="102000")
    sr.SeriesDescription = "Sonographer findings"
    # highdicom stamps the time of creation; fix it so that the samples are repeatable.
    sr.InstanceCreationDate, sr.InstanceCreationTime = "20260115", "102000"
    for item in sr.ContributingEquipmentSequence:
        if "ContributionDateTime" in item:
            item.ContributionDateTime = "20260115102000"
    return sr


def write_case(case: Case, index: int, out: Path) -> None:
    folder = out / case.folder
    folder.mkdir(parents=True)
    study = study_attributes(case, index)
    instances = images(case, study)
    for ds in instances:
        ds.save_as(folder / f"US{ds.InstanceNumber:03d}.dcm", enforce_file_format=True)
    if case.findings:
        findings_sr(case, instances).save_as(folder / "SR001.dcm", enforce_file_format=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "dicom_samples")
    args = parser.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    for index, case in enumerate(CASES, start=1):
        write_case(case, index, args.out)
    print(f"wrote {len(CASES)} synthetic studies to {args.out}")


if __name__ == "__main__":
    main()
