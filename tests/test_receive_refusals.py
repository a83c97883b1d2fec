"""Receiver refusals in detail, in process: the Error Comment each one carries, the audit
events and metrics, other transfer syntaxes, and the maximum instance size.

Complements test_receive_contract.py (status codes and what is spooled and journaled).
"""

from __future__ import annotations

import logging
from io import BytesIO
from pathlib import Path

import pytest
from pydicom import dcmread, dcmwrite
from pydicom.uid import (DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian, ImplicitVRLittleEndian,
                         UltrasoundImageStorage, UltrasoundMultiFrameImageStorage, generate_uid)
from pynetdicom import AE
from pynetdicom import sop_class as sc
from pynetdicom.dsutils import encode

from advisor import MANUFACTURER
from advisor.config import Settings
from advisor.node import receive
from advisor.node.journal import Journal
from advisor.node.receive import Receiver
from advisor.web.metrics import INSTANCES_REFUSED
from conftest import SAMPLES, wait_for
from test_hostile_peers import (A_ABORT, A_ASSOCIATE_AC, CLAIM_4_GIB, answer, associate_rq,
                                closed_by_peer, connect, send_endless_command_set)
from test_receive_contract import US_FILE, c_store, c_store_responses, raw_c_store, spooled

pytestmark = pytest.mark.timeout(60)
LARGE_FILE = SAMPLES / "02-calcified-left-flank-text" / "US002.dcm"  # 231 kB


class Events(list):
    """An audit that keeps (event, fields) in order."""

    def __call__(self, event: str, **fields) -> None:
        self.append((event, fields))

    def named(self, event: str) -> list[dict]:
        return [fields for name, fields in self if name == event]


def start_receiver(tmp_path: Path, **settings):
    settings = Settings(ae_title="ADVISOR", data_dir=tmp_path, **settings)
    journal, events = Journal(settings.journal_path), Events()
    receiver = Receiver(journal, settings, events)
    return receiver, journal, receiver.start("127.0.0.1", 0), events


@pytest.fixture
def node(tmp_path: Path):
    receiver, journal, port, events = start_receiver(tmp_path)
    yield port, journal, events, tmp_path / "spool"
    receiver.stop()
    journal.close()


def refused(status: int) -> float:
    return INSTANCES_REFUSED.labels(status=f"0x{status:04X}")._value.get()


def associate(port: int, *contexts) -> object:
    ae = AE(ae_title="TESTSCU")
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 10
    for sop_class, syntax in contexts:
        ae.add_requested_context(sop_class, syntax)
    return ae.associate("127.0.0.1", port, ae_title="ADVISOR")


def test_echo_is_answered_success(node):
    port = node[0]
    assoc = associate(port, (sc.Verification, "1.2.840.10008.1.2"))
    try:
        assert assoc.send_c_echo().Status == 0x0000
    finally:
        assoc.release()


def test_a_stored_instance_is_audited_and_a_duplicate_says_so(node, caplog):
    caplog.set_level(logging.DEBUG, logger="advisor.node.receive")
    port, _, events, _ = node
    ds = dcmread(US_FILE)
    c_store(port, ds, ds)
    stored = f"stored {ds.SOPInstanceUID} of study {ds.StudyInstanceUID}"
    assert [m for m in caplog.messages if m.startswith("stored ")] == [stored, f"{stored} (again)"]
    assert [(f["sop_uid"], f["duplicate"], f["calling_ae"], f["called_ae"], f["peer"])
            for f in events.named("instance-stored")] == [
        (ds.SOPInstanceUID, False, "TESTSCU", "ADVISOR", "127.0.0.1"),
        (ds.SOPInstanceUID, True, "TESTSCU", "ADVISOR", "127.0.0.1")]
    assert events.named("instance-stored")[0]["study_uid"] == ds.StudyInstanceUID
    assert events.named("instance-stored")[0]["sop_class_uid"] == UltrasoundImageStorage
    [accepted] = events.named("association-accepted")
    assert accepted["refused_sop_classes"] == [] and accepted["tls"] is False
    assert (accepted["peer"], accepted["calling_ae"], accepted["called_ae"]) == (
        "127.0.0.1", "TESTSCU", "ADVISOR")
    assert "association from TESTSCU (127.0.0.1) accepted" in caplog.messages


