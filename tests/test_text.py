"""Free-text findings read with medspaCy ConText: each kind of report language."""

import inspect
import json
import re
import shutil
import sys

import highdicom as hd
import pytest
from pydicom import dcmread
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

from advisor.analyze import analyze_study
from advisor.evidence import text
from advisor.evidence.text import TextRulesError, default_reader, load_text_rules, read_text
from conftest import PROTOCOLS, SAMPLES, run


def reading(phrase: str):
    r = read_text(phrase)
    return r.status("mass"), r.status("calcification"), r.laterality


@pytest.mark.parametrize("phrase, side", [
    ("LT flank mass", "left"), ("L flank mass", "left"), ("Left renal mass", "left"),
    ("RT abdominal mass", "right"), ("Abdominal mass, left side", "left"),
    ("Mass in the LUQ with calcification", "left"),
    ("Large mass arising from the upper pole of the right kidney", "right"),
    ("LEFT ADRENAL: 4 cm solid mass. RIGHT ADRENAL: normal.", "left"),
    ("bilateral renal masses", "bilateral"),
    ("Left adrenal mass 3 cm and right adrenal mass 2 cm", "bilateral"),
    ("Calcified masses in both adrenal glands", "bilateral"),
    ("R/O mass", None), ("abdominal mass", None),
])
def test_side_of_the_mass(phrase, side):
    assert read_text(phrase).laterality == side


@pytest.mark.parametrize("phrase, side", [
    ("Left adrenal mass with calcification. The right kidney is normal.", "left"),
    ("Right kidney normal. Left kidney normal. Right suprarenal mass.", "right"),
    ("Calcified left suprarenal mass. Simple cyst in the right kidney.", "left"),
    ("Right adrenal mass. Small stone in the left kidney.", "right"),
    ("The right lobe of the liver is normal. Left suprarenal mass.", "left"),
    ("Mass in the left adrenal, displacing the right kidney.", "left"),
    ("Right hydronephrosis. No mass.", None),
    ("History of left Wilms tumour. No mass.", None),
])
def test_other_organs_give_the_mass_no_side(phrase, side):
    assert read_text(phrase).laterality == side


@pytest.mark.parametrize("phrase", [
    "Midline retroperitoneal mass with calcification encasing the aorta.",
    "Large mass in the central abdomen containing calcification.",
])
def test_midline_mass_has_no_side(phrase):
    r = read_text(phrase)
    assert r.status("mass") == "present" and r.laterality is None


@pytest.mark.parametrize("phrase, status", [
    ("Left flank mass with internal calcifications.", "present"),
    ("calcified mass", "present"),
    ("Right renal mass. No calcification.", "absent"),
    ("mass without calcific foci", "absent"),
    ("Right renal mass, non-calcified.", "absent"),
    ("Nil calcification.", "absent"),
    ("Calcification: none.", "absent"),
    ("calcifications not seen", "absent"),
    ("Left suprarenal mass. Calcification not identified.", "absent"),
    ("Left flank mass, calcification absent.", "absent"),
    ("negative for calcification", "absent"),
    ("Impression: Rt renal mass, no calcifcation.", "absent"),
])
def test_calcification_negated_before_and_after(phrase, status):
    assert read_text(phrase).status("calcification") == status


@pytest.mark.parametrize("phrase", [
    "?calcification", "possible calcification", "Calcification cannot be excluded.",
    "Some echogenic areas may represent calcification.", "Mass, probably calcified.",
    "rule out calcified mass", "Calcification not assessed.",
])
def test_hedged_calcification_is_not_a_finding(phrase):
    assert read_text(phrase).status("calcification") is None


def test_hedged_mention_is_noted_with_the_words_that_hedge_it():
    notes = read_text("Right adrenal mass; calcification cannot be excluded.").uncertain_notes()
    assert notes == ["calcification 'calcification' not stated as a finding ('cannot be excluded')"]


def test_a_question_mark_on_the_organ_does_not_cancel_the_sentence():
    r = read_text("Large heterogenous mass R flank, ?adrenal ?renal origin, with calcs.")
    assert (r.status("mass"), r.status("calcification"), r.laterality) == ("present", "present", "right")


@pytest.mark.parametrize("phrase", [
    "Left suprarenal mass with echogenic foci showing posterior acoustic shadowing.",
    "Right adrenal mass containing shadowing echogenic foci.",
    "Heterogeneous left renal mass with calcs.",
    "Right suprarenal mass with microcalcification.",
    "Left adrenal mass, speckled.",
    "Left adrenal mass with bright echogenic foci, some with posterior acoustic shadowing.",
    "A solid mass contains bright echogenic foci which cast acoustic shadows.",
])
def test_calcification_described_without_the_word(phrase):
    assert read_text(phrase).status("calcification") == "present"


@pytest.mark.parametrize("phrase", [
    "Left suprarenal mass with a few echogenic foci, no posterior shadowing.",
    "Right adrenal mass containing bright echoes without acoustic shadowing.",
    "Right adrenal mass with echogenic foci, non-shadowing.",
    "Left renal mass with some echogenic foci.",
])
def test_non_shadowing_foci_are_possible_calcification_only(phrase):
    r = read_text(phrase)
    assert r.status("calcification") is None
    assert any("possible calcification" in note for note in r.uncertain_notes())


@pytest.mark.parametrize("phrase", [
    "Left adrenal mass without calcification. Gallstones present.",
    "Right suprarenal mass. Calcified granuloma in the spleen.",
    "Left renal mass. Medullary nephrocalcinosis on the right.",
    "Right adrenal mass. Echogenic focus with shadowing in the gallbladder, a gallstone.",
    "Right adrenal mass. There is a shadowing echogenic focus in the left kidney, in keeping with a calculus.",
    "Right renal mass. Splenic calcification.",
])
def test_calcification_elsewhere_is_not_calcification_of_the_mass(phrase):
    assert read_text(phrase).status("calcification") in (None, "absent")


def test_calcification_of_a_splenic_mass_is_of_the_mass():
    assert read_text("Splenic mass 3 cm with calcification.").status("calcification") == "present"


@pytest.mark.parametrize("phrase, status", [
    ("Left suprarenal SOL with calcification.", "present"),
    ("Space-occupying lesion in the right adrenal.", "present"),
    ("Solid lesion in the left kidney.", "present"),
    ("Heterogeneous lesion in the right suprarenal region.", "present"),
    ("No focal lesion.", "absent"),
    ("No SOL seen.", "absent"),
    ("Focal mass lesion: none seen.", "absent"),
    ("An abdominal mass was not identified.", "absent"),
    ("The previously reported left adrenal mass is no longer seen.", "absent"),
    ("Previous right adrenal mass has resolved.", "absent"),
    ("Normal abdominal ultrasound.", "absent"),
    ("Distended bowel loops causing mass effect.", None),
    ("Indication: rule out neuroblastoma. Kidneys normal.", None),
    ("Clinical details: palpable left flank mass.", None),
    ("?Mass in the left upper quadrant.", None),
    ("A small mass in the right adrenal cannot be excluded.", None),
])
def test_mass_synonyms_negations_and_context(phrase, status):
    assert read_text(phrase).status("mass") == status


@pytest.mark.parametrize("phrase", [
    "Family history of Wilms tumour (father). Kidneys normal.",
    "Brother had neuroblastoma with a calcified adrenal mass.",
    "Note that ultrasound can miss calcification.",
    "CT is more sensitive for calcification.",
])
def test_family_and_caveat_mentions_are_not_findings(phrase):
    r = read_text(phrase)
    assert (r.status("mass"), r.status("calcification")) == (None, None)


@pytest.mark.parametrize("phrase, organ", [
    ("Left suprarenal mass", "adrenal"), ("Mass arising from the left kidney", "kidney"),
    ("Hepatic mass in segment 6", "liver"), ("Pelvic mass arising from the right ovary", "ovary"),
    ("Retroperitoneal mass on the right", "retroperitoneum"),
    ("Mass in the left adrenal, calcified, displacing the left kidney", "adrenal"),
    ("Epigastric mass, calcified, inseparable from the pancreas.", "other"),
    ("Left flank mass", None),
])
def test_organ_of_origin(phrase, organ):
    assert read_text(phrase).organ == organ


@pytest.mark.parametrize("phrase, size", [
    ("Left suprarenal mass measuring 5.1 x 4.0 x 3.8 cm.", 51.0),
    ("Heterogeneous left adrenal mass measuring 42 mm.", 42.0),
    ("4.2x3.1cm lesion in the right adrenal", 42.0),
    ("Left adrenal mass.", None),
])
def test_size_of_the_mass(phrase, size):
    assert read_text(phrase).size_mm == size


@pytest.mark.parametrize("phrase, flags", [
    ("Known neuroblastoma post chemotherapy. Residual left suprarenal mass.", {"known-tumour-follow-up"}),
    ("Post left nephrectomy for Wilms. No mass.", {"known-tumour-follow-up"}),
    ("Hx of neuroblastoma 2 years ago. No recurrent mass.", {"known-tumour-follow-up"}),
    ("Family history of neuroblastoma. Left suprarenal mass.", set()),
    ("Neonate: left suprarenal mass, likely adrenal haemorrhage.", {"adrenal-haemorrhage"}),
    ("Left adrenal mass with calcification. No features of haemorrhage.", set()),
    ("Right adrenal mass, solid and vascular; haemorrhage unlikely.", set()),
    ("Right adrenal mass with haemorrhage within the mass.", set()),
    ("Previous left nephrectomy for multicystic dysplastic kidney. Right suprarenal mass.", set()),
    ("Chemotherapy for leukaemia last year. Right suprarenal mass.", set()),
    ("Cystic right adrenal lesion thought to represent organising haemorrhage.", {"adrenal-haemorrhage"}),
])
def test_context_flags(phrase, flags):
    assert set(read_text(phrase).context) == flags


def facts_of(phrase: str) -> dict:
    r = read_text(phrase)
    return {"mass": r.status("mass"), "calcification": r.status("calcification"),
            "laterality": r.laterality, "organ": r.organ, "context": set(r.context)}


def facts_named(phrase: str, fields) -> dict:
    """The facts of ``phrase`` that a table case names (its expected dict's keys)."""
    read = facts_of(phrase)
    return {field: read[field] for field in fields}


# (phrase, what it must read): one case per rule of how a modifier reaches its finding.
SCOPE_CASES = [
    # a forward negation stops at another finding unless a list joins them
    ("Nil calcification within the right adrenal mass.", {"mass": "present", "calcification": "absent"}),
    ("Right adrenal mass, free of calcification.", {"mass": "present", "calcification": "absent"}),
    ("Absence of calcification in a left renal mass.", {"mass": "present", "calcification": "absent"}),
    # one text saying both: the present mention stands ("no calcification" of another organ)
    ("Left adrenal mass with calcification. No calcification in the kidneys.",
     {"mass": "present", "calcification": "present"}),
    ("No mass or calcification in the adrenals.", {"mass": "absent", "calcification": "absent"}),
    # a post-position one reaches the nearest finding, or one whose place or list it is
    ("Left adrenal mass: calcification nil.", {"mass": "present", "calcification": "absent"}),
    ("Mass and calcification: none.", {"mass": "absent", "calcification": "absent"}),
    ("Right renal mass 4 cm. Calcification within the mass cannot be excluded.",
     {"mass": "present", "calcification": None}),
    ("A left suprarenal mass with calcification is likely, although bowel gas limits the view.",
     {"mass": None, "calcification": None}),
    # "non-" negates the word it is joined to
    ("Non-calcified solid mass in the left adrenal.", {"mass": "present", "calcification": "absent"}),
    ("Right renal mass with non-shadowing echogenic foci.", {"mass": "present", "calcification": None}),
    # a windowed scope never reaches into another sentence
    ("Calcified left adrenal mass. Ascites: none.", {"mass": "present", "calcification": "present"}),
    ("Mesenteric adenitis likely. Calcified right adrenal mass.",
     {"mass": "present", "calcification": "present"}),
    # a terminator ends a windowed scope (medspaCy 1.3 needs the terminator windowed too)
    ("Previously seen small right adrenal mass which today measures 3 cm with calcification.",
     {"calcification": "present"}),
    # what is said of a finding now cancels its history
    ("Previously noted right renal mass is now 4 cm with new calcification.",
     {"mass": "present", "calcification": "present"}),
    # a phrase listed both forward and backward serves both ("?", "equivocal")
    ("Left suprarenal mass. Calcification: equivocal.", {"mass": "present", "calcification": None}),
    ("Left adrenal mass, calcified?", {"mass": "present", "calcification": None}),
    ("Left upper quadrant mass ?adrenal origin, with coarse calcification.",
     {"mass": "present", "calcification": "present", "organ": None}),
    # a hedge ending its clause hedges the words before it, not a diagnosis after them
    ("Right adrenal mass, calcification likely.", {"mass": "present", "calcification": None}),
    ("Calcified left adrenal mass likely neuroblastoma.", {"mass": "present", "calcification": "present"}),
    ("Left suprarenal mass with calcification - neuroblastoma likely.", {"calcification": "present"}),
    # a hedge of what was just said, across the clause
    ("Right suprarenal mass, possibly with faint calcification; this is equivocal.",
     {"mass": "present", "calcification": None}),
    ("Right suprarenal mass. Neuroblastomas typically contain calcification; none is seen here.",
     {"mass": "present", "calcification": None}),
    # conditions, differentials and other examinations state nothing
    ("Right adrenal mass. If calcification is present, CT would show it.", {"calcification": None}),
    ("Left adrenal mass. Echogenic foci: calcification vs fat.", {"calcification": None}),
    ("AXR showed calcification in the left upper quadrant. US: no mass.",
     {"mass": "absent", "calcification": None}),
    ("Left renal mass w/o calcification.", {"calcification": "absent"}),
    # calcification on another side than the mass is not the mass's
    ("Left renal mass 5 cm. Right suprarenal region: small calcified focus.",
     {"mass": "present", "calcification": None}),
    # a hedge before a verb of containing hedges what is contained
    ("Left suprarenal mass, which probably contains some calcification.",
     {"mass": "present", "calcification": None}),
    ("Left adrenal mass, probably with coarse calcification.",
     {"mass": "present", "calcification": None}),
    # a caveat about what ultrasound detects names calcification without stating it
    ("Right adrenal mass. Ultrasound is less sensitive than CT for the detection of calcification.",
     {"mass": "present", "calcification": None}),
    ("Left renal mass. Calcification not established.", {"mass": "present", "calcification": None}),
    # descriptors may head the items of a negated list
    ("No calcified lesion or solid mass in the retroperitoneum.",
     {"mass": "absent", "calcification": "absent"}),
    # a size comparison is not the finding's history
    ("Known left adrenal neuroblastoma. The residual mass measures 2 cm (previously 5 cm) and is calcified.",
     {"mass": "present", "calcification": "present", "laterality": "left", "organ": "adrenal"}),
    # a misspelt calcification is still one, "clarification" is not
    ("Right adrenal mass, no calcifiation. MRI for further clarification.", {"calcification": "absent"}),
    ("Right adrenal mass. MRI for clarification.", {"mass": "present", "calcification": None}),
    # a hedge after "though this could be" weighs what was just said
    ("Mass with calcification in the left adrenal, though this could be a splenic lobule.",
     {"calcification": None}),
    # the whole study said to be normal states no mass
    ("All visualised abdominal structures are within normal limits.", {"mass": "absent"}),
]


@pytest.mark.parametrize("phrase, expected", SCOPE_CASES)
def test_how_far_a_modifier_reaches(phrase, expected):
    assert facts_named(phrase, expected) == expected


# (phrase, what it must read): the shorthand of worksheets and telegraphic reports, one
# case per family of round five (docs/text.md), each in words no corpus text uses.
SHORTHAND_CASES = [
    # the adrenal and the ovary written short
    ("L SRG SOL 3cm c/ calcs.", {"mass": "present", "calcification": "present",
                                 "laterality": "left", "organ": "adrenal"}),
    ("Rt supra renal region: 2 cm lesion.", {"laterality": "right", "organ": "adrenal"}),
    ("B/L SR SOLs c/ calcs.", {"laterality": "bilateral", "organ": "adrenal"}),
    ("Rt + Lt SR masses, calcified.", {"laterality": "bilateral", "organ": "adrenal"}),
    # a few words without a finding head the next sentence like a heading
    ("Right adrenal. Mass 3 cm with calcification.", {"laterality": "right", "organ": "adrenal"}),
    ("Liver: seg 6 SOL 3cm.", {"laterality": "right", "organ": "liver"}),
    # a side after "with" is another finding's when the mass's own side comes first
    ("Right adrenal mass with left hydronephrosis.", {"laterality": "right", "organ": "adrenal"}),
    ("R ovy: complex mass 5cm c/ fat + calc.", {"organ": "ovary"}),
    # an abbreviation's full stop does not end the mass's place
    ("Rt retroperit. solid lesion 4cm.", {"laterality": "right", "organ": "retroperitoneum"}),
    # shadowing written short is calcification; "without" split or short negates it
    ("Left adrenal mass, bright foci w/ PAS.", {"calcification": "present"}),
    ("Left adrenal mass, bright foci with out shadowing.", {"calcification": None}),
    ("Left adrenal mass wo calcs.", {"calcification": "absent"}),
    ("Left adrenal mass, calcification (-).", {"calcification": "absent"}),
    ("Left adrenal mass, calc free. Free fluid.", {"calcification": "absent"}),
    ("Left adrenal mass with calcification and free fluid.", {"calcification": "present"}),
    ("Left adrenal mass. Didn't see any calcs.", {"calcification": "absent"}),
    ("Left adrenal mass. Calcification isn't excluded.", {"calcification": None}),
    ("Left adrenal mass, echogenic foci ?PAS.", {"calcification": None}),
    ("Left adrenal mass; ?? flecks of calcification.", {"mass": "present", "calcification": None}),
    # a negation in the next split-off sentence still reaches a finding that straddles
    # the split (PyRuSH splits at " - "): "foci - PAS" is not left present
    ("Rt SR mass 2cm, echogenic foci - PAS -ve.", {"mass": "present", "calcification": "absent"}),
    # "solid" with a size and no noun is a solid lesion
    ("Lt adrenal: solid, 2.9 cm, calcs++.", {"mass": "present", "calcification": "present",
                                             "laterality": "left"}),
    ("Spleen solid 8cm.", {"mass": None}),
    # caveats about detecting calcification in other words
    ("R SR mass 3cm. Calc assessment limited on US.", {"mass": "present", "calcification": None}),
    ("L SR SOL. Fine calcs easily missed on US.", {"mass": "present", "calcification": None}),
    ("Right adrenal mass. Calcification may be under-called sonographically.",
     {"calcification": None}),
    # "?" before a side hedges the mass after it
    ("? Lt SR SOL c/ calc.", {"mass": None, "calcification": "present"}),
    # a history line and a bracketed operation make the mass not this study's
    ("Hx calcified R SR mass (excised). Kidneys normal.", {"mass": None, "calcification": None}),
    ("PMH: left adrenal mass with calcification. Now: UTI.", {"mass": None}),
    # the tumour followed up is not a finding, and is follow-up
    ("F/U NB. No mass seen.", {"mass": "absent", "context": {"known-tumour-follow-up"}}),
    ("Follow up case of Wilms tumour. Renal fossa clear.", {"mass": None,
                                                            "context": {"known-tumour-follow-up"}}),
    # "now" with the complaint is not the tumour now
    ("Known case of left Wilms tumour, now presenting with cough.", {"mass": None}),
    # the request written short
    ("Ref: palp mass RIF. No mass seen.", {"mass": "absent"}),
    # a separate calcification is not the mass's; "separate from" an organ keeps it
    ("Rt SR mass 2cm; separate calcified focus in the liver.", {"calcification": None}),
    ("Right adrenal mass, calcified, separate from the right kidney.", {"calcification": "present"}),
    # a diagnosis, stage or oncology follow-up makes the tumour known
    ("Stage 4 NB. R SR mass 3cm c/ calcs.", {"context": {"known-tumour-follow-up"}}),
    ("Prev NB. Calcified nodule Rt SR bed.", {"context": {"known-tumour-follow-up"}}),
    ("Operated case of left Wilms tumour. Left renal fossa: calcified nodule.",
     {"context": {"known-tumour-follow-up"}}),
    ("S/P L adrenalectomy for NB. L SR bed: calcified nodule.", {"context": {"known-tumour-follow-up"}}),
    ("Right nephrectomy bed clear. Left renal bed: calcified nodule.", {"organ": "kidney"}),
    ("Left adrenal lesion, calcified, favoured to be old haemorrhage.",
     {"context": {"adrenal-haemorrhage"}}),
    ("Right renal mass. Calcification ? present.", {"calcification": None}),
    # a question and its answer
    ("Calcification? None seen. Left adrenal mass.", {"mass": "present", "calcification": "absent"}),
    ("Scan: nil mass.", {"mass": "absent"}),
    # the whole study said to be normal
    ("Impression: normal.", {"mass": "absent"}),
    # haemorrhage written short raises the flag
    ("R SR lesion 2cm, likely haem.", {"context": {"adrenal-haemorrhage"}}),
    ("Referred by haem-onc. Left adrenal mass.", {"context": set()}),
]


@pytest.mark.parametrize("phrase, expected", SHORTHAND_CASES)
def test_shorthand_and_its_families(phrase, expected):
    assert facts_named(phrase, expected) == expected


