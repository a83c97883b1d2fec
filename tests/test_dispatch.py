"""Dispatch in process: which C-STORE statuses count as delivered, the exact backoff
delays, permanent and transient failures, several destinations.

The PACS is a pynetdicom SCP in this process (``FakePacs``) and the journal's
clock is controlled, so the due time of every retry is pinned to the second.
Runs without DCMTK, beside the node-level tests in test_dispatch_faults.py.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydicom import Dataset, dcmread
from pydicom.uid import Comprehensive3DSRStorage
from pynetdicom import AE, evt
from pynetdicom import sop_class as sc

from advisor import MANUFACTURER
from advisor.config import Destination, Settings
from advisor.node import journal as journal_module
from advisor.node import security
from advisor.node.dispatch import STORED, Dispatcher, SendResult, send_files
from advisor.node.journal import Journal, ResultRow
from conftest import SAMPLES, free_port, wait_for
from test_dispatch_faults import FakePacs, HungPacs, peers  # noqa: F401 - peers is a fixture
from test_journal import Clock
from test_tls import certificates  # noqa: F401 - a fixture

pytestmark = pytest.mark.timeout(60)
STUDY = "1.2.826.0.1.1"
US_FILE = SAMPLES / "01-calcified-left-flank-coded" / "US001.dcm"
SR_FILE = SAMPLES / "01-calcified-left-flank-coded" / "SR001.dcm"
SUMMARY = {"outcome": "recommended", "protocol_id": "ct", "laterality": "left"}


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(journal_module, "time", clock)
    return clock


class Events(list):
    """An audit that keeps (event, fields) in order."""

    def __call__(self, event: str, **fields) -> None:
        self.append((event, fields))


def destination(pacs) -> Destination:
    return Destination(getattr(pacs, "ae_title", "PACS"), "127.0.0.1", pacs.port)


def dispatcher(tmp_path: Path, pacses, **settings) -> tuple[Dispatcher, Journal, Events]:
    """A dispatcher owing one result (a US image from the samples) to each PACS."""
    destinations = tuple(destination(p) for p in pacses)
    journal = Journal(tmp_path / "journal.sqlite3")
    journal.record_instance(study_uid=STUDY, sop_uid="1.1", sop_class_uid=sc.UltrasoundImageStorage,
                            path=US_FILE, calling_ae="US", own_output=False)
    journal.record_analysis(STUDY, 1, SUMMARY, [ResultRow("1.2.3.100", US_FILE, 1)],
                            [str(d) for d in destinations])
    events = Events()
    options = {"retry_base_seconds": 2, "retry_max_seconds": 10, "dispatch_timeout_seconds": 5}
    node = Dispatcher(journal, Settings(**{"data_dir": tmp_path, "destinations": destinations}
                                        | options | settings), events)
    return node, journal, events


def delivery(journal: Journal, pacs) -> tuple:
    [row] = [r for r in journal.deliveries_for_study(STUDY) if r[1] == str(destination(pacs))]
    return row[2:]


def next_attempt(journal: Journal, pacs) -> float:
    return journal._query("SELECT next_attempt FROM deliveries WHERE destination=?",
                          str(destination(pacs)))[0][0]


# --- statuses ----------------------------------------------------------------


@pytest.mark.parametrize("status", [0x0000, 0xB000, 0xB006, 0xB007])
def test_success_and_the_warning_statuses_count_as_delivered(tmp_path, peers, clock, status):
    pacs = peers(FakePacs(status=status, contexts=(sc.UltrasoundImageStorage,)))
    node, journal, events = dispatcher(tmp_path, [pacs])
    assert node.run_once(str(destination(pacs))) == 1
    assert delivery(journal, pacs) == ("delivered", 1, None)
    assert events == [("result-sent", {
        "study_uid": STUDY, "sop_uid": "1.2.3.100", "kind": "sr", "destination": str(destination(pacs)),
        "attempt": 1, "status": f"status 0x{status:04X}"})]
    assert node.run_once(str(destination(pacs))) == 0, "delivered once, never again"
    assert len(pacs.attempts) == 1


@pytest.mark.parametrize("status, stored, permanent", [
    (0x0000, True, False), (0xB000, True, False), (0xB006, True, False), (0xB007, True, False),
    (0xA700, False, False), (0xA7FF, False, False), (0xA900, False, True), (0xA800, False, True),
    (0xC000, False, True), (0x0001, False, True), (0xB001, False, True)])
def test_which_statuses_are_stored_and_which_failures_are_permanent(status, stored, permanent):
    result = SendResult(US_FILE, status, "")
    assert (result.stored, result.permanent) == (stored, permanent)
    assert (status in STORED) == stored


@pytest.mark.parametrize("retryable", [True, False])
def test_nothing_sent_is_permanent_only_when_not_retryable(retryable):
    result = SendResult(US_FILE, None, "", retryable=retryable)
    assert (result.stored, result.permanent) == (False, not retryable)


# --- backoff -----------------------------------------------------------------


def test_retry_delays_double_from_the_base_up_to_the_cap(tmp_path):
    node = Dispatcher(Journal(tmp_path / "j.sqlite3"),
                      Settings(data_dir=tmp_path, retry_base_seconds=2, retry_max_seconds=10))
    assert [node.retry_delay(attempts) for attempts in range(6)] == [2, 4, 8, 10, 10, 10]


def test_a_transient_failure_is_retried_after_exactly_the_backoff_then_given_up(tmp_path, peers, clock):
    pacs = peers(FakePacs(status=0xA700, contexts=(sc.UltrasoundImageStorage,)))
    node, journal, events = dispatcher(tmp_path, [pacs], retry_max_attempts=6,
                                       permanent_max_attempts=1)
    name = str(destination(pacs))
    delays = []
    for attempt in range(1, 6):
        assert node.run_once(name) == 0
        delays.append(next_attempt(journal, pacs) - clock.now)
        assert delivery(journal, pacs) == ("pending", attempt, "status 0xA700")
        clock.now += delays[-1] - 0.5
        assert node.run_once(name) == 0 and len(pacs.attempts) == attempt, "not due before its time"
        clock.now += 0.5
    assert delays == [2, 4, 8, 10, 10]
    assert [(e, f["retry_in_seconds"]) for e, f in events] == [("result-failed", d) for d in delays]
    assert {f["failure"] for _, f in events} == {"transient"}
    assert node.run_once(name) == 0
    assert delivery(journal, pacs) == ("undelivered", 6, "status 0xA700")
    assert events[-1][0] == "result-undelivered" and events[-1][1]["attempt"] == 6
    clock.now += 1000
    assert node.run_once(name) == 0 and len(pacs.attempts) == 6


def test_a_permanent_failure_gets_permanent_max_attempts(tmp_path, peers, clock, caplog):
    pacs = peers(FakePacs(status=0xA900, contexts=(sc.UltrasoundImageStorage,)))
    node, journal, events = dispatcher(tmp_path, [pacs], permanent_max_attempts=2)
    name = str(destination(pacs))
    node.run_once(name)
    assert delivery(journal, pacs) == ("pending", 1, "status 0xA900")
    assert next_attempt(journal, pacs) - clock.now == 2
    assert events[-1][1]["failure"] == "permanent"
    clock.now += 2
    node.run_once(name)
    assert delivery(journal, pacs) == ("undelivered", 2, "status 0xA900")
    assert events[-1][0] == "result-undelivered" and events[-1][1]["failure"] == "permanent"
    assert (f"study {STUDY}: sr 1.2.3.100 not delivered to {name} (attempt 1, permanent failure: "
            "status 0xA900); retry in 2 s") in caplog.messages
    assert (f"study {STUDY}: sr 1.2.3.100 undelivered to {name} after 2 attempt(s), permanent "
            "failure: status 0xA900") in caplog.messages


def test_a_delivery_is_logged_with_the_peers_status(tmp_path, peers, clock, caplog):
    caplog.set_level(logging.INFO, logger="advisor.node.dispatch")
    pacs = peers(FakePacs(status=0xB000, contexts=(sc.UltrasoundImageStorage,)))
    node, _, _ = dispatcher(tmp_path, [pacs])
    node.run_once(str(destination(pacs)))
    assert f"study {STUDY}: sr 1.2.3.100 delivered to {destination(pacs)} (status 0xB000)" \
        in caplog.messages


# --- several destinations ------------------------------------------------------


def test_each_destination_gets_the_result_once_and_a_failing_one_does_not_hold_the_other(
        tmp_path, peers, clock):
    good = peers(FakePacs(contexts=(sc.UltrasoundImageStorage,)))
    busy = peers(FakePacs(status=0xA700, contexts=(sc.UltrasoundImageStorage,), ae_title="ARCHIVE"))
    node, journal, _ = dispatcher(tmp_path, [good, busy])
    assert sorted(node.destinations) == sorted([str(destination(good)), str(destination(busy))])
    assert node.run_once(str(destination(busy))) == 0
    assert node.run_once(str(destination(good))) == 1
    assert delivery(journal, good) == ("delivered", 1, None)
    assert delivery(journal, busy) == ("pending", 1, "status 0xA700")
    busy.status = 0x0000
    clock.now += 2
    assert node.run_once(str(destination(busy))) == 1
    assert node.run_once(str(destination(good))) == 0
    assert (len(good.attempts), len(busy.attempts)) == (1, 2)


def test_started_dispatcher_delivers_to_every_destination_then_stops(tmp_path, peers):
    first = peers(FakePacs(contexts=(sc.UltrasoundImageStorage,)))
    second = peers(FakePacs(contexts=(sc.UltrasoundImageStorage,), ae_title="ARCHIVE"))
    node, journal, _ = dispatcher(tmp_path, [first, second])
    node.start()
    try:
        wait_for(lambda: len(first.attempts) == len(second.attempts) == 1, timeout=20,
                 what="the result at both destinations")
    finally:
        node.stop(timeout=10)
    assert all(not thread.is_alive() for thread in node._threads)
    assert delivery(journal, first) == delivery(journal, second) == ("delivered", 1, None)


# --- send_files ----------------------------------------------------------------


def test_a_file_that_is_not_dicom_is_skipped_for_good(tmp_path, peers):
    pacs = peers(FakePacs(contexts=(sc.UltrasoundImageStorage,)))
    junk = tmp_path / "notes.txt"
    junk.write_text("not DICOM")
    seen = []
    [skipped, sent] = send_files(destination(pacs), [junk, US_FILE], calling_ae="ADVISOR",
                                 on_result=seen.append, timeout=5)
    assert seen == [skipped, sent]
    assert skipped.status is None and skipped.permanent and skipped.message.startswith("skipped: ")
    assert (skipped.path, sent.path) == (junk, US_FILE)
    assert sent.stored and sent.message == "status 0x0000"
    assert [uid for _, uid in pacs.attempts] == [str(dcmread(US_FILE).SOPInstanceUID)]


def test_a_tls_destination_needs_a_tls_context(tmp_path):
    with pytest.raises(ValueError, match="TLS context"):
        send_files(Destination("PACS", "127.0.0.1", 104, tls=True), [US_FILE], calling_ae="A")


def test_a_class_the_destination_refused_is_not_sent_and_not_retried(peers):
    pacs = peers(FakePacs(contexts=(sc.UltrasoundImageStorage,)))
    [sr, us] = send_files(destination(pacs), [SR_FILE, US_FILE], calling_ae="ADVISOR", timeout=5)
    assert sr.status is None and sr.permanent
    assert sr.message == "no presentation context accepted for Comprehensive SR Storage in " \
                         "Explicit VR Little Endian"
    assert us.stored and len(pacs.attempts) == 1


def test_a_destination_that_accepts_no_class_is_a_permanent_failure(peers):
    pacs = peers(FakePacs(contexts=(sc.SecondaryCaptureImageStorage,)))
    [result] = send_files(destination(pacs), [US_FILE], calling_ae="ADVISOR", timeout=5)
    assert result.permanent
    assert result.message == f"no presentation context accepted by {destination(pacs)} for " \
                             "Ultrasound Image Storage"


def test_a_permanent_rejection_is_permanent(peers):
    pacs = peers(FakePacs(ae_title="ARCHIVE", contexts=(sc.UltrasoundImageStorage,)))
    [result] = send_files(Destination("PACS", "127.0.0.1", pacs.port), [US_FILE],
                          calling_ae="ADVISOR", timeout=5)
    assert result.permanent
    assert result.message == f"association rejected by PACS@127.0.0.1:{pacs.port}: Rejected " \
                             "Permanent, Service User, Called AE title not recognised"


def test_a_transient_rejection_and_no_answer_are_transient(tmp_path, peers):
    ae = AE(ae_title="PACS")
    ae.add_supported_context(sc.UltrasoundImageStorage)
    ae.maximum_associations = 1  # a second one: rejected-transient, local limit exceeded
    port = free_port()
    server = ae.start_server(("127.0.0.1", port), block=False)
    other = AE(ae_title="OTHER")
    other.add_requested_context(sc.UltrasoundImageStorage)
    held = other.associate("127.0.0.1", port, ae_title="PACS")
    try:
        assert held.is_established
        [busy] = send_files(Destination("PACS", "127.0.0.1", port), [US_FILE], calling_ae="A",
                            timeout=5)
    finally:
        held.release()
        server.shutdown()
    assert not busy.permanent
    assert busy.message == f"association rejected by PACS@127.0.0.1:{port}: Rejected Transient, " \
                           "Service Provider (Presentation), Local limit exceeded"
    hung = peers(HungPacs())
    [silent] = send_files(Destination("PACS", "127.0.0.1", hung.port), [US_FILE], calling_ae="A",
                          timeout=1)
    assert not silent.permanent
    assert silent.message == "no association with PACS@127.0.0.1:%d (no answer in time, refused " \
                             "or aborted)" % hung.port


def test_an_sr_another_writer_made_is_never_converted(tmp_path, peers):
    third_party = tmp_path / "sr.dcm"
    ds = dcmread(SR_FILE)
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = Comprehensive3DSRStorage
    ds.save_as(third_party)
    pacs = peers(FakePacs(contexts=(sc.ComprehensiveSRStorage,)))
    [result] = send_files(destination(pacs), [third_party], calling_ae="ADVISOR", timeout=5)
    assert result.status is None and not result.permanent
    assert result.message.startswith("not sent: ValueError: ")
    assert pacs.attempts == []


def test_no_response_when_the_destination_aborts(tmp_path):
    ae = AE(ae_title="PACS")
    ae.add_supported_context(sc.UltrasoundImageStorage)

    def abort(event: evt.Event) -> Dataset:
        event.assoc.abort()
        return Dataset()
    port = free_port()
    server = ae.start_server(("127.0.0.1", port), block=False,
                             evt_handlers=[(evt.EVT_C_STORE, abort)])
    try:
        [result] = send_files(Destination("PACS", "127.0.0.1", port), [US_FILE], calling_ae="A",
                              timeout=5)
    finally:
        server.shutdown()
    assert result.status is None and not result.permanent
    assert result.message == "no response (association aborted or timed out)"


def test_a_destination_reached_over_tls_gets_the_result(tmp_path, certificates):
    pki = certificates
    pacs = FakePacs(contexts=(sc.UltrasoundImageStorage,))
    ae = AE(ae_title="PACS")
    ae.add_supported_context(sc.UltrasoundImageStorage)
    pacs.port = free_port()
    server_settings = Settings(tls_cert=pki / "pacs.crt", tls_key=pki / "pacs.key",
                               tls_ca=pki / "ca.crt")
    server = ae.start_server(("127.0.0.1", pacs.port), block=False,
                             ssl_context=security.server_context(server_settings),
                             evt_handlers=[(evt.EVT_C_STORE, pacs._store)])
    try:
        node, journal, events = dispatcher(tmp_path, [], tls_cert=pki / "node.crt",
                                           tls_key=pki / "node.key", tls_ca=pki / "ca.crt",
                                           destinations=(Destination("PACS", "127.0.0.1", pacs.port,
                                                                     tls=True),))
        journal.record_analysis(STUDY, 1, SUMMARY, [ResultRow("1.2.3.200", US_FILE, 1)],
                                [f"PACS@127.0.0.1:{pacs.port}+tls"])
        assert node.run_once(f"PACS@127.0.0.1:{pacs.port}+tls") == 1
        assert len(pacs.attempts) == 1
    finally:
        server.shutdown()


def test_a_dispatch_thread_survives_an_unexpected_error(tmp_path, peers, caplog):
    pacs = peers(FakePacs(contexts=(sc.UltrasoundImageStorage,)))
    node, journal, _ = dispatcher(tmp_path, [pacs])
    real, calls = node.run_once, []

    def failing_once(name: str) -> int:
        calls.append(name)
        if len(calls) == 1:
            raise sqlite3.OperationalError("database is locked")
        return real(name)
    node.run_once = failing_once
    node.start()
    try:
        wait_for(lambda: len(pacs.attempts) == 1, timeout=20, what="delivery after the error")
    finally:
        node.stop(timeout=10)
    assert f"dispatch to {destination(pacs)}: unexpected error" in caplog.messages
    assert calls[:2] == [str(destination(pacs))] * 2


@dataclass
class CommentingPacs(FakePacs):
    """Answers ``status`` with an Error Comment (0000,0902)."""

    comment: str = ""

    def _store(self, event: evt.Event) -> Dataset:
        status = super()._store(event)
        status.ErrorComment = self.comment
        return status


def test_the_peers_error_comment_is_kept_with_its_status(tmp_path, peers, clock):
    pacs = peers(CommentingPacs(status=0xA700, comment="archive full",
                                contexts=(sc.UltrasoundImageStorage,)))
    node, journal, _ = dispatcher(tmp_path, [pacs])
    node.run_once(str(destination(pacs)))
    assert delivery(journal, pacs) == ("pending", 1, "status 0xA700: archive full")


def test_the_advisors_sr_goes_as_comprehensive_sr_to_a_pacs_that_takes_only_that(tmp_path, peers):
    ours = tmp_path / "sr.dcm"
    ds = dcmread(SR_FILE)
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = Comprehensive3DSRStorage
    ds.Manufacturer = MANUFACTURER
    ds.save_as(ours)
    pacs = peers(FakePacs(contexts=(sc.ComprehensiveSRStorage,)))
    [result] = send_files(destination(pacs), [ours], calling_ae="ADVISOR", timeout=5)
    assert result.stored and [uid for _, uid in pacs.attempts] == [str(ds.SOPInstanceUID)]
