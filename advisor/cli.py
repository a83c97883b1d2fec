"""Command line: ``advisor serve | analyze | replay | echo | show | status | demo``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import signal
import sys
import time
from pathlib import Path

from pydicom import dcmread
from pydicom.errors import InvalidDicomError
from pynetdicom import AE
from pynetdicom.sop_class import Verification
from tqdm import tqdm

from advisor import __version__
from advisor.analyze import analyze_study, dicom_files, group_by_study
from advisor.config import ConfigError, Destination, Settings, load_settings
from advisor.decide import decide
from advisor.node.dispatch import send_files
from advisor.node.journal import Journal
from advisor.model import contract_json
from advisor.node.server import Node
from advisor.protocols import ProtocolError, load_protocols
from advisor.output.show import render_sr

log = logging.getLogger("advisor")
SAMPLES = Path("dicom_samples")


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for library in ("pynetdicom", "highdicom"):
        logging.getLogger(library).setLevel(logging.DEBUG if verbose else logging.WARNING)


# --- analyze ---------------------------------------------------------------

def analyze_paths(paths: list[Path], protocols_dir: Path | None) -> tuple[list[dict], list[str]]:
    """The JSON contract's study records for every study found under ``paths``."""
    protocols = load_protocols(protocols_dir)
    studies, problems = group_by_study(paths)
    records = []
    for study_uid, items in studies.items():
        facts = analyze_study(study_uid, items)
        records.append(contract_json(facts, decide(facts, protocols)))
    return records, problems


def _print_summary(records: list[dict]) -> None:
    for record in records:
        calcification = record["calcification"]
        print(f"Study {record['study_instance_uid']}")
        print(f"  outcome:        {record['outcome']}"
              + (f" ({record['protocol_id']})" if record["protocol_id"] else ""))
        print(f"  laterality:     {record['laterality']}")
        age = record["patient_age_years"]
        print(f"  age:            {'unknown' if age is None else f'{age:g} years'}")
        print(f"  mass:           {'present' if record['mass']['present'] else 'not found'}"
              + (f" ({', '.join(record['mass']['sources'])})" if record["mass"]["sources"] else ""))
        print(f"  calcification:  {'present' if calcification['present'] else 'not found'}"
              f" (source: {calcification['source']})")
        print(f"  foci:           {len(record['foci'])}")
        for reason in record["reasons"]:
            print(f"    - {reason}")
        print()


def cmd_analyze(args: argparse.Namespace) -> int:
    records, problems = analyze_paths(args.paths, args.protocols)
    for problem in problems:
        print(problem, file=sys.stderr)
    if args.json:
        json.dump({"studies": records}, sys.stdout, indent=2)
        print()
    else:
        _print_summary(records)
    return 0 if records else 1


# --- network commands -----------------------------------------------------

def cmd_echo(args: argparse.Namespace) -> int:
    ae = AE(ae_title=args.calling_ae)
    ae.add_requested_context(Verification)
    assoc = ae.associate(args.destination.host, args.destination.port,
                         ae_title=args.destination.ae_title)
    if not assoc.is_established:
        print(f"C-ECHO {args.destination}: association failed", file=sys.stderr)
        return 1
    status = assoc.send_c_echo()
    assoc.release()
    ok = "Status" in status and status.Status == 0
    print(f"C-ECHO {args.destination}: {'success' if ok else 'failed'}")
    return 0 if ok else 1


def replay(folder: list[Path], destination: Destination, calling_ae: str) -> tuple[int, int]:
    """Send every file under ``folder``; returns (stored, not stored)."""
    files = list(dicom_files(folder))
    with tqdm(total=len(files), unit="file", desc=f"to {destination}", file=sys.stderr) as bar:
        def show(result) -> None:
            bar.update(1)
            if not result.stored:
                tqdm.write(f"{result.path}: {result.message}", file=sys.stderr)
        results = send_files(destination, files, calling_ae=calling_ae, on_result=show)
    stored = sum(r.stored for r in results)
    return stored, len(results) - stored


def cmd_replay(args: argparse.Namespace) -> int:
    stored, failed = replay(args.paths, args.to, args.calling_ae)
    print(f"{stored} stored, {failed} not stored")
    return 0 if failed == 0 else 1


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config, ae_title=args.ae_title, host=args.host, port=args.port,
                         destinations=args.destination, data_dir=args.data_dir,
                         quiet_seconds=args.quiet_seconds, protocols_dir=args.protocols,
                         key_image=args.key_image, http_port=args.http_port,
                         http_host=args.http_host,
                         show_patient_names=args.show_patient_names or None)


def cmd_serve(args: argparse.Namespace) -> int:
    node = Node(_settings(args))
    signal.signal(signal.SIGTERM, lambda *_: node.stop())
    signal.signal(signal.SIGINT, lambda *_: node.stop())
    node.start()
    node.wait()
    return 0


def print_status(journal: Journal) -> None:
    for study in journal.studies():
        print(f"Study {study.study_instance_uid}: {study.received_count} received, "
              f"outcome {study.outcome or ('error: ' + study.error if study.error else 'pending')}"
              + (f", protocol {study.protocol_id}" if study.protocol_id else "")
              + (f", laterality {study.laterality}" if study.laterality else ""))
        for result in journal.results_for_study(study.study_instance_uid, kind=None):
            print(f"  {result.kind} {result.sop_instance_uid} (revision {result.revision}) in {result.path}")
        for uid, destination, status, attempts, error in journal.deliveries_for_study(
                study.study_instance_uid):
            print(f"  SR {uid} -> {destination}: {status} after {attempts} attempt(s)"
                  + (f" ({error})" if error and status != "delivered" else ""))