# Round six: the families of the third blind set's errors, in other words.
ROUND_SIX_CASES = [
    # a hedged "represents" reaches the tumour it names, and what it is said to contain
    ("Appearances most likely represent a right adrenal neuroblastoma with calcification.",
     {"mass": None, "calcification": None}),
    ("The findings are thought to reflect a calcified left suprarenal tumour.", {"mass": None}),
    # ... not a mass already stated
    ("Left adrenal mass with calcification, likely representing neuroblastoma.",
     {"mass": "present", "calcification": "present"}),
    # a tumour watched is a known tumour
    ("Surveillance of right adrenal neuroblastoma: nodule 1.5 cm, calcified.",
     {"context": {"known-tumour-follow-up"}}),
    ("Left adrenal NB, watchful waiting. Lesion 2 cm with calcification.",
     {"context": {"known-tumour-follow-up"}}),
    ("Right adrenal mass with calcification; surveillance advised.", {"context": set()}),
    # a tumour already diagnosed; not a staging CT suggested for a new mass
    ("Biopsy-proven neuroblastoma of the right adrenal, calcified.",
     {"context": {"known-tumour-follow-up"}}),
    ("Left adrenal neuroblastoma (MYCN non-amplified), calcified, 3 cm.",
     {"context": {"known-tumour-follow-up"}}),
    ("Calcified left adrenal mass; staging CT recommended if neuroblastoma.", {"context": set()}),
    # "NB" after its organ is a neuroblastoma; alone it may be nota bene
    ("Lt SR NB 4cm c/ calcs.", {"mass": "present", "calcification": "present",
                                "laterality": "left"}),
    ("NB: US limited for calc detection. Left adrenal mass.", {"calcification": None}),
    ("Neuroblastoma patient. Calcified left adrenal mass.", {"context": {"known-tumour-follow-up"}}),
    ("Right adrenal NB in follow-up: 1.2 cm calcified nodule, stable.",
     {"context": {"known-tumour-follow-up"}}),
    ("Child with a calcified left adrenal mass, likely neuroblastoma.", {"context": set()}),
    # "post resection of" the tumour: the tumour is history
    ("Post resection of right Wilms tumour. No mass in the renal bed.",
     {"mass": "absent", "context": {"known-tumour-follow-up"}}),
    # tissue that should not be there is a mass
    ("Abnormal soft tissue around the aorta, 4 cm, with calcification.",
     {"mass": "present", "calcification": "present"}),
    ("No solid tissue in the left adrenal bed.", {"mass": "absent"}),
    ("Right adrenal: 3 cm solid structure with calcification.", {"mass": "present"}),
    ("Right adrenal nodular thickening with calcification, 2 cm.", {"mass": "present"}),
    # mineral, however written, and things that shadow
    ("Right adrenal mass with mineralised foci.", {"calcification": "present"}),
    ("Left suprarenal mass, areas of ossification.", {"calcification": "present"}),
    ("Left adrenal mass, non-mineralised.", {"calcification": "absent"}),
    ("Bone mineralisation normal. Left adrenal mass.", {"calcification": None}),
    ("Right adrenal mass with bright reflectors casting acoustic shadows.",
     {"calcification": "present"}),
    ("Right adrenal mass with bright reflectors that do not shadow.", {"calcification": None}),
    ("Left adrenal mass with shadow-casting foci.", {"calcification": "present"}),
    ("Left adrenal mass with an eggshell rim.", {"calcification": "present"}),
    # shadowing said absent does not negate the mass it is in; a second cluster that shadows
    # stays in that mass
    ("Echogenic foci without posterior shadowing in a right adrenal mass.",
     {"mass": "present", "calcification": None, "laterality": "right"}),
    ("Left adrenal mass; a separate group of foci shadows.", {"calcification": "present"}),
    ("Left adrenal mass. A separate calcified focus in the liver.", {"calcification": None}),
    # a faecolith explains the calcification
    ("Right adrenal mass. Shadowing focus in the RIF, a faecolith.", {"calcification": None}),
    # a vessel named after an organ is not it; the liver's own vessels are the liver
    ("Calcified left suprarenal mass encasing the left renal artery.", {"organ": "adrenal"}),
    ("Calcified lesion in segment 8 abutting the right hepatic vein. Left lobe normal.",
     {"organ": "liver"}),
    # haemorrhages, and a possible one
    ("Bilateral adrenal haemorrhages.", {"context": {"adrenal-haemorrhage"}}),
    ("Right adrenal lesion, possibly haemorrhage.", {"context": {"adrenal-haemorrhage"}}),
    # the whole study said to be unremarkable
    ("Impression: unremarkable abdominal ultrasound.", {"mass": "absent"}),
    # a "?" written onto its word hedges that word, even before a side ("calcified? Left
    # kidney normal."); one after a bracket is not written onto a word
    ("Right adrenal mass, calcified? Left kidney normal.", {"calcification": None}),
    ("Left ovarian mass with a shadowing component (?teeth).", {"calcification": "present"}),
    # a short next sentence about another sided finding does not give the mass its side
    ("Pelvic mass behind the bladder, 4 cm. Mild bilateral hydronephrosis.",
     {"laterality": None}),
    ("There is a 3 cm calcified mass. On the left.", {"laterality": "left"}),
    # found by probing in other words
    ("Findings may well represent a calcified left adrenal neuroblastoma.", {"mass": None}),
    ("Right adrenal neuroblastoma under active surveillance. Nodule 1.7 cm, calcified.",
     {"context": {"known-tumour-follow-up"}}),
    ("Serial imaging of the left adrenal neuroblastoma: calcified, 1.2 cm.",
     {"context": {"known-tumour-follow-up"}}),
    ("Calcified left adrenal lesion, probably neuroblastoma or old haemorrhage.",
     {"context": {"adrenal-haemorrhage"}}),
    ("No suprarenal mass or haemorrhage.", {"mass": "absent", "context": set()}),
    ("Calcified right adrenal mass with necrosis or haemorrhage within it.", {"context": set()}),
    # a calcification said to be in an organ no stated mass is in is elsewhere
    ("Calcified focus in the liver, segment 6. Right adrenal nodule 1 cm.",
     {"mass": "present", "calcification": None}),
    ("Left renal mass with calcification in its upper pole.", {"calcification": "present"}),
    ("Left adrenal mass with calcified foci in the adrenal.", {"calcification": "present"}),
    ("Left suprarenal mass 4 cm. The liver contains a few calcifications.",
     {"calcification": None}),
    ("The left adrenal contains a calcified mass.", {"calcification": "present"}),
    ("Right adrenal mass, which contains calcification.", {"calcification": "present"}),
    # an inflammatory mass is no tumour
    ("Calcified appendix mass, RIF.", {"mass": None}),
    # a diagnosis offered is not stated
    ("Consider calcified left adrenal neuroblastoma.", {"mass": None}),
    ("Left adrenal mass with calcification; consider neuroblastoma.",
     {"mass": "present", "calcification": "present"}),
    ("Calcified right adrenal nodule to be excluded on follow-up.", {"mass": None}),
    # gone, or never real
    ("Left adrenal calcified mass not reproduced on rescanning; likely bowel.",
     {"mass": "absent", "calcification": "absent"}),
    ("Pseudo-mass in the left adrenal region from a fluid-filled stomach.", {"mass": None}),
    ("The calcified right adrenal mass has regressed.", {"mass": "absent"}),
    ("Right adrenal mass with calcification has now regressed completely.",
     {"mass": "absent", "calcification": "absent"}),
    # doubted, unlikely; "no doubt" states it
    ("Doubt a calcified mass in the right adrenal.", {"mass": None}),
    ("Unlikely to be a calcified mass; probably bowel.", {"mass": "absent"}),
    ("Without doubt a calcified left adrenal mass.", {"mass": "present"}),
    ("Right adrenal mass with calcification; unlikely to represent haemorrhage.",
     {"context": set()}),
    # a speckled texture is only possible calcification; "speckled" alone is calcification
    ("Left adrenal mass with a speckled appearance but no calcification.",
     {"calcification": "absent"}),
    ("Left adrenal mass with speckled echogenicity, no shadowing.", {"calcification": None}),
    ("Left adrenal mass, speckled.", {"calcification": "present"}),
    # caveats and answers that are no answer
    ("Right adrenal mass. Fine calcification can be invisible on ultrasound.",
     {"calcification": None}),
    ("Right adrenal mass. The presence of calcification would favour neuroblastoma.",
     {"calcification": None}),
    ("The presence of a calcified right adrenal mass is noted.",
     {"mass": "present", "calcification": "present"}),
    ("Right adrenal mass; calcification: cannot say.", {"calcification": None}),
    ("Right adrenal mass; calcification neither confirmed nor excluded.",
     {"calcification": None}),
    # negations written after the finding, in more words and signs
    ("R adrenal mass 3cm, calc not discernible.", {"calcification": "absent"}),
    ("R adrenal mass 3cm; calcification is lacking.", {"calcification": "absent"}),
    ("R adrenal mass 3cm; calc x.", {"calcification": "absent"}),
    ("R adrenal mass 3cm; calcification 0.", {"calcification": "absent"}),
    ("R adrenal mass 3 cm with calcification x 2.", {"calcification": "present"}),
    ("R adrenal mass 3cm, calc: no evidence.", {"calcification": "absent"}),
    ("FINDINGS: No evidence of calcification within the right suprarenal mass.",
     {"mass": "present", "calcification": "absent"}),
    ("R adrenal mass 3cm; calcification: N/A.", {"calcification": None}),
    # another examination's finding is not this study's
    ("Outside hospital ultrasound reported a calcified left adrenal mass. Today: no mass.",
     {"mass": "absent"}),
    ("On the 20-week anomaly scan a calcified adrenal mass was noted.", {"mass": None}),
    ("CT done elsewhere: calcified right adrenal mass. US: not seen.", {"calcification": None}),
    # haemorrhage as the diagnosis in other words; "no features of haemorrhage" is not
    ("Left suprarenal calcified lesion (old haemorrhage).", {"context": {"adrenal-haemorrhage"}}),
    ("Left suprarenal calcified lesion, characteristic of prior haemorrhage.",
     {"context": {"adrenal-haemorrhage"}}),
    ("Left suprarenal calcified lesion; post-haemorrhagic.", {"context": {"adrenal-haemorrhage"}}),
    ("Left adrenal mass with calcification. No features of haemorrhage.", {"context": set()}),
    ("Calcified left adrenal mass (no haemorrhage).", {"context": set()}),
    # a faecal mass is no tumour; calcified nodes are not the mass's calcification
    ("Faecal mass in the rectum with calcified content.", {"mass": None}),
    ("Calcified nodal mass in the retroperitoneum.", {"calcification": None}),
    ("Calcified left adrenal mass and retroperitoneal lymphadenopathy.",
     {"calcification": "present"}),
    # seen once, or maybe bowel, or to be checked: not stated
    ("Right adrenal: calcified nodule, not consistently seen.", {"mass": None}),
    ("Right adrenal: calcified nodule or bowel loop.", {"mass": None}),
    ("Right adrenal: calcified nodule (?).", {"mass": None}),
    ("Right adrenal: calcified nodule - verify with CT.", {"mass": None}),
    ("Right adrenal: there seems to be a calcified nodule.", {"mass": None}),
    ("Right adrenal calcified mass displacing bowel loops.", {"mass": "present"}),
    # the porta hepatis is the liver's
    ("Calcified mass in the porta hepatis, 2 cm.", {"organ": "liver"}),
]


# Round seven: the fourth blind set's wrong CTs were uncertainty about the calcification
# stated after it or in unpunctuated dictation, and its miss a measured "soft tissue".
ROUND_SEVEN_CASES = [
    # a "?" after the finding and its stop
    ("Left adrenal mass 4 cm, calcs ?.", {"calcification": None, "laterality": "left"}),
    ("Right adrenal mass 3 cm. Calcification ??. Left kidney normal.",
     {"calcification": None, "laterality": "right"}),
    ("Left renal mass; calcified ?present; right kidney normal.", {"calcification": None}),
    ("Calcified left adrenal mass ?. Right kidney normal.", {"mass": None}),
    # not assessable / can't be (properly) assessed, after the finding
    ("Right adrenal mass 3 cm. Calcification not evaluable owing to bowel gas.",
     {"calcification": None}),
    ("Left adrenal mass, calcification can't be properly assessed on this scan.",
     {"calcification": None}),
    ("Left adrenal mass. Calcs could not be reliably assessed.", {"calcification": None}),
    ("Left adrenal mass 3 cm. Calcification is indeterminate.", {"calcification": None}),
    ("Left adrenal mass 3 cm; calcification difficult to say.", {"calcification": None}),
    # ... or before it, however dictated
    ("right adrenal mass thirty millimetres and I can't really say whether there is "
     "calcification or not the left kidney looks normal", {"calcification": None}),
    ("Right adrenal mass. Difficult to tell if it is calcified.", {"calcification": None}),
    ("Right adrenal mass. We cannot determine whether it is calcified.", {"calcification": None}),
    ("Right adrenal mass. Whether there are calcifications is unclear.", {"calcification": None}),
    # what another examination would show is not a finding
    ("Left adrenal mass. CT better for calc.", {"calcification": None}),
    ("Left adrenal mass. MRI would show calcification.", {"calcification": None}),
    # an answer after the item
    ("Left adrenal mass 4 cm, calcs no.", {"calcification": "absent"}),
    # none of these reaches another sentence or another finding
    ("Calcified right adrenal mass 4 cm. Left kidney: not assessable.",
     {"calcification": "present", "laterality": "right"}),
    ("Calcified right adrenal mass 4 cm, left kidney not assessed.",
     {"calcification": "present", "laterality": "right"}),
    ("Right adrenal mass with calcification. Whether the kidney is involved is unclear.",
     {"calcification": "present"}),
    ("LT SUPRARENAL MASS WITH CALCIFICATION NO HYDRONEPHROSIS NO ASCITES",
     {"calcification": "present"}),
    ("Right adrenal mass, calcified? Left kidney normal.", {"calcification": None}),
    # "soft tissue" measured is a mass; normal or thin soft tissue is not
    ("L paravertebral soft tissue 3.9cm w/ calcs.",
     {"mass": "present", "organ": "retroperitoneum", "laterality": "left"}),
    ("Paraspinal soft tissue measuring 25 x 18 mm with calcification, right.",
     {"mass": "present", "laterality": "right"}),
    ("Normal soft tissue 3 mm thick over the left kidney.", {"mass": None}),
    ("Soft tissue 3 mm thick over a calcified renal stone.", {"mass": None}),
    # "L kid" is the kidney; the kid is not
    ("L kid solid mass 5.2cm, calcs+. R kid nl.", {"organ": "kidney", "laterality": "left"}),
    ("Rt kid: mass 3 cm with calcification.", {"organ": "kidney"}),
    ("The kid was crying; calcified mass 3 cm.", {"organ": None}),
    # a full stop the sentence splitter missed still ends a negation's clause
    ("R adrenal: hemorrhage vs NBL. 2.7cm mixed echo, no flow. ?calcs. Rpt US 1-2wk.",
     {"calcification": None}),
    # found by probing: more ways to say the calcification cannot be judged
    ("Left adrenal mass 3 cm, calcification cannot be appreciated.", {"calcification": None}),
    ("Left adrenal mass 3 cm. Calcification could not be commented upon.", {"calcification": None}),
    ("Left adrenal mass 3 cm. Calcs: can't tell.", {"calcification": None}),
    ("Left adrenal mass 3 cm. Presence of calcification unclear.", {"calcification": None}),
    ("left adrenal mass three cm calcification maybe.", {"calcification": None}),
    ("left adrenal mass three cm not sure about calcification right kidney normal",
     {"calcification": None}),
    # ... and what they must leave alone
    ("Left adrenal calcified mass of unclear origin.", {"calcification": "present"}),
    ("Calcified left adrenal mass. Right kidney: cannot assess.", {"calcification": "present"}),
    ("Calcified left adrenal mass, right kidney could not be evaluated.",
     {"calcification": "present"}),
    ("Midline retroperitoneal mass with calcification, can't tell which side it came from.",
     {"calcification": "present"}),
    # ... and a heading's: what follows it is this study's finding
    ("Hx: brother had NBL. R adrenal solid mass 2.9cm with calcs. L nl.",
     {"mass": "present", "calcification": "present", "laterality": "right"}),
    ("Clinical details: calcified left adrenal mass on X-ray, ?neuroblastoma",
     {"mass": None, "calcification": None}),
]


ROUND_EIGHT_CASES = [
    # a worksheet's cross negates its own item only, on its own line
    ("Right kidney: solid lesion 3.5 cm \u2713\nCalcification \u2717", {"mass": "present", "calcification": "absent"}),
    ("Suprarenal mass L 2cm \u2714 calcs in lesion \u2718\nSpleen NAD", {"calcification": "absent"}),
    ("Left adrenal mass 4 cm\nCalcification [ ]\nFree fluid [ ]", {"calcification": "absent"}),
    ("Right adrenal lesion 3 cm\nCalcified N\nHydro N", {"calcification": "absent"}),
    ("Liver: calcified focus \u2713\nR kidney: mass 3cm \u2713, calcification \u00d7", {"calcification": "absent"}),
    ("R adrenal: mass \u2717 L adrenal: mass \u2717\nCalcs \u2717", {"mass": "absent", "calcification": "absent"}),
    # ... however the worksheet sets the mark after its item, and a line break ends "no" / "none"
    ("Left adrenal mass 3 cm \u2713\nCalcification: \u2717", {"calcification": "absent"}),
    ("Left adrenal mass 3 cm\nCalc - \u2718\nLiver NAD", {"calcification": "absent"}),
    ("Left adrenal mass 3 cm\nCalcification (\u2717)", {"calcification": "absent"}),
    ("Left adrenal mass 3 cm\ncalc: x\nspleen nl", {"calcification": "absent"}),
    ("Left adrenal mass 3 cm | Calcification \u2717 | Hydro \u2717", {"mass": "present", "calcification": "absent"}),
    ("Left adrenal mass 3 cm\nCalcification - No\nAscites - No", {"calcification": "absent"}),
    ("Left adrenal mass 3 cm\nCalcification: none\nLiver NAD", {"calcification": "absent"}),
    ("Calcs: max 4 mm\nLeft adrenal mass", {"calcification": "present"}),
    # ... a tick affirms its own item, and no cross reaches another line
    ("Left adrenal mass \u2717\nRight adrenal mass 2 cm \u2713 calcified",
     {"mass": "present", "calcification": "present", "laterality": "right"}),
    ("Left renal mass 5 cm [x]\nCalcification [x]", {"mass": "present", "calcification": "present"}),
    ("Right adrenal mass 3 x 2 cm with calcification.", {"calcification": "present"}),
    ("Right adrenal mass with calcification x 2 foci.", {"calcification": "present"}),
    ("Hydronephrosis \u2717\nLeft adrenal mass 3 cm with calcification \u2713",
     {"mass": "present", "calcification": "present"}),
    # ... nor affirms what the worksheet could not judge
    ("Left adrenal: solid lesion 3cm \u2713\nCalcs: not able to assess \u2713\nImp: L adrenal mass, MRI for calcs",
     {"calcification": None}),
    # a correction or addendum that reverses the report: the later word wins
    ("Left adrenal mass 3 cm with calcification. Impression: left adrenal mass.\n"
     "ADDENDUM: on review the echogenic focus is bowel gas; no calcification in the mass.",
     {"mass": "present", "calcification": "absent"}),
    ("Calcified right renal mass 4 cm.\nAmended: calcification not confirmed on review of the images.",
     {"mass": "present", "calcification": None}),
    ("Left adrenal mass 3 cm.\nAddendum: calcification is seen within the mass on the cine loop.",
     {"calcification": "present"}),
    ("Left adrenal mass 3 cm with calcification.\nAddendum: CT to assess the calcification's extent.",
     {"mass": "present", "calcification": "present"}),
    ("Left adrenal mass 3 cm with calcification.\nAddendum: a sibling had a calcified neuroblastoma.",
     {"mass": "present", "calcification": "present"}),
    # an inability to assess before the term
    ("Right adrenal mass 2.5 cm. This study cannot assess for calcification in the lesion.",
     {"calcification": None}),
    ("Left renal mass 6 cm; unable to evaluate for internal calcification.", {"calcification": None}),
    # a negation reaches along a list even when its first item is no target
    ("Follow-up: the left adrenal is normal, with no residual haematoma, lesion or calcification.",
     {"mass": "absent", "calcification": "absent"}),
    ("No ascites, mass or calcification.", {"mass": "absent", "calcification": "absent"}),
    ("No hydronephrosis, mass in the left adrenal with calcification.",
     {"mass": "present", "calcification": "present"}),
    # a correction's side is its mass's side
    ("Right renal mass 4 cm with calcification.\nAddendum: side corrected, the mass is in the LEFT kidney.",
     {"laterality": "left", "calcification": "present"}),
    # a "?" ending the line or the text after the finding doubts it
    ("Left adrenal mass 3 cm. Calcs ?", {"calcification": None}),
    ("Right adrenal lesion 2 cm\nCalcification ?\nLiver NAD", {"calcification": None}),
    ("Right adrenal mass ?adrenal origin, calcified.", {"calcification": "present"}),
]


