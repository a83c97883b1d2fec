"""The node against hostile and faulty peers on loopback (issue: a node a hospital network
team will connect). Each test is one row of the issue's probe table, bounded in time."""

from __future__ import annotations

import json
import socket
import struct
import sys
import time
from pathlib import Path

import pytest
from pydicom import dcmread
from pynetdicom import AE
from pynetdicom.pdu import A_ASSOCIATE_RQ
from pynetdicom.pdu_primitives import (A_ASSOCIATE, ImplementationClassUIDNotification,
                                       MaximumLengthNotification)
from pynetdicom.presentation import build_context
from pynetdicom.sop_class import Verification

from conftest import SAMPLES, run, wait_for

pytestmark = pytest.mark.timeout(180)

HOSTILE = "127.0.0.2"  # loopback is 127.0.0.0/8: hostile peers get an address of their own
CLAIM_4_GIB = struct.pack(">BBL", 0x04, 0, 0xFFFFFFFF)  # P-DATA-TF header, then nothing
A_ABORT = 0x07
A_ASSOCIATE_AC, A_ASSOCIATE_RJ = 0x02, 0x03


def config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "advisor.toml"
    path.write_text(text)
    return str(path)


def associate_rq(called: str = "ADVISOR", calling: str = "PROBE") -> bytes:
    """An A-ASSOCIATE-RQ PDU proposing Verification (PS3.8 9.3.2)."""
    primitive = A_ASSOCIATE()
    primitive.application_context_name = "1.2.840.10008.3.1.1.1"
    primitive.calling_ae_title, primitive.called_ae_title = calling, called
    context = build_context(Verification)
    context.context_id = 1
    primitive.presentation_context_definition_list = [context]
    length, implementation = MaximumLengthNotification(), ImplementationClassUIDNotification()
    length.maximum_length_received = 16384
    implementation.implementation_class_uid = "1.2.826.0.1.3680043.10.1"
    primitive.user_information = [length, implementation]
    pdu = A_ASSOCIATE_RQ()
    pdu.from_primitive(primitive)
    return pdu.encode()


def connect(port: int, source: str = "127.0.0.1") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=20, source_address=(source, 0))
    return sock


def answer(sock: socket.socket) -> tuple[int, bytes]:
    """The type and body of the next PDU the node sends."""
    header = sock.recv(6, socket.MSG_WAITALL)
    pdu_type, _, length = struct.unpack(">BBL", header)
    return pdu_type, sock.recv(length, socket.MSG_WAITALL)


def closed_by_peer(sock: socket.socket, within: float) -> bool:
    """True once the node closes ``sock`` (reads to EOF) within ``within`` seconds."""
    sock.settimeout(within)
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


def echo(port: int, timeout: float = 15, calling: str = "PACS") -> bool:
    ae = AE(ae_title=calling)
    ae.add_requested_context(Verification)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = ae.connection_timeout = timeout
    assoc = ae.associate("127.0.0.1", port, ae_title="ADVISOR")
    if not assoc.is_established:
        return False
    status = assoc.send_c_echo()
    assoc.release()
    return status.get("Status") == 0


def audit_events(node) -> list[dict]:
    path = node.data_dir / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize("source", [HOSTILE, "127.0.0.1"], ids=["other-address", "same-address"])
