"""Settings precedence and the small network commands."""

import re
import socket
import sys
from dataclasses import fields

import pytest

from advisor.config import ConfigError, Destination, Settings, load_settings, settings_schema
from advisor.model import OUTCOMES
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
    ('destinations = ["PACS-no-port"]\n', "setting destinations = [\"PACS-no-port\"]: expected a list of AE@HOST:PORT"),
    ('destinations = ["PACS@host:99999"]\n', "expected AE@HOST:PORT"),
    ('report_outcomes = ["maybe"]\n', "setting report_outcomes = [\"maybe\"]: expected a list of distinct outcomes"),
    ('ae_title = "A-TITLE-FAR-TOO-LONG"\n', "1 to 16 characters"),
    ("max_pdu_size = 100\n", "setting max_pdu_size = 100: expected an integer from 4096 to 4294967295"),
    ('allowed_peers = ["10.0.0.300"]\n', "allowed_peers: '10.0.0.300' is not an address"),
    ("artim_seconds = 0\n", "setting artim_seconds = 0: expected a number of seconds above 0"),
    ('key_image = "no"\n', 'setting key_image = "no": expected true or false'),
    ('quiet_seconds = "five"\n', 'setting quiet_seconds = "five": expected a number of seconds'),
    ("quiet_seconds = -5\n", "setting quiet_seconds = -5: expected a number of seconds from 0"),
    ("port = 70000\n", "setting port = 70000: expected an integer from 0 to 65535"),
    ("analysis_max_attempts = 0\n", "setting analysis_max_attempts = 0: expected an integer from 1"),
    ("retry_base_seconds = 10\nretry_max_seconds = 5\n", "retry_max_seconds = 5: expected at least"),
    ("log_patient_data = true\n", "unknown setting(s): log_patient_data"),
    ("analysis_threads = 3\n", "setting analysis_threads = 3: expected 1 or 2 threads per analysis"),
])
def test_bad_settings_are_named(tmp_path, text, message):
    config = tmp_path / "advisor.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(config)


def test_flags_are_checked_like_the_file():
    with pytest.raises(ConfigError, match=re.escape("setting quiet_seconds = -5.0: expected")):
        load_settings(None, quiet_seconds=-5.0)


def test_schema_names_every_setting_and_outcome():
    properties = settings_schema()["properties"]
    assert set(properties) == {f.name for f in fields(Settings)}
    assert tuple(properties["report_outcomes"]["items"]["enum"]) == OUTCOMES
    assert all(p.get("description") for p in properties.values()), "each error says what is allowed"


