#!/usr/bin/env python3
"""Benchmark receiving: the advisor's C-STORE SCP against DCMTK's storescp.

    python scripts/bench_receive.py [--files 200]

DCMTK's storescu sends the same folder of US images (480 x 640, about 300 kB
each) to DCMTK's storescp and then to ``advisor serve``, both on loopback with
TCP_NODELAY=1 (see SR-NOTES.md), and the script prints seconds, MB/s and the
ratio advisor/storescp. The advisor writes each file durably (fsync) and
commits a journal row before answering, which storescp does not; analysis
starts only after the quiet window, so it does not overlap the transfer.

storescp listens on every interface, so the script runs itself in a private
network namespace with only loopback (unshare, as root or with user namespaces).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pydicom import Dataset

sys.path.insert(0, str(Path(__file__).resolve().parent))
import usphantom as us  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def isolated() -> bool:
    return {name for _, name in socket.if_nameindex()} == {"lo"}


def reexec_isolated() -> None:
    unshare = ["unshare", "--net"] if os.geteuid() == 0 else ["unshare", "--net", "--map-root-user"]
    command = " ".join(map(sh_quote, [sys.executable, *sys.argv]))
    os.execvp(unshare[0], [*unshare, "bash", "-c", f"ip link set lo up && exec {command}"])


def sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def dcmtk(name: str) -> str:
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(directory) / name
        if candidate.is_file():
            version = subprocess.run([str(candidate), "--version"], capture_output=True, text=True)
            if "dcmtk" in (version.stdout + version.stderr).lower():
                return str(candidate)
    sys.exit(f"DCMTK {name} not found (apt-get install dcmtk)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int) -> None:
    for _ in range(300):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    sys.exit(f"nothing listens on {port}")


def make_files(folder: Path, count: int) -> int:
    sector = us.Sector(320, -60, 34, 90, 560, 0.25)
    scene = us.Scene((480, 640), sector, (330, 260), 90, foci=(us.Focus(330, 250, 4.0),))
    frames = [us.bmode_frame(scene, seed) for seed in range(4)]
    study = Dataset()
    study.PatientName, study.PatientID, study.PatientAge = "BENCH^RECEIVE", "BENCH", "004Y"
    study.StudyInstanceUID = us.uid("bench-receive", count)
    study.StudyDate, study.StudyTime, study.BodyPartExamined = "20260115", "100000", "ABDOMEN"
    total = 0
    for i in range(count):
        ds = us.us_image(study, us.uid("bench-receive-series", count), us.uid("bench-receive", count, i),
                         i + 1, [frames[i % len(frames)]], sector, "mono")
        path = folder / f"{i:05d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        total += path.stat().st_size
    return total


def send(folder: Path, ae_title: str, port: int) -> float:
    env = dict(os.environ, TCP_NODELAY="1")
    start = time.perf_counter()
    subprocess.run([dcmtk("storescu"), "-aec", ae_title, "127.0.0.1", str(port), "+sd", str(folder)],
                   check=True, env=env, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    args = parser.parse_args()
    if not isolated():
        reexec_isolated()
    env = dict(os.environ, TCP_NODELAY="1")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        files = tmp_path / "files"
        files.mkdir()
        size_mb = make_files(files, args.files) / 2**20
        results = {}
        for name in ("storescp", "advisor"):
            port = free_port()
            if name == "storescp":
                out = tmp_path / "storescp-out"
                out.mkdir()
                server = subprocess.Popen([dcmtk("storescp"), "-od", str(out), str(port)], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            else:
                server = subprocess.Popen([sys.executable, "-m", "advisor.cli", "serve", "--port", str(port),
                                           "--data-dir", str(tmp_path / "advisor"), "--quiet-seconds", "600",
                                           "--protocols", str(ROOT / "protocols")], env=env, cwd=ROOT,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_listening(port)
                results[name] = send(files, "ADVISOR" if name == "advisor" else "STORESCP", port)
            finally:
                server.terminate()
                server.wait(timeout=30)
            stored_in = tmp_path / ("storescp-out" if name == "storescp" else "advisor/spool")
            received = sum(1 for p in stored_in.rglob("*") if p.is_file())
            print(f"{name:9s} {args.files} files, {size_mb:.0f} MB: {results[name]:.2f} s, "
                  f"{size_mb / results[name]:.0f} MB/s, {received} files stored")
        print(f"ratio advisor/storescp: {results['advisor'] / results['storescp']:.2f} "
              "(the advisor also fsyncs every file and commits a journal row before answering)")


if __name__ == "__main__":
    main()