def test_a_good_echo_succeeds_while_40_stalled_sockets_are_held(start_node, tmp_path, source):
    node = start_node("--config", config(tmp_path, "artim_seconds = 3\n"))
    stalled = []
    for number in range(40):
        sock = connect(node.port, source)
        if number < 11:
            sock.sendall(CLAIM_4_GIB)        # a P-DATA header claiming 4 GiB, then nothing
        elif number < 20:
            sock.sendall(CLAIM_4_GIB[:3])    # half a header, then nothing
        stalled.append(sock)                 # the rest: connected, silent
    started = time.monotonic()
    assert echo(node.port), "a good C-ECHO failed while stalled sockets were held"
    assert time.monotonic() - started < 15
    # The oversized claims are answered at once with A-ABORT (invalid PDU parameter value).
    for sock in stalled[:11]:
        assert answer(sock)[0] == A_ABORT
    # Every stalled socket is dropped by the node within ARTIM plus a margin.
    assert all(closed_by_peer(sock, within=10) for sock in stalled)
    for sock in stalled:
        sock.close()
    aborted = [e for e in audit_events(node) if e["event"] == "association-aborted"]
    assert len(aborted) >= 11 and all(e["peer"] == source for e in aborted)
    assert "exceeds the maximum" in aborted[0]["reason"]


def test_idle_sockets_closed_by_the_client_do_not_lock_anyone_out(start_node, tmp_path):
    node = start_node("--config", config(tmp_path, "artim_seconds = 2\n"))
    for _ in range(11):
        connect(node.port, HOSTILE).close()
    idle = [connect(node.port, HOSTILE) for _ in range(11)]
    assert echo(node.port, timeout=5)
    started = time.monotonic()
    assert all(closed_by_peer(sock, within=8) for sock in idle)
    assert time.monotonic() - started < 8, "idle sockets are dropped after ARTIM, in seconds"
    for sock in idle:
        sock.close()


def test_an_idle_established_association_is_aborted_after_the_network_timeout(start_node, tmp_path):
    node = start_node("--config", config(tmp_path, "network_timeout_seconds = 2\n"))
    sock = connect(node.port)
    sock.sendall(associate_rq())
    assert answer(sock)[0] == A_ASSOCIATE_AC
    started = time.monotonic()
    assert answer(sock)[0] == A_ABORT  # then silence from us: the node aborts
    assert 1.5 < time.monotonic() - started < 8
    assert closed_by_peer(sock, within=5)
    sock.close()


def test_connections_beyond_the_per_peer_ceiling_are_closed_at_once(start_node, tmp_path):
    node = start_node("--config", config(tmp_path, "max_associations_per_peer = 2\n"))
    held = [connect(node.port, HOSTILE) for _ in range(8)]  # 4 connections per association allowed
    time.sleep(0.5)  # let the node's accept loop see them all
    extra = connect(node.port, HOSTILE)
    assert closed_by_peer(extra, within=3), "closed at once, not after ARTIM (10 s)"
    assert echo(node.port), "another address is still served"
    assert any(e["reason"] == "connection closed: too many open connections"
               for e in audit_events(node) if e["event"] == "association-refused")
    for sock in [extra, *held]:
        sock.close()


def rss_kib(pid: int, field: str = "VmHWM") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/{pid}/status")


def test_a_4_gib_pdu_claim_does_not_grow_memory_beyond_the_maximum_pdu_size(start_node, tmp_path):
    max_pdu = 1_048_576
    node = start_node("--config", config(tmp_path, f"max_pdu_size = {max_pdu}\n"))
    assert echo(node.port)  # warm up: the association machinery is loaded and used once
    before = rss_kib(node.process.pid)
    sock = connect(node.port)
    sock.sendall(associate_rq())
    assert answer(sock)[0] == A_ASSOCIATE_AC
    sock.sendall(CLAIM_4_GIB)
    chunk = b"\0" * 65536
    sent = 0
    try:
        while sent < 256 * 1024 * 1024:  # try to push 256 MiB of the claimed 4 GiB
            sock.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass  # the node aborted and closed the connection
    sock.close()
    grown = (rss_kib(node.process.pid) - before) * 1024
    print(f"peak RSS grew by {grown} bytes after {sent} bytes were pushed")
    assert sent < 64 * 1024 * 1024, "the node kept reading a PDU longer than its maximum"
    assert grown <= max_pdu, f"peak RSS grew by {grown} bytes"


