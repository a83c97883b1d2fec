"""Protocol files are validated at start-up, with the file and the field named."""

import shutil
import sys

import pytest

from advisor.protocols import ProtocolError, load_protocols
from conftest import PROTOCOLS, run


def copy_protocols(tmp_path):
    target = tmp_path / "protocols"
    shutil.copytree(PROTOCOLS, target)
    return target


def test_bundled_protocols_are_valid():
    protocols = load_protocols(PROTOCOLS)
    assert [p.id for p in protocols.protocols] == ["peds-ct-ap-precontrast-portal-venous"]
    contrast = protocols.protocols[0].data["contrast"]
    assert (contrast["dose_ml_per_kg"], contrast["max_ml"]) == (2.0, 100.0)


@pytest.mark.parametrize("old, new, field", [
    ("dose_ml_per_kg = 2.0", 'dose_ml_per_kg = "two"', "contrast.dose_ml_per_kg"),
    ("max_age_years = 18.0", "max_age_years = -1", "scope.max_age_years"),
    ('calcification = "present"', 'calcification = "maybe"', "requires.calcification"),
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
