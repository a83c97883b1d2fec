"""Coded concepts the advisor reads and writes, in one place.

Values come from pydicom's PS3.16 code dictionary where it has them; the few
others are checked against ``../shared/SR-NOTES.md`` and named here once.
``docs/conformance.md`` lists every code with its source.
"""

from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code

FINDING = codes.DCM.Finding                      # 121071 DCM
MASS = codes.SCT.Mass                            # 4147007 SCT
ABDOMEN = codes.SCT.Abdomen
LATERALITY = codes.SCT.Laterality                # 272741003 SCT
PATHOLOGIC_CALCIFICATION = codes.SCT.PathologicCalcification  # 18115005 SCT
PRESENT = codes.SCT.Present
ABSENT = codes.SCT.Absent
UNKNOWN = codes.SCT.Unknown                      # 261665006 SCT
RECOMMENDATION = codes.DCM.Recommendation        # 121075 DCM
SUMMARY = codes.DCM.Summary                      # 121111 DCM
IMAGING_PROCEDURE = codes.SCT.ImagingProcedure   # 363679005 SCT, allowed by CID 100
DIAMETER = codes.SCT.Diameter
ILLUSTRATION_OF_ROI = codes.DCM.IllustrationOfROI   # 121200 DCM, TID 1410

# Posterior acoustic features of a focus (111366 DCM) with values of CID 6155.
POSTERIOR_ACOUSTIC_FEATURES = codes.DCM.PosteriorAcousticFeatures   # 111366 DCM
POSTERIOR_SHADOWING = codes.DCM.PosteriorShadowing                  # 111369 DCM
NO_POSTERIOR_ACOUSTIC_FEATURES = codes.DCM.NoPosteriorAcousticFeatures  # 111367 DCM

# Key Object Selection (TID 2010): document title from CID 7010.
OF_INTEREST = codes.DCM.OfInterest               # 113000 DCM

FINDING_SITE = codes.SCT.FindingSite           # 363698007 SCT

# Organ of origin (StudyFacts.organ, the text rules' [organs]) -> the Finding Site of
# the TID 1501 assessment group. Every code is in CID 4 Anatomic Region (kidney also
# CID 6204, adrenal gland CID 4030/6204, liver and ovary CID 6204); an organ without
# its own code ("other") keeps the Abdomen.
ORGAN_CODES: dict[str, Code] = {
    "kidney": codes.SCT.Kidney,                  # 64033007 SCT
    "adrenal": codes.SCT.AdrenalGland,           # 23451007 SCT
    "liver": codes.SCT.Liver,                    # 10200004 SCT
    "ovary": codes.SCT.Ovary,                    # 15497006 SCT
    "retroperitoneum": codes.SCT.Retroperitoneum,  # 82849001 SCT
}

LATERALITY_CODES: dict[str, Code] = {
    "left": codes.SCT.Left,
    "right": codes.SCT.Right,
    "bilateral": codes.SCT.Bilateral,
}

# TID 1500 row 12: the report-level qualitative evaluations container.
QUALITATIVE_EVALUATIONS = Code("C0034375", "UMLS", "Qualitative Evaluations")

# Local scheme for concepts with no verified public code (docs/conformance.md),
# identified by a Coding Scheme UID in Coding Scheme Identification Sequence
# (PS3.3 C.12.1.1.2). The UID is a fixed 2.25 UUID-derived UID: never change it.
LOCAL_SCHEME = "99PEDSADV"
LOCAL_SCHEME_UID = "2.25.98622962666853199795949802487793913895125164025941396044071"
LOCAL_SCHEME_NAME = "Pediatric protocol advisor local codes"
DECISION_OUTCOME = Code("outcome", LOCAL_SCHEME, "Advisor outcome")
# A non-shadowing echogenic focus: possibly calcification, not asserted as such.
ECHOGENIC_FOCUS_UNCERTAIN = Code("echo-focus", LOCAL_SCHEME,
                                 "Echogenic focus without shadow, uncertain")
