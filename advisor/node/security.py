"""TLS for DICOM associations and the worklist page, after the BCP 195 profile.

PS3.15 B.9 (BCP 195 TLS Secure Transport Connection Profile) and RFC 9325:
TLS 1.2 or later only, no compression, and for TLS 1.2 only ECDHE/DHE key
exchange with AEAD ciphers (AES-GCM, ChaCha20-Poly1305); TLS 1.3 suites are
all acceptable. Certificates are checked against the configured CA; the
listener asks for a client certificate only when told to require one.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from advisor.config import ConfigError, Settings

# RFC 9325 section 4.2: the recommended TLS 1.2 cipher suites, in OpenSSL's names.
BCP195_TLS12_CIPHERS = ":".join((
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384",
))


def tls_enabled(settings: Settings) -> bool:
    return settings.tls_cert is not None


def _check(settings: Settings) -> None:
    if (settings.tls_cert is None) != (settings.tls_key is None):
        raise ConfigError("tls_cert and tls_key go together: give both or neither")
    if settings.tls_require_client_cert and settings.tls_ca is None:
        raise ConfigError("tls_require_client_cert needs tls_ca (the CA peers' certificates "
                          "are checked against)")
    for name in ("tls_cert", "tls_key", "tls_ca"):
        path: Path | None = getattr(settings, name)
        if path is not None and not path.is_file():
            raise ConfigError(f"{name}: no such file: {path}")


def _bcp195(context: ssl.SSLContext, settings: Settings) -> ssl.SSLContext:
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(BCP195_TLS12_CIPHERS)
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION
    try:
        if settings.tls_cert is not None:
            context.load_cert_chain(settings.tls_cert, settings.tls_key)
        if settings.tls_ca is not None:
            context.load_verify_locations(cafile=settings.tls_ca)
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(f"TLS certificate, key or CA cannot be loaded: {exc}") from exc
    return context


def server_context(settings: Settings, *, client_certificates: bool = True) -> ssl.SSLContext | None:
    """A listener's TLS context, or None when no certificate is configured.

    With ``client_certificates`` (the DICOM listener), a certificate a peer
    presents is checked against ``tls_ca``, and required if
    ``tls_require_client_cert``; without (the worklist page, for browsers),
    none is asked for.
    """
    _check(settings)
    if not tls_enabled(settings):
        return None
    context = _bcp195(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER), settings)
    if not client_certificates or settings.tls_ca is None:
        context.verify_mode = ssl.CERT_NONE
    else:
        context.verify_mode = (ssl.CERT_REQUIRED if settings.tls_require_client_cert
                               else ssl.CERT_OPTIONAL)
    return context


def client_context(settings: Settings) -> ssl.SSLContext:
    """The context for destinations reached over TLS: the peer's certificate is checked.

    Against ``tls_ca`` when given, else against the system's trusted CAs; the
    node presents its own certificate, for peers that require one.
    """
    _check(settings)
    context = _bcp195(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), settings)
    if settings.tls_ca is None:
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    return context
