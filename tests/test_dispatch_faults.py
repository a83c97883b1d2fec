"""Dispatch against faulty destinations: a hung one beside a good one, one answering
0xA700 forever, permanent failures; ``advisor status`` and ``advisor resend``."""

from __future__ import annotations

import socket
import sys
import threading
import time
from dataclasses import dataclass, field

import pytest
from pydicom import Dataset
from pynetdicom import AE, evt
from pynetdicom import sop_class as sc

from conftest import SAMPLES, free_port, run, wait_for

pytestmark = pytest.mark.timeout(180)
RESULT_CLASSES = (sc.Comprehensive3DSRStorage, sc.ComprehensiveSRStorage,
                  sc.SecondaryCaptureImageStorage, sc.KeyObjectSelectionDocumentStorage)
STUDY = SAMPLES / "01-calcified-left-flank-coded"


@dataclass
class FakePacs:
    """A pynetdicom C-STORE SCP answering ``status``; records when each attempt came."""

    status: int = 0x0000
    contexts: tuple = RESULT_CLASSES
    ae_title: str = "PACS"  # the node calls PACS: any other title rejects it (called AE)
    attempts: list[tuple[float, str]] = field(default_factory=list)
    port: int = 0

    def start(self) -> FakePacs:
        ae = AE(ae_title=self.ae_title)
        ae.require_called_aet = True
        ae.add_supported_context(sc.Verification)
        for sop_class in self.contexts:
            ae.add_supported_context(sop_class)
        self.port = free_port()
        self.server = ae.start_server(("127.0.0.1", self.port), block=False,
                                      evt_handlers=[(evt.EVT_C_STORE, self._store)])
        return self

    def _store(self, event: evt.Event) -> Dataset:
        self.attempts.append((time.monotonic(), str(event.request.AffectedSOPInstanceUID)))
        status = Dataset()
        status.Status = self.status
        return status

    @property
    def stored(self) -> set[str]:
        return {uid for _, uid in self.attempts} if self.status == 0 else set()

    def stop(self) -> None:
        self.server.shutdown()


@dataclass
class HungPacs:
    """Accepts TCP connections and never says a word."""

    port: int = field(default_factory=free_port)
    held: list[socket.socket] = field(default_factory=list)

    def start(self) -> HungPacs:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self) -> None:
        while True:
            try:
                self.held.append(self.listener.accept()[0])
            except OSError:
                return

    def stop(self) -> None:
        self.listener.close()
        for sock in self.held:
            sock.close()


@pytest.fixture
def peers():
    started = []

    def start(peer):
        started.append(peer.start())
        return peer
    yield start
    for peer in started:
        peer.stop()


def replay(node) -> None:
    result = run([sys.executable, "-m", "advisor.cli", "replay", "--to", node.address, str(STUDY)])
    assert result.returncode == 0, result.stderr


def status_of(node) -> str:
    result = run([sys.executable, "-m", "advisor.cli", "status", "--data-dir", str(node.data_dir)])
    assert result.returncode == 0, result.stderr
    return result.stdout


def fast_retries(tmp_path, **extra) -> str:
    settings = {"retry_base_seconds": 0.2, "retry_max_seconds": 1.0, **extra}
    path = tmp_path / "advisor.toml"
    path.write_text("".join(f"{k} = {v}\n" for k, v in settings.items()))
    return str(path)


def test_a_hung_destination_does_not_delay_a_good_one(start_node, peers, tmp_path):
    good, hung = peers(FakePacs()), peers(HungPacs())
    node = start_node("--quiet-seconds", "1", "--destination", f"PACS@127.0.0.1:{hung.port}",
                      "--destination", f"PACS@127.0.0.1:{good.port}",
                      "--config", fast_retries(tmp_path, dispatch_timeout_seconds=20))
    replay(node)
    started = time.monotonic()
    wait_for(lambda: len(good.stored) == 3, timeout=20, what="SR, key image and KOS at the good PACS")
    # Quiet window (1 s) + analysis + one send: well under one hung attempt (20 s).
    assert time.monotonic() - started < 12
    assert hung.held, "the hung destination was tried in parallel"
    # The hung attempt ends at the per-attempt timeout as a transient failure, to be retried.
    wait_for(lambda: "pending after 1 attempt(s) (no association with" in status_of(node),
             timeout=40, what="the hung attempt timed out")


def test_a_destination_answering_0xA700_forever_is_retried_with_backoff_then_undelivered(
        start_node, peers, tmp_path):
    pacs = peers(FakePacs(status=0xA700))
    node = start_node("--quiet-seconds", "1", "--destination", f"PACS@127.0.0.1:{pacs.port}",
                      "--config", fast_retries(tmp_path, retry_max_attempts=4))
    replay(node)
    wait_for(lambda: status_of(node).count("undelivered after 4 attempt(s)") == 3, timeout=60,
             what="every result undelivered")
    status = status_of(node)
    assert "(status 0xA700" in status
    time.sleep(2)
    assert len(pacs.attempts) == 12, "4 tries per result (SR, key image, KOS), then no more"
    times = sorted(t for t, uid in pacs.attempts if uid == pacs.attempts[0][1])
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert gaps[-1] > gaps[0], f"backoff: the gaps between tries grow ({gaps})"
    # The PACS recovers; `advisor resend` makes the undelivered results pending again.
    pacs.status = 0x0000
    pacs.attempts.clear()
    resend = run([sys.executable, "-m", "advisor.cli", "resend", "--data-dir", str(node.data_dir)])
    assert resend.returncode == 0 and "3 undelivered result(s) pending again" in resend.stdout
    wait_for(lambda: len(pacs.stored) == 3, timeout=20, what="resent results stored")
    wait_for(lambda: status_of(node).count(": delivered after 1 attempt(s)") == 3, timeout=10)


@pytest.mark.parametrize("pacs, reason", [
    (FakePacs(status=0xA900), "status 0xA900"),
    (FakePacs(status=0xC000), "status 0xC000"),
    (FakePacs(contexts=()), "no presentation context accepted by PACS"),
    (FakePacs(ae_title="ARCHIVE"), "association rejected by PACS@127.0.0.1"),
], ids=["0xA900", "0xC000", "no-presentation-context", "rejected-permanent"])
def test_a_permanent_failure_ends_undelivered_after_a_few_tries(start_node, peers, tmp_path,
                                                              pacs, reason):
    peers(pacs)
    node = start_node("--quiet-seconds", "1", "--destination", f"PACS@127.0.0.1:{pacs.port}",
                      "--config", fast_retries(tmp_path, permanent_max_attempts=2))
    replay(node)
    wait_for(lambda: status_of(node).count("undelivered after 2 attempt(s)") == 3, timeout=60,
             what="every result undelivered")
    assert reason in status_of(node)
    assert "undelivered to PACS@127.0.0.1" in node.log() and "permanent failure" in node.log()
