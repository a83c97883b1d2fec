"""An advisor node and a destination PACS in the test's own process, on loopback.

No apt packages needed: the PACS is a pynetdicom Storage SCP that keeps what it
receives in memory, so a test can count exactly what was delivered.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pynetdicom import AE, AllStoragePresentationContexts, evt

from advisor.config import Destination, load_settings
from advisor.node.dispatch import SendResult, send_files
from advisor.node.journal import Journal, StudyRow
from advisor.node.server import Node


@dataclass
class Pacs:
    """Storage SCP on 127.0.0.1 recording (SOP Instance UID, Modality) of every C-STORE."""

    ae_title: str = "PACS"
    received: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle_store(self, event: evt.Event) -> int:
        ds = event.dataset
        with self._lock:
            self.received.append((str(ds.SOPInstanceUID), str(ds.get("Modality", ""))))
        return 0x0000

    def modalities(self) -> list[str]:
        with self._lock:
            return sorted(modality for _, modality in self.received)


@contextmanager
def running_pacs() -> Iterator[tuple[Pacs, Destination]]:
    pacs = Pacs()
    ae = AE(ae_title=pacs.ae_title)
    ae.supported_contexts = AllStoragePresentationContexts
    server = ae.start_server(("127.0.0.1", 0), block=False,
                             evt_handlers=[(evt.EVT_C_STORE, pacs.handle_store)])
    try:
        yield pacs, Destination(pacs.ae_title, "127.0.0.1", server.server_address[1])
    finally:
        server.shutdown()


@contextmanager
def running_node(data_dir: Path, **settings) -> Iterator[Node]:
    """A started node on a free loopback port; fast polling defaults for tests."""
    options = {"port": 0, "quiet_seconds": 0.3, "retry_base_seconds": 0.2,
               "retry_max_seconds": 0.5, "key_image": True} | settings
    node = Node(load_settings(None, data_dir=data_dir, **{"analysis_processes": 0, **options}))
    node.start()
    try:
        yield node
    finally:
        node.stop()


def send(node: Node, *paths: Path) -> list[SendResult]:
    """C-STORE files or folders to ``node``."""
    files = [p for path in paths for p in (sorted(path.rglob("*")) if path.is_dir() else [path])
             if p.is_file()]
    return send_files(Destination(node.settings.ae_title, "127.0.0.1", node.port), files,
                      calling_ae="TEST", timeout=30)


def study_row(data_dir: Path, study_uid: str) -> StudyRow | None:
    journal = Journal(data_dir / "journal.sqlite3")
    try:
        return next((s for s in journal.studies() if s.study_instance_uid == study_uid), None)
    finally:
        journal.close()
