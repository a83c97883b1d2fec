"""Shared fixtures: real peers (DCMTK, dicom3tools, pixelmed, Orthanc) and a real node.

Every server a test starts binds to 127.0.0.1 on a free port and is stopped by
the fixture that started it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pydicom import dcmread

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "dicom_samples"
PROTOCOLS = ROOT / "protocols"
# Patient and study attributes a PACS or an anonymiser may leave out.
PATIENT_STUDY = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate",
                 "StudyTime", "AccessionNumber", "StudyID", "ReferringPhysicianName")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], object], timeout: float = 30, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _dcmtk_tool(name: str) -> str:
    """DCMTK's own binary: pynetdicom installs Python apps of the same names."""
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(directory) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            version = subprocess.run([str(candidate), "--version"], capture_output=True, text=True)
            if "dcmtk" in (version.stdout + version.stderr).lower():
                return str(candidate)
    pytest.fail(f"DCMTK {name} not found: apt-get install dcmtk")


@pytest.fixture(scope="session")
def dcmtk() -> Callable[[str], str]:
    return _dcmtk_tool


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: run .ci/run or install the Debian packages it lists")
    return path


@dataclass
class NodeProcess:
    """``advisor serve`` running in a subprocess, as a PACS administrator would run it."""

    data_dir: Path
    port: int
    ae_title: str = "ADVISOR"
    args: list[str] = field(default_factory=list)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    def start(self) -> NodeProcess:
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}-node.log"
        command = [sys.executable, "-m", "advisor.cli", "serve", "--port", str(self.port),
                   "--ae-title", self.ae_title, "--data-dir", str(self.data_dir),
                   "--protocols", str(PROTOCOLS), *self.args]
        log = self.log_path.open("a")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        wait_for(self._listening, timeout=30, what=f"advisor listening on {self.port}")
        return self

    def _listening(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"advisor exited early:\n{self.log()}")
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path and self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as in a crash."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def address(self) -> str:
        return f"{self.ae_title}@127.0.0.1:{self.port}"


@pytest.fixture
def start_node(tmp_path: Path) -> Iterator[Callable[..., NodeProcess]]:
    """Factory: ``start_node("--quiet-seconds", "1", data_dir=...)`` starts a node."""
    started: list[NodeProcess] = []

    def start(*args: str, data_dir: Path | None = None, port: int | None = None) -> NodeProcess:
        node = NodeProcess(data_dir=data_dir or tmp_path / "node", port=port or free_port(),
                           args=list(args))
        started.append(node)
        return node.start()

    yield start
    for node in started:
        node.stop()


def copy_without(folder: Path, out: Path, keywords: Iterable[str]) -> Path:
    """The DICOM files of ``folder`` saved into ``out`` without the attributes ``keywords``."""
    out.mkdir()
    for path in folder.glob("*.dcm"):
        ds = dcmread(path)
        for keyword in keywords:
            if keyword in ds:
                delattr(ds, keyword)
        ds.save_as(out / path.name)
    return out


def sample_study(name: str) -> Path:
    return SAMPLES / name


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, **kwargs)


@dataclass(frozen=True)
class Validation:
    dciodvfy: str
    dsrdump: str
    pixelmed: str

    @staticmethod
    def errors(output: str) -> list[str]:
        return [line for line in output.splitlines() if line.lstrip().lower().startswith("error")]


def validate_sr(path: Path) -> Validation:
    """Run the three validators of SR-NOTES.md on ``path`` (they all exit 0: read the output)."""
    dciodvfy = run([require_tool("dciodvfy"), str(path)])
    dsrdump = run([require_tool("dsrdump"), "-v", "+Pt", "+Pc", str(path)])
    assert dsrdump.returncode == 0, dsrdump.stderr
    jar = Path("/usr/share/java/pixelmed.jar")
    if not jar.exists():
        pytest.fail("pixelmed.jar not found: apt-get install libpixelmed-java")
    pixelmed = run([require_tool("java"), "-Djdk.xml.xpathExprGrpLimit=0",
                    "-Djdk.xml.xpathExprOpLimit=0", "-Djdk.xml.xpathTotalOpLimit=0",
                    "-cp", str(jar), "com.pixelmed.validate.DicomSRValidator", str(path)])
    return Validation(dciodvfy.stdout + dciodvfy.stderr, dsrdump.stdout + dsrdump.stderr,
                      pixelmed.stdout + pixelmed.stderr)


def require_isolated_network() -> None:
    """Fail unless loopback is the only interface (scripts/run_tests.sh sees to that).

    Needed before starting a peer that listens on every interface (DCMTK
    storescp, Orthanc 1.10): in a private namespace that is loopback only.
    """
    interfaces = {name for _, name in socket.if_nameindex()}
    if interfaces != {"lo"}:
        pytest.fail("this test starts a peer that cannot bind to 127.0.0.1 only; run the suite "
                    "with `bash scripts/run_tests.sh`, which gives it a loopback-only network "
                    f"namespace (interfaces here: {sorted(interfaces)})")


@pytest.fixture
def start_storescp(tmp_path: Path, dcmtk) -> Iterator[Callable[..., tuple[subprocess.Popen, Path]]]:
    """Factory: DCMTK storescp as a destination PACS on a given port, files in a folder."""
    require_isolated_network()
    started: list[subprocess.Popen] = []

    def start(port: int, ae_title: str = "PACS") -> tuple[subprocess.Popen, Path]:
        folder = tmp_path / f"storescp-{port}-{len(started)}"
        folder.mkdir()
        process = subprocess.Popen([dcmtk("storescp"), "-aet", ae_title, "-od", str(folder),
                                    "-uf", str(port)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        started.append(process)

        def listening() -> bool:
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", port)) == 0
        wait_for(listening, what=f"storescp on {port}")
        return process, folder

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)
