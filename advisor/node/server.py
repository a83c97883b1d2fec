"""The running node: receiver, assembler and dispatcher side by side.

The receiver answers peers on pynetdicom's association threads; the assemblers
and the dispatcher (one thread per destination) run in worker processes
(:mod:`advisor.node.workers`), or, with ``analysis_processes = 0``, in threads
of this process; the worklist page runs in a thread. Assemblers and dispatcher
poll the journal, so that receiving never waits on analysis or delivery.
Everything they share goes through the journal, which is also what a restart
resumes from. Security-relevant events go to the audit log
(:mod:`advisor.node.audit`); the workers' events are relayed to it.

The worklist page is served on a loopback address as it is; on any other
address only with a token (``http_token``) and over TLS (``tls_cert``), or the
node refuses to start.
"""

from __future__ import annotations

import ipaddress
import logging
import threading

from advisor.node.assemble import Assembler
from advisor.config import ConfigError, Settings
from advisor.node import security
from advisor.node.audit import AuditLog
from advisor.node.dispatch import Dispatcher
from advisor.node.journal import Journal
from advisor.evidence.text import use_site_rules
from advisor.protocols import load_protocols
from advisor.node.receive import Receiver
from advisor.node.workers import WorkerProcesses, process_count, run_until
from advisor.web.metrics import ANALYSIS_SECONDS
from advisor.web.health import HealthProbe
from advisor.web.worklist import WebServer, Worklist

log = logging.getLogger(__name__)


class Node:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.protocols = protocols = load_protocols(settings.protocols_dir)  # invalid: stop here
        rules = use_site_rules(settings.protocols_dir)  # text rules: invalid ones stop start-up here too
        _check_worklist_exposure(settings)
        self.tls = security.server_context(settings)        # bad TLS settings stop start-up here
        self.journal = Journal(settings.journal_path)
        self.audit = AuditLog(settings.audit_path, settings.audit_max_bytes)
        # The receiver's own connection, with unsynced commits: its rows are rebuilt from the
        # spool after a power cut (Receiver.journal_spooled), which saves a sync per instance.
        self.receive_journal = Journal(settings.journal_path, synced_commits=False)
        self.receiver = Receiver(self.receive_journal, settings, self.audit)
        self.processes = (WorkerProcesses(settings, observe_seconds=ANALYSIS_SECONDS.observe,
                                          audit=self.audit)
                          if process_count(settings) > 0 else None)
        if self.processes is None:
            self.assembler = Assembler(self.journal, settings, protocols, self.audit)
            self.dispatcher = Dispatcher(self.journal, settings, self.audit)
        probe = HealthProbe(self.journal, settings.data_dir,
                            listener_up=lambda: self.receiver.server is not None)
        self.web = (WebServer(Worklist(self.journal, protocols, settings.show_patient_names),
                              settings.http_host, settings.http_port, probe,
                              token=settings.http_token,
                              tls=security.server_context(settings, client_certificates=False))
                    if settings.http_port is not None else None)
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self.port: int | None = None
        log.info("protocols: %s (fingerprint %s); text rules fingerprint %s",
                 ", ".join(p.id for p in protocols.protocols), protocols.fingerprint, rules.fingerprint)

    def start(self) -> int:
        """Start the listener, the web page, then the workers; returns the port listened on.

        Spooled instances a power cut left out of the journal are journaled
        first. The listener goes next so that a port in use (OSError) stops
        start-up before anything else runs. The web page (``/healthz`` with it)
        answers before the workers are ready: their warm-up may take many seconds,
        while the node already takes studies.
        """
        self.receiver.journal_spooled()
        self.port = self.receiver.start(self.settings.host, self.settings.port, self.tls)
        if self.web is not None:
            log.info("worklist page on http://%s:%d/", self.settings.http_host, self.web.start())
        if self.processes is not None:
            self.processes.start()
        else:
            worker = threading.Thread(target=run_until,
                                      args=(self._stop, "assemble", self.assembler.run_once),
                                      name="assemble", daemon=True)
            worker.start()
            self._workers.append(worker)
            self.dispatcher.start()
        log.info("%s listening on %s:%d%s; destinations: %s; data in %s", self.settings.ae_title,
                 self.settings.host, self.port, " (TLS)" if self.tls else "",
                 ", ".join(map(str, self.settings.destinations)) or "none (results stay in the outbox)",
                 self.settings.data_dir)
        return self.port

    def stop(self) -> None:
        self.receiver.stop()
        if self.web is not None:
            self.web.stop()
        self._stop.set()
        if self.processes is not None:
            self.processes.stop()
        else:
            self.dispatcher.stop(timeout=30)
        for worker in self._workers:
            worker.join(timeout=30)
        self.journal.close()
        self.receive_journal.close()
        self.audit.close()
        log.info("stopped")

    def wait(self) -> None:
        """Block until :meth:`stop` is called (from a signal handler, say)."""
        self._stop.wait()


def _check_worklist_exposure(settings: Settings) -> None:
    """Refuse to serve the worklist beyond loopback without a token and TLS."""
    if settings.http_port is None or _is_loopback(settings.http_host):
        return
    if not settings.http_token or settings.tls_cert is None:
        raise ConfigError(f"the worklist on {settings.http_host} (not a loopback address) needs "
                          "http_token and tls_cert/tls_key: it is served only with authentication "
                          "over TLS")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