def test_a_refused_sop_class_is_named_when_the_association_is_accepted(node, caplog):
    caplog.set_level(logging.INFO, logger="advisor.node.receive")
    port, _, events, _ = node
    assoc = associate(port, (UltrasoundImageStorage, "1.2.840.10008.1.2.1"),
                      (sc.CTImageStorage, "1.2.840.10008.1.2.1"),
                      (sc.MRImageStorage, "1.2.840.10008.1.2.1"))
    assoc.release()
    [accepted] = events.named("association-accepted")
    assert accepted["refused_sop_classes"] == ["CT Image Storage", "MR Image Storage"]
    assert ("association from TESTSCU (127.0.0.1) accepted; refused SOP classes: CT Image Storage, "
            "MR Image Storage") in caplog.messages


@pytest.mark.parametrize("syntax", receive.TRANSFER_SYNTAXES)
def test_every_transfer_syntax_of_the_conformance_statement_is_accepted(node, syntax):
    port, _, _, _ = node
    assoc = associate(port, (UltrasoundMultiFrameImageStorage, syntax))
    try:
        assert [c.transfer_syntax[0] for c in assoc.accepted_contexts] == [syntax]
    finally:
        assoc.release()


def test_an_association_to_another_ae_title_is_refused_and_audited(node, caplog):
    port, _, events, _ = node
    ae = AE(ae_title="TESTSCU")
    ae.add_requested_context(UltrasoundImageStorage)
    assoc = ae.associate("127.0.0.1", port, ae_title="SOMEONE")
    assert assoc.is_rejected
    [refusal] = events.named("association-refused")
    assert (refusal["calling_ae"], refusal["called_ae"], refusal["peer"], refusal["reason"]) == (
        "TESTSCU", "SOMEONE", "127.0.0.1", "rejected permanent: called AE title not recognized")
    assert ("association from TESTSCU (127.0.0.1) rejected: rejected permanent: called AE title "
            "not recognized") in caplog.messages


def test_an_abort_from_the_peer_is_audited(node, caplog):
    port, _, events, _ = node
    assoc = associate(port, (UltrasoundImageStorage, "1.2.840.10008.1.2.1"))
    assoc.abort()
    wait_for(lambda: events.named("association-aborted"), timeout=5, what="the abort audited")
    [aborted] = events.named("association-aborted")
    assert (aborted["calling_ae"], aborted["peer"], aborted["reason"]) == (
        "TESTSCU", "127.0.0.1", "A-ABORT received")
    assert "association from TESTSCU aborted" in caplog.messages


def test_a_sop_class_mismatch_says_both_classes_within_64_characters(node, caplog):
    port, journal, events, spool = node
    ds = dcmread(US_FILE)
    ds.SOPClassUID = UltrasoundMultiFrameImageStorage
    before = refused(receive.DOES_NOT_MATCH_SOP_CLASS)
    response = raw_c_store(port, UltrasoundImageStorage, ds.SOPInstanceUID, encode(ds, False, True))
    assert response.Status == 0xA900
    full = (f"SOP Class UID {UltrasoundMultiFrameImageStorage} differs from the requested "
            f"{UltrasoundImageStorage}")
    assert response.ErrorComment == full[:64] and len(full) > 64
    [refusal] = events.named("instance-refused")
    assert (refusal["status"], refusal["reason"], refusal["sop_uid"], refusal["calling_ae"],
            refusal["peer"]) == ("0xA900", full, ds.SOPInstanceUID, "TESTSCU", "127.0.0.1")
    assert f"C-STORE from TESTSCU refused (0xA900): {full}" in caplog.messages
    assert refused(receive.DOES_NOT_MATCH_SOP_CLASS) == before + 1
    assert events.named("instance-stored") == []
    assert spooled(spool) == [] and journal.studies() == []