def test_an_established_association_sending_an_oversized_pdu_is_aborted(start_node, tmp_path):
    node = start_node("--config", config(tmp_path, "max_pdu_size = 16384\n"))
    ae = AE(ae_title="PROBE")
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", node.port, ae_title="ADVISOR")
    assert assoc.is_established and assoc.acceptor.maximum_length == 16384  # announced
    assoc.dul.socket.socket.sendall(struct.pack(">BBL", 0x04, 0, 16385) + b"\0" * 16385)
    wait_for(lambda: assoc.is_aborted, timeout=10, what="A-ABORT from the node")


def test_100_concurrent_associations_are_accepted_up_to_the_limit_and_the_rest_told_why(
        start_node, tmp_path):
    node = start_node("--config", config(tmp_path, "max_associations = 64\n"
                                         "max_associations_per_peer = 100\n"
                                         "network_timeout_seconds = 60\n"))
    sockets = [connect(node.port) for _ in range(100)]
    answers: list[tuple[int, bytes]] = []
    for sock in sockets:  # one by one: each held open while the next asks
        sock.sendall(associate_rq())
        answers.append(answer(sock))
    accepted = [a for a in answers if a[0] == A_ASSOCIATE_AC]
    rejected = [body for kind, body in answers if kind == A_ASSOCIATE_RJ]
    assert len(accepted) == 64 and len(rejected) == 36
    # PS3.8 9.3.4: rejected-transient (2), service-provider presentation (3), local-limit-exceeded (2)
    assert {tuple(body[1:4]) for body in rejected} == {(2, 3, 2)}
    for sock in sockets:
        sock.close()
    wait_for(lambda: echo(node.port, timeout=5), timeout=30, what="node free again")
    refused = [e for e in audit_events(node) if e["event"] == "association-refused"]
    assert len(refused) == 36 and "local limit exceeded" in refused[0]["reason"]


@pytest.mark.parametrize("settings, called, calling, source, expected", [
    ('allowed_calling_aes = ["PACS"]\n', "ADVISOR", "STRANGER", "127.0.0.1", (1, 1, 3)),
    ("", "SOMEONE", "PACS", "127.0.0.1", (1, 1, 7)),
    ('allowed_peers = ["127.0.0.1"]\n', "ADVISOR", "PACS", HOSTILE, (1, 1, 1)),
    ("max_associations_per_peer = 2\n", "ADVISOR", "PACS", HOSTILE, (2, 3, 2)),
], ids=["calling-ae", "called-ae", "peer-address", "per-peer-cap"])
def test_refusals_carry_the_standard_reason(start_node, tmp_path, settings, called, calling,
                                            source, expected):
    node = start_node("--config", config(tmp_path, settings))
    held = [connect(node.port, source) for _ in range(2)] if "per_peer" in settings else []
    for sock in held:
        sock.sendall(associate_rq())
        assert answer(sock)[0] == A_ASSOCIATE_AC
    sock = connect(node.port, source)
    sock.sendall(associate_rq(called=called, calling=calling))
    kind, body = answer(sock)
    assert kind == A_ASSOCIATE_RJ and tuple(body[1:4]) == expected
    assert echo(node.port), "the allowed peer is still served"
    [refused] = [e for e in audit_events(node) if e["event"] == "association-refused"]
    assert refused["peer"] == source and refused["reason"].startswith("rejected")
    for other in [sock, *held]:
        other.close()


def test_empty_sop_instance_uid_gets_a_failure_status_not_a_hang(start_node):
    node = start_node()
    ds = dcmread(SAMPLES / "01-calcified-left-flank-coded" / "US001.dcm")
    ds.SOPInstanceUID = ""
    ae = AE(ae_title="PROBE")
    ae.add_requested_context(ds.SOPClassUID, ds.file_meta.TransferSyntaxUID)
    ae.dimse_timeout = 20
    assoc = ae.associate("127.0.0.1", node.port, ae_title="ADVISOR")
    started = time.monotonic()
    status = assoc.send_c_store(ds)
    assoc.release()
    assert time.monotonic() - started < 5
    assert status.Status == 0xC210 and status.ErrorComment == "empty Affected SOP Instance UID"


