"""Analysis and dispatch in worker processes: the node keeps answering, workers
stop with it, a worker that dies is restarted; and the lean receive path still
refuses a data set cut short.

The node runs in this process (no DCMTK needed); its workers are real processes.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.uid import UltrasoundMultiFrameImageStorage, generate_uid
from pynetdicom import AE
from pynetdicom.dsutils import encode
from pynetdicom.sop_class import Verification

from advisor.config import Destination, Settings, load_settings
from advisor.node import receive
from advisor.node.dispatch import send_files
from advisor.node.journal import Journal
from advisor.node.server import Node
from conftest import SAMPLES, wait_for
from test_receive_contract import raw_c_store

PIXELS_ONLY = SAMPLES / "06-calcified-left-flank-pixels-only" / "US001.dcm"


@pytest.fixture
def node(tmp_path: Path):
    started: list[Node] = []

    def start(**settings) -> Node:
        options = {"port": 0, "quiet_seconds": 0.3, "analysis_processes": 1} | settings
        started.append(Node(load_settings(None, data_dir=tmp_path / "node", **options)))
        started[-1].start()
        return started[-1]
    yield start
    for each in started:
        each.stop()


def long_clip(folder: Path, frames: int) -> tuple[Path, str]:
    """A multi-frame US clip of a new study whose analysis (the detector on every frame) is slow."""
    ds = dcmread(PIXELS_ONLY)
    ds.StudyInstanceUID, ds.SOPInstanceUID = generate_uid(), generate_uid()
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = UltrasoundMultiFrameImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.NumberOfFrames, ds.PixelData = frames, ds.PixelData * frames
    path = folder / "clip.dcm"
    ds.save_as(path, enforce_file_format=True)
    return path, str(ds.StudyInstanceUID)


def send(node: Node, *paths: Path) -> bool:
    results = send_files(Destination(node.settings.ae_title, "127.0.0.1", node.port), paths,
                         calling_ae="TEST", timeout=30)
    return all(r.stored for r in results)


def echo_seconds(port: int) -> float:
    ae = AE(ae_title="TESTSCU")
    ae.add_requested_context(Verification)
    started = time.perf_counter()
    assoc = ae.associate("127.0.0.1", port, ae_title="ADVISOR")
    assert assoc.is_established
    try:
        assert assoc.send_c_echo().Status == 0x0000
    finally:
        assoc.release()
    return time.perf_counter() - started


def analysed(node: Node, study_uid: str) -> bool:
    return any(s.study_instance_uid == study_uid and s.outcome and s.analyzed_count >= s.received_count
               for s in node.journal.studies())


def test_the_node_answers_echo_and_store_while_a_worker_process_analyses(node, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    running = node()
    clip, study = long_clip(tmp_path, frames=600)
    assert send(running, clip)
    time.sleep(running.settings.quiet_seconds + 0.7)  # the quiet window and one poll: analysing now
    echoes, stores = [], []
    while not analysed(running, study):
        echoes.append(echo_seconds(running.port))
        started = time.perf_counter()
        assert send(running, SAMPLES / "01-calcified-left-flank-coded" / "US001.dcm")
        stores.append(time.perf_counter() - started)
    assert len(echoes) >= 3, "the analysis outlasted several echoes and stores"
    assert max(echoes) < 1.0 and max(stores) < 2.0, (echoes, stores)
    [record] = [r for r in caplog.records if r.getMessage().startswith(f"study {study}: 1 instances")]
    assert record.process != os.getpid(), "analysed in a worker process, not the node's"


def test_worker_processes_stop_with_the_node(node):
    running = node(analysis_processes=2, destinations=["PACS@127.0.0.1:9"])
    pids = running.processes.pids
    assert len(pids) == 3, "two assemblers and a dispatcher"
    running.stop()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_worker_process_that_dies_is_restarted_and_the_node_says_so(node, caplog):
    running = node()
    [pid] = running.processes.pids
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: running.processes.pids and running.processes.pids != [pid], what="a new worker")
    assert f"assemble process 0 (pid {pid}) died with exit code -9; restarting" in caplog.text
    folder = SAMPLES / "01-calcified-left-flank-coded"
    assert send(running, *sorted(folder.glob("*.dcm")))
    study = str(dcmread(folder / "US001.dcm", stop_before_pixels=True).StudyInstanceUID)
    wait_for(lambda: analysed(running, study), what="analysis by the new worker")


def test_a_data_set_cut_short_in_its_pixel_data_is_0xA900(tmp_path):
    settings = Settings(ae_title="ADVISOR", data_dir=tmp_path)
    journal = Journal(settings.journal_path)
    receiver = receive.Receiver(journal, settings)
    port = receiver.start("127.0.0.1", 0)
    try:
        ds = dcmread(PIXELS_ONLY)
        encoded = encode(ds, False, True)
        # the Pixel Data element claims 1000 bytes more than are sent
        response = raw_c_store(port, ds.SOPClassUID, ds.SOPInstanceUID, encoded[: len(encoded) - 1000])
        assert response.Status == receive.DOES_NOT_MATCH_SOP_CLASS
        assert response.ErrorComment.startswith("truncated pixel data")
        assert journal.studies() == [] and not list(settings.spool_dir.rglob("*.dcm"))
    finally:
        receiver.stop()
        journal.close()


def _write_for(journal_path: Path, worker: int, seconds: float) -> None:
    """A worker process's writes: a journal transaction every 20 ms (a real worker
    writes a few per study; back to back, one writer can starve another past the
    5 s busy timeout on a loaded machine)."""
    journal = Journal(journal_path)
    deadline, n = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        journal.record_instance(study_uid=f"2.25.{worker}", sop_uid=f"2.25.{worker}.{n}",
                                sop_class_uid="1.2.840.10008.5.1.4.1.1.6.1", path=Path("x"),
                                calling_ae="W", own_output=False)
        n += 1
        time.sleep(0.02)
    journal.close()


def test_the_receivers_commit_waits_little_behind_other_processes_writing(tmp_path):
    import multiprocessing
    journal = Journal(tmp_path / "journal.sqlite3")
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write_for, args=(tmp_path / "journal.sqlite3", w, 6.0))
               for w in range(2)]
    for writer in writers:
        writer.start()
    try:
        time.sleep(2)  # the writers have started
        waits = []
        for n in range(100):
            started = time.perf_counter()
            journal.record_instance(study_uid="2.25.9", sop_uid=f"2.25.9.{n}",
                                    sop_class_uid="1.2.840.10008.5.1.4.1.1.6.1", path=Path("x"),
                                    calling_ae="R", own_output=False)
            waits.append(time.perf_counter() - started)
    finally:
        for writer in writers:
            writer.join(30)
    assert all(w.exitcode == 0 for w in writers), "no writer failed (database is locked)"
    assert max(waits) < 1.0, f"slowest commit {max(waits):.3f} s"
    assert sorted(waits)[len(waits) // 2] < 0.1, f"median commit {sorted(waits)[50]:.3f} s"
    counts = journal.counts()["instances"]["received"]
    assert counts > 150, "the other processes wrote too"
    journal.close()