def test_truncated_pixel_data_says_how_much_arrived(node):
    port, journal, _, spool = node
    ds = dcmread(US_FILE)
    expected = len(ds.PixelData)
    ds.PixelData = ds.PixelData[: expected - 2]
    [response] = c_store_responses(port, ds)
    assert response.Status == 0xA900
    assert response.ErrorComment == f"truncated pixel data: {expected - 2} of {expected} bytes"
    assert spooled(spool) == [] and journal.studies() == []


def test_pixel_data_cut_short_in_the_stream_is_0xA900(node):
    port, journal, _, spool = node
    ds = dcmread(US_FILE)
    encoded = encode(ds, False, True)
    response = raw_c_store(port, UltrasoundImageStorage, ds.SOPInstanceUID, encoded[:-100])
    assert response.Status == 0xA900
    expected = len(ds.PixelData)
    assert response.ErrorComment == f"truncated pixel data: {expected - 100} of {expected} bytes"
    assert journal.studies() == []


@pytest.mark.parametrize("keyword, value, comment", [
    ("StudyInstanceUID", "", "missing StudyInstanceUID"),
    ("SOPInstanceUID", "", "missing SOPInstanceUID"),
    ("SeriesInstanceUID", "1.02.3", "invalid UID in SeriesInstanceUID"),
    ("StudyInstanceUID", "1.2.abc", "invalid UID in StudyInstanceUID"),
])
def test_a_bad_uid_is_0xC210_and_named(node, keyword, value, comment):
    port, journal, events, spool = node
    ds = dcmread(US_FILE)
    sop_uid = ds.SOPInstanceUID
    setattr(ds, keyword, value)
    before = refused(receive.CANNOT_UNDERSTAND)
    response = raw_c_store(port, UltrasoundImageStorage, sop_uid, encode(ds, False, True))
    assert (response.Status, response.ErrorComment) == (0xC210, comment)
    assert refused(receive.CANNOT_UNDERSTAND) == before + 1
    assert events.named("instance-refused")[0]["sop_uid"] == sop_uid
    assert spooled(spool) == [] and journal.studies() == []


def test_an_undecodable_data_set_is_0xC210(node):
    port, journal, _, spool = node
    response = raw_c_store(port, UltrasoundImageStorage, "1.2.3.4", b"\x08\x00\x16\x00XX\x04\x001.2\x00")
    assert (response.Status, response.ErrorComment) == (
        0xC210, "cannot decode data set: Unknown Value Representation 'XX' in tag (0008,0016)"[:64])
    assert spooled(spool) == [] and journal.studies() == []


def test_an_empty_affected_sop_instance_uid_is_answered_0xC210(node, caplog):
    port, journal, events, spool = node
    ds = dcmread(US_FILE)
    response = raw_c_store(port, UltrasoundImageStorage, "", encode(ds, False, True))
    assert (response.Status, response.ErrorComment) == (0xC210, "empty Affected SOP Instance UID")
    assert "C-STORE from TESTSCU refused (0xC210): empty Affected SOP Instance UID" in caplog.messages
    assert response.AffectedSOPClassUID == UltrasoundImageStorage
    [refusal] = events.named("instance-refused")
    assert (refusal["status"], refusal["reason"], refusal["peer"]) == (
        "0xC210", "empty Affected SOP Instance UID", "127.0.0.1")
    assert spooled(spool) == [] and journal.studies() == []


def test_a_storage_failure_is_counted_and_audited(node, monkeypatch, caplog):
    port, journal, events, _ = node

    def disk_full(path, data):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(receive.spool, "write_atomically", disk_full)
    before = refused(receive.OUT_OF_RESOURCES)
    assert c_store(port, dcmread(US_FILE)) == [0xA700]
    assert refused(receive.OUT_OF_RESOURCES) == before + 1
    [refusal] = events.named("instance-refused")
    assert (refusal["status"], refusal["sop_uid"]) == ("0xA700", dcmread(US_FILE).SOPInstanceUID)
    assert f"C-STORE of {dcmread(US_FILE).SOPInstanceUID}: could not store durably" in caplog.messages
    assert events.named("instance-stored") == [] and journal.studies() == []


