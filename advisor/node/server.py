"""The running node: receiver, assembler and dispatcher side by side.

The receiver answers peers on pynetdicom's association threads; the assembler,
the dispatcher and (if asked for) the worklist page each run in a thread of their own, polling the journal, so
that receiving never waits on analysis or delivery. Everything they share goes
through the journal, which is also what a restart resumes from.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from advisor.node.assemble import Assembler
from advisor.config import Settings
from advisor.node.dispatch import Dispatcher
from advisor.node.journal import Journal
from advisor.evidence.text import use_site_rules
from advisor.protocols import load_protocols
from advisor.node.receive import Receiver
from advisor.web.health import HealthProbe
from advisor.web.worklist import WebServer, Worklist

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5


class Node:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        protocols = load_protocols(settings.protocols_dir)  # invalid files stop start-up here
        use_site_rules(settings.protocols_dir)  # text rules: invalid ones stop start-up here too
        self.journal = Journal(settings.journal_path)
        self.receiver = Receiver(self.journal, ae_title=settings.ae_title,
                                 spool_dir=settings.spool_dir)
        self.assembler = Assembler(self.journal, settings, protocols)
        self.dispatcher = Dispatcher(self.journal, settings)
        probe = HealthProbe(self.journal, settings.data_dir,
                            listener_up=lambda: self.receiver.server is not None)
        self.web = (WebServer(Worklist(self.journal, protocols, settings.show_patient_names),
                              settings.http_host, settings.http_port, probe)
                    if settings.http_port is not None else None)
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self.port: int | None = None
        log.info("protocols: %s (fingerprint %s)", ", ".join(p.id for p in protocols.protocols),
                 protocols.fingerprint)

    def start(self) -> int:
        """Start the workers and the listener; returns the port listened on."""
        for name, step in (("assemble", self.assembler.run_once),
                           ("dispatch", self.dispatcher.run_once)):
            worker = threading.Thread(target=self._loop, args=(name, step), name=name, daemon=True)
            worker.start()
            self._workers.append(worker)
        self.port = self.receiver.start(self.settings.host, self.settings.port)
        if self.web is not None:
            log.info("worklist page on http://%s:%d/", self.settings.http_host, self.web.start())
        log.info("%s listening on %s:%d; destinations: %s; data in %s", self.settings.ae_title,
                 self.settings.host, self.port,
                 ", ".join(map(str, self.settings.destinations)) or "none (results stay in the outbox)",
                 self.settings.data_dir)
        return self.port

    def _loop(self, name: str, step: Callable[[], int]) -> None:
        while not self._stop.is_set():
            try:
                step()
            except Exception:  # noqa: BLE001 - keep the worker alive; the journal keeps the work
                log.exception("%s worker: unexpected error", name)
            self._stop.wait(POLL_SECONDS)

    def stop(self) -> None:
        self.receiver.stop()
        if self.web is not None:
            self.web.stop()
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=30)
        self.journal.close()
        log.info("stopped")

    def wait(self) -> None:
        """Block until :meth:`stop` is called (from a signal handler, say)."""
        self._stop.wait()
