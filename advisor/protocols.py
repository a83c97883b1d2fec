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
class Scope:
    """Which studies a protocol is about; anything else is out of scope."""

    modalities: frozenset[str]
    max_age_years: float          # a patient of this age or older is out of scope
    body_parts: frozenset[str]    # Body Part Examined (0018,0015) values
    region_terms: tuple[str, ...]  # words in order/description texts


@dataclass(frozen=True)
class Condition:
    """When an exclusion applies: every condition that is given must hold."""

    organs: frozenset[str] = frozenset()
    context_any: frozenset[str] = frozenset()
    context_none: frozenset[str] = frozenset()
    age_under_days: float | None = None
    mass_size_max_mm: float | None = None
    size_unknown_matches: bool = False


@dataclass(frozen=True)
class Exclusion:
    """A situation where the rule must not fire: ``not-indicated``, with an alternative."""

    id: str
    when: Condition
    reason: str
    alternative: str
    summary: str    # one line for the key image banner and the worklist


@dataclass(frozen=True)
class AgeNote:
    """A note for patients in ``[min_age_years, max_age_years)`` (and, if given, these organs)."""

    text: str
    max_age_years: float
    min_age_years: float = 0.0
    organs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Contrast:
    """Weight-based contrast; gadolinium is prescribed in mmol/kg, given in mL."""

    agent: str
    dose_ml_per_kg: float
    max_ml: float
    route: str
    dose_mmol_per_kg: float | None = None
    concentration_mmol_per_ml: float | None = None


@dataclass(frozen=True)
class Protocol:
    """One validated protocol file; ``data`` keeps the file's fields as read.

    The fields the decision uses are typed records; the texts that only go
    into the report (phases, technique, cautions ...) are read from ``data``.
    """

    path: Path
    data: dict[str, Any]
    id: str
    scope: Scope
    requires: dict[str, str]      # "mass"/"calcification" -> "present"/"absent"/"any"
    contrast: Contrast
    detector_alone: str           # "confirm" | "suggest"
    exclusions: tuple[Exclusion, ...]
    age_notes: tuple[AgeNote, ...]
    reviewed_by: str | None
    reviewed_on: str | None
    sources_checked_on: str | None

    @classmethod
    def from_data(cls, path: Path, data: dict[str, Any]) -> Protocol:
        """Typed view of a file that already matched the schema."""
        scope = data["scope"]
        return cls(
            path=path, data=data, id=data["id"],
            scope=Scope(frozenset(scope["modalities"]), float(scope["max_age_years"]),
                        frozenset(scope["body_parts"]), tuple(scope["region_terms"])),
            requires=dict(data["requires"]),
            contrast=Contrast(**data["contrast"]),
            detector_alone=data.get("detector_alone", "confirm"),
            exclusions=tuple(_exclusion(e) for e in data.get("exclusions", [])),
            age_notes=tuple(AgeNote(n["text"], n["max_age_years"], n.get("min_age_years", 0.0),
                                    frozenset(n.get("organs", []))) for n in data.get("age_notes", [])),
            reviewed_by=data.get("reviewed_by"), reviewed_on=data.get("reviewed_on"),
            sources_checked_on=data.get("sources_checked_on"))


def _exclusion(item: dict[str, Any]) -> Exclusion:
    when = item["when"]
    return Exclusion(
        id=item["id"], reason=item["reason"], alternative=item["alternative"],
        summary=item["summary"],
        when=Condition(organs=frozenset(when.get("organs", [])),
                       context_any=frozenset(when.get("context_any", [])),
                       context_none=frozenset(when.get("context_none", [])),
                       age_under_days=when.get("age_under_days"),
                       mass_size_max_mm=when.get("mass_size_max_mm"),
                       size_unknown_matches=when.get("when_size_unknown") == "matches"))


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
    _check_contrast_units(path, data["contrast"])
    return Protocol.from_data(path, data)


def _check_contrast_units(path: Path, contrast: dict[str, Any]) -> None:
    """A dose in mmol/kg and the mL/kg shown to staff must describe the same dose."""
    if "dose_mmol_per_kg" not in contrast:
        return
    expected = contrast["dose_mmol_per_kg"] / contrast["concentration_mmol_per_ml"]
    if abs(contrast["dose_ml_per_kg"] - expected) > 0.005:
        raise ProtocolError(
            f"{path}: invalid protocol: field contrast.dose_ml_per_kg: {contrast['dose_ml_per_kg']:g} "
            f"mL/kg is not {contrast['dose_mmol_per_kg']:g} mmol/kg at "
            f"{contrast['concentration_mmol_per_ml']:g} mmol/mL ({expected:.3g} mL/kg)")


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
