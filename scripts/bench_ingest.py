#!/usr/bin/env python3
"""Benchmark ingest: the advisor's C-STORE SCP against DCMTK's storescp.

    python scripts/bench_ingest.py [--images 100] [--rounds 3] [--backlog 6] [--kinds mono,rgb]
    python scripts/bench_ingest.py --parallel 4     # four associations at once
    python scripts/bench_ingest.py --memory 190     # peak memory for one 190 MiB instance
    python scripts/bench_ingest.py --bare-pynetdicom  # and the ceiling: pynetdicom doing nothing

DCMTK's storescu sends the same folder of US images to DCMTK's storescp and to
``advisor serve``, alternating, both on loopback with TCP_NODELAY=1 (see
SR-NOTES.md, "Peer quirks"). Each round is a new study of ``--images`` images,
480 x 640 MONOCHROME2 (``mono``) or 600 x 800 RGB (``rgb``). Two phases:

- idle: before each round the node has analysed everything it holds;
- analysing: the node is first given ``--backlog`` studies, so that its workers
  analyse while the rounds run (and each round's study joins the backlog); the
  script prints how many studies were still waiting after the last round, which
  shows whether analysis really overlapped every round.

With ``--bare-pynetdicom`` a third receiver joins each round: a pynetdicom SCP
with the node's presentation contexts, maximum PDU size and DUL idle sleep
(``--bare-dul-sleep``) whose C-STORE handler answers Success and does nothing
else. It is the ceiling for any node built on pynetdicom: what its association
reactors cost before any work. The script also prints how much CPU the node's
receiving process used while it received (is it short of a core, or waiting?).

It prints images/s for each and the ratio advisor/storescp. What the ratio
leaves out: storescp writes each file without fsync, keeps no journal and
analyses nothing; the advisor fsyncs the file and its folder and commits a
journal row before each Success, and in the second phase analyses at the same
time (in the first too, a little: its workers search the images of the study
arriving while its quiet window runs). All share the machine with storescu.

``--memory N`` sends one N MiB multi-frame instance and prints the peak
resident memory (VmHWM) of the node's receiving process before and after, and
that of its worker processes.

storescp listens on every interface, so the script runs itself in a private
network namespace with only loopback (unshare, as root or with user namespaces).
"""

from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydicom import Dataset

sys.path.insert(0, str(Path(__file__).resolve().parent))
import usphantom as us  # noqa: E402

from advisor.node.listener import DUL_IDLE_SLEEP_SECONDS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
KINDS = {"mono": ((480, 640), "mono"), "rgb": ((600, 800), "rgb")}
ENV = dict(os.environ, TCP_NODELAY="1")


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
    for _ in range(600):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    sys.exit(f"nothing listens on {port}")


def make_study(folder: Path, kind: str, study_number: int, images: int, frames_per_image: int = 1) -> Path:
    """A study of ``images`` US images (4 distinct B-mode frames, repeated) in ``folder``."""
    shape, encoding = KINDS[kind]
    rows, cols = shape
    sector = us.Sector(cols / 2, -rows / 8, 34, rows / 5, rows * 0.95, 0.25)
    scene = us.Scene(shape, sector, (cols / 2, rows / 2), rows / 6, foci=(us.Focus(cols / 2, rows / 2, 4.0),))
    frames = [us.bmode_frame(scene, seed) for seed in range(4)]
    study = Dataset()
    study.PatientName, study.PatientID, study.PatientAge = "BENCH^INGEST", "BENCH", "004Y"
    study.PatientBirthDate, study.PatientSex = "20220115", "F"
    study.StudyID, study.AccessionNumber, study.ReferringPhysicianName = "1", "", ""
    study.StudyInstanceUID = us.uid("bench-ingest", kind, study_number)
    study.StudyDate, study.StudyTime, study.BodyPartExamined = "20260115", "100000", "ABDOMEN"
    folder.mkdir(parents=True)
    for i in range(images):
        clip = [frames[(i + f) % len(frames)] for f in range(frames_per_image)]
        ds = us.us_image(study, us.uid("bench-ingest-series", kind, study_number),
                         us.uid("bench-ingest", kind, study_number, i), i + 1, clip, sector, encoding)
        ds.save_as(folder / f"{i:05d}.dcm", enforce_file_format=True)
    return folder


def send(folder: Path, ae_title: str, port: int) -> float:
    start = time.perf_counter()
    subprocess.run([dcmtk("storescu"), "-aec", ae_title, "127.0.0.1", str(port), "+sd", str(folder)],
                   check=True, env=ENV, capture_output=True)
    return time.perf_counter() - start


def send_parallel(folders: list[Path], ae_title: str, port: int) -> float:
    """Send each folder over its own association, all at once; the wall time."""
    start = time.perf_counter()
    with ThreadPoolExecutor(len(folders)) as pool:
        list(pool.map(lambda folder: send(folder, ae_title, port), folders))
    return time.perf_counter() - start


