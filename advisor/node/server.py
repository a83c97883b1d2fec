"""The running node: receiver, assembler and dispatcher side by side.

The receiver answers peers on pynetdicom's association threads; the assembler,
the dispatcher (one thread per destination) and (if asked for) the worklist page
each run in threads of their own, polling the journal, so that receiving never
waits on analysis or delivery. Everything they share goes through the journal,
which is also what a restart resumes from. Security-relevant events go to the
audit log (:mod:`advisor.node.audit`).

The worklist page is served on a loopback address as it is; on any other
address only with a token (``http_token``) and over TLS (``tls_cert``), or the
node refuses to start.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from collections.abc import Callable

from advisor.node.assemble import Assembler
from advisor.config import ConfigError, Settings
from advisor.node import security
from advisor.node.audit import AuditLog
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
        _check_worklist_exposure(settings)
        self.tls = security.server_context(settings)        # bad TLS settings stop start-up here
        self.journal = Journal(settings.journal_path)
        self.audit = AuditLog(settings.audit_path, settings.audit_max_bytes)
        self.receiver = Receiver(self.journal, settings, self.audit)
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
        log.info("protocols: %s (fingerprint %s)", ", ".join(p.id for p in protocols.protocols),
                 protocols.fingerprint)

    def start(self) -> int:
        """Start the listener, then the workers; returns the port listened on.

        The listener goes first so that a port in use (OSError) stops start-up
        before anything else runs.
        """
        self.port = self.receiver.start(self.settings.host, self.settings.port, self.tls)
        worker = threading.Thread(target=self._loop, args=("assemble", self.assembler.run_once),
                                  name="assemble", daemon=True)
        worker.start()
        self._workers.append(worker)
        self.dispatcher.start()
        if self.web is not None:
            log.info("worklist page on http://%s:%d/", self.settings.http_host, self.web.start())
        log.info("%s listening on %s:%d%s; destinations: %s; data in %s", self.settings.ae_title,
                 self.settings.host, self.port, " (TLS)" if self.tls else "",
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
        self.dispatcher.stop(timeout=30)
        for worker in self._workers:
            worker.join(timeout=30)
        self.journal.close()
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