def cmd_show(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.files:
        try:
            print(render_sr(dcmread(path)))
        except (InvalidDicomError, OSError, ValueError, AttributeError) as exc:
            print(f"{path}: cannot show: {exc}", file=sys.stderr)
            failed += 1
        print()
    return 1 if failed else 0


def cmd_status(args: argparse.Namespace) -> int:
    settings = load_settings(args.config, data_dir=args.data_dir)
    if not settings.journal_path.exists():
        print(f"no journal at {settings.journal_path}", file=sys.stderr)
        return 1
    journal = Journal(settings.journal_path)
    print_status(journal)
    journal.close()
    return 0


def _wait_until_analyzed(journal: Journal, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        studies = journal.studies()
        if studies and all(s.analyzed_count >= s.received_count for s in studies):
            return True
        time.sleep(0.2)
    return False


def cmd_demo(args: argparse.Namespace) -> int:
    """Start a node, replay the samples into it, show what became of each study."""
    run = args.data_dir / dt.datetime.now().strftime("run-%Y%m%d-%H%M%S")
    settings = load_settings(args.config, data_dir=run, port=0, quiet_seconds=1.0,
                             protocols_dir=args.protocols,
                             destinations=args.destination or None)
    node = Node(settings)
    port = node.start()
    try:
        stored, failed = replay([args.samples], Destination(settings.ae_title, "127.0.0.1", port),
                                "DEMO")
        print(f"replayed {args.samples}: {stored} stored, {failed} not stored")
        done = _wait_until_analyzed(node.journal, timeout=120)
        time.sleep(1.0 if settings.destinations else 0)  # let the dispatcher try once
        print()
        print_status(node.journal)
        if not done:
            print("some studies were not analysed in time", file=sys.stderr)
            return 1
    finally:
        node.stop()
    print(f"\nData, journal and outbox of this run: {run}")
    return 0 if failed == 0 else 1


# --- parser ---------------------------------------------------------------

def _node_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML file with the same settings (flags win)")
    parser.add_argument("--ae-title", help="this node's AE title (default ADVISOR)")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 11112)")
    parser.add_argument("--destination", action="append", type=Destination.parse,
                        metavar="AE@HOST:PORT", help="where results are sent (repeatable)")
    parser.add_argument("--data-dir", type=Path, help="spool, journal and outbox (default advisor-data)")
    parser.add_argument("--quiet-seconds", type=float,
                        help="a study is processed after this long without new instances (default 5)")
    parser.add_argument("--protocols", type=Path, help="protocol folder (default: the shipped protocols)")
    parser.add_argument("--key-image", action=argparse.BooleanOptionalAction, default=None,
                        help="send a key image (Secondary Capture) with each SR (default on)")
    parser.add_argument("--http-port", type=int, help="serve the worklist page on this port")
    parser.add_argument("--http-host", help="address of the worklist page (default 127.0.0.1)")
    parser.add_argument("--show-patient-names", action="store_true",
                        help="show patient names on the worklist page (default: not shown)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="advisor", description=(
        "DICOM imaging-protocol advisor for pediatric abdominal ultrasound "
        "(decision support; a radiologist confirms every recommendation)."))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the DICOM node")
    _node_options(serve)
    serve.set_defaults(func=cmd_serve)

    analyze = commands.add_parser("analyze", help="analyse files or folders offline")
    analyze.add_argument("paths", nargs="+", type=Path)
    analyze.add_argument("--json", action="store_true", help="the JSON contract of DESIGN.md")
    analyze.add_argument("--protocols", type=Path, help="protocol folder (default: the shipped protocols)")
    analyze.set_defaults(func=cmd_analyze)

    for name, helptext in (("replay", "send files or folders to a DICOM node"),
                           ("echo", "C-ECHO a DICOM node")):
        sub = commands.add_parser(name, help=helptext)
        sub.add_argument("--calling-ae", default="ADVISOR-SCU")
        if name == "replay":
            sub.add_argument("paths", nargs="+", type=Path)
            sub.add_argument("--to", required=True, type=Destination.parse, metavar="AE@HOST:PORT")
        else:
            sub.add_argument("destination", type=Destination.parse, metavar="AE@HOST:PORT")
        sub.set_defaults(func=cmd_replay if name == "replay" else cmd_echo)

    show = commands.add_parser("show", help="print any SR (the advisor's or a findings SR) as text")
    show.add_argument("files", nargs="+", type=Path)
    show.set_defaults(func=cmd_show)

    status = commands.add_parser("status", help="studies, results and deliveries in a data folder")
    status.add_argument("--config", type=Path)
    status.add_argument("--data-dir", type=Path)
    status.set_defaults(func=cmd_status)

    demo = commands.add_parser("demo", help="run a node on the bundled samples and show the results")
    demo.add_argument("--samples", type=Path, default=SAMPLES)
    demo.add_argument("--data-dir", type=Path, default=Path("advisor-demo"))
    demo.add_argument("--protocols", type=Path)
    demo.add_argument("--config", type=Path)
    demo.add_argument("--destination", action="append", type=Destination.parse, metavar="AE@HOST:PORT")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    try:
        return args.func(args)
    except (ConfigError, ProtocolError) as exc:
        print(f"advisor: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
