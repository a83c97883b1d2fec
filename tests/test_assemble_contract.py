"""The quiet window and what (re-)opens a study, measured by the number of analyses.

A receiver and an assembler run in process on one journal; each test counts how
many studies ``Assembler.run_once`` analysed, which is what a PACS pays for in
duplicate SRs when it goes wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.uid import generate_uid

from advisor import MANUFACTURER
from advisor.config import load_settings
from advisor.node.assemble import Assembler
from advisor.node.journal import Journal
from advisor.node.receive import Receiver
from advisor.protocols import load_protocols
from conftest import SAMPLES
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