ROUND_NINE_CASES = [
    # a relative clause between the term and its negation or hedge
    ("Right adrenal mass 2.9 cm. Calcification, which is typical of neuroblastoma, is not seen.",
     {"mass": "present", "calcification": "absent"}),
    ("Left renal mass. Calcification, which would favour neuroblastoma, cannot be excluded.",
     {"mass": "present", "calcification": None}),
    ("Right adrenal mass, which is large, is present with calcification.",
     {"mass": "present", "calcification": "present"}),
    # not said either way, and caveats in other words
    ("Right adrenal mass 4 cm. Calcification within the adrenal mass is not described.",
     {"mass": "present", "calcification": None}),
    ("US ABDO: L ADRENAL MASS 3CM. CALCS: US NOT RELIABLE, SUGGEST CT.", {"calcification": None}),
    ("Left kidney 6 cm solid mass. Calcification is difficult to detect with US in large tumours.",
     {"mass": "present", "calcification": None}),
    # a caveat about staging is no staging of the child's tumour
    ("Calcified right adrenal mass, 2.2 cm. US is not reliable for staging of neuroblastoma.",
     {"calcification": "present", "context": set()}),
    ("Referred for staging of neuroblastoma. Left adrenal mass 3 cm with calcification.",
     {"context": {"known-tumour-follow-up"}}),
    # shadowing deposits, speckles, nodules are calcification
    ("Lt adrenal solid mass w echogenic shadowing deposits.", {"calcification": "present"}),
    ("Liver segment 2 lesion, 2.5 cm, with gritty shadowing speckles.", {"calcification": "present"}),
    # a Y/N checklist's "N." answers its own item
    ("Y/N checklist: Hydronephrosis N. Renal mass N. Adrenal mass N. Impression: normal.",
     {"mass": "absent"}),
    # the seventh blind set's families: an "as" clause, a voice-recognition "scene", "Ca++"
    ("Right suprarenal solid mass; calcification, as may be seen in neuroblastoma, was not evident.",
     {"mass": "present", "calcification": "absent"}),
    ("Right adrenal mass 3 cm, solid; calcification not scene.", {"calcification": "absent"}),
    ("Impression: 1. R suprarenal mass c/w NB. 2. Ca++ within mass +ve.", {"calcification": "present"}),
    # another examination that agrees leaves the finding stated
    ("Retroperitoneal mass, right paraspinal, 5 cm; calcification present (confirmed on plain film).",
     {"calcification": "present"}),
    ("Right adrenal mass. Calcification on the plain film only.", {"calcification": None}),
    # "|" ends a clause as a line break would
    ("L kidney: 3.2cm solid SOL upper pole | Calcification: Y | Adrenals: not well seen",
     {"mass": "present", "calcification": "present"}),
    # a yes/no pair of boxes
    ("Mass: yes [x] no [ ]\nSide: L [x] R [ ]\nCalcification: yes [ ] no [x]",
     {"mass": "present", "calcification": "absent", "laterality": "left"}),
    ("Mass: Y [ ] N [x]\nCalcification: Y [ ] N [x]", {"mass": "absent", "calcification": "absent"}),
    ("Mass: yes [x] no [ ]\nCalcification: yes [x] no [ ]", {"mass": "present", "calcification": "present"}),
    # the whole study said to be normal, in other words
    ("Normal appearances. Incidental splenule.", {"mass": "absent"}),
    ("All organs within normal limits; no focal abnormality.", {"mass": "absent"}),
    ("Normal except for mild left pelviectasis (APD 6 mm).", {"mass": "absent"}),
    ("Two small gallstones. Otherwise normal.", {"mass": "absent"}),
    ("Conclusion: normal renal tract ultrasound.", {"mass": "absent"}),
    ("Left adrenal: normal appearance. No residual haemorrhage.", {"mass": None}),
    # the child's own tumour, however named or misspelt
    ("Previous right adrenalectomy for nueroblastoma. Now a 2 cm left supra renal mass, calcified.",
     {"context": {"known-tumour-follow-up"}}),
    ("Known retroperitoneal ganglioneuroma, right paraspinal, under observation: unchanged, calcified.",
     {"context": {"known-tumour-follow-up"}}),
    ("History of sacrococcygeal teratoma resected in infancy. Today: presacral space clear.",
     {"context": {"known-tumour-follow-up"}}),
    ("Follow-up after sacrococcygeal teratoma resection. No recurrent presacral mass.",
     {"context": {"known-tumour-follow-up"}}),
    ("Mother had a teratoma resected. Left adrenal mass with calcification.",
     {"context": set(), "calcification": "present"}),
]


ROUND_TEN_CASES = [
    # "vascular" is blood flow in the mass, calcification elsewhere only as "vascular calcification"
    ("Mass lft adrenal 4cm calcif yes vascular yes. Liver normal.", {"calcification": "present"}),
    ("The right adrenal lesion is solid and vascular with calcification.", {"calcification": "present"}),
    ("Right adrenal mass. Vascular calcification in the aorta.", {"calcification": None}),
    # a hedge after "which is" reaches the word after it; one ending its clause, the words before
    ("Left adrenal mass of 3 cm which is probably calcified, advise to correlate with CT.",
     {"mass": "present", "calcification": None}),
    ("Left adrenal mass. Calcification is likely.", {"calcification": None}),
    ("Left adrenal mass. Calcification is probably present.", {"calcification": None}),
    ("The left adrenal mass is likely a neuroblastoma, with calcification.",
     {"mass": "present", "calcification": "present"}),
    # a liver mass beside the liver's own vessels stays in the liver
    ("Mass in the caudate lobe, 4 cm, calcified, compressing the intrahepatic IVC.", {"organ": "liver"}),
    # typos, ballot boxes, a heading that negates its list
    ("Heterogenous right adrenal mas 3 cm with calcification.", {"mass": "present", "laterality": "right"}),
    ("Normal study \u2611 | Mass \u2610 | Calcification \u2610 | Free fluid \u2610",
     {"mass": "absent", "calcification": "absent"}),
    ("Mass \u2611 | Calcification \u2611 | Side: left", {"mass": "present", "calcification": "present"}),
    ("Not seen: mass, calcification, free fluid.", {"mass": "absent", "calcification": "absent"}),
    ("Not seen: mass. Right adrenal mass 3 cm with calcification.",
     {"mass": "present", "calcification": "present"}),
    # an earlier operation named for something else is no tumour's follow-up
    ("Previous surgery: pyloromyotomy as an infant. Now: solid left renal mass 4 cm with calcification.",
     {"context": set()}),
    ("Previous surgery. Left adrenal bed: 2 cm calcified nodule.", {"context": {"known-tumour-follow-up"}}),
    # shadowing said of some of the foci, after the mass
    ("Echogenic foci in the right adrenal mass - some of them shadow, some don't.",
     {"mass": "present", "calcification": "present"}),
    ("Right adrenal mass with bright echoes; none of them shadow.", {"calcification": None}),
    ("Mesenteric mass with gritty echogenic shadowing material.", {"calcification": "present"}),
]


# Round eleven: the ninth and eleventh blind sets' families, as general rules.
ROUND_ELEVEN_CASES = [
    # an active "cannot assess" with its object is a caveat about what follows, not a hedge before it
    ("Left adrenal mass 2.7 cm. Note that ultrasound cannot reliably assess image-defined risk "
     "factors or calcification.", {"mass": "present", "calcification": None}),
    ("Left adrenal mass. Calcification: cannot say.", {"calcification": None}),
    # an earlier report's finding is history; today's negation stands
    ("The previous outside report described a calcified right adrenal mass.\nToday the right "
     "adrenal appears normal with no mass or calcification.", {"mass": "absent", "calcification": "absent"}),
    # a hedge after a comma is said of the word before it, not of a finding further back
    ("Midline upper abdominal mass with calcification, origin indeterminate (retroperitoneal vs "
     "mesenteric).", {"calcification": "present"}),
    ("Left adrenal mass; calcification, uncertain.", {"calcification": None}),
    # a follow-up heading naming the tumour; a named tumour of an organ under surveillance
    ("FOLLOW-UP: LEFT PARASPINAL RETROPERITONEAL NEUROBLASTOMA. MASS STABLE AT 3 CM, DENSELY CALCIFIED.",
     {"context": {"known-tumour-follow-up"}}),
    ("Ganglioneuroma of the left adrenal under surveillance, 2.5 cm, calcified.",
     {"context": {"known-tumour-follow-up"}}),
    ("Right adrenal mass 4 cm with calcification. Follow-up: repeat ultrasound in 6 weeks.",
     {"context": set()}),
    # shadowing said without "acoustic", cast by the foci, or of some of them
    ("Echogenic focus in the left adrenal mass with twinkling artefact on colour Doppler and posterior "
     "shadowing.", {"calcification": "present"}),
    ("Echogenic foci in the midline pelvic mass cast posterior acoustic shadowing.", {"calcification": "present"}),
    ("Right adrenal mass contains hyperechoic foci, some with and some without posterior shadowing.",
     {"calcification": "present"}),
    ("There is a solid mess in the right kidney with calcification.", {"mass": "present", "laterality": "right"}),
]


# Round twelve: the twelfth blind set's families, as general rules.
ROUND_TWELVE_CASES = [
    # a heading answered by a hedge or a negation states nothing of its own
    ("Right kidney: solid mass, 4 cm\nCalcification: possible tiny focus, not clearly shadowing\n"
     "Left kidney: normal", {"mass": "present", "calcification": None}),
    ("Right kidney: solid mass, 5.6 cm\nCalcification: no calcified focus identified within the mass",
     {"calcification": "absent"}),
    ("Left adrenal mass. Calcification: present, no vascular encasement.", {"calcification": "present"}),
    ("Left adrenal mass. Calcification: coarse calcific foci in the mass.", {"calcification": "present"}),
    ("Left adrenal mass | Calcification: [x] yes [ ] no", {"calcification": "present"}),
    # a colon after the finding in running text heads nothing
    ("Left renal mass 3 cm with calcification: recurrence?", {"calcification": "present"}),
    # shadowing said to be inconsistent; calcification not assessed
    ("Right adrenal mass 3.4 cm. A few bright foci are seen but shadowing is inconsistent.",
     {"calcification": None}),
    ("Right adrenal solid mass. Calcification has therefore not been assessed.", {"calcification": None}),
    # mass words: a size then "solid" ending its clause; a neoplastic process
    ("Adrenals: R - 3cm solid, calcified (shadowing). L - nil.", {"mass": "present", "laterality": "right"}),
    ("Retroperitoneum (left): infiltrative neoplastic process, 5 cm", {"mass": "present"}),
    ("Right adrenal: 3 cm solid mass with calcification.", {"mass": "present", "calcification": "present"}),
    # a calcification placed after a verb ("are present along the liver surface") is elsewhere
    ("Small shadowing calcifications are present along the liver surface. In the left paravertebral "
     "region there is a 3.8 cm solid mass.", {"mass": "present", "calcification": None}),
    # "old" calcification is from the past; a child's age is not
    ("Left paravertebral solid mass. Old peritoneal calcification.", {"calcification": None}),
    ("5 year old with calcified left adrenal mass.", {"calcification": "present"}),
    ("Right adrenal mass in a 3 yr old, calcified.", {"calcification": "present"}),
    ("A 4-year-old boy: calcified right adrenal mass.", {"calcification": "present"}),
]


# Round thirteen: the thirteenth blind set's families, as general rules.
ROUND_THIRTEEN_CASES = [
    # punctuation spoken into voice recognition is read as punctuation
    ("dictation begins a 3.1 cm solid mass lies in the left paravertebral retroperitoneum comma "
     "separate from the left kidney period it contains small calcific specks with acoustic shadowing "
     "period no lymphadenopathy period recommend cross-sectional imaging period",
     {"mass": "present", "calcification": "present", "laterality": "left"}),
    ("The right suprarenal region was examined for a mass comma calcification or haemorrhage comma "
     "and these were excluded full stop appearances are normal", {"mass": None, "calcification": None}),
    ("Right adrenal mass. History of haemorrhage in the neonatal period.", {"mass": "present"}),
    # doubt in other words
    ("Limited study due to bowel gas. A small adrenal mass or calcification could not be confidently "
     "excluded.", {"mass": None, "calcification": None}),
    ("Right adrenal mass, 2.5 cm; its echogenic foci are too small to shadow.", {"calcification": None}),
    ("Right adrenal mass. Calcification ?present - bright foci but shadowing equivocal.",
     {"calcification": None}),
    # a caveat after a relative clause reaches the term before the clause
    ("Left suprarenal mass 4 cm. Comment: Calcification, which is common in neuroblastoma, is often "
     "better demonstrated on CT than on ultrasound.", {"mass": "present", "calcification": None}),
    ("Left adrenal mass with calcification, which is typical of neuroblastoma.", {"calcification": "present"}),
    # a past adrenal haemorrhage in another sentence is history, not today's diagnosis; in the
    # lesion's own sentence it may be what the lesion is; a calcification said of it is its own
    ("History of neonatal adrenal haemorrhage on the right. Today there is a new solid right adrenal "
     "mass with calcification, 2 cm.", {"mass": "present", "calcification": "present", "context": set()}),
    ("Right adrenal: 12 mm calcified nodule secondary to previous neonatal haemorrhage.",
     {"context": {"adrenal-haemorrhage"}}),
    ("History of previous right adrenal haemorrhage which calcified. Today the right adrenal is normal. "
     "Left adrenal: solid mass 2 cm, no calcification.", {"calcification": "absent", "context": set()}),
    ("Known neuroblastoma, resected. Today: new solid left adrenal mass with calcification.",
     {"context": {"known-tumour-follow-up"}}),
]


# Round fifteen: the fifteenth blind set's families, as general rules.
ROUND_FIFTEEN_CASES = [
    # negations in other Englishes
    ("Big solid mass in left side of abdomen arising from left kidney. Calcification is not there in the mass.",
     {"mass": "present", "calcification": "absent"}),
    ("A solid lesion of size 3x3 cm is seen in right adrenal region. Lesion is not showing any calcific foci.",
     {"mass": "present", "calcification": "absent"}),
    ("Both kidneys contain multiple solid nodules, the largest 2 cm on the right, none calcified.",
     {"mass": "present", "calcification": "absent"}),
    # a caveat about shadowing; an outside report's finding
    ("Left paraspinal mass, 3 cm. Pinpoint calcification may not shadow.", {"calcification": None}),
    ("An outside ultrasound reportedly described a calcified right adrenal mass. Today both adrenals "
     "are normal.", {"mass": None, "calcification": None}),
    # shadows cast by some of the foci, however qualified
    ("Left suprarenal mass 3 cm with clustered echogenic foci; some of these cast definite shadows.",
     {"calcification": "present"}),
    # families left in earlier rounds that came back: a heading setting a differential aside,
    # a diagnosis considered and set aside
    ("Not a simple cyst: the right adrenal lesion is solid with internal vascularity and calcification.",
     {"mass": "present", "calcification": "present", "laterality": "right"}),
    ("Adrenal haemorrhage was considered, but the left suprarenal lesion is solid, vascular and "
     "calcified; neuroblastoma is likely.", {"mass": "present", "context": set()}),
    ("Not seen: mass, calcification.", {"mass": "absent", "calcification": "absent"}),
]


# Round sixteen: the sixteenth blind set's families, as general rules.
ROUND_SIXTEEN_CASES = [
    # what a preliminary report stated is history; an addendum says what is there now
    ("Left kidney: interpolar solid mass 4.5 cm. ADDENDUM: the preliminary report stated that the mass "
     "was calcified; on review of the stored images the echogenic focus is a vessel wall.",
     {"mass": "present", "calcification": None}),
    # a caveat: what could be missed
    ("Technically limited study owing to body habitus; a small calcified mass could be missed. "
     "No mass identified.", {"mass": "absent", "calcification": None}),
    # found before birth, there now
    ("Antenatally diagnosed sacrococcygeal teratoma: mixed solid-cystic mass with calcifications.",
     {"mass": "present", "calcification": "present"}),
    # a diagnosis argued against
    ("Right suprarenal 2.8 cm solid mass with calcific foci that shadow. The vascularity argues "
     "against adrenal haemorrhage.", {"mass": "present", "calcification": "present", "context": set()}),
]


# Round eighteen: the eighteenth blind set's families, as general rules.
ROUND_EIGHTEEN_CASES = [
    # a caveat that says what is occult on ultrasound
    ("Solid left adrenal mass 4 cm. Small calcific foci may remain occult sonographically.",
     {"mass": "present", "calcification": None}),
    # a negation does not reach the agent of what it negates, nor past a colon
    ("No evidence of invasion by the left suprarenal mass, which is densely calcified.",
     {"mass": "present", "calcification": "present", "laterality": "left"}),
    ("The liver is not compressed by the right adrenal mass, which has shadowing calcification.",
     {"mass": "present", "calcification": "present", "laterality": "right"}),
    ("No fluid component: the left paraspinal mass is solid and calcified.",
     {"mass": "present", "calcification": "present", "laterality": "left"}),
    # ... and runs along a list closed by "or", whatever its other items
    ("Kidneys normal with no cysts, scarring or focal mass.", {"mass": "absent"}),
    # a mass felt, not seen
    ("Mass clinically; none on ultrasound. Kidneys normal.", {"mass": None}),
    ("Left flank mass clinically, confirmed on ultrasound as a solid calcified left adrenal mass.",
     {"mass": "present", "calcification": "present"}),
    # shadowing stated in a clause of its own after the foci
    ("Left adrenal mass with bright foci; distal acoustic shadowing is seen.",
     {"mass": "present", "calcification": "present"}),
    ("Left adrenal mass with bright foci; no posterior shadowing is present.",
     {"mass": "present", "calcification": None}),
    # nephrocalcinosis in two words
    ("Medullary calcinosis in both kidneys. Adrenals normal.", {"mass": None, "calcification": None}),
    # where a mass arises, said after the comma or before another place
    ("Paravertebral solid mass extending across the midline, arising from the left adrenal, calcified.",
     {"mass": "present", "laterality": "left", "organ": "adrenal"}),
    ("Retroperitoneal mass originating in the right adrenal and crossing the midline.",
     {"mass": "present", "laterality": "right", "organ": "adrenal"}),
    # a homophone of "right", and an operation with its side between
    ("Solid mass in the rite adrenal, 3 cm.", {"mass": "present", "laterality": "right"}),
    ("Surveillance post left nephrectomy. Renal bed clear.", {"context": {"known-tumour-follow-up"}}),
]


# Round nineteen: the nineteenth blind set's families, as general rules.
ROUND_NINETEEN_CASES = [
    # a pair of boxes before their options: the ticked one answers, an unticked side is none
    ("Mass: [x] present [ ] absent\nSide: [x] R [ ] L\nCalcification: [x] yes [ ] no",
     {"mass": "present", "calcification": "present", "laterality": "right"}),
    ("Mass: [ ] present [x] absent\nCalcification: [ ] yes [x] no", {"mass": "absent", "calcification": "absent"}),
    # an organ said with "probably of" is hedged: no origin
    ("Solid LUQ mass, possibly of splenic origin, with calcification.", {"mass": "present", "organ": None}),
    # a tumour favoured over haemorrhage sets the haemorrhage aside; the reverse keeps it
    ("Left adrenal mass with calcification; adrenal haemorrhage vs neuroblastoma, neuroblastoma "
     "favoured given the vascularity.", {"context": set()}),
    ("Solid calcified right adrenal lesion: favour neuroblastoma; haemorrhage less likely.", {"context": set()}),
    ("Right adrenal lesion with calcification; appearances favour adrenal haemorrhage over tumour.",
     {"context": {"adrenal-haemorrhage"}}),
    # a haemorrhage as a baby, apart from the mass stated now
    ("Right adrenal haemorrhage as a newborn. Today a solid right adrenal mass with calcification.",
     {"mass": "present", "context": set()}),
    # an organ beside the calcification is not where it sits
    ("Presacral solid mass with calcifications anterior to the sacrum and behind the bladder.",
     {"calcification": "present"}),
    ("Calcification within the bladder wall; no mass.", {"calcification": None}),
]


# Round twenty: the twentieth blind set's families, as general rules.
ROUND_TWENTY_CASES = [
    # a checklist's empty box before its item
    ("[x] Liver normal\n[ ] Adrenal mass\n[ ] Calcification\n[x] Kidneys normal",
     {"mass": "absent", "calcification": "absent"}),
    ("[x] Adrenal mass\n[x] Calcification\n[ ] Free fluid", {"mass": "present", "calcification": "present"}),
    # answers parted by slashes reach back to their own item only
    ("mass: no / calcification: n/a / fluid: no / hydro: mild R", {"mass": "absent", "calcification": None}),
    ("Mass: R adrenal 3 cm / calc: y / fluid: n / nodes: n", {"mass": "present", "calcification": "present"}),
    # a caveat: what may mimic something else
    ("Calcified masses can mimic bowel gas on ultrasound. No mass seen.", {"mass": "absent", "calcification": None}),
    # gone
    ("Lower abdominal fullness; after voiding, the mass disappeared.", {"mass": "absent"}),
    # shadowing with descriptors before the foci, and a single echo
    ("Left adrenal mass with strongly shadowing coarse echogenic foci.", {"calcification": "present"}),
    ("Right ovarian mass with a bright shadowing echo.", {"calcification": "present"}),
    # explained as a stone further along its sentence
    ("Shadowing focus in the upper pole of the left kidney, 4 mm, probably a small stone.",
     {"calcification": None}),
]


# Round twenty-one: the twenty-first blind set's families, as general rules.
ROUND_TWENTY_ONE_CASES = [
    # a template's "Organ:" line names the mass's organ
    ("Abdominal mass Y/N: Y\nOrgan: liver, segment 6\nCalcification Y/N: Y",
     {"mass": "present", "organ": "liver"}),
    # a stage written as today's diagnosis is no known tumour; a known one is
    ("Left suprarenal calcified mass, in keeping with stage 4S neuroblastoma.", {"context": set()}),
    ("Stage 4 neuroblastoma on treatment. Left adrenal mass 2 cm, calcified.",
     {"context": {"known-tumour-follow-up"}}),
    # shadowing foci only as certain as the calcification they "may represent"
    ("Right adrenal mass with shadowing echogenic foci, which may represent calcification.",
     {"mass": "present", "calcification": None}),
    ("Right adrenal mass with shadowing echogenic foci.", {"calcification": "present"}),
    # a shadowing margin
    ("Left renal mass with a thin shadowing echogenic margin.", {"calcification": "present"}),
    # a metastasis's organ is where the tumour spread, unless no other mass has one
    ("Right paravertebral mass with calcification. Liver: several lesions ?mets.",
     {"organ": "retroperitoneum", "laterality": "right"}),
    ("Liver: several calcified lesions ?mets.", {"organ": "liver"}),
]


# Round twenty-two: the twenty-second blind set's families, as general rules.
ROUND_TWENTY_TWO_CASES = [
    # "NBL", "FU"
    ("FU NBL: right adrenal residue 1 cm, calcified.", {"context": {"known-tumour-follow-up"}}),
    # a question answered no, and a mass gone
    ("Residual calcified mass in the right adrenal? No - it has gone.", {"mass": "absent", "calcification": None}),
    # gritty
    ("Left adrenal mass, internally gritty, 3 cm.", {"calcification": "present"}),
    # an organ adjective of a hedged diagnosis is no origin, but a guessed ovary or liver is
    # (round thirty-seven: of the two readings, the one that sends no child to CT)
    ("Large pelvic calcified mass crossing the midline; renal cell carcinoma likely.",
     {"mass": "present", "organ": None}),
    ("Large pelvic calcified mass crossing the midline; ovarian teratoma likely.",
     {"mass": "present", "organ": "ovary"}),
    ("Large calcified mass arising from the left ovary; teratoma likely.", {"organ": "ovary"}),
]


