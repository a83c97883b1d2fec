"""Protocol files are validated at start-up, with the file and the field named."""

import shutil
import sys

import pytest

from advisor.protocols import ProtocolError, load_protocol, load_protocols
from conftest import PROTOCOLS, run


def copy_protocols(tmp_path):
    target = tmp_path / "protocols"
    shutil.copytree(PROTOCOLS, target)
    return target


def test_bundled_protocols_are_valid():
    protocols = load_protocols(PROTOCOLS)
    assert [p.id for p in protocols.protocols] == ["peds-ct-ap-precontrast-portal-venous"]
    contrast = protocols.protocols[0].contrast
    assert (contrast.dose_ml_per_kg, contrast.max_ml) == (2.0, 100.0)


def test_shipped_alternatives_are_valid_and_disabled():
    files = {path.stem: load_protocol(path) for path in PROTOCOLS.glob("*.toml")}
    assert set(files) == {"peds-ct-ap-precontrast-portal-venous", "peds-ct-ap-portal-venous-only",
                          "peds-mri-abdomen"}
    for name in ("peds-ct-ap-portal-venous-only", "peds-mri-abdomen"):
        assert files[name].data["enabled"] is False
    assert [p["name"] for p in files["peds-ct-ap-portal-venous-only"].data["phases"]] == ["Portal venous"]
    for protocol in files.values():
        assert {e.id for e in protocol.exclusions} == {
            "known-tumour-follow-up", "adrenal-haemorrhage", "infant-small-adrenal-mass",
            "liver-mass", "ovarian-pelvic-mass"}, protocol.id
        assert protocol.data["sources_checked_on"] == "2026-11-29"
        assert protocol.reviewed_by is None, "no sign-off is invented: a site radiologist adds it"


@pytest.mark.parametrize("old, new, field", [
    ("dose_ml_per_kg = 2.0", 'dose_ml_per_kg = "two"', "contrast.dose_ml_per_kg"),
    ("max_age_years = 18.0", "max_age_years = -1", "scope.max_age_years"),
    ('calcification = "present"', 'calcification = "maybe"', "requires.calcification"),
    ('organs = ["liver"]', 'organs = ["livr"]', "exclusions.3.when.organs.0"),
    ('context_any = ["adrenal-haemorrhage"]', 'context_any = ["haemorrhage"]', "exclusions.1.when.context_any.0"),
    (', when_size_unknown = "matches"', "", "exclusions.2.when"),
    ('detector_alone = "confirm"', 'detector_alone = "ignore"', "detector_alone"),
    ('sources_checked_on = "2026-11-29"', 'reviewed_by = "Dr A, pediatric radiologist"', "(top level)"),
])
def test_invalid_field_is_named(tmp_path, old, new, field):
    protocols = copy_protocols(tmp_path)
    path = protocols / "peds-ct-ap-precontrast-portal-venous.toml"
    path.write_text(path.read_text().replace(old, new, 1))
    with pytest.raises(ProtocolError) as error:
        load_protocols(protocols)
    assert str(path) in str(error.value) and f"field {field}" in str(error.value)


def test_serve_refuses_to_start_with_a_broken_protocol(tmp_path):
    protocols = copy_protocols(tmp_path)
    path = protocols / "peds-ct-ap-precontrast-portal-venous.toml"
    path.write_text(path.read_text() + "\nunexpected_key = 1\n")
    result = run([sys.executable, "-m", "advisor.cli", "serve", "--port", "0", "--protocols",
                  str(protocols), "--data-dir", str(tmp_path / "data")])
    assert result.returncode == 2
    assert "peds-ct-ap-precontrast-portal-venous.toml" in result.stderr
    assert "unexpected_key" in result.stderr


def test_no_enabled_protocol_is_an_error(tmp_path):
    protocols = copy_protocols(tmp_path)
    path = protocols / "peds-ct-ap-precontrast-portal-venous.toml"
    path.write_text(path.read_text().replace("enabled = true", "enabled = false"))
    with pytest.raises(ProtocolError, match="no enabled protocol"):
        load_protocols(protocols)