def in_syntax(ds, syntax: str):
    """``ds`` as read from a file written in ``syntax`` (so that pynetdicom sends it so)."""
    ds.file_meta.TransferSyntaxUID = syntax
    buffer = BytesIO()
    dcmwrite(buffer, ds, little_endian=syntax != ExplicitVRBigEndian,
             implicit_vr=syntax == ImplicitVRLittleEndian)
    buffer.seek(0)
    return dcmread(buffer)


@pytest.mark.parametrize("syntax", [ImplicitVRLittleEndian, ExplicitVRBigEndian,
                                    DeflatedExplicitVRLittleEndian],
                         ids=["implicit-vr", "big-endian", "deflated"])
def test_other_transfer_syntaxes_are_stored_whole_and_checked_for_truncation(node, syntax):
    port, journal, _, spool = node
    cut = in_syntax(dcmread(US_FILE), syntax)
    cut.SOPInstanceUID = generate_uid()
    cut.PixelData = cut.PixelData[:-2]
    assoc = associate(port, (UltrasoundImageStorage, syntax))
    try:
        assert assoc.send_c_store(in_syntax(dcmread(US_FILE), syntax)).Status == 0x0000
        response = assoc.send_c_store(cut)
    finally:
        assoc.release()
    assert response.Status == 0xA900
    [path] = spooled(spool)
    stored = dcmread(path)
    assert stored.file_meta.TransferSyntaxUID == syntax
    assert stored.PixelData == dcmread(US_FILE).PixelData
    assert [s.received_count for s in journal.studies()] == [1]


def test_own_output_is_journaled_as_such(node):
    port, journal, events, _ = node
    ds = dcmread(US_FILE)
    ds.Manufacturer = MANUFACTURER
    assert c_store(port, ds) == [0x0000]
    assert journal.counts()["instances"] == {"own-output": 1}
    assert journal.study_instances(str(ds.StudyInstanceUID)) == []


def test_an_instance_over_the_maximum_size_aborts_the_association(tmp_path, caplog):
    limit = 100_000
    receiver, journal, port, events = start_receiver(tmp_path, max_instance_bytes=limit)
    try:
        assoc = associate(port, (UltrasoundMultiFrameImageStorage, "1.2.840.10008.1.2.1"))
        response = assoc.send_c_store(dcmread(LARGE_FILE))
        assert "Status" not in response
        wait_for(lambda: assoc.is_aborted, timeout=5, what="A-ABORT from the node")
        [refusal] = events.named("instance-refused")
        assert refusal["reason"] == f"data set exceeds the maximum size ({limit} bytes)"
        assert (refusal["peer"], refusal["calling_ae"]) == ("127.0.0.1", "TESTSCU")
        assert (f"association from 127.0.0.1 aborted: data set exceeds the maximum size ({limit} "
                "bytes)") in caplog.messages
        assert journal.studies() == [] and spooled(tmp_path / "spool") == []
    finally:
        receiver.stop()
        journal.close()


def test_the_maximum_size_is_per_instance_not_per_association(tmp_path):
    ds = dcmread(US_FILE)
    size = len(encode(ds, False, True))
    receiver, journal, port, events = start_receiver(tmp_path, max_instance_bytes=size)
    try:
        second = dcmread(US_FILE)
        second.SOPInstanceUID = generate_uid()
        assert c_store(port, ds, second) == [0x0000, 0x0000]
        assert events.named("instance-refused") == []
    finally:
        receiver.stop()
        journal.close()


def association_from(port: int, calling_ae: str = "TESTSCU", called_ae: str = "ADVISOR"):
    ae = AE(ae_title=calling_ae)
    ae.acse_timeout = ae.network_timeout = 10
    ae.add_requested_context(UltrasoundImageStorage)
    return ae.associate("127.0.0.1", port, ae_title=called_ae)


