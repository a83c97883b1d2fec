"""Settings of the node: embedded defaults, then a TOML file, then command-line flags.

Example ``advisor.toml`` (every key optional)::

    ae_title = "ADVISOR"
    host = "127.0.0.1"
    port = 11112
    destinations = ["PACS@10.0.0.5:104"]
    data_dir = "advisor-data"
    quiet_seconds = 5
    protocols_dir = "/etc/advisor/protocols"   # default: the protocols shipped in the package
    report_outcomes = ["recommended", "not-indicated"]
    key_image = true
    http_port = 8080
    http_host = "127.0.0.1"
    show_patient_names = false
    retry_base_seconds = 2        # backoff of deliveries and of failed analyses
    retry_max_seconds = 300
    # the retry, analysis, association policy, TLS and audit settings: see deploy/advisor.toml

Every setting, from the file or from a flag, is checked against
``settings.schema.json`` (types and ranges) before the node starts; an error is
one line naming the setting and what it allows.
"""

from __future__ import annotations

import ipaddress
import json
import re
import tomllib
from dataclasses import dataclass, fields, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

DESTINATION = re.compile(r"^(?P<ae>[^@\\]{1,16})@(?P<host>[^:@]+):(?P<port>\d{1,5})(?P<tls>\+tls)?$")


class ConfigError(ValueError):
    """A setting is malformed; the message names it."""


@dataclass(frozen=True)
class Destination:
    """A DICOM peer written ``AE@HOST:PORT``, or ``AE@HOST:PORT+tls`` to reach it over TLS."""

    ae_title: str
    host: str
    port: int
    tls: bool = False

    @classmethod
    def parse(cls, text: str) -> Destination:
        match = DESTINATION.match(text.strip())
        if not match or not 0 < int(match["port"]) < 65536:
            raise ConfigError(f"destination {text!r}: expected AE@HOST:PORT, e.g. PACS@127.0.0.1:4242"
                              " (AE@HOST:PORT+tls over TLS)")
        return cls(match["ae"].strip(), match["host"], int(match["port"]), bool(match["tls"]))

    def __str__(self) -> str:
        return f"{self.ae_title}@{self.host}:{self.port}{'+tls' if self.tls else ''}"


@dataclass(frozen=True)
class Settings:
    ae_title: str = "ADVISOR"
    host: str = "127.0.0.1"
    port: int = 11112
    destinations: tuple[Destination, ...] = ()
    data_dir: Path = Path("advisor-data")
    quiet_seconds: float = 5.0
    protocols_dir: Path | None = None   # None: the protocols shipped in the package
    report_outcomes: tuple[str, ...] = ("recommended", "not-indicated")
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 300.0
    retry_max_attempts: int = 50
    permanent_max_attempts: int = 3
    dispatch_timeout_seconds: float = 30.0
    max_associations: int = 64
    max_associations_per_peer: int = 16
    allowed_calling_aes: tuple[str, ...] = ()
    allowed_peers: tuple[str, ...] = ()
    require_called_ae: bool = True
    max_pdu_size: int = 1_048_576
    max_instance_bytes: int = 2 * 1024 ** 3
    artim_seconds: float = 10.0
    network_timeout_seconds: float = 30.0
    dimse_timeout_seconds: float = 30.0
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_ca: Path | None = None
    tls_require_client_cert: bool = False
    audit_log: Path | None = None       # None: DATA_DIR/audit.jsonl
    audit_max_bytes: int = 10 * 1024 ** 2
    http_token: str | None = None
    analysis_max_attempts: int = 5      # tries of a study's analysis before it is ``failed``
    key_image: bool = True              # send a key image (Secondary Capture) with each SR
    http_host: str = "127.0.0.1"
    http_port: int | None = None        # the worklist page; None: not served
    show_patient_names: bool = False    # on the worklist page
    # Assembler processes beside the receiving one; None: one per core; 0: threads of the
    # node's own process (receiving then shares its interpreter with analysis).
    analysis_processes: int | None = None
    # Threads of one analysis: 1, or 2 to read the burned-in text beside the detector; None:
    # 2 where there is a second core.
    analysis_threads: int | None = None

    def backoff_seconds(self, failures: int) -> float:
        """Wait after ``failures`` failed tries (1, 2, ...): doubling from the base, capped."""
        return min(self.retry_base_seconds * 2 ** (failures - 1), self.retry_max_seconds)

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def journal_path(self) -> Path:
        return self.data_dir / "journal.sqlite3"

    @property
    def audit_path(self) -> Path:
        return self.audit_log or self.data_dir / "audit.jsonl"


FLOAT_SETTINGS = frozenset(f.name for f in fields(Settings) if f.type == "float")


@cache
def settings_schema() -> dict:
    return json.loads(resources.files("advisor").joinpath("settings.schema.json").read_text())


def _plain(value: Any) -> Any:
    """A flag's value as TOML would give it (paths and destinations as strings)."""
    if isinstance(value, (Path, Destination)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def validate(values: dict[str, Any]) -> None:
    """Raise :class:`ConfigError` naming the first setting that breaks the schema."""
    unknown = sorted(set(values) - set(settings_schema()["properties"]))
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
    validator = jsonschema.Draft202012Validator(settings_schema())
    errors = sorted(validator.iter_errors(values), key=lambda e: list(e.absolute_path))
    if errors:
        name = errors[0].absolute_path[0]
        allowed = settings_schema()["properties"][name]["description"]
        raise ConfigError(f"setting {name} = {json.dumps(values[name], default=str)}: expected {allowed}")


def _allowed_peer(text: str) -> str:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError as exc:
        raise ConfigError(f"setting allowed_peers: {text!r} is not an address or network") from exc
    return text


def _coerce(name: str, value: Any) -> Any:
    """A validated value as the :class:`Settings` field holds it."""
    if name == "destinations":
        return tuple(Destination.parse(d) for d in value)
    if name in ("data_dir", "protocols_dir", "tls_cert", "tls_key", "tls_ca", "audit_log"):
        return Path(value)
    if name == "allowed_peers":
        return tuple(_allowed_peer(v) for v in value)
    if name in ("allowed_calling_aes", "report_outcomes"):
        return tuple(value)
    if name in FLOAT_SETTINGS:
        return float(value)
    return value


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Defaults, updated by ``config_file`` (TOML), updated by non-None ``overrides``.

    Both are validated against ``settings.schema.json``; :class:`ConfigError` otherwise.
    """
    values: dict[str, Any] = {}
    if config_file is not None:
        try:
            values.update(tomllib.loads(config_file.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{config_file}: {exc}") from exc
    values.update({k: _plain(v) for k, v in overrides.items() if v is not None})
    validate(values)
    settings = replace(Settings(), **{k: _coerce(k, v) for k, v in values.items()})
    if settings.retry_max_seconds < settings.retry_base_seconds:
        raise ConfigError(f"setting retry_max_seconds = {settings.retry_max_seconds:g}: expected "
                          f"at least retry_base_seconds ({settings.retry_base_seconds:g})")
    return settings
