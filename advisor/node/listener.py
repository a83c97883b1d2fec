"""The DICOM listener: pynetdicom's association server under the node's network policy.

What pynetdicom 3.0 does not do by itself, and this module adds:

- **PDU length ceiling.** pynetdicom reads a PDU's 4-byte length and then
  ``recv``s that many bytes into memory whatever the announced Maximum Length
  (PS3.8 D.1), so one header claiming 4 GiB buffers up to 4 GiB. Accepted
  sockets here follow the PDU framing (PS3.8 9.3.1) as bytes arrive: a P-DATA-TF
  longer than the node's maximum PDU size, or any other PDU longer than
  :data:`OTHER_PDU_LIMIT`, is answered with an A-ABORT (service provider,
  invalid PDU parameter value, PS3.8 9.3.8) and the connection is closed.
- **Read timeout.** Accepted sockets block forever in ``recv`` by default; here
  a read that stalls for ARTIM seconds drops the connection.
- **TLS handshake off the accept loop.** pynetdicom handshakes inside
  ``accept()``, so one silent TLS client stops every other connection; here the
  handshake runs in the association's own thread, bounded by ARTIM.
- **Association policy**, checked when the A-ASSOCIATE-RQ arrives and refused
  with A-ASSOCIATE-RJ (PS3.8 9.3.4): a peer address not allowed gets
  rejected-permanent / service-user / no-reason-given; a calling AE title not
  allowed, calling-AE-title-not-recognized; a called AE title other than the
  node's, called-AE-title-not-recognized; beyond the node-wide or the per-peer
  limit, rejected-transient / service-provider (presentation) /
  local-limit-exceeded. The limits count associations (requested and not
  refused), not connections: pynetdicom's own ``maximum_associations`` counts
  every open connection, so a few silent sockets would lock everyone out.
  Open connections have ceilings of their own (:data:`CONNECTIONS_PER_ASSOCIATION`
  times each limit), beyond which a new connection is closed at once.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass

from pynetdicom import AE, evt
from pynetdicom.pdu import A_ABORT_RQ
from pynetdicom.transport import RequestHandler, ThreadedAssociationServer

from advisor.node.audit import Audit

log = logging.getLogger(__name__)

P_DATA_TF = 0x04
OTHER_PDU_LIMIT = 256 * 1024  # A-ASSOCIATE-RQ with 128 contexts and many transfer syntaxes fits
INVALID_PDU_PARAMETER_VALUE = 0x06
SERVICE_PROVIDER = 0x02

# A-ASSOCIATE-RJ (result, source, reason) of PS3.8 9.3.4, and what each tells the peer.
REJECTION_REASONS = {
    (1, 1, 1): "rejected permanent: no reason given (peer address not allowed)",
    (1, 1, 2): "rejected permanent: application context name not supported",
    (1, 1, 3): "rejected permanent: calling AE title not recognized",
    (1, 1, 7): "rejected permanent: called AE title not recognized",
    (2, 2, 1): "rejected transient: no reason given",
    (2, 3, 1): "rejected transient: temporary congestion",
    (2, 3, 2): "rejected transient: local limit exceeded (too many associations)",
}
PEER_NOT_ALLOWED = (1, 1, 1)
CALLING_AE_NOT_RECOGNIZED = (1, 1, 3)
CALLED_AE_NOT_RECOGNIZED = (1, 1, 7)
LOCAL_LIMIT_EXCEEDED = (2, 3, 2)
CONNECTIONS_PER_ASSOCIATION = 4
# pynetdicom's DUL thread sleeps this long whenever a pass of its loop found nothing to do
# (its default is 1 ms), so each C-STORE response waits on average half of it before it is
# sent. Measured (scripts/bench_ingest.py --bare-pynetdicom): 0.2 ms lifts a do-nothing SCP
# by about a third; the price is an idle open association costing about 9% of a core
# instead of 3%.
DUL_IDLE_SLEEP_SECONDS = 0.0002

def _abort_pdu() -> bytes:
    pdu = A_ABORT_RQ()
    pdu.source = SERVICE_PROVIDER
    pdu.reason_diagnostic = INVALID_PDU_PARAMETER_VALUE
    return pdu.encode()


class _PDUFraming:
    """Follows the PDU headers in a socket's byte stream; refuses an oversized PDU.

    Mixed into :class:`socket.socket` and :class:`ssl.SSLSocket`: pynetdicom
    reads the 6-byte header before the body, so the refusal comes before a
    single byte of the body is buffered. A refused stream reads as closed.
    """

    max_pdu_size = 0
    refusal: str | None = None
    _header: bytearray
    _body_left = 0
    _on_refusal: Callable[[str], None]

    def follow_pdus(self, max_pdu_size: int, on_refusal: Callable[[str], None]) -> None:
        self.max_pdu_size = max_pdu_size
        self._on_refusal = on_refusal
        self._header = bytearray()

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        if self.refusal is not None:
            return b""
        data = super().recv(bufsize, flags)
        if self.max_pdu_size and not self._follow(data):
            self._on_refusal(self.refusal)
            try:
                self.sendall(_abort_pdu())
            except OSError:
                pass
            return b""
        return data

    def _follow(self, data: bytes) -> bool:
        """Account for ``data``; False once a header announces a PDU too long."""
        position = 0
        while position < len(data):
            if self._body_left:
                step = min(self._body_left, len(data) - position)
                self._body_left -= step
                position += step
                continue
            needed = 6 - len(self._header)
            self._header += data[position:position + needed]
            position += needed
            if len(self._header) == 6:
                pdu_type, _, length = struct.unpack(">BBL", self._header)
                self._header.clear()
                limit = self.max_pdu_size if pdu_type == P_DATA_TF else OTHER_PDU_LIMIT
                if length > limit:
                    self.refusal = (f"PDU type 0x{pdu_type:02X} of {length} bytes exceeds "
                                    f"the maximum of {limit}")
                    return False
                self._body_left = length
        return True


class FramedSocket(_PDUFraming, socket.socket):
    pass


class FramedSSLSocket(_PDUFraming, ssl.SSLSocket):
    pass


@dataclass(frozen=True)
class PeerPolicy:
    """Who may associate, and how many associations there may be."""

    ae_title: str
    allowed_peers: tuple[str, ...] = ()       # addresses or networks; empty: anyone
    allowed_calling_aes: tuple[str, ...] = ()  # empty: any
    require_called_ae: bool = True
    max_associations: int = 64
    max_per_peer: int = 16
    max_pdu_size: int = 1_048_576
    read_timeout: float = 10.0                # ARTIM: TLS handshake, and a stalled read

    def allows(self, address: str) -> bool:
        if not self.allowed_peers:
            return True
        peer = ipaddress.ip_address(address)
        return any(peer in ipaddress.ip_network(n, strict=False) for n in self.allowed_peers)

    def refusal(self, request, address: str, others: list[str]) -> tuple[int, int, int] | None:
        """The A-ASSOCIATE-RJ reason for ``request`` from ``address``, or None to go on.

        ``others``: the peer addresses of the other live associations.
        """
        if not self.allows(address):
            return PEER_NOT_ALLOWED
        if self.allowed_calling_aes and request.calling_ae_title not in self.allowed_calling_aes:
            return CALLING_AE_NOT_RECOGNIZED
        if self.require_called_ae and request.called_ae_title != self.ae_title:
            return CALLED_AE_NOT_RECOGNIZED
        if len(others) >= self.max_associations or others.count(address) >= self.max_per_peer:
            return LOCAL_LIMIT_EXCEEDED
        return None


class _Handler(RequestHandler):
    """Handshakes TLS in the association's thread before pynetdicom takes over."""

    server: GuardedServer

    def handle(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            try:
                self.request.do_handshake()
            except (ssl.SSLError, OSError) as exc:
                self.server.audit("association-refused", peer=self.client_address[0],
                                  reason=f"TLS handshake failed: {exc}")
                log.warning("TLS handshake with %s failed: %s", self.client_address[0], exc)
                self.server.shutdown_request(self.request)
                return
        super().handle()

    def _create_association(self):
        assoc = super()._create_association()
        assoc.dul._run_loop_delay = DUL_IDLE_SLEEP_SECONDS
        _run_logging_handlers_last(assoc)
        return assoc


def _run_logging_handlers_last(assoc) -> None:
    """An association binds pynetdicom's logging handlers before the node's, and one that
    raises (its C-STORE logger does on a request without Affected SOP Instance UID)
    skips the handlers after it: bind them again, after the node's."""
    for event, handlers in list(assoc._handlers.items()):
        if not isinstance(handlers, list):
            continue
        for function, args in [h for h in handlers if h[0].__module__ == "pynetdicom._handlers"]:
            assoc.unbind(event, function)
            assoc.bind(event, function, args)


class GuardedServer(ThreadedAssociationServer):
    """pynetdicom's threaded server with framed sockets, read timeouts and the peer policy."""

    # socketserver's listen backlog is 5: a burst of connections beyond it is dropped by
    # the kernel before the node can answer (accept or reject) any of them.
    request_queue_size = 256

    def __init__(self, *args, policy: PeerPolicy, audit: Audit, **kwargs) -> None:
        self.policy = policy
        self.audit = audit
        super().__init__(*args, request_handler=_Handler, **kwargs)
        if self.ssl_context is not None:
            self.ssl_context.sslsocket_class = FramedSSLSocket
        self.bind(evt.EVT_REQUESTED, self._check_peer)

    def get_request(self) -> tuple[socket.socket, tuple[str, int]]:
        raw, address = self.socket.accept()
        if self.ssl_context is not None:
            client = self.ssl_context.wrap_socket(raw, server_side=True,
                                                  do_handshake_on_connect=False)
        else:
            client = FramedSocket(raw.family, raw.type, raw.proto, fileno=raw.detach())
        client.follow_pdus(self.policy.max_pdu_size, lambda reason: self._refused_pdu(address, reason))
        client.settimeout(self.policy.read_timeout)
        return client, address

    def verify_request(self, request, client_address) -> bool:
        """Close a connection beyond the ceilings at once: each one costs two threads."""
        connections = [a.requestor.address for a in self.active_associations]
        if (len(connections) < CONNECTIONS_PER_ASSOCIATION * self.policy.max_associations
                and connections.count(client_address[0])
                < CONNECTIONS_PER_ASSOCIATION * self.policy.max_per_peer):
            return True
        log.warning("connection from %s closed: too many open connections", client_address[0])
        self.audit("association-refused", peer=client_address[0],
                   reason="connection closed: too many open connections")
        return False

    def _refused_pdu(self, address: tuple, reason: str) -> None:
        log.warning("connection from %s aborted: %s", address[0], reason)
        self.audit("association-aborted", peer=address[0], reason=reason)

    def _check_peer(self, event: evt.Event) -> None:
        """EVT_REQUESTED: refuse by the policy before pynetdicom negotiates."""
        assoc = event.assoc
        others = [a.requestor.address for a in self.active_associations
                  if a is not assoc and a.requestor.primitive is not None
                  and not (a.is_rejected or a.is_aborted or a.is_released)]
        reason = self.policy.refusal(assoc.requestor.primitive, assoc.requestor.address, others)
        if reason is not None:
            _reject(assoc, reason)


def _reject(assoc, reason: tuple[int, int, int]) -> None:
    """Send A-ASSOCIATE-RJ as pynetdicom does for its own checks, before it negotiates."""
    assoc.acse.send_reject(*reason)
    assoc.is_rejected = True
    evt.trigger(assoc, evt.EVT_REJECTED, {})
    assoc.kill()


def rejection_reason(assoc) -> str:
    """What an A-ASSOCIATE-RJ sent on ``assoc`` told the peer."""
    primitive = assoc.acceptor.primitive
    key = (primitive.result, primitive.result_source, primitive.diagnostic)
    return REJECTION_REASONS.get(key, "rejected (result {}, source {}, reason {})".format(*key))


def start(ae: AE, host: str, port: int, *, handlers: list, policy: PeerPolicy,
          ssl_context: ssl.SSLContext | None, audit: Audit) -> GuardedServer:
    """Listen on ``host:port`` in a thread of its own; returns the running server."""
    ae.maximum_associations = CONNECTIONS_PER_ASSOCIATION * policy.max_associations  # as a backstop
    server = ae.make_server((host, port), ssl_context=ssl_context, evt_handlers=handlers,
                            server_class=GuardedServer, policy=policy, audit=audit)
    ae._servers.append(server)  # as AE.start_server does: AE.shutdown() and server.shutdown() expect it
    threading.Thread(target=server.serve_forever, name="dicom-listener", daemon=True).start()
    return server
