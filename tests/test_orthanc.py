"""A real PACS: Orthanc forwards a study to the node, and the SR comes back to Orthanc."""

import json
import subprocess
import urllib.request
from pathlib import Path

import pytest
from pydicom import dcmread

from conftest import SAMPLES, Validation, free_port, require_isolated_network, require_tool, validate_sr, wait_for


class Orthanc:
    def __init__(self, http_port: int):
        self.base = f"http://127.0.0.1:{http_port}"

    def request(self, method: str, path: str, body: bytes | None = None) -> bytes:
        req = urllib.request.Request(self.base + path, data=body, method=method)
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.read()

    def json(self, method: str, path: str, body: bytes | None = None):
        return json.loads(self.request(method, path, body))

    def alive(self) -> bool:
        try:
            return bool(self.json("GET", "/system"))
        except OSError:
            return False


def text_values_in(tags):
    """Every TextValue in Orthanc's simplified-tags JSON (nested lists of dicts)."""
    if isinstance(tags, dict):
        for key, value in tags.items():
            if key == "TextValue":
                yield value
            else:
                yield from text_values_in(value)
    elif isinstance(tags, list):
        for item in tags:
            yield from text_values_in(item)


@pytest.fixture
def orthanc_factory(tmp_path: Path):
    require_isolated_network()
    processes = []

    def start(advisor_port: int) -> tuple[Orthanc, int]:
        http_port, dicom_port = free_port(), free_port()
        config = {
            "Name": "advisor-test", "StorageDirectory": str(tmp_path / "orthanc-db"),
            "IndexDirectory": str(tmp_path / "orthanc-db"), "HttpPort": http_port,
            "DicomPort": dicom_port, "DicomAet": "ORTHANC", "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False, "Plugins": [], "StableAge": 1,
            "DicomModalities": {"advisor": ["ADVISOR", "127.0.0.1", advisor_port]},
        }
        path = tmp_path / "orthanc.json"
        path.write_text(json.dumps(config))
        log = (tmp_path / "orthanc.log").open("w")
        processes.append(subprocess.Popen([require_tool("Orthanc"), str(path)], stdout=log,
                                          stderr=subprocess.STDOUT))
        orthanc = Orthanc(http_port)
        wait_for(orthanc.alive, timeout=60, what="Orthanc REST API")
        return orthanc, dicom_port

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=20)


def test_orthanc_forwards_study_and_receives_the_sr(start_node, orthanc_factory, tmp_path):
    advisor_port = free_port()
    orthanc, orthanc_dicom_port = orthanc_factory(advisor_port)
    node = start_node("--quiet-seconds", "1", "--destination",
                      f"ORTHANC@127.0.0.1:{orthanc_dicom_port}", port=advisor_port)

    folder = SAMPLES / "01-calcified-left-flank-coded"
    uploaded = [orthanc.json("POST", "/instances", p.read_bytes()) for p in sorted(folder.glob("*.dcm"))]
    study_id = uploaded[0]["ParentStudy"]
    echo = orthanc.request("POST", "/modalities/advisor/echo", b"{}")
    assert echo is not None
    store = orthanc.json("POST", "/modalities/advisor/store", study_id.encode())
    assert store["InstancesCount"] == 3 and store["FailedInstancesCount"] == 0

    def sr_series():
        series = orthanc.json("GET", f"/studies/{study_id}/series")
        return [s for s in series if s["MainDicomTags"].get("Modality") == "SR"
                and s["MainDicomTags"].get("SeriesNumber") == "9901"]

    [series] = wait_for(sr_series, timeout=60, what="the advisor's SR in Orthanc")
    [instance_id] = series["Instances"]
    sr_path = tmp_path / "from-orthanc.dcm"
    sr_path.write_bytes(orthanc.request("GET", f"/instances/{instance_id}/file"))
    sr = dcmread(sr_path)
    assert sr.StudyInstanceUID == dcmread(folder / "US001.dcm", stop_before_pixels=True).StudyInstanceUID
    texts = [str(e.value) for e in sr.iterall() if e.keyword == "TextValue"]
    assert any(t.startswith("Suggested: CT abdomen/pelvis") for t in texts)
    shown = list(text_values_in(orthanc.json("GET", f"/instances/{instance_id}/simplified-tags")))
    assert sorted(shown) == sorted(texts), "Orthanc's REST JSON shows every text item in full"
    assert Validation.errors(validate_sr(sr_path).dciodvfy) == []
    assert "delivered to ORTHANC@127.0.0.1" in node.log()

    def key_image_series():
        series = orthanc.json("GET", f"/studies/{study_id}/series")
        return [s for s in series if s["MainDicomTags"].get("SeriesNumber") == "9902"]

    [key_series] = wait_for(key_image_series, timeout=60, what="the key image in Orthanc")
    assert key_series["MainDicomTags"].get("Modality") == "OT"

    def kos_series():
        series = orthanc.json("GET", f"/studies/{study_id}/series")
        return [s for s in series if s["MainDicomTags"].get("Modality") == "KO"]

    wait_for(kos_series, timeout=60, what="the Key Object Selection in Orthanc")
