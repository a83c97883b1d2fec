#!/usr/bin/env python3
"""Benchmark result latency: a study's last C-STORE response to its SR at a destination.

    python scripts/bench_latency.py [--studies 20] [--images 10] [--quiet 2]

``advisor serve`` runs with a pynetdicom Storage SCP (in this script) as its
destination. Each study (``--images`` 480 x 640 MONOCHROME2 images of a child's
abdomen with a calcific focus, so that an SR is written) is sent with C-STORE;
the script notes when the last C-STORE response came back and when the SR
arrived at the destination, and prints the difference minus the quiet window
(median and max over ``--studies`` studies, sent one after the other once the
previous SR has arrived). That is the node's own delay: polling, analysis (the
detector on every frame), writing the SR and key image, and the C-STORE back.

Runs in a private network namespace with only loopback, like bench_ingest.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from pydicom import dcmread
from pynetdicom import AE, AllStoragePresentationContexts, evt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ingest import isolated, make_study, reexec_isolated, start_node, stop  # noqa: E402

from advisor.config import Destination  # noqa: E402
from advisor.node.dispatch import send_files  # noqa: E402


class ResultSCP:
    """A Storage SCP noting when each study's SR arrives."""

    def __init__(self) -> None:
        self.sr_arrival: dict[str, float] = {}
        self.arrived = threading.Condition()
        ae = AE(ae_title="PACS")
        ae.supported_contexts = AllStoragePresentationContexts
        self.server = ae.start_server(("127.0.0.1", 0), block=False,
                                      evt_handlers=[(evt.EVT_C_STORE, self.handle_store)])
        self.port = self.server.server_address[1]

    def handle_store(self, event: evt.Event) -> int:
        ds = event.dataset
        if ds.Modality == "SR":
            with self.arrived:
                self.sr_arrival.setdefault(str(ds.StudyInstanceUID), time.monotonic())
                self.arrived.notify_all()
        return 0x0000

    def wait_sr(self, study_uid: str, timeout: float) -> float | None:
        with self.arrived:
            self.arrived.wait_for(lambda: study_uid in self.sr_arrival, timeout)
            return self.sr_arrival.get(study_uid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=20)
    parser.add_argument("--images", type=int, default=10)
    parser.add_argument("--quiet", type=float, default=2.0, help="the node's quiet window (default 2 s)")
    parser.add_argument("--analysis-processes", type=int, help="passed to advisor serve")
    args = parser.parse_args()
    if not isolated():
        reexec_isolated()
    pacs = ResultSCP()
    with tempfile.TemporaryDirectory() as tmp:
        folders = [make_study(Path(tmp) / f"study-{n}", "mono", 1000 + n, args.images)
                   for n in range(args.studies)]
        node, port = start_node(Path(tmp) / "node", args.quiet, args.analysis_processes,
                                "--destination", f"PACS@127.0.0.1:{pacs.port}")
        print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start")
        beyond: list[float] = []
        try:
            for folder in folders:
                last_response = [0.0]
                results = send_files(Destination("ADVISOR", "127.0.0.1", port), sorted(folder.iterdir()),
                                     calling_ae="BENCH",
                                     on_result=lambda _: last_response.__setitem__(0, time.monotonic()))
                assert all(r.stored for r in results), [r.message for r in results if not r.stored]
                study = str(dcmread(next(folder.iterdir()), stop_before_pixels=True).StudyInstanceUID)
                arrived = pacs.wait_sr(study, timeout=120)
                if arrived is None:
                    sys.exit(f"no SR for study {study} within 120 s")
                beyond.append(arrived - last_response[0] - args.quiet)
                print(f"  study {len(beyond):2d}: SR {beyond[-1]:.2f} s after the quiet window")
        finally:
            stop(node)
            pacs.server.shutdown()
    print(f"{args.studies} studies of {args.images} images, quiet window {args.quiet} s: beyond it, "
          f"median {statistics.median(beyond):.2f} s, max {max(beyond):.2f} s")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
