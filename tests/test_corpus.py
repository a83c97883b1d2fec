"""Files no one here wrote, sent to the node: each gets a status, each study an answer.

The corpus is what the installed packages and Debian ship, read from disk:

- every file under pydicom's ``data/test_files`` (not ``get_testdata_files()``,
  which tries to download the rest);
- pynetdicom's ``tests/dicom_files``;
- highdicom and the pylibjpeg plugins: their wheels ship no DICOM files (the
  test asserts so, to notice when they start to);
- DCMTK's Debian examples (worklist dumps, made into files with ``dump2dcm``) and
  dicom3tools' example, when those packages are installed.

All of it goes to a node on loopback by C-STORE (``tests/inprocess.py``). No
exception may escape the node; every file gets a C-STORE status, a refusal at
negotiation or "not DICOM"; every study stored gets an outcome.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
import subprocess
from pathlib import Path

import pytest

from advisor.cli import analyze_paths
from advisor.model import OUTCOMES
from advisor.node.journal import Journal
from conftest import SAMPLES, wait_for
from inprocess import running_node, send
from test_node import study_uid_of

DCMTK_EXAMPLES = Path("/usr/share/doc/dcmtk/examples")
DICOM3TOOLS_EXAMPLES = Path("/usr/share/doc/dicom3tools/examples")


def package_folder(name: str) -> Path:
    return Path(importlib.util.find_spec(name).origin).parent


def packaged_files() -> list[Path]:
    files = sorted(p for p in (package_folder("pydicom") / "data" / "test_files").rglob("*")
                   if p.is_file())
    files += sorted((package_folder("pynetdicom") / "tests" / "dicom_files").glob("*"))
    return files


def debian_files(tmp_path: Path) -> list[Path]:
    files = sorted(DICOM3TOOLS_EXAMPLES.glob("*.dcm")) if DICOM3TOOLS_EXAMPLES.is_dir() else []
    dump2dcm = shutil.which("dump2dcm")
    for dump in sorted(DCMTK_EXAMPLES.rglob("*.dump")) if dump2dcm else []:
        out = tmp_path / f"{dump.parent.name}-{dump.stem}.dcm"
        subprocess.run([dump2dcm, str(dump), str(out)], capture_output=True, timeout=30)
        if out.exists():
            files.append(out)
    return files


def test_the_wheels_said_to_hold_test_files_hold_no_dicom():
    for name in ("highdicom", "libjpeg", "openjpeg", "rle", "pylibjpeg"):
        folder = package_folder(name)
        assert not [p for p in folder.rglob("*") if p.suffix.lower() in (".dcm", ".dicom")], name


def answered(data_dir: Path) -> list:
    journal = Journal(data_dir / "journal.sqlite3")
    try:
        studies = journal.studies()
    finally:
        journal.close()
    return studies if studies and all(s.state in ("analysed", "failed") for s in studies) else []


@pytest.fixture
def corpus(tmp_path) -> list[Path]:
    files = packaged_files() + debian_files(tmp_path)
    assert len(files) > 80, "pydicom alone ships more than 80 files"
    return files


def send_corpus(node, corpus: list[Path]):
    results = send(node, *corpus)
    assert sorted(r.path for r in results) == sorted(corpus), "a result for every file"
    for result in results:
        assert (result.status is not None
                or result.message.startswith("skipped: not a DICOM file")
                or "presentation context" in result.message.lower()), (result.path, result.message)
    return results


def test_foreign_files_each_get_a_status_and_each_study_an_outcome(tmp_path, corpus, caplog):
    caplog.set_level(logging.WARNING)
    data_dir = tmp_path / "node"
    with running_node(data_dir, quiet_seconds=0.5) as node:
        results = send_corpus(node, corpus)
        stored = [r for r in results if r.stored]
        assert stored, "some foreign US and SR files are accepted"
        studies = wait_for(lambda: answered(data_dir), timeout=60, what="every study answered")
        assert all(s.state == "analysed" and s.outcome in OUTCOMES for s in studies), studies
        # The node survived all of it: a sample study still gets its recommendation.
        folder = SAMPLES / "01-calcified-left-flank-coded"
        assert all(r.stored for r in send(node, folder))
        wait_for(lambda: next((s.outcome for s in answered(data_dir)
                               if s.study_instance_uid == study_uid_of(folder)), None),
                 what="the sample's outcome")
    escaped = [r for r in caplog.records if r.name.startswith("advisor") and
               (r.exc_info or r.levelno >= logging.ERROR)]
    assert escaped == [], [r.getMessage() for r in escaped]


def test_foreign_studies_with_reported_outcomes_get_their_sr(tmp_path, corpus):
    data_dir = tmp_path / "node"
    reported = ["recommended", "not-indicated", "insufficient-data"]
    with running_node(data_dir, quiet_seconds=0.5, report_outcomes=reported) as node:
        send_corpus(node, corpus)
        studies = wait_for(lambda: answered(data_dir), timeout=60, what="every study answered")
        journal = Journal(data_dir / "journal.sqlite3")
        try:
            for study in studies:
                assert study.state == "analysed", (study.study_instance_uid, study.error)
                if study.outcome in reported:
                    assert journal.results_for_study(study.study_instance_uid), study
        finally:
            journal.close()


def test_advisor_analyze_reads_the_whole_corpus(corpus):
    records, problems = analyze_paths(corpus, None)
    assert records and all(r["outcome"] in OUTCOMES for r in records)
    assert len(records) + len(problems) <= len(corpus)
    assert all(p.startswith("skipped: ") for p in problems)