def start_storescp(out: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    out.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen([dcmtk("storescp"), "-od", str(out), str(port)], env=ENV,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listening(port)
    return server, port


def start_node(data_dir: Path, quiet: float, processes: int | None,
               *options: str) -> tuple[subprocess.Popen, int]:
    """``advisor serve``, once its workers are ready (it logs "listening on" then)."""
    port = free_port()
    command = [sys.executable, "-m", "advisor", "serve", "--port", str(port), "--data-dir", str(data_dir),
               "--quiet-seconds", str(quiet), *options]
    if processes is not None:
        command += ["--analysis-processes", str(processes)]
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir.parent / f"{data_dir.name}.log"
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=ENV, cwd=ROOT, stdout=out, stderr=out)
    for _ in range(1200):
        if b" listening on " in log.read_bytes():
            return server, port
        if server.poll() is not None:
            sys.exit(f"advisor serve stopped: see {log}")
        time.sleep(0.1)
    sys.exit(f"advisor serve not ready after 120 s: see {log}")


def serve_bare(port: int, dul_sleep: float) -> None:
    """A pynetdicom C-STORE SCP that acknowledges and discards (``--serve-bare``)."""
    from pynetdicom import AE, evt
    from advisor.config import Settings

    def tune(event: evt.Event) -> None:
        event.assoc.dul._run_loop_delay = dul_sleep

    ae = AE(ae_title="BARE")
    ae.maximum_pdu_size = Settings().max_pdu_size
    ae.require_called_aet = False
    ae.supported_contexts = node_ae_contexts()
    ae.start_server(("127.0.0.1", port), evt_handlers=[(evt.EVT_C_STORE, lambda event: 0x0000),
                                                       (evt.EVT_CONN_OPEN, tune)])


def node_ae_contexts() -> list:
    """The presentation contexts the node accepts."""
    from pynetdicom import AE
    from pynetdicom import sop_class as sc
    from advisor.node.receive import STORAGE_SOP_CLASSES, TRANSFER_SYNTAXES

    ae = AE()
    ae.add_supported_context(sc.Verification)
    for sop_class in STORAGE_SOP_CLASSES:
        ae.add_supported_context(sop_class, list(TRANSFER_SYNTAXES))
    return ae.supported_contexts


def start_bare(dul_sleep: float) -> tuple[subprocess.Popen, int]:
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve-bare", str(port),
                               "--bare-dul-sleep", str(dul_sleep)], env=ENV, cwd=ROOT)
    wait_listening(port)
    return server, port


def waiting_studies(data_dir: Path) -> int:
    """Studies the node holds that it has not analysed yet."""
    with sqlite3.connect(f"file:{data_dir / 'journal.sqlite3'}?mode=ro", uri=True, timeout=30) as db:
        return db.execute("SELECT COUNT(*) FROM studies WHERE received_count > analyzed_count").fetchone()[0]


def wait_idle(data_dir: Path) -> None:
    while waiting_studies(data_dir):
        time.sleep(0.2)


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (proc(5): fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=60)


def rate(images: int, seconds: list[float]) -> str:
    per_second = [images / s for s in seconds]
    return f"{statistics.median(per_second):6.1f} images/s (rounds: {', '.join(f'{r:.0f}' for r in per_second)})"


def bench_kind(tmp: Path, kind: str, args: argparse.Namespace) -> None:
    storescp, storescp_port = start_storescp(tmp / kind / "storescp-out")
    receivers = [("storescp", "STORESCP", storescp_port)]
    servers = [storescp]
    if args.bare_pynetdicom:
        bare, bare_port = start_bare(args.bare_dul_sleep)
        servers.append(bare)
        receivers.append(("pynetdicom", "BARE", bare_port))
    data_dir = tmp / kind / "node"
    node, node_port = start_node(data_dir, args.quiet, args.analysis_processes,
                                 *(["--analysis-threads", str(args.analysis_threads)] if args.analysis_threads else []))
    servers.append(node)
    receivers.append(("advisor", "ADVISOR", node_port))
    study_number = iter(range(10_000))
    try:
        times: dict[tuple[str, str], list[float]] = {}
        busy: dict[str, list[float]] = {}  # CPU seconds of the receiving process per second
        for phase in ("idle", "analysing"):
            if phase == "analysing":
                for _ in range(args.backlog):
                    number = next(study_number)
                    send(make_study(tmp / kind / f"study-{number}", kind, number, args.images),
                         "ADVISOR", node_port)
            for round_number in range(args.rounds):
                folders = []
                for _ in range(args.parallel):
                    number = next(study_number)
                    folders.append(make_study(tmp / kind / f"study-{number}", kind, number, args.images))
                if phase == "idle":
                    wait_idle(data_dir)
                # alternate the order, so that no receiver always follows the same one
                for name, ae_title, port in receivers[::-1 if round_number % 2 else 1]:
                    cpu = cpu_seconds(node.pid)
                    times.setdefault((phase, name), []).append(send_parallel(folders, ae_title, port))
                    if name == "advisor":
                        used = cpu_seconds(node.pid) - cpu
                        busy.setdefault(phase, []).append(used / times[phase, name][-1])
            if phase == "analysing":
                waiting = waiting_studies(data_dir)
        rss = peak_rss_mib(node.pid)
        worker_rss = [peak_rss_mib(pid) for pid in children(node.pid)]
    finally:
        for server in servers:
            stop(server)
    shape = "x".join(map(str, KINDS[kind][0]))
    images = args.images * args.parallel
    print(f"\n{kind} ({shape}, {images} images a round over {args.parallel} association(s), "
          f"{args.rounds} rounds)")
    for phase in ("idle", "analysing"):
        for name, _, _ in receivers:
            print(f"  {phase:9s} {name:10s} {rate(images, times[phase, name])}")
        for name, _, _ in receivers[1:]:
            ratio = statistics.median(times[phase, "storescp"]) / statistics.median(times[phase, name])
            idle_ratio = (statistics.median(times["idle", "storescp"])
                          / statistics.median(times[phase, name]))
            print(f"  {phase:9s} ratio {name}/storescp {ratio:.2f} (same phase), "
                  f"{idle_ratio:.2f} (storescp idle)")
        if args.bare_pynetdicom:
            ratio = statistics.median(times[phase, "pynetdicom"]) / statistics.median(times[phase, "advisor"])
            print(f"  {phase:9s} ratio advisor/pynetdicom {ratio:.2f}")
        print(f"  {phase:9s} the node's receiving process used {statistics.median(busy[phase]):.2f} "
              "cores while it received (1.00: one core, all the time)")
    print(f"  studies still waiting for analysis after the last round: {waiting} "
          f"(0 means analysis did not overlap every round)")
    print(f"  node receiving process peak RSS: {rss:.0f} MiB; its child processes (workers, "
          f"multiprocessing's resource tracker): {', '.join(f'{r:.0f}' for r in worker_rss)} MiB")