def test_a_bad_flag_is_one_line_and_exit_2(tmp_path):
    result = advisor("serve", "--quiet-seconds", "-5", "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "advisor: setting quiet_seconds = -5.0: expected a number of seconds from 0 to 86400"]


def test_port_in_use_is_one_line_and_exit_2(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = advisor("serve", "--port", str(port), "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == f"advisor: cannot listen for DICOM on 127.0.0.1:{port}: Address already in use"
    assert "Traceback" not in result.stderr


def test_worklist_port_in_use_is_one_line_and_exit_2(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = advisor("serve", "--port", "0", "--http-port", str(port),
                         "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"advisor: cannot serve the worklist page on 127.0.0.1:{port}: Address already in use")


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


def advisor(*args: str, **kwargs):
    return run([sys.executable, "-m", "advisor", *args], **kwargs)


def test_a_bad_destination_flag_gets_the_same_message_as_in_the_toml_file():
    result = advisor("serve", "--destination", "PACS-no-port")
    assert result.returncode == 2
    assert "destination 'PACS-no-port': expected AE@HOST:PORT, e.g. PACS@127.0.0.1:4242" in result.stderr
    assert "invalid parse value" not in result.stderr


@pytest.mark.parametrize("command", ["serve", "analyze", "replay", "echo", "show", "status", "resend", "demo"])
def test_every_subcommand_explains_its_options_and_gives_examples(command):
    from advisor.cli import build_parser
    subcommands = next(a for a in build_parser()._actions if a.dest == "command")
    parser = subcommands.choices[command]
    unexplained = [a.dest for a in parser._actions if not a.help]
    assert not unexplained, f"{command}: options without help text: {unexplained}"
    result = advisor(command, "-h")
    assert result.returncode == 0
    assert "examples:\n  advisor " + command in result.stdout
    assert "--log-format" in result.stdout and "-v, --verbose" in result.stdout


def test_replay_to_a_silent_peer_gives_up_after_its_timeout():
    import socket
    import time
    with socket.socket() as silent:  # accepts the TCP connection, never answers A-ASSOCIATE
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        start = time.monotonic()
        from conftest import SAMPLES
        result = advisor("replay", str(SAMPLES / "05-no-age"), "--to",
                         f"NODE@127.0.0.1:{silent.getsockname()[1]}", "--timeout", "2")
        elapsed = time.monotonic() - start
    assert result.returncode == 1
    assert elapsed < 15, f"replay waited {elapsed:.0f} s for a silent peer"


def test_json_logs_are_one_object_per_line(start_node):
    import json
    node = start_node()
    result = advisor("echo", node.address, "-v", "--log-format", "json", "--debug-libraries")
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, "pynetdicom's debug lines were asked for"
    assert all(json.loads(line)["level"] in {"DEBUG", "INFO", "WARNING", "ERROR"} for line in lines)


def test_demo_outside_the_repository_says_where_the_samples_are_and_starts_nothing(tmp_path):
    result = advisor("demo", "--data-dir", str(tmp_path / "demo"), cwd=tmp_path)
    assert result.returncode == 2
    assert "advisor demo: no folder dicom_samples: run it from the repository root" in result.stderr
    assert not (tmp_path / "demo").exists()


def test_demo_prints_one_table_and_the_status_command_to_run_next(tmp_path):
    from conftest import SAMPLES
    result = advisor("demo", "--samples", str(SAMPLES), "--data-dir", str(tmp_path / "demo"),
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    table = lines[lines.index(next(l for l in lines if l.startswith("study "))):]
    rows = [l for l in table[1:] if l.startswith("...")]
    studies = len([p for p in SAMPLES.iterdir() if p.is_dir()])
    assert len(rows) == studies == 7
    assert sum("recommended" in r and "sr + kos + key-image" in r for r in rows) == 4
    [pixels_only] = [r for r in rows if "image analysis only" in r]
    assert pixels_only.endswith("calcification seen by image analysis only: confirm before protocolling")
    assert "no destination configured" in result.stdout, "the demo says nothing was sent"
    assert not re.search(r"\d{30,}", result.stdout.split("Results")[0]), "UIDs are shortened"
    [command] = re.findall(r"advisor status --data-dir (\S+)", result.stdout)
    status = advisor("status", "--data-dir", command, cwd=tmp_path)
    assert status.returncode == 0 and status.stdout.count("Study ") == studies


def test_tls_settings_that_cannot_work_stop_start_up(tmp_path):
    certificate = tmp_path / "node.crt"
    certificate.write_text("not a certificate")
    serve = [sys.executable, "-m", "advisor.cli", "serve", "--data-dir", str(tmp_path / "data"),
             "--port", str(free_port())]
    alone = run(serve + ["--tls-cert", str(certificate)])
    assert alone.returncode == 2 and "tls_cert and tls_key go together" in alone.stderr
    broken = run(serve + ["--tls-cert", str(certificate), "--tls-key", str(certificate)])
    assert broken.returncode == 2 and "cannot be loaded" in broken.stderr
    no_ca = run(serve + ["--tls-cert", str(certificate), "--tls-key", str(certificate),
                         "--tls-require-client-cert"])
    assert no_ca.returncode == 2 and "tls_require_client_cert needs tls_ca" in no_ca.stderr
