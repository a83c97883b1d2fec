"""Load and validate the site-editable protocol files in ``protocols/*.toml``.

Each file is one recommendation rule plus the protocol it recommends. Files are
checked against ``protocol.schema.json`` when the node starts, so that a typo in
a site's edit stops start-up with the file and the field named, instead of
silently changing a clinical recommendation.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema


class ProtocolError(ValueError):
    """A protocol file is missing, unreadable or does not match the schema."""


@dataclass(frozen=True)
class Protocol:
    """One validated protocol file; ``data`` keeps the file's fields as read."""

    path: Path
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def scope(self) -> dict[str, Any]:
        return self.data["scope"]

    @property
    def requires(self) -> dict[str, str]:
        return self.data["requires"]

    def age_notes(self, age_years: float | None) -> list[str]:
        """Notes whose age band contains ``age_years`` (none when age unknown)."""
        if age_years is None:
            return []
        return [note["text"] for note in self.data.get("age_notes", [])
                if age_years < note["max_age_years"]]


@dataclass(frozen=True)
class ProtocolSet:
    """All enabled protocols, highest priority first, with a content fingerprint.

    The fingerprint enters the SR's UID: editing a protocol changes the result
    of the same inputs, and must not reuse the old document's UID.
    """

    protocols: tuple[Protocol, ...]
    fingerprint: str


def _schema() -> dict[str, Any]:
    text = resources.files("advisor").joinpath("protocol.schema.json").read_text()
    return json.loads(text)


def _field_path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "(top level)"


def load_protocol(path: Path) -> Protocol:
    """Read one protocol file, raising :class:`ProtocolError` naming file and field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProtocolError(f"{path}: cannot read protocol file: {exc}") from exc
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        details = "; ".join(f"field {_field_path(e)}: {e.message}" for e in errors)
        raise ProtocolError(f"{path}: invalid protocol: {details}")
    return Protocol(path=path, data=data)


def default_protocols_dir() -> Path:
    """The protocols shipped inside the package (``advisor/default_protocols``)."""
    return Path(str(resources.files("advisor").joinpath("default_protocols")))


def load_protocols(directory: Path | None = None) -> ProtocolSet:
    """Load every ``*.toml`` in ``directory`` (default: the shipped protocols).

    At least one must be enabled.
    """
    directory = directory or default_protocols_dir()
    if not directory.is_dir():
        raise ProtocolError(f"{directory}: protocol directory not found")
    loaded = [load_protocol(path) for path in sorted(directory.glob("*.toml"))]
    ids = [protocol.id for protocol in loaded]
    duplicates = sorted({pid for pid in ids if ids.count(pid) > 1})
    if duplicates:
        raise ProtocolError(f"{directory}: protocol id used twice: {', '.join(duplicates)}")
    enabled = sorted((p for p in loaded if p.data["enabled"]),
                     key=lambda p: (-p.data["priority"], p.id))
    if not enabled:
        raise ProtocolError(f"{directory}: no enabled protocol (*.toml with enabled = true)")
    digest = hashlib.sha256()
    for protocol in enabled:
        digest.update(json.dumps(protocol.data, sort_keys=True).encode())
    return ProtocolSet(protocols=tuple(enabled), fingerprint=digest.hexdigest()[:16])