def store(port: int, path: Path):
    ds = dcmread(path)
    ae = AE(ae_title="PROBE")
    ae.add_requested_context(ds.SOPClassUID, ds.file_meta.TransferSyntaxUID)
    assoc = ae.associate("127.0.0.1", port, ae_title="ADVISOR")
    status = assoc.send_c_store(ds)
    assoc.release()
    return status


def test_refusals_tell_the_sender_why_in_the_error_comment(start_node, tmp_path):
    node = start_node()
    ds = dcmread(SAMPLES / "01-calcified-left-flank-coded" / "US001.dcm")
    ds.StudyInstanceUID = "1.2.3..4"
    ds.save_as(tmp_path / "bad-uid.dcm")
    status = store(node.port, tmp_path / "bad-uid.dcm")
    assert status.Status == 0xC210
    assert status.ErrorComment == "invalid UID in StudyInstanceUID"
    assert len(status.ErrorComment) <= 64


def test_an_instance_over_the_maximum_size_aborts_the_association(start_node, tmp_path):
    node = start_node("--config", config(tmp_path, "max_instance_bytes = 100000\n"))
    status = store(node.port, SAMPLES / "02-calcified-left-flank-text" / "US002.dcm")
    assert "Status" not in status  # aborted (the A-ABORT may be lost to the closing connection)
    assert not list((node.data_dir / "spool").rglob("*.dcm"))
    small = store(node.port, SAMPLES / "01-calcified-left-flank-coded" / "US001.dcm")
    assert small.Status == 0
    refused = [e for e in audit_events(node) if e["event"] == "instance-refused"]
    assert refused and refused[0]["reason"] == "data set exceeds the maximum size (100000 bytes)"


def send_endless_command_set(sock: socket.socket) -> None:
    """P-DATA-TF PDUs of command fragments, none marked the last, until the peer stops reading."""
    fragment = b"\x01\x01" + b"\0" * 1022  # context 1; control header: command, not the last
    pdu = struct.pack(">BBL", 0x04, 0, 4 + len(fragment)) + struct.pack(">L", len(fragment)) + fragment
    try:
        for _ in range(200):  # 200 KiB of command set: the limit is 64 KiB
            sock.sendall(pdu)
    except OSError:
        pass


def test_a_command_set_that_never_ends_aborts_the_association(start_node):
    node = start_node()
    sock = connect(node.port)
    sock.sendall(associate_rq())
    assert answer(sock)[0] == A_ASSOCIATE_AC
    send_endless_command_set(sock)
    assert closed_by_peer(sock, within=10)
    sock.close()
    refused = [e for e in audit_events(node) if e["event"] == "instance-refused"]
    assert refused and refused[0]["reason"] == "command exceeds the maximum size (65536 bytes)"


def test_the_audit_log_has_no_patient_names_or_ids(start_node, tmp_path):
    node = start_node("--quiet-seconds", "1")
    folder = SAMPLES / "01-calcified-left-flank-coded"
    result = run([sys.executable, "-m", "advisor.cli", "replay", "--to", node.address, str(folder)])
    assert result.returncode == 0, result.stderr
    wait_for(lambda: any(e["event"] == "study-analysed" for e in audit_events(node)),
             what="study-analysed in the audit log")
    events = audit_events(node)
    kinds = [e["event"] for e in events]
    assert kinds.count("instance-stored") == 3 and "association-accepted" in kinds
    ds = dcmread(next(folder.glob("US*.dcm")), stop_before_pixels=True)
    text = (node.data_dir / "audit.jsonl").read_text()
    assert str(ds.PatientName) not in text and str(ds.PatientID) not in text
    assert str(ds.StudyInstanceUID) in text