# Round twenty-three: the twenty-third blind set's families, as general rules.
ROUND_TWENTY_THREE_CASES = [
    # a misspelt word of the rules is read as that word, one edit inside it
    ("rt adrenal solid lesoin 2.4cm w calcifcation", {"mass": "present", "calcification": "present",
                                                     "laterality": "right"}),
    ("Rt suprarenl mass 5x4cm, calcificaton not identifed.", {"mass": "present", "calcification": "absent"}),
    # ... and a word split by voice recognition is joined
    ("There is a solid mass in the right adrenal with calcific ation.", {"calcification": "present"}),
    # an affix is no typo: "avascular" is not "vascular"
    ("Left renal mass, avascular, with calcification.", {"calcification": "present"}),
    # a follow-up of any named tumour, not only the "-blastomas"
    ("Follow-up of left paraspinal ganglioneuroma. Mass now 4.1 cm with fine calcification.",
     {"context": {"known-tumour-follow-up"}}),
    # an organ said to be "ok" is not where the mass arises
    ("L flank solid mass 4cm, calcs ++, ?NB. liver ok, R kidney ok.",
     {"laterality": "left", "organ": None}),
]


# Round twenty-five: the twenty-fifth blind set's families (the twenty-fourth is held out).
ROUND_TWENTY_FIVE_CASES = [
    # a haemorrhage asked about in the request is not the diagnosis of the mass found ...
    ("Clinical details: ?adrenal haemorrhage, neonatal jaundice. Findings: 3 cm solid right "
     "adrenal mass with internal vascularity and shadowing calcification.", {"context": set()}),
    # ... unless the findings say it is
    ("Clinical details: ?adrenal haemorrhage. Findings: 3 cm solid right adrenal lesion, "
     "avascular, in keeping with adrenal haemorrhage.", {"context": {"adrenal-haemorrhage"}}),
    # a tumour "more likely than" a haemorrhage sets the haemorrhage aside, not the other way
    ("Solid left suprarenal mass with punctate calcification. Conclusion: Neuroblastoma more "
     "likely than adrenal haemorrhage.", {"context": set()}),
    ("Solid left suprarenal mass with punctate calcification. Conclusion: adrenal haemorrhage "
     "more likely than neuroblastoma.", {"context": {"adrenal-haemorrhage"}}),
    # a queried place set off after the calcification guesses what the mass is ...
    ("Epigastric midline mass anterior to the aorta, 4 cm, calcified - ?nodal, ?neuroblastoma.",
     {"mass": "present", "calcification": "present"}),
    # ... a queried place the calcification is said of is still elsewhere
    ("Left renal mass, 4 cm; calcified ?lymph nodes beside it.", {"calcification": None}),
]


# Round twenty-six: the twenty-sixth blind set's families.
ROUND_TWENTY_SIX_CASES = [
    # another organ described "with" its calcification, whatever its other words
    ("The spleen is small and echogenic with dystrophic calcification. There is a 2.7 cm soft "
     "tissue mass in the left paravertebral region.", {"mass": "present", "calcification": None}),
    ("Left adrenal mass 3 cm. The spleen is normal and the mass shows calcification.",
     {"calcification": "present"}),
    # a tumour favoured anywhere in the text sets a haemorrhage aside
    ("Re-scan of presumed left adrenal haemorrhage. The left suprarenal mass previously thought "
     "to be haemorrhage has grown and now shows calcification. Impression: neuroblastoma now "
     "favoured over haemorrhage.", {"context": set()}),
    # some foci shadow
    ("Left adrenal mass with both shadowing and non-shadowing echogenic foci.",
     {"calcification": "present"}),
    ("Left adrenal mass with no shadowing or non-shadowing foci.", {"calcification": "absent"}),
]


# Round twenty-seven: the twenty-seventh blind set's families.
ROUND_TWENTY_SEVEN_CASES = [
    # a colon after a finding opens its details: a hedge of the diagnosis stops there
    ("Appearances suggestive of neuroblastoma: right suprarenal mass, 4.4 cm, with foci of "
     "calcification.", {"mass": "present", "calcification": "present", "laterality": "right"}),
    ("Child with suspected neuroblastoma: calcified left adrenal mass.",
     {"mass": "present", "calcification": "present"}),
    # ... a hedge of the finding itself still reaches what it hedges
    ("Possible mass: left adrenal, calcified.", {"mass": None}),
    # a stage after a dash is today's diagnosis, not a known tumour
    ("Impression: Right adrenal mass with diffuse hepatic infiltration - stage MS neuroblastoma.",
     {"context": set()}),
    ("Stage MS neuroblastoma diagnosed at 2 months. Right adrenal mass now 1 cm.",
     {"context": {"known-tumour-follow-up"}}),
]


# Round twenty-nine: the twenty-ninth blind set's families (the twenty-eighth is held out).
ROUND_TWENTY_NINE_CASES = [
    # a checklist's answers in columns of one line
    ("Mass: N   Calcification: N   Free fluid: N   Hydro: N", {"mass": "absent", "calcification": "absent"}),
    # ... each answer reaches back to its own item only
    ("Mass Y/N: Y   Side: Lt   Organ: kidney   Ca: N   Size: 4cm", {"organ": "kidney", "laterality": "left"}),
    # a word in quotation marks is named, not stated
    ("ADDENDUM: The 'calcification' reported within the left suprarenal SOL is re-interpreted "
     "as an echogenic vessel wall; no calcification is present.", {"calcification": "absent"}),
    ("Left kidney's upper pole mass has calcification.", {"calcification": "present"}),
    # "NBL follow up"
    ("NBL follow up - residual calcified R paravertebral mass 1.5 cm, stable.",
     {"context": {"known-tumour-follow-up"}}),
    # a description of calcification is only as certain as a doubted name for it that follows
    ("R para-aortic mass with gritty echogenic densities, ?mineralisation.", {"calcification": None}),
    ("Left adrenal mass with shadowing echogenic foci, ?calcification.", {"calcification": None}),
    ("Left adrenal mass with shadowing echogenic foci, calcification likely.", {"calcification": "present"}),
]


# Round thirty: the thirtieth blind set's families.
ROUND_THIRTY_CASES = [
    # "better characterised" on another examination: the finding is there to characterise
    ("The left suprarenal mass (4.2 cm) is better characterised on yesterday's CT, which showed "
     "calcification.", {"mass": "present"}),
    # a pointer to another examination in brackets reaches nothing outside them
    ("Left adrenal solid mass with dense calcifications (better characterised on CT).",
     {"mass": "present", "calcification": "present"}),
    ("Left adrenal mass. Calcification on CT.", {"calcification": None}),
    # a caveat about detection still says nothing is found
    ("No mass seen. Small adrenal masses may be missed on ultrasound.", {"mass": "absent"}),
]


# Rounds thirty-one and thirty-two: the thirty-first and thirty-second blind sets' families.
ROUND_THIRTY_ONE_CASES = [
    # a mass of matted nodes; the nodes in its name are its own place
    ("Pre-aortic conglomerate of nodes with calcific foci, midline at L2, encasing the SMA.",
     {"mass": "present", "calcification": "present"}),
    ("Conglomerate of matted nodes in the left para-aortic region, 5 cm, with calcification.",
     {"mass": "present", "laterality": "left"}),
    ("Left adrenal mass 3 cm. Calcified lymph nodes nearby.", {"calcification": None}),
    # a stage after "pattern of" is today's diagnosis
    ("Small calcified right adrenal mass - pattern of stage MS neuroblastoma.", {"context": set()}),
    # "not typical of haemorrhage" sets the haemorrhage aside
    ("Left suprarenal mass with shadowing calcification and internal flow. Not typical of "
     "haemorrhage.", {"context": set()}),
    # a haematoma in a differential, without a place, is in the place of the mass stated
    ("Rim-calcified left renal mass; differential includes a calcified haematoma or a Wilms tumour.",
     {"context": set()}),
    ("Right adrenal mass; differential includes a haematoma.", {"context": {"adrenal-haemorrhage"}}),
    # the calcified wall of a simple cyst is the cyst's
    ("Left kidney lower pole 2.4 cm solid lesion. Right kidney: three simple cysts, one with a "
     "fine calcified wall.", {"mass": "present", "calcification": None}),
    # a colon after an organ opens the details too
    ("Ultrasound cannot reliably distinguish adrenal from upper pole renal origin: left upper "
     "quadrant mass 7 cm with calcification.", {"mass": "present", "calcification": "present"}),
]


# Round thirty-six: the thirty-sixth blind set's families.
ROUND_THIRTY_SIX_CASES = [
    # a tumour named the most likely diagnosis sets a haemorrhage in the differential aside ...
    ("Right suprarenal mass with calcification. Neuroblastoma is the most likely diagnosis, "
     "although adrenal haemorrhage is a differential.", {"context": set()}),
    ("Calcified left suprarenal mass. Differential includes adrenal haemorrhage. Impression: "
     "most likely neuroblastoma.", {"context": set()}),
    # ... not when neither is favoured
    ("Calcified left suprarenal mass; differential includes adrenal haemorrhage.",
     {"context": {"adrenal-haemorrhage"}}),
    # an old haemorrhage said not to be what the mass is
    ("History of right adrenal haemorrhage. New right suprarenal mass with calcification; not in "
     "keeping with old haemorrhage.", {"context": set()}),
    ("Right suprarenal mass with calcification, in keeping with old haemorrhage.",
     {"context": {"adrenal-haemorrhage"}}),
]

# Round thirty-five: the thirty-fifth blind set's families.
ROUND_THIRTY_FIVE_CASES = [
    # a colon after a hedged diagnosis opens its details: the guessed organ is the mass's
    ("Probable left ovarian teratoma: 6 cm mass with fat and calcification.",
     {"organ": "ovary", "laterality": "left"}),
    # "calcified" standing before the mass word is the mass's, whatever organ the sentence names
    ("Bladder indented posteriorly by a 4 cm calcified presacral mass.", {"calcification": "present"}),
    ("Left adrenal mass. Calcified splenic granuloma.", {"calcification": None}),
    # a sentence with a heading of its own takes none from the sentence before
    ("Kidneys show mild hydronephrosis. Impression: large midline pelvic calcified mass.", {"organ": None}),
    ("Right adrenal. Mass 3 cm with calcification.", {"organ": "adrenal"}),
    # a mass within a haemorrhage, not a haemorrhage within a mass
    ("Solid calcified left adrenal mass within the evolving haemorrhage.", {"context": {"adrenal-haemorrhage"}}),
    ("Left adrenal mass with calcification; haemorrhage within the mass.", {"context": set()}),
    # the bowel by its parts
    ("Impression: ileal mural lesion acting as a lead point.", {"organ": "other"}),
]

# Round thirty-seven: the thirty-eighth and thirty-ninth blind sets' families (the thirty-seventh
# is held out).
ROUND_THIRTY_SEVEN_CASES = [
    # an origin only guessed at places the mass when it is an ovary or the liver ...
    ("Pelvic mass probably arising from the left ovary, 7 cm, with shadowing calcification.",
     {"organ": "ovary", "laterality": "left"}),
    ("Large solid RUQ mass, probably of hepatic origin, containing calcifications.", {"organ": "liver"}),
    # ... not another organ, nor one of two guesses, nor one said not to be the origin
    ("Right flank mass with calcification, likely renal.", {"organ": None}),
    ("Pelvic mass with calcification, ?ovarian ?uterine.", {"organ": None}),
    ("Pelvic mass with calcification, not ovarian.", {"organ": None}),
    # what is left of a past haemorrhage is that haemorrhage's
    ("Known previous neonatal adrenal haemorrhage, left. Left suprarenal now contains a 1 cm "
     "calcified residuum, no soft tissue mass.", {"context": {"adrenal-haemorrhage"}}),
    ("History of neonatal adrenal haemorrhage. Today a new solid left adrenal mass with "
     "calcification.", {"context": set()}),
    # tissue that looks neoplastic is a mass
    ("Neoplastic-looking lobulated soft tissue in the left suprarenal fossa, 3 cm, with calcified "
     "foci.", {"mass": "present", "calcification": "present", "organ": "adrenal"}),
]

# Round thirty-eight: the fortieth blind set's families.
ROUND_THIRTY_EIGHT_CASES = [
    # a box left empty before its item in a column of one line
    ("[x] Renal mass  [ ] Calcification\nComment: R kidney lower pole solid mass 2.9cm, no calc.",
     {"mass": "present", "calcification": "absent"}),
    ("[x] Renal mass  [x] Calcification", {"mass": "present", "calcification": "present"}),
    # a status said to be unclear hedges the finding it is the status of
    ("Right suprarenal mass 4.2 cm; calcification status of the mass unclear on this study.",
     {"calcification": None}),
    ("Right suprarenal mass 4.2 cm with calcification. Nodal status unclear.", {"calcification": "present"}),
]

# Round thirty-nine: the forty-sixth blind set's families.
ROUND_THIRTY_NINE_CASES = [
    # a rim that shadows is calcification, one that does not is not
    ("Ring-like echogenic rim with dense shadowing within a retrovesical mass.", {"calcification": "present"}),
    ("Right kidney: echogenic rim without shadowing. Left adrenal mass.", {"calcification": None}),
    # a stage that features suggest is today's diagnosis, not a known tumour
    ("Right adrenal mass with calcification and hepatic infiltration - features suggest stage MS "
     "neuroblastoma.", {"context": set()}),
    ("Stage 4 neuroblastoma on chemotherapy. Left adrenal mass 2 cm, calcified.",
     {"context": {"known-tumour-follow-up"}}),
]

ROUND_FORTY_CASES = [
    # a haemorrhage after a dash is what "unlikely" speaks of, not the calcification before it
    ("Left adrenal region: echogenic mass with internal vascularity and calcifications - "
     "haemorrhage unlikely; NBL likely.", {"calcification": "present"}),
    ("Right adrenal mass with calcification or adrenal haemorrhage: not seen.",
     {"calcification": "absent"}),
    ("A previously noted right suprarenal echogenic lesion (thought to be haemorrhage) has "
     "resolved.", {"mass": "absent"}),
    # an organ whose lesions are called metastases elsewhere is where the tumour spread
    ("Large left retroperitoneal mass with calcification, 8 cm. Liver: multiple small hypoechoic "
     "lesions. Impression: left retroperitoneal mass and likely liver metastases.",
     {"organ": "retroperitoneum"}),
    ("Liver: 4 cm calcified mass in segment VI. No other lesion.", {"organ": "liver"}),
    # a tumour of a named place under observation: the place stays the mass's
    ("Ganglioneuroma of the left adrenal under surveillance: stable 4 cm calcified mass.",
     {"laterality": "left", "organ": "adrenal", "context": {"known-tumour-follow-up"}}),
]

ROUND_FORTY_ONE_CASES = [
    # a hedge that ends its clause before a "but" hedges the words before it
    ("Left suprarenal mass. Impression: calcification possible but not certain.",
     {"calcification": None}),
    ("Left suprarenal mass with calcification, possibly neuroblastoma but Wilms also possible.",
     {"calcification": "present"}),
    # what a suggested CT is for is not found
    ("Impression: right renal mass; CT suggested for staging and for calcification.",
     {"mass": "present", "calcification": None}),
]

ROUND_FORTY_TWO_CASES = [
    # a watched tumour named with its place after a comma: follow-up, the place the mass's
    ("Ganglioneuroma, left paraspinal, under observation: stable 4 cm calcified mass, no growth "
     "since last year.", {"laterality": "left", "organ": "retroperitoneum",
                          "context": {"known-tumour-follow-up"}}),
    ("Neuroblastoma, left adrenal, 3 cm with calcification. Plan: staging CT.",
     {"laterality": "left", "context": set()}),
    # what the text declines to say is not stated
    ("Large mass in the left abdomen. No comment can be made on calcification.",
     {"mass": "present", "calcification": None}),
    # "none are" negates what follows it
    ("The left kidney contains two solid masses. None are calcified.",
     {"calcification": "absent"}),
    ("Right adrenal mass with calcification. Metastases: none are seen.",
     {"calcification": "present"}),
    # speckled foci said not to shadow are not calcification; a faint shadow is no finding
    ("Left adrenal mass with speckled echogenic foci which do not shadow.", {"calcification": None}),
    ("Speckled bright echoes within the right paraspinal mass.", {"calcification": "present"}),
    ("Right adrenal mass; the echogenic area shows only faint shadowing.", {"calcification": None}),
    ("Right adrenal mass with echogenic foci casting dense shadows.", {"calcification": "present"}),
]

ROUND_FORTY_THREE_CASES = [
    # a comma that opens an item of its own side: what follows is not said of what came before
    ("Bilateral suprarenal masses, the right with coarse calcification, the left without.",
     {"calcification": "present", "laterality": "bilateral"}),
    ("Bilateral suprarenal solid masses, the left calcified, the right not.",
     {"calcification": "present"}),
    ("Bilateral adrenal lesions - left solid with calcs, right a simple cyst.",
     {"calcification": "present"}),
    ("Right adrenal mass. Calcification in the left kidney (simple cyst).", {"calcification": None}),
    # a hedge stops at the evidence it is drawn from
    ("Right suprarenal mass, 4 cm; appearances suggestive of neuroblastoma given internal "
     "calcifications.", {"calcification": "present"}),
    # a request is a heading only where it heads
    ("Isolated family history; scan performed at parental request: left kidney 4 cm mass with "
     "calcification.", {"mass": "present", "calcification": "present", "laterality": "left"}),
    ("Request: ?neuroblastoma. Findings: normal adrenals.", {"mass": None}),
    # a review asked for is no follow-up
    ("Right adrenal mass 2.5 cm with calcification. Urgent endocrine and oncology review.",
     {"context": set()}),
]

ROUND_FORTY_FOUR_CASES = [
    # an origin stated after the mass's own calcification is still its origin
    ("A 5 cm heterogeneous mass with dense calcification is seen in the pelvis to the right of "
     "the bladder, arising from the right ovary.", {"laterality": "right", "organ": "ovary"}),
    # a mass that refers back is in the organ named before: a calcified focus elsewhere is not
    # its calcification
    ("A 4 mm shadowing focus in hepatic segment 5 represents an old calcified granuloma. There "
     "is a 3.8 cm solid mass in the right adrenal gland. No calcification is seen within this "
     "mass.", {"calcification": "absent", "organ": "adrenal"}),
    # an organ the mass lies beside is a landmark, not where its calcification sits
    ("Midline mass posterior to the bladder with coarse calcification - ?teratoma.",
     {"calcification": "present"}),
    ("Right adrenal mass. Calcification in the bladder wall.", {"calcification": None}),
    # a past haemorrhage said to be unrelated to the mass raises no flag
    ("Past neonatal adrenal haemorrhage (left). Today a right renal mass of 4 cm with "
     "calcification. Impression: right renal calcified mass; unrelated to the previous left "
     "adrenal haemorrhage.", {"context": set()}),
]

ROUND_FORTY_FIVE_CASES = [
    # certainty is no negation or doubt
    ("Without doubt there is a solid left suprarenal mass with calcifications.",
     {"mass": "present", "calcification": "present"}),
    ("No doubt there is a mass at the left renal hilum, 3.5 cm, calcified.", {"mass": "present"}),
    ("I doubt there is a mass. Calcification seen.", {"mass": None}),
    # a word in quotes graded after it is stated
    ("R adrenal mass, 'calcs' ++.", {"calcification": "present"}),
    ("Right adrenal mass. The 'calcification' reported earlier is a vessel wall.",
     {"calcification": None}),
    # the null sign written for "no"
    ("R suprarenal SOL 28x25x22mm, hypoechoic, \u00d8 calcs, vasc +. L adr nml.",
     {"calcification": "absent"}),
    # a partial resection is a treated tumour
    ("History: Retroperitoneal ganglioneuroblastoma, post partial resection. A residual soft "
     "tissue mass persists to the right of the aorta, 2.6 cm, with a calcific focus with "
     "shadowing.", {"context": {"known-tumour-follow-up"}}),
]

ROUND_FORTY_SIX_CASES = [
    # alternatives after a hedge or negation, the last one described ("or small calcifications")
    ("Echogenic foci in the left renal mass, which may represent fat, haemorrhage or small "
     "calcifications.", {"calcification": None}),
    ("Right adrenal mass. No flow, haemorrhage or coarse calcification.", {"calcification": "absent"}),
    ("No hydronephrosis, scarring or small mass.", {"mass": "absent"}),
    # a full stop typed without its space ends the sentence
    ("R paravertebral mass 3cm,bright foci w/o shadowing.no definite calc.sep from R kid.",
     {"mass": "present", "calcification": "absent"}),
    # words in brackets join nothing: the calculi keep their shadow
    ("Right kidney has two calculi (3 mm and 6 mm) with acoustic shadowing. Left kidney: solid "
     "mass 5 cm.", {"calcification": None}),
    # what cannot be told apart is not stated
    ("Right renal mass 5 cm. Unable to distinguish between calcification in the mass and a "
     "calyceal stone.", {"calcification": None}),
    ("Left renal mass. Shadowing foci at its lower margin; cannot differentiate between "
     "calcification within the mass and an adjacent calculus.", {"calcification": None}),
    # a tumour treated or watched, said after a comma
    ("Right paravertebral ganglioneuroma, incompletely resected 2020. Mass 3 cm with calcification.",
     {"context": {"known-tumour-follow-up"}}),
    ("Left adrenal ganglioneuroma, yearly surveillance. Mass 2.5 cm with calcification.",
     {"context": {"known-tumour-follow-up"}}),
    ("Known stage MS (4S) neuroblastoma. Right adrenal primary 1.2 cm, calcified.",
     {"context": {"known-tumour-follow-up"}}),
    ("BWS, 3-monthly surveillance. Left adrenal mass 3 cm with calcification.", {"context": set()}),
    # a teratoma's teeth
    ("Presacral mass 5 cm containing fat and a shadowing tooth.", {"calcification": "present"}),
    # a course is no negation
    ("The right adrenal lesion has not decreased and now shows shadowing calcific foci.",
     {"mass": "present", "calcification": "present"}),
    ("Left adrenal mass, not increased in size and with coarse calcification.",
     {"calcification": "present"}),
    # a hedged flag before a colon does not reach its details
    ("Follow-up of suspected left adrenal haemorrhage: the lesion now measures 2.6 cm with "
     "calcific foci.", {"mass": "present", "laterality": "left"}),
    # a side right before another finding is that finding's
    ("A solid right suprarenal mass contains calcific foci. Also noted is bilateral medullary "
     "nephrocalcinosis unrelated to the mass.", {"laterality": "right"}),
    ("Bilateral hydronephrosis from a solid mass behind the bladder.", {"laterality": None}),
    # a comma between two words after a size leaves the phrase whole
    ("Right adrenal contains a 2.1 x 1.4 cm heterogeneous, avascular lesion; left adrenal contains "
     "a similar lesion.", {"laterality": "bilateral"}),
    # the liver's two lobes are no sides
    ("Liver nodules throughout both lobes. Left suprarenal mass 3 cm with calcification.",
     {"laterality": "left"}),
]