def bench_memory(tmp: Path, mib: int, args: argparse.Namespace) -> None:
    shape, _ = KINDS["mono"]
    frames = max(1, round(mib * 2**20 / (shape[0] * shape[1])))
    folder = make_study(tmp / "large", "mono", 99_999, 1, frames_per_image=frames)
    size = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
    data_dir = tmp / "large-node"
    node, port = start_node(data_dir, args.quiet, args.analysis_processes)
    try:
        time.sleep(3)  # workers started and idle
        before = peak_rss_mib(node.pid)
        seconds = send(folder, "ADVISOR", port)
        after = peak_rss_mib(node.pid)
        spooled = sum(p.stat().st_size for p in (data_dir / "spool").rglob("*.dcm")) / 2**20
        wait_idle(data_dir)
        workers = {pid: peak_rss_mib(pid) for pid in children(node.pid)}
    finally:
        stop(node)
    print(f"one {size:.0f} MiB instance ({frames} frames 480x640) sent in {seconds:.1f} s; "
          f"{spooled:.0f} MiB in the node's spool")
    print(f"node receiving process peak RSS: {before:.0f} MiB before, {after:.0f} MiB after "
          f"(+{after - before:.0f} MiB, {(after - before) / size:.2f} x the instance)")
    print("peak RSS of the node's child processes (workers, multiprocessing's resource tracker) "
          "after analysing it: " + ", ".join(f"{rss:.0f} MiB" for rss in workers.values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100, help="images a round (default 100)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per phase (default 3)")
    parser.add_argument("--parallel", type=int, default=1,
                        help="associations at once, each sending its own study (default 1)")
    parser.add_argument("--backlog", type=int, default=6, help="studies queued before the analysing phase")
    parser.add_argument("--kinds", default="mono,rgb", help="mono (480x640), rgb (600x800) or both")
    parser.add_argument("--quiet", type=float, default=1.0, help="the node's quiet window (default 1 s)")
    parser.add_argument("--analysis-processes", type=int, help="passed to advisor serve")
    parser.add_argument("--analysis-threads", type=int, choices=(1, 2), help="passed to advisor serve")
    parser.add_argument("--memory", type=int, metavar="MIB", help="measure memory for one instance this big")
    parser.add_argument("--bare-pynetdicom", action="store_true",
                        help="also time a pynetdicom SCP that does nothing (the ceiling)")
    parser.add_argument("--bare-dul-sleep", type=float, default=DUL_IDLE_SLEEP_SECONDS, metavar="S",
                        help="the pynetdicom SCP's DUL idle sleep (default the node's, "
                             f"{DUL_IDLE_SLEEP_SECONDS}; pynetdicom's own is 0.001)")
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare, args.bare_dul_sleep)
        return
    if not isolated():
        reexec_isolated()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start")
        if args.memory:
            bench_memory(Path(tmp), args.memory, args)
            return
        for kind in args.kinds.split(","):
            bench_kind(Path(tmp), kind, args)
        print("\nstorescp: no fsync, no journal, no analysis. advisor: fsync of file and folder and a "
              "journal commit (not synced: rebuilt from the spool after a power cut) before each "
              "Success; analysis in worker processes.")
        print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
