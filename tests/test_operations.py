"""Operating the node: /healthz and /metrics scraped from a running node."""

import configparser
import json
import re
import sqlite3
import urllib.error
import urllib.request
from dataclasses import fields
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from pydicom import dcmread
from pydicom.uid import UltrasoundImageStorage
from pynetdicom import AE

from advisor.config import Settings, load_settings
from conftest import SAMPLES, free_port, wait_for
from test_node import storescu


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of a Prometheus text exposition."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_healthz_reports_each_check_and_turns_503_when_the_journal_is_locked(start_node):
    http_port = free_port()
    node = start_node("--http-port", str(http_port))
    status, kind, body = get(f"http://127.0.0.1:{http_port}/healthz")
    report = json.loads(body)
    assert (status, kind) == (200, "application/json")
    assert report["checks"] == {"listener": True, "journal_writable": True, "disk_free": True}
    assert report["disk_free_bytes"] > report["disk_free_min_bytes"]

    # Another process holding the journal's write lock: the node cannot record what it
    # receives, so it is not healthy, and says which check failed.
    blocker = sqlite3.connect(node.data_dir / "journal.sqlite3", timeout=0, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        status, _, body = get(f"http://127.0.0.1:{http_port}/healthz")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert status == 503
    assert json.loads(body)["checks"]["journal_writable"] is False
    assert get(f"http://127.0.0.1:{http_port}/healthz")[0] == 200


def test_healthz_answers_while_the_analysis_workers_still_warm_up(start_node):
    """The node takes studies as soon as its listener is up; its health page answers from then
    on too, not only once the analysis workers have warmed up (seconds: each loads the text
    reader and analyses a warm-up image), which they log as ready with "analysis in"."""
    http_port = free_port()
    node = start_node("--http-port", str(http_port))
    status, _, body = get(f"http://127.0.0.1:{http_port}/healthz")
    assert status == 200 and json.loads(body)["checks"]["listener"] is True
    assert "analysis in" not in node.log(), "the health page answered only once the workers were ready"
    wait_for(lambda: "analysis in" in node.log(), timeout=120, what="the workers ready")


def test_metrics_count_instances_studies_deliveries_and_analysis_time(dcmtk, start_node):
    http_port = free_port()
    node = start_node("--quiet-seconds", "0.5", "--http-port", str(http_port))
    url = f"http://127.0.0.1:{http_port}/metrics"
    status, kind, before = get(url)
    assert status == 200 and kind.startswith("text/plain; version=0.0.4")
    assert samples(before)[("advisor_analysis_seconds_count", ())] == 0

    for folder in ("01-calcified-left-flank-coded", "03-right-mass-no-calcification"):
        assert storescu(dcmtk, node, "-xy", "+sd", str(SAMPLES / folder)).returncode == 0
    sent = sum(1 for folder in ("01-calcified-left-flank-coded", "03-right-mass-no-calcification")
               for _ in (SAMPLES / folder).glob("*.dcm"))
    wait_for(lambda: samples(get(url)[2]).get(("advisor_analysis_seconds_count", ())) == 2,
             timeout=60, what="two analyses in the metrics")
    after = samples(get(url)[2])
    assert after[("advisor_instances", (("kind", "received"),))] == sent
    assert after[("advisor_studies", (("state", "recommended"),))] == 1
    assert after[("advisor_studies", (("state", "not-indicated"),))] == 1
    assert after[("advisor_disk_free_bytes", ())] > 0
    assert re.search(r"^advisor_analysis_seconds_bucket\{le=\"\+Inf\"\} 2\.0$", get(url)[2], re.M)

    truncated = dcmread(SAMPLES / "01-calcified-left-flank-coded" / "US001.dcm")
    truncated.PixelData = truncated.PixelData[:100]
    ae = AE(ae_title="TESTSCU")
    ae.add_requested_context(UltrasoundImageStorage)
    assoc = ae.associate("127.0.0.1", node.port, ae_title=node.ae_title)
    assert int(assoc.send_c_store(truncated).Status) == 0xA900
    assoc.release()
    refused = samples(get(url)[2])
    assert refused[("advisor_instances_refused_total", (("status", "0xA900"),))] == 1
    assert refused[("advisor_instances", (("kind", "received"),))] == sent


DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def test_the_example_settings_file_loads_and_names_every_setting():
    settings = load_settings(DEPLOY / "advisor.toml")
    assert settings.http_port == 8080 and settings.destinations
    text = (DEPLOY / "advisor.toml").read_text()
    undocumented = [f.name for f in fields(Settings)
                    if not re.search(rf"^#? ?{f.name} = ", text, re.M)]
    assert not undocumented, f"settings missing from deploy/advisor.toml: {undocumented}"


def test_the_service_unit_restarts_on_failure_as_a_dedicated_hardened_user():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(DEPLOY / "advisor.service")
    service = unit["Service"]
    assert service["Restart"] == "on-failure"
    assert service["User"] == "advisor" and service["NoNewPrivileges"] == "true"
    assert service["ProtectSystem"] == "strict"
    assert "--config /etc/advisor/advisor.toml" in service["ExecStart"]