ROUND_FORTY_SEVEN_CASES = [
    # a general statement about a tumour names calcification without stating it
    ("Left renal mass 6 cm; no calcification. Although Wilms tumour only rarely calcifies, CT "
     "is advised.", {"calcification": "absent"}),
    # new since the last scan is no negation
    ("The right renal mass is again seen, now with a shadowing calcification not appreciated "
     "previously.", {"calcification": "present"}),
    ("Left adrenal mass. Coarse calcification not present on the prior scan.",
     {"calcification": "present"}),
    # a stage named as today's diagnosis is no known tumour
    ("Enlarging calcified left adrenal mass with liver nodules; stage MS neuroblastoma is likely.",
     {"context": set()}),
    # calcification explained as pancreatitis is the pancreas's
    ("Pancreas echogenic with calcifications (chronic pancreatitis). A 3 cm cystic lesion at the "
     "tail.", {"mass": "present", "calcification": None}),
    # foci with and without shadow include shadowing ones
    ("Right paravertebral mass 4 cm; echogenic foci both with and without shadowing.",
     {"calcification": "present"}),
    # "??" written onto the mass doubts it as "?" does
    ("Calcified right adrenal mass?? No - the focus is a calculus in the upper pole calyx.",
     {"mass": None}),
]

ROUND_FORTY_EIGHT_CASES = [
    # a list's next item, on its own line, ends what the line before said
    ("LIVER - NAD\nKIDNEYS - RK 7cm LK 7cm, no HN\nADRENALS - LT SR solid SOL 28mm c/ calcs. ?NBL\n"
     "BLADDER - NAD", {"mass": "present", "calcification": "present"}),
    # "no X and has ...": the negation is X's, the verb starts a clause of its own
    ("Solid lesion in the right kidney, which contains no calcification and has a rim of flow.",
     {"calcification": "absent"}),
    # "in particular" between a finding and its caveat
    ("Left adrenal mass 3 cm. Calcification, in particular, is better assessed on CT.",
     {"calcification": None}),
    # foci none of which shadow
    ("Right adrenal solid lesion 3 cm with tiny bright specks, none of which shadow.",
     {"calcification": None}),
    # what only looks like a stone is no stone
    ("The right renal mass contains stone-like dense echoes with shadowing.",
     {"calcification": "present"}),
]

ROUND_FORTY_NINE_CASES = [
    # a plain adrenal haemorrhage in a text with no mass word is the lesion, with its side
    ("Neonate, traumatic birth: right adrenal haemorrhage, 2.2 cm, avascular.",
     {"mass": "present", "laterality": "right", "organ": "adrenal", "context": {"adrenal-haemorrhage"}}),
    ("Bilateral adrenal haemorrhages in a septic neonate, R 1.5 cm and L 2 cm.",
     {"mass": "present", "laterality": "bilateral"}),
    # ... but not beside a mass said absent, nor beside another mass
    ("Left adrenal haemorrhage, 1.8 cm. No solid mass.", {"mass": "absent"}),
    ("Resolving right adrenal haemorrhage. Separate 3 cm solid mass in the left kidney with "
     "calcification.",
     {"laterality": "left", "organ": "kidney"}),
    # a tumour watched for in a child with a syndrome is screening; once treated, follow-up
    ("Beckwith-Wiedemann syndrome, Wilms surveillance. Left kidney: 2.5 cm solid mass with calcification.",
     {"context": set()}),
    ("WAGR syndrome; Wilms tumour treated with left nephrectomy. Wilms surveillance: right kidney normal.",
     {"context": {"known-tumour-follow-up"}}),
    # a stage named as the leading diagnosis is today's diagnosis
    ("Left suprarenal mass 3 cm with calcification and liver nodules. Stage MS neuroblastoma is "
     "the leading diagnosis.",
     {"context": set()}),
    # "(known haemorrhage)" names the lesion
    ("Left adrenal lesion (known haemorrhage) at 4 weeks: 1 cm, with shadowing calcification.",
     {"context": {"adrenal-haemorrhage"}}),
    # a haemorrhage asked about and then called unlikely is no flag
    ("Query adrenal bleed from the paediatric team. Left adrenal mass 3 cm, solid and vascular, "
     "with calcification; haemorrhage is considered unlikely.",
     {"context": set()}),
    # a neighbour's "NAD" on the line before does not reach an item of a list
    ("LIVER - NAD\nLT KID - NAD\nRT SR - 3 cm SOL with calcs\nBLADDER - NAD",
     {"laterality": "right", "organ": "adrenal"}),
    # "excised at 3 months" after the tumour's place
    ("Mesoblastic nephroma of the right kidney excised at 3 months. Right renal bed clear.",
     {"mass": None, "context": {"known-tumour-follow-up"}}),
    # more words for a mass
    ("Left para-aortic soft-tissue deposit 2 cm with calcific foci.", {"mass": "present", "calcification": "present"}),
    ("Both ovaries contain dermoids, right 3 cm and left 2 cm.",
     {"mass": "present", "laterality": "bilateral", "organ": "ovary"}),
]

ROUND_FIFTY_CASES = [
    # a doubt over the shadowing doubts the description before it
    ("Mass in the right adrenal, 3 cm, with speckled echogenic foci; shadowing not convincing.",
     {"calcification": None}),
    # "these are not definite calcification" doubts the word after it
    ("Right renal mass 4 cm. Bright foci within it without shadowing; these are not definite "
     "calcification.", {"calcification": None}),
    # what this ultrasound shows beside another examination's finding
    ("The left renal mass (4 cm) contains shadowing echogenic foci corresponding to the "
     "calcification reported on CT.", {"calcification": "present"}),
    ("The calcification in the right adrenal mass seen on CT is also visible on ultrasound as a "
     "shadowing focus.", {"calcification": "present"}),
    # "<tumour>, right nephrectomy at 3 weeks": a known tumour, removed
    ("Congenital mesoblastic nephroma, right nephrectomy at 3 weeks. Renal fossa clear.",
     {"mass": None, "context": {"known-tumour-follow-up"}}),
    ("History of left nephrectomy aged 3 for Wilms tumour. Solitary right kidney normal.",
     {"mass": None}),
    # a liver mass in segments of both lobes has no side
    ("Liver mass spanning segments 4 and 8, 6 cm, with calcification.", {"laterality": None}),
    # a sentence opening in the past tense
    ("Had neonatal right adrenal haemorrhage, resolved by 2 months. Scan today for UTI: kidneys "
     "normal.", {"mass": None}),
]

ROUND_FIFTY_ONE_CASES = [
    # treatment of a named condition that is no tumour ("hypercalciuria on treatment")
    ("Left renal mass 4 cm with calcification. Bilateral nephrocalcinosis (hypophosphataemia on "
     "treatment).", {"context": set()}),
    # a stage's pattern is today's diagnosis
    ("Left adrenal: 2 cm solid mass with shadowing calcific foci. Liver nodules. Stage MS "
     "neuroblastoma pattern.", {"context": set()}),
    # calcifications "in keeping with those on CT" are this ultrasound's
    ("Outside CT showed a left adrenal mass. Here the 3 cm mass holds punctate shadowing "
     "calcifications in keeping with those on CT.", {"calcification": "present"}),
    # "are not convincingly calcification" doubts it; "not convincingly seen" stays a doubt of the mass
    ("Kidney, right: 5 cm solid mass with bright foci, no shadowing. Impression: the foci are not "
     "convincingly calcification.", {"calcification": None}),
    ("A mass is not convincingly seen in the right flank.", {"mass": None}),
    # a calcification under another organ's heading with no mass there is not the mass's
    ("Liver: scattered punctate calcifications, no focal mass. Right adrenal: 2 cm solid nodule, "
     "no calcification.", {"calcification": "absent"}),
    # a differential after a dash leaves the calcification before it
    ("Pelvic mass 5 cm with shadowing calcifications - teratoma vs sarcoma.",
     {"calcification": "present"}),
    # a shadowing crescent
    ("Shadowing echogenic crescent at the wall of a 3 cm cystic lesion in the right kidney.",
     {"calcification": "present"}),
]

ROUND_FIFTY_TWO_CASES = [
    # an earlier examination with its source in brackets is history
    ("Prior CT (other hospital, 2022) described a calcified left adrenal nodule. Today the left "
     "adrenal appears normal; no lesion.", {"mass": "absent"}),
    # a dash after what was not seen starts a new statement
    ("Midline pelvic mass 10 cm with fat and calcification; neither ovary separately identified - "
     "ovarian teratoma most likely.", {"organ": "ovary"}),
    # calcification in another organ of the "other" bucket is not the adrenal mass's
    ("Pancreas: coarse calcifications in the head and body (chronic pancreatitis). Right suprarenal "
     "solid lesion 1.9 cm, without calcification.", {"calcification": "absent"}),
    # haemorrhage "with early calcification is likely"
    ("Right adrenal mass with calcification in a 10-day-old, avascular. Evolving haemorrhage with "
     "early calcification is likely.", {"context": {"adrenal-haemorrhage"}}),
    # a mass crossing the midline "to the left of the aorta" keeps its side
    ("A right suprarenal mass of 6 cm crosses the midline to the left of the aorta. Speckled "
     "calcification.", {"laterality": "right"}),
    # a list item's line ends the mass's phrase: the line before names another organ's side
    ("RT KID - 6.5CM NAD\nLT KID - LARGE SOLID SOL, 6X5X5CM, NO CALCS SEEN.", {"laterality": "left"}),
    # metastases named after their place ("seg VI/VII ?mets") do not make the primary bilateral
    ("Mass arising from L adrenal with calcifications. Liver - 2 hypoechoic lesions seg VI/VII ?mets.",
     {"laterality": "left"}),
    # treatment completed is a known tumour
    ("Neuroblastoma of the left adrenal, treatment completed 2019. No recurrent mass.",
     {"context": {"known-tumour-follow-up"}}),
    # the tumour screened for is not a finding
    ("Familial ALK mutation; neuroblastoma screening. Both adrenals normal.", {"mass": None}),
]

ROUND_FIFTY_THREE_CASES = [
    # the haemorrhage named as the lesion's "evolution", or after three qualifiers
    ("Follow-up of right adrenal haemorrhage diagnosed at birth. The lesion has decreased to 1.4 cm "
     "and now contains shadowing calcification. Typical evolution of haemorrhage.",
     {"context": {"adrenal-haemorrhage"}}),
    ("Right adrenal: 1.2 cm calcified nodular lesion with dense shadowing. Typical of old calcified "
     "adrenal haemorrhage.", {"context": {"adrenal-haemorrhage"}}),
    ("The left adrenal lesion has grown, with flow and shadowing calcifications. This is not the "
     "expected evolution of a haemorrhage.", {"context": set()}),
    # a stage opening the impression is today's diagnosis
    ("Left suprarenal region: 1.8 cm solid mass with calcific foci.\nImpression: Stage MS "
     "neuroblastoma with diffuse hepatic infiltration.", {"context": set()}),
    ("L adrenal NBL (known) - stable in size 3.1cm, calcified.", {"context": {"known-tumour-follow-up"}}),
    # the words between the mass and its origin clause do not give it a side
    ("Large left flank mass displacing bowel loops to the right, 10 cm, arising from the left "
     "kidney.", {"laterality": "left"}),
    # shadowing foci with a likely name are calcification; with a possible one they are not
    ("Left paravertebral mass 3.5 cm containing echogenic foci with shadowing, likely "
     "calcification.", {"calcification": "present"}),
    ("Left paravertebral mass 3.5 cm containing echogenic foci with shadowing, possibly "
     "calcification.", {"calcification": None}),
    # "? by a mass": the query reaches past the agent's words
    ("R kid displaced laterally, ? by a mass medially - poorly seen.", {"mass": None}),
    # an earlier ultrasound by its date, and what it showed
    ("Comparison with the ultrasound of 12/03, which showed a 2 cm left suprarenal cystic lesion. "
     "The lesion has completely resolved.", {"mass": "absent"}),
]

ROUND_FIFTY_FOUR_CASES = [
    # a calcification not looked for is not stated
    ("Right renal mass 5.0 cm. Calcification was not sought specifically; CT is superior for this.",
     {"calcification": None}),
    # a haemorrhage said to be no consideration, or with no features of it, is set aside
    ("Right suprarenal solid mass 4.5 cm with shadowing calcification and arterial flow. Given the "
     "age, adrenal haemorrhage is not a consideration.", {"context": set()}),
    ("Clinical: 4 month old; ?adrenal haemorrhage vs mass.\nFindings: Left adrenal: 3.6 cm solid "
     "mass with shadowing calcification. No features of haemorrhage.", {"context": set()}),
    # "each adrenal" is both sides; another organ's bilateral state is not the mass's side
    ("Mass in each adrenal gland (R 3.0 cm, L 2.7 cm) with coarse calcifications.",
     {"laterality": "bilateral"}),
    ("Growth in the pelvis arising from the bladder dome, 5 cm, no calcs. Bilateral hydro. ?RMS.",
     {"laterality": None}),
    ("Retrovesical mass in a boy, 4.5 cm, with punctate shadowing calcifications. Ureters dilated "
     "bilaterally.", {"laterality": None}),
    # what the examiner felt is the question
    ("A lump is palpable clinically in the right flank - ultrasound shows the normal right kidney; "
     "no tumour or lesion.", {"mass": "absent"}),
    # what ultrasound "may underestimate" is a caveat, not a finding
    ("Right suprarenal solid mass, 3.5 cm. No calcification is seen, although ultrasound may "
     "underestimate calcification compared with CT.", {"calcification": "absent"}),
]

ROUND_FIFTY_FIVE_CASES = [
    # an earlier examination "which showed" a lesion is history
    ("COMPARISON: Ultrasound at birth which showed a calcified right suprarenal lesion.\nFINDINGS: "
     "The right adrenal gland now appears normal. No residual mass or calcification.", {"mass": "absent"}),
    # a risk group or stage said of today's diagnosis is no known tumour
    ("Left adrenal solid mass with dense shadowing calcification. Impression: left adrenal primary "
     "- high-risk neuroblastoma suspected.", {"context": set()}),
    ("Right suprarenal solid mass 6 cm with coarse calcification. Conclusion: consistent with stage "
     "4 neuroblastoma.", {"context": set()}),
    ("High risk neuroblastoma, post induction. Residual calcified mass 2 cm.",
     {"context": {"known-tumour-follow-up"}}),
    # "haemorrhage vs neuroblastoma": the brief's writers and the clinical pathway (a repeat scan)
    ("Left adrenal mass with a peripheral eggshell rim that shadows - ?old haemorrhage vs "
     "neuroblastoma.", {"context": {"adrenal-haemorrhage"}}),
    # a caveat: what "can be inconspicuous", what the lesion is "too small to comment on"
    ("No adnexal mass. Note that the fat and calcification of a dermoid can be inconspicuous on "
     "ultrasound.", {"mass": "absent", "calcification": None}),
    ("The left adrenal lesion is too small and poorly seen to comment on internal calcification.",
     {"calcification": None}),
    # punctate shadowing; a soft tissue deposit is a mass, not a calcific deposit
    ("Left paraspinal mass, gritty texture with punctate shadowing.", {"calcification": "present"}),
    ("Soft tissue deposit 2 cm at the left renal hilum with flecks of shadowing calcification.",
     {"mass": "present"}),
    # masses felt "on exam" are the question; a direction is not a side
    ("US abdomen - bilateral flank masses on exam. Both kidneys filled with simple cysts, not "
     "tumour. No adrenal or retroperitoneal mass.", {"mass": "absent"}),
    ("Displacement of the uterus to the right by a left adnexal complex mass 5 cm.",
     {"laterality": "left"}),
]

ROUND_FIFTY_SIX_CASES = [
    # a size's "and" does not part stones from their shadow
    ("Right kidney: two small calculi, 3 and 4 mm, with posterior acoustic shadowing. Left renal "
     "solid mass 3 cm, no calcification within it.", {"calcification": "absent"}),
    # another examination that "may help confirm" is no finding
    ("Right adrenal solid mass, likely neuroblastoma. CT may help confirm calcification.",
     {"calcification": None}),
    # a negation runs along a list with a word the rules do not name
    ("Large left ovarian cyst with no solid component, septation or calcification.",
     {"calcification": "absent"}),
    # the kidney and its side in one word
    ("RK: solid mass upper pole 4 cm with shadowing calcification.", {"laterality": "right"}),
    # the tumour called by its place; a tumour's deposits; the haemorrhage written short
    ("The right adrenal primary now measures 2.1 cm.", {"mass": "present", "laterality": "right"}),
    ("Bilateral renal lymphoma deposits, hypoechoic.", {"mass": "present"}),
    ("Lt adrenal haem, 18 mm, resolving.", {"mass": "present", "laterality": "left"}),
    # an indeterminate nodule is there, its nature is what is not known
    ("Right suprarenal 1.5 cm indeterminate nodule.", {"mass": "present"}),
    # the shadow graded in a sentence of its own; a calcification the foci suggest
    ("Echogenic foci in R adrenal mass 2.7 cm. Shadowing ++.", {"calcification": "present"}),
    ("Left flank mass 8 cm with calcification suggested by a few shadowing foci.",
     {"calcification": "present"}),
    # the foci's nature doubted after them, passive
    ("Retroperitoneal mass containing echogenic areas with some shadowing; whether these represent "
     "calcification or fat cannot be distinguished.", {"calcification": None}),
]

ROUND_FIFTY_SEVEN_CASES = [
    # what is "not clearly appreciated" is not stated; "neither mass is calcified"
    ("Left adrenal solid mass 3 cm. Calcification is not clearly appreciated on ultrasound.",
     {"calcification": None}),
    ("Right renal solid mass 4 cm. Left renal solid mass 2.5 cm. Neither mass is calcified.",
     {"calcification": "absent"}),
    # where an organ or a mass is, not whether it is there
    ("Pelvic mass, midline, 6cm, mixed solid/cystic, calcs +. ovaries not seen sep. ?teratoma.",
     {"calcification": "present"}),
    ("Left paravertebral mass 3 cm with calcification, not seen to extend into the spinal canal.",
     {"calcification": "present"}),
    ("Pelvic mass to the left of midline, 4 cm, solid, with calcification; left ovary seen "
     "separately.", {"organ": None}),
    # another examination's finding seen again today
    ("The calcified mass in the left upper quadrant seen on CT is again demonstrated, 3.9 cm.",
     {"mass": "present"}),
    # the side typed onto its organ
    ("leftkidney shows a 2.1cm solid nodule interpolar,no calcification.", {"laterality": "left"}),
]

ROUND_FIFTY_EIGHT_CASES = [
    # the spleen said calcified later in its sentence; a calcification said absent of the mass
    ("The spleen is small and echogenic with shadowing (autosplenectomy, calcified). Left "
     "suprarenal solid mass 2.6 cm without calcification.", {"calcification": "absent"}),
    # a focal abnormality is a mass, with its place
    ("There is a focal abnormality in the right ovary: a 3 cm hyperechoic region with posterior "
     "shadowing.", {"mass": "present", "organ": "ovary"}),
    # shadowing foci however described
    ("Right renal lesion 2.2 cm with tiny shadowing crystal-like foci at its margin.",
     {"calcification": "present"}),
    # what an earlier scan's finding "had been presumed" to be is history
    ("Right adrenal solid mass 2.6 cm with shadowing calcifications. It is larger than on the scan "
     "at day 10 (1.8 cm), which had been presumed to be haemorrhage.", {"context": set()}),
    # staging asked of "any renal tumour" is no known tumour
    ("Right renal solid mass 4.4 cm with shadowing calcification. Chest CT is required as part of "
     "staging for any renal tumour.", {"context": set()}),
]

ROUND_FIFTY_NINE_CASES = [
    # the gonad of a child with a difference of sex development is where an ovary is
    ("Streak gonad on the left holds a 12 mm nodule with shadowing calcification.",
     {"organ": "ovary"}),
    # an organ given another finding is that finding's, not the mass's
    ("Left ovarian mass 5 cm with a calcified nodule. The right kidney shows mild hydronephrosis "
     "from pressure of the pelvic mass.", {"organ": "ovary"}),
    # a calcification new since the last report is there
    ("Left renal solid mass 3 cm with punctate calcification not described in the previous report.",
     {"calcification": "present"}),
    # a swelling said to arise from an organ is a mass
    ("Swelling arising from the right kidney upper pole, 4 cm, with shadowing calcific foci.",
     {"mass": "present", "laterality": "right", "organ": "kidney"}),
    # the sides in another finding's brackets are that finding's
    ("Bilateral hydronephrosis (right 12 mm, left 9 mm) from a bladder base mass of 3 cm.",
     {"laterality": None}),
    # a side and organ said of the mass word right after them are the mass's
    ("Stones in the left kidney, separate from the right adrenal mass (2 cm).",
     {"laterality": "right", "organ": "adrenal"}),
    # "not convincingly a mass" is a doubt, not a mass
    ("Hypoechoic area in the left adrenal. Not convincingly a mass.", {"mass": None}),
    # a scan at an earlier age and what it showed is history
    ("Scan at 3 days of age showed a left suprarenal cystic lesion. Today the left adrenal is normal.",
     {"mass": None, "laterality": None}),
    # an angiomyolipoma is a mass, not one only like it
    ("Tuberous sclerosis: angiomyolipomas in both kidneys, up to 1 cm.",
     {"mass": "present", "laterality": "bilateral"}),
    ("Right kidney: a 4 mm angiomyolipoma-like echogenic focus.", {"mass": None}),
]

