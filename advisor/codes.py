"""Coded concepts the advisor reads and writes, in one place.

Values come from pydicom's PS3.16 code dictionary where it has them; the few
others are checked against ``../shared/SR-NOTES.md`` and named here once.
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
RECOMMENDATION = codes.DCM.Recommendation        # 121075 DCM
IMAGING_PROCEDURE = codes.SCT.ImagingProcedure   # 363679005 SCT, allowed by CID 100
DIAMETER = codes.SCT.Diameter

LATERALITY_CODES: dict[str, Code] = {
    "left": codes.SCT.Left,
    "right": codes.SCT.Right,
    "bilateral": codes.SCT.Bilateral,
}

# TID 1500 row 12: the report-level qualitative evaluations container.
QUALITATIVE_EVALUATIONS = Code("C0034375", "UMLS", "Qualitative Evaluations")

# Local scheme for concepts with no verified public code (documented in
# docs/conformance.md): the acoustic shadow of a focus and the advisor's outcome.
LOCAL_SCHEME = "99PEDSADV"
POSTERIOR_SHADOW = Code("posterior-shadow", LOCAL_SCHEME, "Posterior acoustic shadow")
DECISION_OUTCOME = Code("outcome", LOCAL_SCHEME, "Advisor outcome")
