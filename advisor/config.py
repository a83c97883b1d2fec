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
    retry_base_seconds = 2
    retry_max_seconds = 300
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from advisor.model import OUTCOMES

DESTINATION = re.compile(r"^(?P<ae>[^@\\]{1,16})@(?P<host>[^:@]+):(?P<port>\d{1,5})$")


class ConfigError(ValueError):
    """A setting is malformed; the message names it."""


@dataclass(frozen=True)
class Destination:
    """A DICOM peer written ``AE@HOST:PORT``."""

    ae_title: str
    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> Destination:
        match = DESTINATION.match(text.strip())
        if not match or not 0 < int(match["port"]) < 65536:
            raise ConfigError(f"destination {text!r}: expected AE@HOST:PORT, e.g. PACS@127.0.0.1:4242")
        return cls(match["ae"].strip(), match["host"], int(match["port"]))

    def __str__(self) -> str:
        return f"{self.ae_title}@{self.host}:{self.port}"


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
    log_patient_data: bool = False
    key_image: bool = True              # send a key image (Secondary Capture) with each SR
    http_host: str = "127.0.0.1"
    http_port: int | None = None        # the worklist page; None: not served
    show_patient_names: bool = False    # on the worklist page

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def journal_path(self) -> Path:
        return self.data_dir / "journal.sqlite3"


def _coerce(name: str, value: Any) -> Any:
    if name == "destinations":
        return tuple(d if isinstance(d, Destination) else Destination.parse(d) for d in value)
    if name in ("data_dir", "protocols_dir"):
        return Path(value)
    if name == "report_outcomes":
        unknown = set(value) - set(OUTCOMES)
        if unknown:
            raise ConfigError(f"report_outcomes: unknown outcome(s) {sorted(unknown)}")
        return tuple(value)
    if name == "ae_title" and not 0 < len(value) <= 16:
        raise ConfigError(f"ae_title {value!r}: 1 to 16 characters")
    if name == "port" and not 0 <= int(value) < 65536:
        raise ConfigError(f"port {value!r}: 0 to 65535")
    return value


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Defaults, updated by ``config_file`` (TOML), updated by non-None ``overrides``."""
    values: dict[str, Any] = {}
    if config_file is not None:
        try:
            values.update(tomllib.loads(config_file.read_text(encoding="utf-8")))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{config_file}: {exc}") from exc
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
    return replace(Settings(), **{k: _coerce(k, v) for k, v in values.items()})