ROUND_SIXTY_CASES = [
    # a caveat about another examination's limits names calcification without stating it
    ("Solid pelvic mass 5 cm behind the bladder. MRI is advised, although MRI is poor at "
     "demonstrating calcification.", {"calcification": None}),
    # a question left open reaches past the places it names
    ("A 3 mm shadowing focus in the right suprarenal region; it is unclear whether this lies in a "
     "normal adrenal or within a small lesion.", {"mass": None}),
    # a mass neither confirmed nor excluded is not stated
    ("Left adrenal region obscured by gas: a small mass can neither be confirmed nor excluded.",
     {"mass": None}),
    # a kidney removed in a year named in brackets is history
    ("Wilms tumour of the left kidney (nephrectomised 2020), yearly scan. Right kidney normal, "
     "no mass.", {"mass": "absent"}),
    ("Neuroblastoma surveillance (left adrenalectomy 2022). No mass in the adrenal bed.",
     {"mass": "absent"}),
    # what a child presented with, explained by another finding, is no mass
    ("Hydronephrotic left kidney presenting as a flank mass; no solid lesion.", {"mass": "absent"}),
    # a referrer's query hedges
    ("Referring doctor queries neuroblastoma. Both adrenals and kidneys normal.", {"mass": None}),
    # a report typed in capitals is still split at its full stops
    ("THE RIGHT KIDNEY MEASURES 5 CM, THE LEFT 5.5 CM. NO HYDRONEPHROSIS. A SOLID PRESACRAL MASS OF "
     "3 CM IS SEEN BEHIND THE RECTUM WITH FLECKS OF CALCIFICATION CASTING SHADOWS. BLADDER NORMAL.",
     {"laterality": None}),
    # a list item's label after a bullet, of two organs, ends the phrase before it
    ("*R adrenal: 3 cm solid mass with shadowing calcification\n*R kidney: nl, separate from mass\n"
     "*L kidney/adrenal: nl", {"laterality": "right"}),
    # the kidney on the other side said normal does not disown the mass's
    ("Left renal mass 8 cm, solid, contralateral kidney normal.", {"organ": "kidney"}),
]

ROUND_SIXTY_ONE_CASES = [
    # a known tumour on an observation arm is followed up
    ("Low-risk neuroblastoma, observation arm. The small left adrenal mass is stable at 1.5 cm "
     "with punctate calcification.", {"context": {"known-tumour-follow-up"}}),
    # "high risk ... picture" is today's diagnosis, not a known tumour's risk group
    ("Large left adrenal mass with shadowing calcification and liver nodules - high risk "
     "neuroblastoma picture.", {"context": set()}),
    # a haemorrhage said to be unusual is set aside
    ("Left suprarenal solid mass 5 cm with calcification. Adrenal haemorrhage would be unusual "
     "at this age; the appearances are those of neuroblastoma.", {"context": set()}),
    # a caveat that ultrasound is poor at excluding calcification names it without stating it
    ("No adrenal lesion. Ultrasound is poor at excluding calcification in small adrenal lesions.",
     {"mass": "absent", "calcification": None}),
    # the shadow graded after a comma
    ("Right adrenal: small echogenic lesion 11 mm, shadowing+.", {"calcification": "present"}),
    # an organ named behind a position word after the mass says where the mass lies
    ("A 2 cm solid pelvic mass to the left of the bladder with fine calcifications that shadow.",
     {"calcification": "present"}),
]

ROUND_SIXTY_TWO_CASES = [
    # a general statement that another examination shows calcification better
    ("Right adrenal solid mass 2 cm. No calcification within it, although fine calcification is "
     "better detected by CT than by ultrasound.", {"calcification": "absent"}),
    # what another examination will confirm or refute is not stated
    ("Left renal lesion 3 cm, no calcification on ultrasound. CT advised; it will also confirm or refute "
     "calcification better than US.", {"calcification": "absent"}),
    # a tumour on induction therapy is followed up
    ("Neuroblastoma of the left adrenal on induction therapy: mass 3 cm, stable, calcified.",
     {"context": {"known-tumour-follow-up"}}),
    # a mass first seen before birth that persists is today's
    ("The left suprarenal cystic mass first noted on the antenatal scan at 32 weeks persists: "
     "2.5 cm, with fine calcification.", {"mass": "present"}),
    # a soft-tissue swelling is a mass
    ("Bulky soft-tissue swelling para-aortic on the left, 3 cm, calcified.",
     {"mass": "present", "laterality": "left"}),
]

ROUND_SIXTY_THREE_CASES = [
    # a tumour watched, said after a comma that follows its place
    ("Ganglioneuroma R paravertebral, under surveillance. Mass 2.8 cm, calcified, unchanged.",
     {"context": {"known-tumour-follow-up"}}),
    # a tumour given a risk group, or an arm of a trial, is known
    ("Neuroblastoma, intermediate risk. Left adrenal mass 2 cm with calcification.",
     {"context": {"known-tumour-follow-up"}}),
    ("Left adrenal mass 2 cm with fine calcification; patient on the observation arm.",
     {"context": {"known-tumour-follow-up"}}),
    # chemotherapy before an operation tells of a known tumour
    ("Left Wilms, pre-op chemo week 3: the mass now 6 cm, calcified.",
     {"context": {"known-tumour-follow-up"}}),
    # a stage guessed at after words about the tumour is today's diagnosis
    ("Left adrenal mass with calcification. Stage MS neuroblastoma with skin nodules is probable.",
     {"context": set()}),
    # bright foci indeterminate for calcification do not state it
    ("Right renal mass 4 cm. The echogenic foci are indeterminate for calcification.",
     {"mass": "present", "calcification": None}),
    # a haemorrhage offered as the less likely differential is not the diagnosis
    ("Left adrenal solid mass with coarse calcification. A less likely differential is adrenal "
     "haemorrhage.", {"context": set()}),
    # plural masses take each side their phrase gives, across "and"
    ("Right upper pole 3 cm and left lower pole 2 cm solid masses with calcification.",
     {"mass": "present", "laterality": "bilateral"}),
    # what a child is screened for ends at the colon
    ("Screening for Wilms in hemihyperplasia: 3 cm solid mass of the left kidney with calcification.",
     {"mass": "present", "calcification": "present", "laterality": "left"}),
    # "may be" reaches the second of two diagnoses it offers
    ("Small hyperechoic area in the left upper quadrant; may be a calcified splenic granuloma or "
     "a calcified adrenal nodule.", {"mass": None, "calcification": None}),
    # ... but a colon right after "for" opens what is screened for
    ("Screening for: left adrenal mass with calcification.", {"mass": None, "calcification": None}),
]

ROUND_SIXTY_FOUR_CASES = [
    # "neither" reaches past the verb that follows it
    ("Two solid renal masses, right 3 cm and left 2 cm, neither containing calcification.",
     {"mass": "present", "calcification": "absent"}),
    # an age at which there was a finding is its past
    ("At 3 weeks of age there was a 3 cm left adrenal lesion with calcification. Today the left "
     "adrenal is normal.", {"mass": None, "calcification": None}),
    # an indeterminate nodule is there; what it is is not known
    ("Left adrenal: 1.4 cm hypoechoic nodule, indeterminate; follow-up advised.",
     {"mass": "present", "laterality": "left"}),
]

ROUND_SIXTY_FIVE_CASES = [
    # a labelled line after a labelled line is a sentence of its own, whatever ends the one before
    ("R adrenal: solid mass 2.5 cm with shadowing foci ?NB\nL adrenal: not seen\nLiver: NAD",
     {"mass": "present", "calcification": "present", "laterality": "right"}),
    # a haematoma the mass is too vascular for is set aside
    ("Right suprarenal solid mass 3 cm with calcification in a neonate; too vascular for an adrenal "
     "haematoma.", {"context": set()}),
]

ROUND_SIXTY_SIX_CASES = [
    # after a line with words after its label, a line that opens with a capital is a sentence of its own
    ("Hx: 3yo, irritable, wt loss, ?NB\nRetroperitoneal mass, R side, 5 cm, calcs +, encasing the IVC.",
     {"mass": "present", "calcification": "present", "laterality": "right"}),
    # "not present N months ago" is new, not absent
    ("Right kidney: new 15 mm solid nodule in the lower pole with a shadowing calcification, not present "
     "6 months ago.", {"mass": "present", "calcification": "present"}),
    # the shadow told before the foci that cast it
    ("4 cm mass in the left kidney. Strong shadows are cast by two echogenic foci within it.",
     {"calcification": "present", "laterality": "left"}),
    # haemorrhage not favoured, or not the course expected of one, is set aside
    ("Clinical: 10 day old, palpable left flank mass, ?adrenal bleed.\nFindings: solid left suprarenal "
     "mass 3.5 cm with calcification and arterial flow.\nImpression: Haemorrhage is not favoured given "
     "the vascularity.", {"context": set()}),
    ("Left adrenal lesion, 2 cm at the last scan and thought to be a bleed, now 3 cm with shadowing "
     "calcification. Growth is not the course expected of haemorrhage.", {"context": set()}),
    # a sentence saying the lesion before it is what a past haemorrhage left raises the flag ...
    ("Incidental 1 cm echogenic nodule in the left adrenal with strong posterior acoustic shadowing. Probably "
     "calcified sequela of previous neonatal adrenal haemorrhage.", {"context": {"adrenal-haemorrhage"}}),
    # ... not a focus beside another mass said to be one
    ("Solid right renal mass 6 cm without calcification. Old calcified left adrenal focus in keeping with "
     "sequelae of previous neonatal haemorrhage.", {"context": set()}),
]

ROUND_SIXTY_SEVEN_CASES = [
    # a full stop typed without its space after a "+" ends the sentence
    ("Mass R kid upper pole 4.1cm,solid,vasc+.No calc.No HN.LK nml", {"calcification": "absent"}),
    # a tumour said to be more likely, at the end of its clause, sets a haemorrhage aside
    ("Clinical: 3 week old, palpable right flank mass, ?adrenal bleed.\nFindings: solid 3 cm right "
     "suprarenal mass with internal flow and calcified foci, unchanged since birth; a haematoma would "
     "shrink, so neuroblastoma is more likely.", {"context": set()}),
    # a haemorrhage said to be possible is in the differential
    ("Right adrenal: 2.8 cm complex mass with calcification. In a 6 day old, evolving haemorrhage is "
     "possible, though a neuroblastoma cannot be excluded.", {"context": {"adrenal-haemorrhage"}}),
    # a mass that throws a dense shadow is calcified
    ("Strong acoustic shadow behind the lesion obscures the kidney behind it: left flank, 6 cm.",
     {"mass": "present", "calcification": "present"}),
]

ROUND_SIXTY_EIGHT_CASES = [
    # "none of the masses contains" negates what follows
    ("The right kidney contains two solid masses, 2.9 cm and 1.6 cm. None of the masses contains "
     "calcification.", {"mass": "present", "calcification": "absent"}),
    # a follow-up of a tumour whose stage is given in brackets
    ("Follow-up of stage L2 (intermediate) neuroblastoma. The left adrenal primary measures 2.2 cm and "
     "contains calcification.", {"context": {"known-tumour-follow-up"}}),
    # a diagnosis already confirmed by biopsy is a known tumour
    ("Compared with the scan of last month, the calcified right renal mass measures 4.2 cm (was 3.9 cm). "
     "Awaiting surgery after a biopsy-confirmed diagnosis.", {"context": {"known-tumour-follow-up"}}),
    # foci some with shadowing, others without
    ("Echogenic foci within a right adrenal mass, some with shadowing, others without.",
     {"calcification": "present"}),
    # "unconfirmed" doubts, and what is only like calcification is not said to be it
    ("Left suprarenal mass 3 cm. Impression: possible but unconfirmed calcification.",
     {"calcification": None}),
    ("Right adrenal mass with calcification-like echoes that do not shadow.", {"calcification": None}),
    # the calcification second of two things asked between is asked too
    ("Left renal mass 4 cm with tiny bright specks, non-shadowing - ?fat or calcification.",
     {"mass": "present", "calcification": None}),
]

ROUND_SIXTY_NINE_CASES = [
    # a stippled or speckled echogenic pattern without a shadow is only possible calcification
    ("Left adrenal mass 2.6 cm showing a stippled echogenic pattern, without posterior shadowing.",
     {"mass": "present", "calcification": None}),
    ("Right suprarenal mass with a speckled hyperechoic appearance.", {"mass": "present", "calcification": None}),
    # ... a speckled pattern with shadowing stays calcification
    ("Speckled echogenic pattern with posterior shadowing in the right adrenal mass.",
     {"mass": "present", "calcification": "present"}),
    # an echogenic arc or crescent that shadows is calcification as foci that shadow are
    ("Right suprarenal mass 3.8 cm; a curved echogenic crescent along its wall throws a clean "
     "acoustic shadow.", {"mass": "present", "calcification": "present"}),
    # "not present last year" says the finding is new, not absent
    ("Review of hydronephrosis. A new 2.8 cm solid mass in the left suprarenal region with calcific "
     "foci, not present last year.", {"mass": "present", "calcification": "present"}),
    # an organ "not seen sep" (separately) from the mass is its origin
    ("Pelvic mass 7 cm, solid and cystic with fat and shadowing foci, arising from the R ovary (R ovary "
     "not seen sep).", {"mass": "present", "organ": "ovary"}),
    # shadowing foci named as one of two things asked between are asked too
    ("Left renal mass 5 cm; its echogenic foci cast shadows - calcification versus fat? Could be "
     "clarified on further imaging.", {"mass": "present", "calcification": None}),
]

ROUND_SEVENTY_CASES = [
    # calcification "had it been seen" is a condition, not a finding
    ("Right renal mass 7 cm, no calcification. Favour Wilms; calcification, had it been seen, would point to "
     "neuroblastoma.", {"mass": "present", "calcification": "absent"}),
    # "hard to tell whether the mass itself contains calcification" asks through its verb
    ("Left suprarenal solid mass 2 cm; the adjacent medullary nephrocalcinosis makes it hard to tell whether "
     "the mass itself contains calcification.", {"mass": "present", "calcification": None}),
    # a mass word typed onto its measurement
    ("Left adrenal: solid mass2.8cm with coarse calcification. Kidneys: normal.",
     {"mass": "present", "calcification": "present", "laterality": "left", "organ": "adrenal"}),
    # lesions in the plural in the liver after a mass elsewhere are its spread
    ("Left paravertebral mass 5 cm with shadowing calcification. The liver contains a few small lesions.",
     {"mass": "present", "laterality": "left", "organ": "retroperitoneum"}),
    # calcifications called granulomatous are the spleen's, not the mass's
    ("Spleen normal size with several tiny calcifications (granulomatous). Right paravertebral mass 3 cm.",
     {"mass": "present", "calcification": None}),
    # what a finding "may represent" reaches every alternative of its clause
    ("Ill-defined echogenic area in the left suprarenal region, could represent a normal neonatal adrenal or "
     "a small lesion.", {"mass": None, "laterality": None}),
    ("Rounded echogenic area above the right kidney which might represent prominent normal adrenal tissue "
     "or a small calcified mass.", {"mass": None, "calcification": None}),
]

ROUND_SEVENTY_ONE_CASES = [
    # a heading naming both of a pair is the organ of the mass listed under it
    ("Ovaries: left normal; right with a 6 cm solid-cystic mass, calcified, with fat.",
     {"mass": "present", "laterality": "right", "organ": "ovary"}),
    ("Kidneys: R normal size; L upper pole solid mass 4 cm with calcification.",
     {"mass": "present", "laterality": "left", "organ": "kidney"}),
    # a stone "which is calcified" is the stone's calcification
    ("Right adrenal mass 2 cm, calcification not assessable. The right kidney has a 4 mm stone which is "
     "calcified.", {"mass": "present", "calcification": None}),
    # a stage named with a hedge after it is today's diagnosis, not a known tumour
    ("Left adrenal mass 5 cm with calcification and liver lesions - stage 4 neuroblastoma suspected.",
     {"mass": "present", "calcification": "present", "context": set()}),
    # shadowing said of some of the foci
    ("Left suprarenal mass 3.5 cm with bright foci; a few of them show distinct posterior acoustic shadowing.",
     {"mass": "present", "calcification": "present"}),
]

ROUND_SEVENTY_TWO_CASES = [
    # a statement about a kind of tumour in general is no finding of this child's
    ("Right renal mass 6 cm without calcification on ultrasound. Note that calcification is seen on CT in "
     "a minority of Wilms tumours.", {"mass": "present", "calcification": "absent"}),
    # new since an earlier scan, not absent
    ("A 3 cm solid right suprarenal mass with shadowing calcific foci, not present on an abdominal scan "
     "3 years ago.", {"mass": "present", "calcification": "present"}),
]

ROUND_SEVENTY_THREE_CASES = [
    # "No" typed onto the word it negates
    ("Left renal mass 4 cm, heterogeneous.Nocalcification seen.", {"mass": "present", "calcification": "absent"}),
    # new since an earlier scan, not absent
    ("New 3 cm right suprarenal solid mass with coarse calcification, not seen on any prior scan.",
     {"mass": "present", "calcification": "present"}),
    # foci that throw shadows, the mass between them and the verb
    ("Bright echoes within the 3 cm left adrenal mass throw clear acoustic shadows.",
     {"mass": "present", "calcification": "present"}),
    # a speckled texture with its shadow, written short; and without it
    ("R adrenal mass 25mm, speckled echotexture w/ shadowing.", {"mass": "present", "calcification": "present"}),
    ("R adrenal mass 25mm, speckled echotexture w/o shadowing.", {"mass": "present", "calcification": None}),
    ("R adrenal mass 25mm, speckled echotexture with no shadowing.", {"mass": "present", "calcification": None}),
    # a shadowing focus placed by a word of where it lies
    ("Left renal mass 6 cm with a single shadowing internal focus.", {"mass": "present", "calcification": "present"}),
    # the age of a bleed seen today is no past finding
    ("2 cm left adrenal lesion with a shadowing calcified rim. Old haemorrhage likely.",
     {"mass": "present", "context": {"adrenal-haemorrhage"}}),
]

ROUND_SEVENTY_FOUR_CASES = [
    # a caveat that ultrasound may under-call what it names
    ("Left renal cystic lesion 3 cm, no calcification seen, though ultrasound may under-call fine septal "
     "calcification.", {"mass": "present", "calcification": "absent"}),
    # a shadowing component of bone is calcification
    ("Presacral solid-cystic mass 4 cm with a shadowing osseous component.",
     {"mass": "present", "calcification": "present"}),
    # what a lesion seen today was called before
    ("Right renal lesion previously characterised as a cyst now has a solid component with calcification.",
     {"mass": "present", "calcification": "present", "laterality": "right"}),
    # calcification that only looks so, and does not shadow; and the same with its shadow
    ("Right adrenal mass 3 cm with calcific-appearing specks that do not shadow.",
     {"mass": "present", "calcification": None}),
    ("Right adrenal mass 3 cm with calcific-appearing specks casting shadows.",
     {"mass": "present", "calcification": "present"}),
]

ROUND_SEVENTY_FIVE_CASES = [
    # a soft-tissue focus with a size is a mass
    ("Rounded soft-tissue focus 2 cm in the right suprarenal region with shadowing calcific foci.",
     {"mass": "present", "calcification": "present", "laterality": "right"}),
    # speckled echoes said non-shadowing after the mass they lie in
    ("Stippled echogenic foci in a left adrenal mass 2.4 cm, non-shadowing.",
     {"mass": "present", "calcification": None}),
]

ROUND_SEVENTY_SIX_CASES = [
    # what a CT is asked to clarify is not stated by the ultrasound
    ("Left renal mass 6 cm. CT abdomen to clarify calcification.",
     {"mass": "present", "calcification": None}),
    ("Right adrenal mass with shadowing calcific foci; MRI to further clarify the organ of origin.",
     {"mass": "present", "calcification": "present"}),
]

ROUND_SEVENTY_SEVEN_CASES = [
    # "can't say" before the finding is a hedge
    ("Left suprarenal solid mass 3 cm. Echogenic foci ++ without shadow. Can't say calcified on US.",
     {"mass": "present", "calcification": None}),
    # a full stop after a grade ends the sentence: the next one's negation stays there
    ("R SR mass 3.1cm, echogenic, shadowing calcs +. R kid invasion - not seen. mets - none seen in liver.",
     {"mass": "present", "calcification": "present", "laterality": "right"}),
    # what CT or MRI is asked to correlate is not stated
    ("Right adrenal mass. Echogenic foci of uncertain nature - CT/MRI correlation for calcification.",
     {"mass": "present", "calcification": None}),
    # calcification of the peritoneum is not the mass's
    ("Shadowing calcific foci along the peritoneal surfaces, meconium peritonitis. A 3 cm cystic mass "
     "in the mid abdomen.", {"mass": "present", "calcification": None}),
    # haemorrhage named the main consideration is the diagnosis considered
    ("Right suprarenal lesion 2.4 cm with shadowing foci. Haemorrhage is the main consideration.",
     {"mass": "present", "context": {"adrenal-haemorrhage"}}),
]

ROUND_SEVENTY_EIGHT_CASES = [
    # the confidence denied after the verb
    ("Left adrenal lesion 2 cm, solid. Calcification within it cannot be identified with confidence.",
     {"mass": "present", "calcification": None}),
    # what CT or MRI would better characterise is not stated
    ("Right suprarenal solid mass 3 cm. MRI would better characterise the mass, including any calcification.",
     {"mass": "present", "calcification": None}),
]

ROUND_SEVENTY_NINE_CASES = [
    # a ganglioneuroma watched is a known tumour, as a neuroblastoma is
    ("Ganglioneuroma surveillance. Right paravertebral mass 3 cm, stable, with calcification.",
     {"context": {"known-tumour-follow-up"}}),
    # a stage with "likely" after the tumour's name, no verb between, is today's diagnosis
    ("Impression: left adrenal primary with calcification and liver lesions, stage M NBL likely.",
     {"mass": "present", "calcification": "present", "context": set()}),
    # a residual tumour named two words after "residual" is a treated one
    ("Residual calcified retroperitoneal neuroblastoma, stable at 3 cm.",
     {"context": {"known-tumour-follow-up"}}),
    # foci none of which shadow do not state calcification
    ("Left retroperitoneal mass 4 cm with bright echogenic foci. None of these foci produce posterior "
     "acoustic shadowing.", {"mass": "present", "calcification": None}),
    ("Left retroperitoneal mass 4 cm with echogenic foci. None of the echogenic foci cast a shadow.",
     {"mass": "present", "calcification": None}),
    # the side an organ is pushed to is not the mass's; the side a mass lies to is
    ("Solid presacral mass with shadowing calcification, displacing the rectum to the left.",
     {"mass": "present", "laterality": None}),
    ("Solid mass to the left of the aorta with calcification, displacing the kidney.",
     {"mass": "present", "laterality": "left"}),
]

