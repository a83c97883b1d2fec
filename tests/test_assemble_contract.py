"""The quiet window and what (re-)opens a study, measured by the number of analyses.

A receiver and an assembler run in process on one journal; each test counts how
many studies ``Assembler.run_once`` analysed, which is what a PACS pays for in
duplicate SRs when it goes wrong.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

import pytest
from pydicom import dcmread, dcmwrite
from pydicom.uid import generate_uid

from advisor import MANUFACTURER
from advisor.config import load_settings
from advisor.node import assemble, spool
from advisor.node.assemble import Assembler
from advisor.node.journal import Journal
from advisor.node.receive import Receiver
from advisor.node.workers import Shard
from advisor.protocols import load_protocols
from conftest import SAMPLES, Validation, require_tool, run
from test_receive_contract import c_store

STUDY = SAMPLES / "01-calcified-left-flank-coded"


@pytest.fixture
def node(tmp_path: Path):
    journal = Journal(tmp_path / "journal.sqlite3")
    receiver = Receiver(journal, load_settings(data_dir=tmp_path))
    port = receiver.start("127.0.0.1", 0)

    def assembler(quiet_seconds: float) -> Assembler:
        settings = load_settings(data_dir=tmp_path, quiet_seconds=quiet_seconds, key_image=False)
        return Assembler(journal, settings, load_protocols())
    yield port, journal, assembler
    receiver.stop()
    journal.close()


def us_images() -> list:
    return [dcmread(p) for p in sorted(STUDY.glob("US*.dcm"))]


def test_a_study_is_not_analysed_inside_its_quiet_window(node):
    port, journal, assembler = node
    c_store(port, *us_images())
    assert assembler(quiet_seconds=60).run_once() == 0
    assert journal.results_for_study(str(us_images()[0].StudyInstanceUID)) == []
    assert assembler(quiet_seconds=0).run_once() == 1


def test_once_analysed_a_study_is_not_analysed_again_without_new_instances(node):
    port, _, assembler = node
    c_store(port, *us_images())
    quiet = assembler(quiet_seconds=0)
    assert quiet.run_once() == 1
    assert quiet.run_once() == 0


def test_duplicates_do_not_reopen_a_study(node):
    port, _, assembler = node
    quiet = assembler(quiet_seconds=0)
    c_store(port, *us_images())
    assert quiet.run_once() == 1
    c_store(port, *us_images())
    assert quiet.run_once() == 0


def test_a_new_instance_reopens_the_study(node):
    port, journal, assembler = node
    quiet = assembler(quiet_seconds=0)
    first, second = us_images()[:2]
    c_store(port, first)
    assert quiet.run_once() == 1
    c_store(port, second)
    assert quiet.run_once() == 1


def test_the_advisors_own_output_routed_back_does_not_reopen_a_study(node):
    port, _, assembler = node
    quiet = assembler(quiet_seconds=0)
    c_store(port, *us_images())
    assert quiet.run_once() == 1
    own = us_images()[0]
    own.SOPInstanceUID = generate_uid()
    own.Manufacturer = MANUFACTURER
    c_store(port, own)
    assert quiet.run_once() == 0


def counting_detector(monkeypatch) -> list[Path]:
    """The paths the detector runs on, from now on."""
    calls: list[Path] = []

    def detect(path, rois, first=None):
        calls.append(path)
        return real(path, rois, first)
    real = assemble.detect_instance
    monkeypatch.setattr(assemble, "detect_instance", detect)
    return calls


def test_images_of_an_arriving_study_are_searched_before_it_is_due(node, monkeypatch):
    port, journal, assembler = node
    c_store(port, *us_images())
    calls = counting_detector(monkeypatch)
    waiting = assembler(quiet_seconds=60)
    assert waiting.run_once() == 0
    study_uid = str(us_images()[0].StudyInstanceUID)
    assert sorted(calls) == sorted(journal.study_instances(study_uid)), "searched while arriving"
    waiting.settings = load_settings(data_dir=waiting.settings.data_dir, quiet_seconds=0, key_image=False)
    assert waiting.run_once() == 1
    assert len(calls) == len(us_images()), "the analysis used what was found ahead"
    fresh = assembler(quiet_seconds=0)._analyse(study_uid, journal.study_instances(study_uid))
    assert journal.study_summary(study_uid)["foci"] == fresh.summary["foci"] != []


def test_a_replaced_file_is_searched_again(tmp_path, monkeypatch):
    calls = counting_detector(monkeypatch)
    path = tmp_path / "US001.dcm"
    spool.write_atomically(path, (STUDY / "US001.dcm").read_bytes())
    cache = assemble.DetectionCache()
    first = cache.detect(path, {})
    assert cache.detect(path, {}) is first and len(calls) == 1
    spool.write_atomically(path, (STUDY / "US001.dcm").read_bytes())  # the instance sent again
    assert cache.detect(path, {}) == first and len(calls) == 2


def test_warm_up_analyses_a_made_up_study_and_keeps_nothing(node, tmp_path, caplog):
    _, journal, assembler = node
    before = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assembler(quiet_seconds=0).warm_up()  # raises if any stage fails
    assert journal.studies() == []
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == before
    assert "WARM^UP" not in caplog.text and "WARMUP" not in caplog.text


def test_the_text_rules_enter_the_result_uids(tmp_path, monkeypatch):
    """A site that edits its text rules reads reports differently: same inputs, new UIDs;
    comments and layout of the rules file do not count."""
    from advisor.analyze import analyze_study, group_by_study
    from advisor.evidence import text
    from advisor.output.uids import result_uids
    from conftest import PROTOCOLS

    monkeypatch.setattr(text, "_process_reader", text.default_reader())  # restored afterwards
    journal = Journal(tmp_path / "journal.sqlite3")
    settings = load_settings(data_dir=tmp_path, key_image=False)
    site = tmp_path / "site"
    shutil.copytree(PROTOCOLS, site / "protocols")
    rules = text.default_rules_path().read_text()

    def fingerprint(rules_text: str) -> str:
        (site / "text_rules.toml").write_text(rules_text)
        text.use_site_rules(site / "protocols")
        return Assembler(journal, settings, load_protocols(site / "protocols")).fingerprint

    shipped = fingerprint(rules)
    assert fingerprint("# a site's note\n" + rules) == shipped
    edited = fingerprint(rules.replace('mass = [\n', 'mass = [\n  "swelling",\n', 1))
    assert edited != shipped
    assert shipped.startswith(load_protocols(site / "protocols").fingerprint)
    [(study_uid, items)] = group_by_study([STUDY])[0].items()
    facts = analyze_study(study_uid, items)
    assert result_uids(facts, edited).sop_instance_uid != result_uids(facts, shipped).sop_instance_uid
    journal.close()



# --- the warm-up and the search ahead, measured in detector runs and results ---------


def test_the_warm_up_study_goes_through_every_stage_of_an_analysis(node, tmp_path):
    """What the warm-up analyses, received as a study: in scope (the rule is evaluated),
    its one spot found (so a key image is built), its burned-in text read, every result
    kind written. Anything less and the first real study pays for what was skipped."""
    port, journal, _ = node
    image = assemble.made_up_image()
    assert c_store(port, image) == [0x0000]
    settings = load_settings(data_dir=tmp_path, quiet_seconds=0, key_image=True)
    assert Assembler(journal, settings, load_protocols()).run_once() == 1
    study_uid = str(image.StudyInstanceUID)
    summary = journal.study_summary(study_uid)
    assert (summary["outcome"], summary["patient_age_years"]) == ("not-indicated", 5.0)
    assert "Body part examined: ABDOMEN." in summary["reasons"]
    assert [(f["x"], f["y"], f["shadow"], f["frames"]) for f in summary["foci"]] == [
        (78.0, 58.0, False, [1])]
    assert any(reason.startswith("Burned-in text (OCR of ") for reason in summary["reasons"])
    assert [r.kind for r in journal.results_for_study(study_uid, kind=None)] == ["key-image", "kos", "sr"]


def test_the_warm_up_image_is_a_valid_us_image_the_same_at_every_start(tmp_path):
    """PS3.3 A.6 as dciodvfy reads it; its UIDs are its own and do not change."""
    path = tmp_path / "warm-up.dcm"
    image = assemble.made_up_image()
    dcmwrite(path, image, enforce_file_format=True)
    dciodvfy = run([require_tool("dciodvfy"), str(path)])
    assert "USImage" in dciodvfy.stdout + dciodvfy.stderr
    assert Validation.errors(dciodvfy.stdout + dciodvfy.stderr) == [], dciodvfy.stderr
    uids = [str(image[keyword].value) for keyword in ("StudyInstanceUID", "SeriesInstanceUID",
                                                      "SOPInstanceUID")]
    assert len(set(uids)) == 3
    again = assemble.made_up_image()
    assert [str(again[keyword].value) for keyword in ("StudyInstanceUID", "SeriesInstanceUID",
                                                      "SOPInstanceUID")] == uids

def test_the_warm_up_runs_the_detector_once_and_keeps_nothing(node, tmp_path, monkeypatch, caplog):
    _, journal, _ = node
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    before = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    calls = counting_detector(monkeypatch)
    settings = load_settings(data_dir=tmp_path, quiet_seconds=0, key_image=True)
    Assembler(journal, settings, load_protocols()).warm_up()
    assert len(calls) == 1, "the detector ran on the made-up image"
    assert journal.studies() == [] and journal.instance_uids() == set()
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == before
    assert list(scratch.iterdir()) == [], "nothing is left in the system's temporary folder"
    assert "WARM^UP" not in caplog.text and "WARMUP" not in caplog.text


def test_a_warm_up_stopped_half_way_leaves_one_file_the_next_replaces(node, tmp_path, monkeypatch):
    """A worker stopped during its warm-up (the node stopped as it started) leaves its image;
    the shard's next warm-up writes the same name and removes it, so nothing piles up."""
    _, journal, _ = node
    settings = load_settings(data_dir=tmp_path, quiet_seconds=0)
    shard = Shard(index=1, count=2)
    assembler = Assembler(journal, settings, load_protocols(), shard=shard)

    def stopped(*_args):
        raise KeyboardInterrupt
    monkeypatch.setattr(assembler, "_read_and_decide", stopped)
    with pytest.raises(KeyboardInterrupt):
        assembler.warm_up()
    assert not (tmp_path / "warm-up-1.dcm").exists(), "an exception still removes it"
    (tmp_path / "warm-up-1.dcm").write_bytes(b"left by a killed worker")
    monkeypatch.undo()
    Assembler(journal, settings, load_protocols(), shard=shard).warm_up()
    assert sorted(p.name for p in tmp_path.glob("warm-up*")) == []
