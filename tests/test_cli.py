"""Settings precedence and the small network commands."""

import re
import sys

import pytest

from advisor.config import ConfigError, Destination, load_settings
from conftest import free_port, run


def test_config_file_sets_and_flags_win(tmp_path):
    config = tmp_path / "advisor.toml"
    config.write_text('ae_title = "FROMFILE"\nport = 4000\nquiet_seconds = 9\n'
                      'destinations = ["PACS@127.0.0.1:4242"]\nkey_image = false\n')
    settings = load_settings(config, port=5000, ae_title=None)
    assert (settings.ae_title, settings.port, settings.quiet_seconds) == ("FROMFILE", 5000, 9)
    assert settings.destinations == (Destination("PACS", "127.0.0.1", 4242),)
    assert settings.key_image is False
    assert settings.host == "127.0.0.1" and settings.http_port is None  # embedded defaults


@pytest.mark.parametrize("text, message", [
    ("colour = 1\n", "unknown setting(s): colour"),
    ('destinations = ["PACS-no-port"]\n', "expected AE@HOST:PORT"),
    ('report_outcomes = ["maybe"]\n', "unknown outcome(s)"),
    ('ae_title = "A-TITLE-FAR-TOO-LONG"\n', "1 to 16 characters"),
])
def test_bad_settings_are_named(tmp_path, text, message):
    config = tmp_path / "advisor.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(config)


def echo(address: str):
    return run([sys.executable, "-m", "advisor.cli", "echo", address])


def test_echo_a_running_node_and_a_closed_port(start_node):
    node = start_node()
    ok = echo(node.address)
    assert ok.returncode == 0 and "success" in ok.stdout
    closed = echo(f"NOBODY@127.0.0.1:{free_port()}")
    assert closed.returncode == 1 and "association failed" in closed.stderr


def test_serve_reports_a_bad_destination_clearly(tmp_path):
    result = run([sys.executable, "-m", "advisor.cli", "serve", "--destination", "PACS@nowhere",
                  "--data-dir", str(tmp_path / "data")])
    assert result.returncode != 0 and "AE@HOST:PORT" in result.stderr