ROUND_EIGHTY_CASES = [
    # a haemorrhage "no longer in keeping with" the findings is set aside
    ("Follow-up of presumed left adrenal haemorrhage. The left adrenal lesion is now solid with coarse "
     "calcification. These findings are no longer in keeping with haemorrhage.",
     {"mass": "present", "calcification": "present", "context": set()}),
    # a risk group before a tumour that "is the main consideration" is today's diagnosis
    ("Right retroperitoneal calcified mass - high risk neuroblastoma is the main consideration.",
     {"mass": "present", "calcification": "present", "context": set()}),
    # foci "too small to cast acoustic shadows" do not shadow
    ("Right paravertebral solid mass with tiny echogenic foci, likely too small to cast acoustic shadows.",
     {"mass": "present", "calcification": None}),
    # a hedge ends where a finding is called definite; a negation before "definite" still reaches it
    ("Midline pelvic mass 5 cm with probable fat and definite shadowing calcification.",
     {"mass": "present", "calcification": "present"}),
    ("Left adrenal mass. No fat and no definite calcification.", {"mass": "present", "calcification": "absent"}),
]

ROUND_EIGHTY_ONE_CASES = [
    # a caveat that CT shows calcification "more reliably" names it without stating it
    ("Left suprarenal solid mass 3 cm, no calcification seen; fine calcification is more reliably "
     "shown by CT.", {"mass": "present", "calcification": "absent"}),
    # two sizes with their units ("4 mm and 6 mm") keep the stones' shadow theirs
    ("Two stones in the left renal pelvis, 4 mm and 6 mm, with posterior acoustic shadowing. Right "
     "adrenal solid mass 3 cm without calcification.", {"mass": "present", "calcification": "absent"}),
    # a shadow said to be questionable leaves the foci that end on it doubtful
    ("Left adrenal mass 3 cm with bright foci, probably calcification, though shadowing is equivocal.",
     {"mass": "present", "calcification": None}),
    # a nephrectomy "aged 3 for" something else is no known tumour's
    ("Left nephrectomy aged 3 for reflux nephropathy. Right kidney with a 2 cm solid mass containing "
     "shadowing calcification.", {"mass": "present", "calcification": "present", "context": set()}),
    ("Left nephrectomy aged 3 for Wilms tumour. Right kidney normal.",
     {"context": {"known-tumour-follow-up"}}),
]

ROUND_EIGHTY_TWO_CASES = [
    # a hedge that opens its clause before a place word doubts the place ("possibly within a mass")
    ("Shadowing echogenic foci in the right upper quadrant, possibly within a mass but possibly "
     "bowel content; a mass is not confirmed.", {"mass": None}),
    # not a hedge said of the finding before it
    ("Calcification probable within the left adrenal mass.", {"mass": "present"}),
    # another examination's finding shown on this scan is this scan's
    ("A right paravertebral mass first seen on a chest radiograph is shown on ultrasound to extend into "
     "the abdomen, with calcification.", {"mass": "present", "calcification": "present"}),
]

ROUND_EIGHTY_THREE_CASES = [
    # organs joined by "+" after "separate from" are none of them the origin
    ("Solid pelvic mass behind the bladder, 5 cm, with shadowing calcific foci, separate from uterus + "
     "both ovaries (seen). ?teratoma.", {"mass": "present", "calcification": "present", "organ": None,
                                        "laterality": None}),
    # a haemorrhage with a relative clause that "is the most likely explanation" is the diagnosis
    ("Right suprarenal mass 2 cm with a calcific focus. Haemorrhage which has started to calcify is the most "
     "likely explanation.", {"mass": "present", "context": {"adrenal-haemorrhage"}}),
    # "not a realistic consideration" sets a haemorrhage aside
    ("Left adrenal solid mass 5 cm with coarse calcification; adrenal haemorrhage is not a realistic "
     "consideration.", {"mass": "present", "calcification": "present", "context": set()}),
]

ROUND_EIGHTY_FOUR_CASES = [
    # shadowing foci that "suggest calcification" are named by it, not a suggestion to image
    ("Left adrenal solid mass 3 cm; bright foci with acoustic shadowing suggest calcification.",
     {"mass": "present", "calcification": "present"}),
    # but not foci said absent "to suggest" it, nor a suggestion with an alternative
    ("Left adrenal solid mass 3 cm; no shadowing foci to suggest calcification.",
     {"mass": "present", "calcification": None}),
    ("Left adrenal solid mass 3 cm; bright areas with shadowing suggest calcification, or possibly fat.",
     {"mass": "present", "calcification": None}),
    # qualifiers of a haemorrhage after a dash may be set apart by a comma
    ("Right adrenal lesion 2 cm with shadowing echogenic foci - organising, calcifying haemorrhage.",
     {"context": {"adrenal-haemorrhage"}}),
]

ROUND_EIGHTY_FIVE_CASES = [
    # calcification denied in the mass's own sentence: a calcification stated of another
    # organ, or of the other side, in a sentence with no mass is elsewhere
    ("Right renal solid mass 5 cm. The left kidney is small (5.5 cm) with a linear cortical calcification "
     "in its lower pole, likely an old infarct. The right kidney mass shows no calcification within the mass.",
     {"mass": "present", "calcification": "absent", "laterality": "right"}),
    # ... and so is one of liver deposits beside a primary denied its calcification
    ("The liver holds several small nodules, some with shadowing calcification, likely metastases. "
     "Primary: right adrenal solid mass 3 cm, homogeneous without calcification.",
     {"mass": "present", "calcification": "absent", "laterality": "right"}),
    # but not one stated of the mass's own organ and side
    ("Left kidney: shadowing calcification in the upper pole. The left kidney holds a 5 cm solid mass; "
     "no calcification is seen within the mass.", {"mass": "present", "calcification": "present"}),
    # the bone of a teratoma is calcification
    ("Presacral mass 3.5 cm with shadowing bony fragments.", {"mass": "present", "calcification": "present"}),
    ("Pelvic mass 4 cm containing fat and osseous elements.", {"mass": "present", "calcification": "present"}),
    # dirty shadowing is gas's
    ("Right iliac fossa mass with bright echoes with dirty shadowing.",
     {"mass": "present", "calcification": None}),
    # hedges: "difficult to exclude", "would be unusual", a list of what foci may represent
    ("Left renal solid mass 4 cm. It is difficult to exclude calcification - possibly a few foci, shadowing "
     "not convincing.", {"mass": "present", "calcification": None}),
    ("Left renal solid mass 4 cm; calcification would be unusual for a Wilms tumour.",
     {"mass": "present", "calcification": None}),
    ("Right renal solid mass 5 cm. Bright echoes without shadowing are seen within it; these may represent "
     "small vessels, fibrous septa or fine calcification.", {"mass": "present", "calcification": None}),
    # INRG staging yet to be done is not a known tumour's; expectant management is
    ("Left adrenal solid mass 6 cm with shadowing calcification; MRI and MIBG recommended for INRG staging.",
     {"mass": "present", "calcification": "present", "context": set()}),
    ("Neuroblastoma in an infant, expectant management. Right adrenal mass 2 cm with fine calcification.",
     {"mass": "present", "context": {"known-tumour-follow-up"}}),
]

ROUND_EIGHTY_SIX_CASES = [
    # a lesion once thought a haemorrhage is the lesion seen now: "previously" dates the opinion
    ("The left adrenal lesion previously presumed to be haemorrhage has not decreased: it measures "
     "2.5 cm and now has shadowing calcifications.",
     {"mass": "present", "calcification": "present", "laterality": "left"}),
    # but a tumour diagnosed before is not one found now
    ("Previously diagnosed right adrenal neuroblastoma, 3 cm, with new calcification.", {"mass": None}),
]

ROUND_EIGHTY_SEVEN_CASES = [
    # a haemorrhage's qualifiers joined by a slash, or its size before it
    ("Right adrenal lesion of 1.1 cm, now echogenic with a shadowing rim. Appearances in keeping "
     "with an organising/calcifying haemorrhage.",
     {"context": {"adrenal-haemorrhage"}}),
    ("Neonate. The left adrenal is bulky with a 1.5 cm echogenic area, probably a small haemorrhage.",
     {"context": {"adrenal-haemorrhage"}}),
    ("Left adrenal: triangular echogenic thickening, 1 cm, likely a tiny bleed. No flow.",
     {"context": {"adrenal-haemorrhage"}}),
    # a plain "SR haem" with its size is the lesion
    ("R SR haem 1.8 cm, no flow.",
     {"mass": "present", "laterality": "right", "organ": "adrenal", "context": {"adrenal-haemorrhage"}}),
    # what ultrasound cannot tell is not said absent
    ("A 2 cm right adrenal nodule. Ultrasound cannot characterise it further and cannot determine "
     "whether it contains calcification; MRI suggested.",
     {"mass": "present", "calcification": None}),
    ("Solid left renal mass of 3 cm; ultrasound cannot confidently characterise fat or calcification "
     "within the mass.",
     {"mass": "present", "calcification": None}),
    # rims and walls that shadow, in the plural
    ("Right adrenal cystic mass, 3 cm, its loculi outlined by curvilinear shadowing walls.",
     {"mass": "present", "calcification": "present"}),
    # "the right setting" is no side
    ("Left kidney: 2 cm solid lesion. It could be a nephrogenic rest, a small Wilms tumour or an "
     "abscess in the right clinical setting. Right kidney normal.",
     {"mass": "present", "laterality": "left"}),
    # arteries of both kidneys are no bilateral mass
    ("Large mass in the upper abdomen, 8 cm, with coarse shadowing calcification, encasing the SMA "
     "and both renal arteries; origin uncertain.",
     {"mass": "present", "laterality": None}),
    # a sentence that opens "Lesion" goes on about the lesion named before
    ("Three week review of a right adrenal haemorrhage. Lesion now 1.2 cm with a calcified rim.",
     {"laterality": "right", "organ": "adrenal"}),
    # a screening programme is no tumour
    ("Tumour surveillance for Beckwith-Wiedemann syndrome. Kidneys, liver and adrenals normal.",
     {"mass": None}),
    # guards: both renal hila are both sides; a bare "mass" opening a sentence still waits
    ("Lymph node masses in both renal hila, 3 cm on each side.", {"laterality": "bilateral"}),
    ("Known left paraspinal ganglioneuroma. Mass stable at 4 cm.", {"mass": "present"}),
]

ROUND_EIGHTY_EIGHT_CASES = [
    # a negation runs along a list to the end of its sentence, its first item no target
    ("Normal study. No evidence of splenomegaly, focal lesion, calcification or ascites.",
     {"mass": "absent", "calcification": "absent"}),
    ("Kidneys normal. No hydronephrosis, mass, calcification, collection or free fluid.",
     {"mass": "absent", "calcification": "absent"}),
    # guards: not when the list goes on past its last item, nor when a finding is described
    ("No hydronephrosis, right adrenal mass with calcification and fluid.",
     {"mass": "present", "calcification": "present"}),
    ("No organomegaly, focal lesion, calcification or free fluid in the pelvis was reported by "
     "the GP; today a 3 cm left renal mass with shadowing calcification.",
     {"mass": "present", "calcification": "present"}),
    # what another examination will also show is not seen today
    ("Left renal mass, 6 cm, likely Wilms. MRI will also show calcification if present.",
     {"mass": "present", "calcification": None}),
    # new since the first scan, not absent
    ("Right adrenal solid mass, 2.5 cm, with shadowing calcific foci, not seen on the antenatal "
     "scan.",
     {"mass": "present", "calcification": "present"}),
    # the tumour put before the haemorrhage, after "thought" or in brackets
    ("Follow-up of a presumed left adrenal bleed: the lesion has grown to 2.6 cm with shadowing "
     "calcification. Neuroblastoma now thought more likely than haemorrhage.",
     {"context": set()}),
    ("Left suprarenal solid mass, 3 cm, with speckled calcification. Differential: neuroblastoma "
     "(favoured) and, far less likely, an organising adrenal haemorrhage.",
     {"context": set()}),
    # guard: "(favoured) versus haemorrhage" leaves the haemorrhage in the differential
    ("Right suprarenal mass, 2 cm, with calcification. Neuroblastoma (favoured) versus evolving "
     "haemorrhage.",
     {"context": {"adrenal-haemorrhage"}}),
    # a calcified wall likened to an eggshell
    ("Left renal cystic mass, 4 cm, with an eggshell-like thick wall.",
     {"mass": "present", "calcification": "present"}),
    # the spine's own bone is no calcification
    ("Presacral cystic mass, 3 cm. Spinal canal not assessed because of posterior element "
     "ossification.",
     {"mass": "present", "calcification": None}),
    # a word in quotation marks with its measurement is stated
    ("Right adrenal 'nodule' 2.1 x 1.8 cm, solid.",
     {"mass": "present", "laterality": "right", "organ": "adrenal"}),
    # guard: a quoted word is still only named
    ("The 'mass' felt by the GP is the normal liver edge.", {"mass": None}),
]

ROUND_EIGHTY_NINE_CASES = [
    # a "?" before a size word still reaches the mass
    ("Shadowing focus right of the IVC, ?small calcified mass. Could be bowel.", {"mass": None}),
    # what is left of a known haemorrhage is that haemorrhage now
    ("History: left adrenal haemorrhage at birth, now 4 months. Findings: a 1.1 cm echogenic left "
     "adrenal lesion with a shadowing rim. Impression: calcified remnant of the known left adrenal "
     "haemorrhage.",
     {"context": {"adrenal-haemorrhage"}}),
    # a hedge said after a finding, before a colon, leaves the details after it
    ("Tumour of the left kidney suspected: solid heterogeneous growth, 6 cm, with shadowing "
     "calcific foci.",
     {"mass": "present", "calcification": "present"}),
    # guards: a heading hedge still reaches what follows it, after a comma too
    ("Suspected: left renal mass with calcification.", {"mass": None}),
    ("Query: calcified right adrenal mass.", {"mass": None}),
    ("Right adrenal region, query: calcified mass.", {"mass": None}),
    ("Left adrenal, possible: small calcified mass.", {"mass": None}),
]

# Each round's table, by the blind set(s) whose families it pins (a case's id names them).
FAMILIES_OF_BLIND_SETS = {
    "third": ROUND_SIX_CASES,
    "fourth": ROUND_SEVEN_CASES,
    "fifth": ROUND_EIGHT_CASES,
    "sixth-and-seventh": ROUND_NINE_CASES,
    "eighth": ROUND_TEN_CASES,
    "ninth-and-eleventh": ROUND_ELEVEN_CASES,
    "twelfth": ROUND_TWELVE_CASES,
    "thirteenth": ROUND_THIRTEEN_CASES,
    "fifteenth": ROUND_FIFTEEN_CASES,
    "sixteenth": ROUND_SIXTEEN_CASES,
    "eighteenth": ROUND_EIGHTEEN_CASES,
    "nineteenth": ROUND_NINETEEN_CASES,
    "twentieth": ROUND_TWENTY_CASES,
    "twenty-first": ROUND_TWENTY_ONE_CASES,
    "twenty-second": ROUND_TWENTY_TWO_CASES,
    "twenty-third": ROUND_TWENTY_THREE_CASES,
    "twenty-fifth": ROUND_TWENTY_FIVE_CASES,
    "twenty-sixth": ROUND_TWENTY_SIX_CASES,
    "twenty-seventh": ROUND_TWENTY_SEVEN_CASES,
    "twenty-ninth": ROUND_TWENTY_NINE_CASES,
    "thirtieth": ROUND_THIRTY_CASES,
    "thirty-first-and-second": ROUND_THIRTY_ONE_CASES,
    "thirty-fifth": ROUND_THIRTY_FIVE_CASES,
    "thirty-sixth": ROUND_THIRTY_SIX_CASES,
    "thirty-eighth-and-ninth": ROUND_THIRTY_SEVEN_CASES,
    "fortieth": ROUND_THIRTY_EIGHT_CASES,
    "forty-sixth": ROUND_THIRTY_NINE_CASES,
    "forty-eighth-and-ninth": ROUND_FORTY_CASES,
    "fifty-first": ROUND_FORTY_ONE_CASES,
    "forty-ninth-fifty-fourth-and-fifth": ROUND_FORTY_TWO_CASES,
    "fifty-first-seventh-and-eighth": ROUND_FORTY_THREE_CASES,
    "sixtieth-and-sixty-first": ROUND_FORTY_FOUR_CASES,
    "sixty-third-and-fourth": ROUND_FORTY_FIVE_CASES,
    "seventy-third-and-fourth": ROUND_FORTY_SIX_CASES,
    "seventy-ninth-and-eightieth": ROUND_FORTY_SEVEN_CASES,
    "eighty-third-and-fourth": ROUND_FORTY_EIGHT_CASES,
    "eighty-seventh-to-ninth": ROUND_FORTY_NINE_CASES,
    "ninety-third-and-fourth": ROUND_FIFTY_CASES,
    "ninety-seventh-and-eighth": ROUND_FIFTY_ONE_CASES,
    "hundred-and-first-and-second": ROUND_FIFTY_TWO_CASES,
    "hundred-and-fifth-and-sixth": ROUND_FIFTY_THREE_CASES,
    "hundred-and-ninth-and-tenth": ROUND_FIFTY_FOUR_CASES,
    "hundred-and-eleventh-and-twelfth": ROUND_FIFTY_FIVE_CASES,
    "hundred-and-fifteenth-and-sixteenth": ROUND_FIFTY_SIX_CASES,
    "hundred-and-seventeenth-and-eighteenth": ROUND_FIFTY_SEVEN_CASES,
    "hundred-and-twenty-first-and-second": ROUND_FIFTY_EIGHT_CASES,
    "hundred-and-twenty-fifth-and-sixth": ROUND_FIFTY_NINE_CASES,
    "hundred-and-twenty-ninth-and-thirtieth": ROUND_SIXTY_CASES,
    "hundred-and-thirty-first-and-second": ROUND_SIXTY_ONE_CASES,
    "hundred-and-thirty-fifth-and-sixth": ROUND_SIXTY_TWO_CASES,
    "hundred-and-thirty-seventh-and-eighth": ROUND_SIXTY_THREE_CASES,
    "hundred-and-forty-first-and-second": ROUND_SIXTY_FOUR_CASES,
    "hundred-and-forty-third-and-fourth": ROUND_SIXTY_FIVE_CASES,
    "hundred-and-forty-seventh-and-eighth": ROUND_SIXTY_SIX_CASES,
    "hundred-and-fifty-first-and-second": ROUND_SIXTY_SEVEN_CASES,
    "hundred-and-fifty-fifth-and-sixth": ROUND_SIXTY_EIGHT_CASES,
    "hundred-and-fifty-ninth-and-sixtieth": ROUND_SIXTY_NINE_CASES,
    "hundred-and-sixty-third-and-fifth": ROUND_SEVENTY_CASES,
    "hundred-and-sixty-seventh-and-ninth": ROUND_SEVENTY_ONE_CASES,
    "hundred-and-seventy-first-and-third": ROUND_SEVENTY_TWO_CASES,
    "hundred-and-seventy-fifth-and-seventh": ROUND_SEVENTY_THREE_CASES,
    "hundred-and-seventy-ninth-and-eighty-first": ROUND_SEVENTY_FOUR_CASES,
    "hundred-and-eighty-third-and-fifth": ROUND_SEVENTY_FIVE_CASES,
    "hundred-and-eighty-seventh-and-ninth": ROUND_SEVENTY_SIX_CASES,
    "hundred-and-ninety-first-and-third": ROUND_SEVENTY_SEVEN_CASES,
    "hundred-and-ninety-fifth-and-seventh": ROUND_SEVENTY_EIGHT_CASES,
    "hundred-and-ninety-ninth-and-two-hundred-and-first": ROUND_SEVENTY_NINE_CASES,
    "two-hundred-and-third-and-fifth": ROUND_EIGHTY_CASES,
    "two-hundred-and-seventh-and-ninth": ROUND_EIGHTY_ONE_CASES,
    "two-hundred-and-eleventh-and-thirteenth": ROUND_EIGHTY_TWO_CASES,
    "two-hundred-and-fifteenth-and-seventeenth": ROUND_EIGHTY_THREE_CASES,
    "two-hundred-and-nineteenth-and-twenty-first": ROUND_EIGHTY_FOUR_CASES,
    "two-hundred-and-twenty-third-to-ninth": ROUND_EIGHTY_FIVE_CASES,
    "two-hundred-and-twenty-first-and-ninth": ROUND_EIGHTY_SIX_CASES,
    "two-hundred-and-thirty-first-to-seventh": ROUND_EIGHTY_SEVEN_CASES,
    "two-hundred-and-thirty-ninth-to-forty-fifth": ROUND_EIGHTY_EIGHT_CASES,
    "two-hundred-and-forty-seventh-and-forty-ninth": ROUND_EIGHTY_NINE_CASES,
}


@pytest.mark.parametrize("phrase, expected", [
    pytest.param(phrase, expected, id=f"{blind_sets}-{number}")
    for blind_sets, cases in FAMILIES_OF_BLIND_SETS.items()
    for number, (phrase, expected) in enumerate(cases, start=1)])
def test_the_blind_sets_families(phrase, expected):
    assert facts_named(phrase, expected) == expected