@pytest.mark.parametrize("settings, calling_ae, called_ae, reason", [
    ({"allowed_calling_aes": ("US1",)}, "TESTSCU", "ADVISOR",
     "rejected permanent: calling AE title not recognized"),
    ({"allowed_peers": ("10.0.0.0/8",)}, "TESTSCU", "ADVISOR",
     "rejected permanent: no reason given (peer address not allowed)"),
    ({"require_called_ae": True}, "TESTSCU", "SOMEONE",
     "rejected permanent: called AE title not recognized"),
], ids=["calling-ae", "peer-address", "called-ae"])
def test_the_node_policy_refuses_whom_the_settings_say(tmp_path, settings, calling_ae, called_ae,
                                                        reason):
    receiver, journal, port, events = start_receiver(tmp_path, **settings)
    try:
        assoc = association_from(port, calling_ae, called_ae)
        assert not assoc.is_established
        [refusal] = events.named("association-refused")
        assert refusal["reason"] == reason
        allowed = association_from(port, "US1")
        assert allowed.is_established is ("allowed_peers" not in settings), \
            "an allowed calling AE from an allowed address"
        allowed.release()
    finally:
        receiver.stop()
        journal.close()


def test_any_called_ae_title_is_accepted_when_not_required(tmp_path):
    receiver, journal, port, _ = start_receiver(tmp_path, require_called_ae=False)
    try:
        assoc = association_from(port, called_ae="SOMEONE")
        assert assoc.is_established
        assoc.release()
    finally:
        receiver.stop()
        journal.close()


@pytest.mark.parametrize("settings", [{"max_associations": 1}, {"max_associations_per_peer": 1}])
def test_associations_beyond_the_limits_are_refused(tmp_path, settings):
    receiver, journal, port, events = start_receiver(tmp_path, **settings)
    try:
        first = association_from(port)
        assert first.is_established
        assert not association_from(port).is_established
        assert "local limit exceeded" in events.named("association-refused")[0]["reason"]
        first.release()
    finally:
        receiver.stop()
        journal.close()


def test_the_receivers_pdu_size_and_timers_are_the_settings(tmp_path):
    receiver, journal, port, _ = start_receiver(
        tmp_path, max_pdu_size=32768, artim_seconds=7, network_timeout_seconds=8,
        dimse_timeout_seconds=9)
    try:
        assoc = association_from(port)
        assert assoc.acceptor.maximum_length == 32768
        assoc.release()
        assert (receiver.ae.acse_timeout, receiver.ae.network_timeout, receiver.ae.dimse_timeout) \
            == (7, 8, 9)
    finally:
        receiver.stop()
        journal.close()


def test_a_command_set_that_never_ends_aborts_the_association(node):
    port, journal, events, _ = node
    sock = connect(port)
    sock.sendall(associate_rq())
    assert answer(sock)[0] == A_ASSOCIATE_AC
    send_endless_command_set(sock)
    assert closed_by_peer(sock, within=10)
    sock.close()
    assert [e["reason"] for e in events.named("instance-refused")] == [
        "command exceeds the maximum size (65536 bytes)"]


def test_a_pdu_over_the_maximum_length_is_aborted_and_audited(node):
    port, _, events, _ = node
    sock = connect(port)
    sock.sendall(CLAIM_4_GIB)
    assert answer(sock)[0] == A_ABORT
    sock.close()
    wait_for(lambda: events.named("association-aborted"), timeout=5, what="the abort audited")
    [aborted] = events.named("association-aborted")
    assert aborted["peer"] == "127.0.0.1" and "exceeds the maximum" in aborted["reason"]


def test_a_receiver_never_started_stops_quietly(tmp_path):
    settings = Settings(data_dir=tmp_path)
    journal = Journal(settings.journal_path)
    Receiver(journal, settings).stop()
    journal.close()