# A negation or hedge after the calcification in its sentence that ConText gives to nothing
# it can name, or to a nearer finding while it could be the calcification's: of the two
# readings the one that sends no child to CT wins (calcification not stated).
UNRESOLVED_CUE_CASES = [
    # (these two are now read as answers: a box pair, an answer before a bar)
    ("Left adrenal mass. Calcification in mass: no | Vascular encasement: yes", "absent"),
    ("Left adrenal mass 3 cm. Calcified [ ] yes [x] no.", "absent"),
    ("Right adrenal mass; calcification, so typical of neuroblastoma, is lacking.", None),
    # the cue has words of its own to be said of: the calcification stands
    ("Right adrenal mass with calcification, no vascular invasion.", "present"),
    ("Right adrenal mass with calcification in a 4 year old, solid and vascular; haemorrhage unlikely.",
     "present"),
    ("Calcification seen in the right adrenal mass, 3 cm; vascular encasement not seen.", "present"),
    ("Both adrenals contain solid masses; the left one shows calcification, the right one does not.",
     "present"),
    ("Mass: Y | Site: L adrenal | Calcification: Y | Free fluid: N", "present"),
    ("Left adrenal mass | Calcification [x] yes [ ] no | Ascites [ ] yes [x] no", "present"),
    ("Left adrenal mass | Calcification \u2612 yes \u2610 no", "present"),
]


@pytest.mark.parametrize("phrase, calcification", UNRESOLVED_CUE_CASES)
def test_a_negation_left_unresolved_after_calcification_unstates_it(phrase, calcification):
    reading = read_text(phrase)
    assert reading.status("calcification") == calcification
    assert any("later in its sentence" in note for note in reading.uncertain_notes()) == (calcification is None)


@pytest.mark.parametrize("phrase", [
    "Right suprarenal mass 3 cm with calcification\nSpleen normal.",
    "Left adrenal mass with calcification\nGallbladder: sludge",
])
def test_an_organ_on_the_next_line_does_not_put_the_calcification_elsewhere(phrase):
    """The elsewhere check keeps to the calcification's sentence: a line without a full
    stop is a sentence of its own (PyRuSH), and nothing else ends the place there."""
    assert facts_of(phrase)["calcification"] == "present"


BINDING_CASES = [
    ("Known right adrenal neuroblastoma. The lesion now measures 2.9 cm and is calcified.",
     "right", "adrenal"),
    ("There is a mass. It is calcified. It is in the left adrenal.", "left", "adrenal"),
    ("There is a 3 cm lesion in the adrenal region. On the left. Calcification noted.", "left", "adrenal"),
    ("Adrenals:\nRight - calcified mass 2.1 cm\nLeft - normal", "right", None),
    ("Pt 2y. R flank mass. Solid, calcification present. Renal origin.", "right", "kidney"),
    ("Follow-up of suspected left adrenal haemorrhage. The suprarenal lesion is calcified.",
     "left", "adrenal"),
    ("Soft-tissue lesion posterior to the right kidney in the retroperitoneum.", "right", "retroperitoneum"),
    ("Mass in the left renal fossa with calcification; the kidney is displaced and appears separate.",
     "left", None),
    ("Exophytic calcified mass from the inferior right lobe of the liver.", "right", "liver"),
    ("Large mass with calcification. Probably arising from the left kidney.", "left", None),
    ("Calcified retroperitoneal mass. Impression: right adrenal neuroblastoma.", "right", "adrenal"),
    ("Normal right kidney with a calcified mass in the left adrenal.", "left", "adrenal"),
    ("R adrenal mass calc+ 2.5cm L adrenal nad kidneys nad", "right", "adrenal"),
    ("Hepatic lesion with calcification in segment 7.", "right", "liver"),
    ("Right and left adrenal masses with calcification.", "bilateral", "adrenal"),
    ("Rt suprarenal region - SOL ~ 3.5 x 3 cm with calcific specks. Lt suprarenal - normal.",
     "right", "adrenal"),
    ("Calcified suprarenal mass, 4 cm. Right kidney displaced inferiorly.", "right", "adrenal"),
    ("Para-aortic mass extending across both sides of the spine.", None, "retroperitoneum"),
    ("Bilateral solid adrenal masses: right 3 cm and left 2 cm.", "bilateral", "adrenal"),
    ("Renal cyst on the right. A separate solid right renal mass of 3 cm.", "right", "kidney"),
    ("Left adnexal solid lesion with calcific foci; left ovary not separately identified.", "left", "ovary"),
    ("Known right adrenal neuroblastoma on treatment. Small residual mass 1 cm.", "right", "adrenal"),
    ("Left adrenal haemorrhage, evolving: now a 2 cm cystic lesion.", "left", "adrenal"),
    ("Aortocaval solid mass with calcification.", None, "retroperitoneum"),
]


@pytest.mark.parametrize("phrase, side, organ", BINDING_CASES)
def test_side_and_organ_bound_across_sentences(phrase, side, organ):
    read = facts_of(phrase)
    assert (read["laterality"], read["organ"]) == (side, organ)


# (text, every mention as read: kind, status, words, cue, side, organ, size in mm). The
# whole mention is the reader's output (the reasons quote its words and cue), so each
# step that rewrites one is pinned field by field: a calcification put elsewhere by the
# side or organ it names, a finding reversed or re-sided by a later correction, a line
# heading's organ, a size, a tick-box mark.
MENTION_CASES = [
    ("Left renal mass 4 cm. Right suprarenal region: small calcified focus.",
     [("mass", "present", "mass", "", "left", "kidney", 40.0),
      ("calcification", "elsewhere", "calcified", "right side", None, None, None)]),
    ("Right renal mass 4 cm. Left suprarenal region: small calcified focus.",
     [("mass", "present", "mass", "", "right", "kidney", 40.0),
      ("calcification", "elsewhere", "calcified", "left side", None, None, None)]),
    ("Bilateral adrenal masses. Right adrenal: calcified focus.",
     [("mass", "present", "masses", "", "bilateral", "adrenal", None),
      ("calcification", "present", "calcified", "", None, None, None)]),
    ("Small calcified focus in the liver. Left adrenal: 1 cm nodule.",
     [("calcification", "elsewhere", "calcified", "liver", None, None, None),
      ("mass", "present", "nodule", "", "left", "adrenal", 10.0)]),
    ("Liver: 2 cm calcified focus. Left adrenal: mass 3 cm.",
     [("calcification", "elsewhere", "calcified", "liver", None, None, None),
      ("mass", "present", "mass", "", "left", "adrenal", 30.0)]),
    ("Left adrenal mass. Calcification in the gallbladder wall.",
     [("mass", "present", "mass", "", "left", "adrenal", None),
      ("calcification", "elsewhere", "Calcification", "gallbladder", None, None, None)]),
    ("A mass in the right kidney and a mass in the left adrenal.",
     [("mass", "present", "mass", "", "right", "kidney", None),
      ("mass", "present", "mass", "", "left", "adrenal", None)]),
    ("The liver contains a 2 cm calcified focus. Left adrenal mass.",
     [("calcification", "elsewhere", "calcified", "liver", None, None, None),
      ("mass", "present", "mass", "", "left", "adrenal", None)]),
    # a mass with no organ of its own takes the one organ of a flag said in its sentence,
    # not a relative's nor a negated one
    ("Left adrenal haemorrhage, evolving: now a 2 cm cystic lesion.",
     [("mass", "present", "lesion", "", "left", "adrenal", 20.0)]),
    ("Sibling had adrenal haemorrhage, and now a 2 cm solid lesion on the left.",
     [("mass", "present", "solid lesion", "", "left", None, 20.0)]),
    ("No adrenal haemorrhage; a 2 cm solid lesion on the left.",
     [("mass", "present", "solid lesion", "", "left", None, 20.0)]),
    ("Right adrenal mass 3 x 5 x 4 cm.", [("mass", "present", "mass", "", "right", "adrenal", 50.0)]),
    ("Right kidney: 3 cm lesion with calcification.",
     [("mass", "present", "lesion", "", "right", "kidney", 30.0),
      ("calcification", "present", "calcification", "", None, None, None)]),
    ("Right adrenal mass with calcification. Addendum: no calcification on review.",
     [("mass", "present", "mass", "", "right", "adrenal", None),
      ("calcification", "uncertain", "calcification", "reversed by 'Addendum'", None, None, None),
      ("calcification", "absent", "calcification", "no", None, None, None)]),
    ("Right renal mass 4 cm with calcification.\nAddendum: side corrected, the mass is in the LEFT kidney.",
     [("mass", "present", "mass", "", "left", "kidney", 40.0),
      ("calcification", "present", "calcification", "", None, None, None),
      ("mass", "present", "mass", "", "left", "kidney", None)]),
    ("Left adrenal mass 3 cm. Correction: the calcification is not confirmed.",
     [("mass", "present", "mass", "", "left", "adrenal", 30.0),
      ("calcification", "uncertain", "calcification", "not confirmed", None, None, None)]),
    ("Solid mass in the left suprarenal region displacing the left kidney inferiorly, 45 x 30 mm.",
     [("mass", "present", "mass", "", "left", "adrenal", 45.0)]),
    ("The right kidney is displaced inferiorly by a solid mass. It measures 5 cm and contains calcification.",
     [("mass", "present", "mass", "", "right", None, None),
      ("calcification", "present", "calcification", "", None, None, None)]),
    ("Mass posterior to the right kidney, 3 cm, with shadowing foci.",
     [("mass", "present", "Mass", "", "right", None, 30.0),
      ("calcification", "present", "shadowing foci", "", None, None, None)]),
    ("Left adrenal mass 3 cm with echogenic foci without shadowing.",
     [("mass", "present", "mass", "", "left", "adrenal", 30.0),
      ("possible calcification", "present", "echogenic foci", "", None, None, None)]),
    ("Right adrenal lesion 3 cm\nCalcification ?\nLiver NAD",
     [("mass", "present", "lesion", "", "right", "adrenal", 30.0),
      ("calcification", "uncertain", "Calcification", "?", None, None, None),
      ("mass", "absent", "NAD", "NAD", None, None, None)]),
    ("Suprarenal mass L 2cm \u2714 calcs in lesion \u2718\nSpleen NAD",
     [("mass", "present", "mass", "", "left", "adrenal", 20.0),
      ("calcification", "absent", "calcs", "\u2718", None, None, None),
      ("mass", "absent", "lesion", "\u2718", None, None, None),
      ("mass", "absent", "NAD", "NAD", None, None, None)]),
]


@pytest.mark.parametrize("phrase, mentions", MENTION_CASES)
def test_every_mention_of_a_text_as_read(phrase, mentions):
    read = [(m.kind, m.status, m.words, m.cue, m.side, m.organ, m.size_mm)
            for m in read_text(phrase).mentions]
    assert read == mentions


# (phrase, what it must read): one case per key a modifier group of the rules may carry.
RULE_KEY_CASES = [
    # stops_at: a hedge stops at the word that names the container
    ("Possible calcification in the left adrenal mass.", {"mass": "present", "calcification": None}),
    # organs_only: "probably arising from" weighs the organ of origin only
    ("Left suprarenal mass probably arising from the adrenal gland, with calcification.",
     {"mass": "present", "calcification": "present"}),
    # max_targets: "vs artefact" weighs the nearest finding only
    ("Left adrenal mass with calcification vs artefact.", {"mass": "present", "calcification": None}),
]


@pytest.mark.parametrize("phrase, expected", RULE_KEY_CASES)
def test_each_key_of_a_modifier_group_does_what_it_says(phrase, expected):
    assert facts_named(phrase, expected) == expected


def reading_tests() -> list[tuple[str, object, list[tuple]]]:
    """(name, test, cases) of every test of this file that needs nothing but its
    parameters: the tables of phrases and what they must read."""
    tests = []
    for name, test in sorted(globals().items()):
        if not name.startswith("test_") or name == "test_a_reader_built_afresh_reads_every_case_alike":
            continue
        names, cases = [], [()]
        for mark in getattr(test, "pytestmark", []):
            if mark.name == "parametrize":
                names = [n.strip() for n in mark.args[0].split(",")]
                cases = [tuple(c.values) if hasattr(c, "values") else c if len(names) > 1 else (c,)
                         for c in mark.args[1]]
        if list(inspect.signature(test).parameters) == names:
            tests.append((name, test, cases))
    return tests


def test_a_reader_built_afresh_reads_every_case_alike(monkeypatch):
    """The rules compile into the pipeline when a reader is built, once per process: a
    reader built here must read every table of this file as the tests above require.
    (It is also what lets mutation testing reach the code that builds a reader: the
    process's reader was built before any mutant was switched on.)"""
    monkeypatch.setattr(text, "_process_reader", text.build_reader(load_text_rules()))
    tests = reading_tests()
    assert sum(len(cases) for _, _, cases in tests) > 150, "the tables of this file are all here"
    for name, test, cases in tests:
        for case in cases:
            try:
                test(*case)
            except AssertionError as failure:
                raise AssertionError(f"{name}{case!r}: {failure}") from None


def test_a_past_haemorrhage_apart_from_the_mass_is_history_only_where_the_rules_say_so(monkeypatch):
    """``binding.past_flags_apart`` names the flags a past mention in another sentence than
    the mass does not raise; without it (a site's older rules file) the flag is raised."""
    history = ("History of neonatal adrenal haemorrhage on the right. Today there is a new solid "
               "right adrenal mass with calcification, 2 cm.")
    assert read_text(history).context == frozenset()
    rules = load_text_rules()
    del rules["binding"]["past_flags_apart"]
    assert read_text(history, text.build_reader(rules)).context == {"adrenal-haemorrhage"}


def test_a_suspected_haematoma_is_a_mass_and_raises_the_haemorrhage_flag():
    assert facts_of("Neonatal left adrenal haematoma with rim calcification.")["context"] == {
        "adrenal-haemorrhage"}
    assert "adrenal-haemorrhage" in facts_of("Left adrenal lesion, likely resolving haematoma.")["context"]
    assert facts_of("No adrenal haematoma.")["context"] == set()
    assert facts_of("Subcapsular liver haematoma after trauma. Right adrenal calcified mass.")[
        "context"] == set(), "a haematoma placed in another organ is no adrenal haemorrhage"


def test_the_rules_fingerprint_follows_their_content_not_their_layout():
    rules = load_text_rules()
    same = json.loads(json.dumps(rules))
    assert text.rules_fingerprint(same) == text.rules_fingerprint(rules) == default_reader().fingerprint
    same["binding"]["anaphora"] = [*same["binding"]["anaphora"], "that"]
    assert text.rules_fingerprint(same) != text.rules_fingerprint(rules)


def test_observations_carry_source_and_kinds():
    observations = list(text.text_observations(
        "Left suprarenal mass 4 cm with calcification. Known neuroblastoma on chemotherapy. "
        "Echogenic foci without shadowing in it.", "sr-text", "1.2.3", "findings SR text"))
    found = {(o.kind, o.value) for o in observations}
    assert {("mass", "present"), ("calcification", "present"), ("laterality", "left"),
            ("organ", "adrenal"), ("size_mm", "40"), ("context", "known-tumour-follow-up"),
            ("uncertain", "'Echogenic foci' without shadowing: possible calcification, not a finding")} <= found
    assert {(o.source, o.sop_instance_uid, o.detail) for o in observations} == \
        {("sr-text", "1.2.3", "findings SR text")}


def test_a_mass_without_side_organ_or_size_gives_no_such_observation():
    kinds = [o.kind for o in text.text_observations("Solid mass with calcification.", "sr-text",
                                                    "1.2.3", "findings SR text")]
    assert sorted(kinds) == ["calcification", "mass"]


def test_the_pipeline_is_built_once_per_process():
    assert default_reader() is default_reader()


def test_pyrush_does_not_log_every_token(capfd):
    read_text("Left adrenal mass. No calcification.")
    captured = capfd.readouterr()
    assert "DEBUG" not in captured.err + captured.out


def test_rules_file_errors_name_the_field(tmp_path):
    rules = (text.default_rules_path()).read_text()
    bad = tmp_path / "text_rules.toml"
    bad.write_text(rules.replace("before_tokens = 12", 'before_tokens = "six"'))
    with pytest.raises(TextRulesError, match=r"field binding\.before_tokens: 'six' is not of type 'integer'"):
        load_text_rules(bad)



def test_every_error_of_a_rules_file_is_named_in_field_order(tmp_path):
    bad = tmp_path / "text_rules.toml"
    rules = text.default_rules_path().read_text()
    bad.write_text("extra = 1\n" + rules.replace("before_tokens = 12", 'before_tokens = "six"'))
    with pytest.raises(TextRulesError) as raised:
        load_text_rules(bad)
    assert str(raised.value) == (
        f"{bad}: invalid text rules: field (top level): Additional properties are not allowed "
        "('extra' was unexpected); field binding.before_tokens: 'six' is not of type 'integer'")
    bad.write_text("mass = [")
    with pytest.raises(TextRulesError, match=rf"^{re.escape(str(bad))}: cannot read text rules: "):
        load_text_rules(bad)

def test_a_regex_name_is_written_once_and_must_exist(tmp_path):
    rules = text.default_rules_path().read_text()
    assert "{tumour}" in rules
    site = tmp_path / "text_rules.toml"
    site.write_text(rules.replace('tumour = "(?:neuroblastoma|', 'tumour = "(?:neuroblastoma|phaeochromocytoma|', 1))
    reader = text.build_reader(load_text_rules(site))
    follow_up = "Follow-up of right phaeochromocytoma: 2 cm calcified residue."
    assert read_text(follow_up, reader).context == {"known-tumour-follow-up"}
    assert read_text(follow_up).context == set()
    site.write_text(rules.replace("{tumour}", "{tumor}", 1))
    with pytest.raises(TextRulesError, match=r"\{tumor\} is not in regex_names"):
        load_text_rules(site)


def test_a_typo_is_corrected_only_to_a_word_of_the_rules_inside_the_word():
    speller = default_reader().speller
    assert speller.correct("LESOIN with Calcifcation, nromal kidneys") == "LESION with Calcification, normal kidneys"
    # English words, affixes and short words stay as written
    assert speller.correct("a lesson in avascular dermoids; unclr") == "a lesson in avascular dermoids; unclr"
    # a medical word the English dictionary lacks is listed as known
    assert speller.correct("granulosa cell tumour") == "granulosa cell tumour"
    assert speller.correct("a drenal mass, calcific ation") == "adrenal mass, calcification"


def test_site_rules_add_a_phrase_without_code(tmp_path):
    rules = text.default_rules_path().read_text().replace('mass = [\n', 'mass = [\n  "swelling",\n', 1)
    site = tmp_path / "text_rules.toml"
    site.write_text(rules)
    reader = text.build_reader(load_text_rules(site))
    assert read_text("Left suprarenal swelling with calcification.", reader).status("mass") == "present"
    assert read_text("Left suprarenal swelling with calcification.").status("mass") is None



def test_the_site_rules_beside_the_protocols_become_the_process_reader(tmp_path, monkeypatch):
    shipped = default_reader()
    monkeypatch.setattr(text, "_process_reader", shipped)  # restored afterwards
    protocols = tmp_path / "protocols"
    protocols.mkdir()
    assert text.site_rules_path(None) is None and text.site_rules_path(protocols) is None
    assert text.use_site_rules(protocols) is shipped, "no site file: the reader built stays"
    site = tmp_path / "text_rules.toml"
    site.write_text(text.default_rules_path().read_text().replace('mass = [\n', 'mass = [\n  "swelling",\n', 1))
    assert text.site_rules_path(protocols) == site
    reader = text.use_site_rules(protocols)
    assert reader is default_reader() and reader.fingerprint != shipped.fingerprint
    assert read_text("Left suprarenal swelling with calcification.").status("mass") == "present"
    monkeypatch.setattr(text, "_process_reader", None)
    assert text.use_site_rules(None).fingerprint == shipped.fingerprint, "none built yet: the shipped rules"

def study_with_text_sr(folder, findings: str):
    """The images of sample 01 (order text "LT flank mass") with a free-text findings SR."""
    folder.mkdir()
    for image in (SAMPLES / "01-calcified-left-flank-coded").glob("US*.dcm"):
        shutil.copy(image, folder)
    images = [dcmread(p) for p in sorted(folder.glob("US*.dcm"))]
    root = hd.sr.ContainerContentItem(codes.LN.Findings)
    root.ContentSequence = hd.sr.ContentSequence([hd.sr.TextContentItem(
        codes.DCM.Finding, findings, relationship_type="CONTAINS")])
    sr = hd.sr.EnhancedSR(evidence=images, content=root, series_instance_uid=generate_uid(),
                          series_number=5, sop_instance_uid=generate_uid(), instance_number=1,
                          manufacturer="test")
    sr.save_as(folder / "SR.dcm", enforce_file_format=True)
    return images


def test_study_facts_carry_organ_context_and_uncertain_words(tmp_path):
    folder = tmp_path / "study"
    images = study_with_text_sr(folder, "Known neuroblastoma post chemotherapy. Residual left "
                                "suprarenal mass 3.5 x 2 cm; calcification cannot be excluded.")
    items = [(p, dcmread(p, stop_before_pixels=True)) for p in sorted(folder.iterdir())]
    facts = analyze_study(str(images[0].StudyInstanceUID), items, detect=False)
    assert (facts.organ, facts.mass_size_mm, facts.context) == ("adrenal", 35.0,
                                                                 frozenset({"known-tumour-follow-up"}))
    assert (facts.mass.status, facts.calcification.status, facts.laterality.value) == (
        "present", "unknown", "left")
    assert any("'cannot be excluded'" in note for note in facts.notes)


def analyze_cli(folder, protocols):
    return run([sys.executable, "-m", "advisor.cli", "analyze", "--json", "--protocols",
                str(protocols), str(folder)])


def test_site_rules_beside_the_protocols_are_used_and_checked(tmp_path):
    folder = tmp_path / "study"
    study_with_text_sr(folder, "Left suprarenal swelling. Calcification not seen.")
    site = tmp_path / "site"
    shutil.copytree(PROTOCOLS, site / "protocols")
    shipped = analyze_cli(folder, site / "protocols")
    [study] = json.loads(shipped.stdout)["studies"]
    assert study["mass"]["sources"] == ["indication-text"], "shipped rules: the SR names no mass"

    rules = text.default_rules_path().read_text()
    (site / "text_rules.toml").write_text(rules.replace('mass = [\n', 'mass = [\n  "swelling",\n', 1))
    [study] = json.loads(analyze_cli(folder, site / "protocols").stdout)["studies"]
    assert study["mass"]["sources"] == ["sr-text", "indication-text"]

    (site / "text_rules.toml").write_text(rules.replace('direction = "forward"', 'direction = "ahead"', 1))
    invalid = analyze_cli(folder, site / "protocols")
    assert invalid.returncode == 2
    assert "field modifiers.0.direction: 'ahead' is not one of" in invalid.stderr
