"""Command line: ``advisor serve | analyze | replay | echo | show | status | resend | demo``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import shlex
import signal
import sys
import time
from pathlib import Path

from pydicom import dcmread
from pydicom.errors import InvalidDicomError
from pynetdicom import AE
from pynetdicom.sop_class import Verification
from tqdm import tqdm

from advisor import __version__, logs
from advisor.analyze import analyze_study, dicom_files, group_by_study, keep_freed_heap
from advisor.config import ConfigError, Destination, Settings, load_settings
from advisor.decide import DETECTOR_ONLY, decide
from advisor.node import security
from advisor.node.dispatch import send_files
from advisor.node.journal import Journal, JournalVersionError
from advisor.model import contract_json
from advisor.node.server import Node
from advisor.evidence.text import TextRulesError, use_site_rules
from advisor.protocols import ProtocolError, load_protocols
from advisor.output.show import render_sr

log = logging.getLogger("advisor")
SAMPLES = Path("dicom_samples")


# --- analyze ---------------------------------------------------------------

ANALYSIS_THREADS_HELP = ("threads per analysis: 1, or 2 to read the burned-in text beside the detector "
                         "(default: 2 where there is a second core)")


def analyze_paths(paths: list[Path], protocols_dir: Path | None,
                  threads: int | None = None) -> tuple[list[dict], list[str]]:
    """The JSON contract's study records for every study found under ``paths`` (``threads``:
    of each analysis, see :func:`analyze_study`)."""
    protocols = load_protocols(protocols_dir)
    use_site_rules(protocols_dir)
    studies, problems = group_by_study(paths)
    records = []
    for study_uid, items in studies.items():
        facts = analyze_study(study_uid, items, threads=threads)
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
    records, problems = analyze_paths(args.paths, args.protocols, args.analysis_threads)
    for problem in problems:
        print(problem, file=sys.stderr)
    if args.json:
        json.dump({"studies": records}, sys.stdout, indent=2)
        print()
    else:
        _print_summary(records)
    return 0 if records else 1


# --- network commands -----------------------------------------------------

def _client_tls(args: argparse.Namespace, destination: Destination):
    """The TLS context for a destination written AE@HOST:PORT+tls, from --tls-* flags."""
    if not destination.tls:
        return None
    return security.client_context(load_settings(tls_cert=args.tls_cert, tls_key=args.tls_key,
                                                 tls_ca=args.tls_ca))


def cmd_echo(args: argparse.Namespace) -> int:
    ae = AE(ae_title=args.calling_ae)
    ae.add_requested_context(Verification)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = args.timeout
    tls = _client_tls(args, args.destination)
    assoc = ae.associate(args.destination.host, args.destination.port,
                         ae_title=args.destination.ae_title,
                         tls_args=(tls, args.destination.host) if tls else None)
    if not assoc.is_established:
        print(f"C-ECHO {args.destination}: association failed", file=sys.stderr)
        return 1
    status = assoc.send_c_echo()
    assoc.release()
    ok = "Status" in status and status.Status == 0
    print(f"C-ECHO {args.destination}: {'success' if ok else 'failed'}")
    return 0 if ok else 1


def replay(folder: list[Path], destination: Destination, calling_ae: str,
           timeout: float = 30, tls=None) -> tuple[int, int]:
    """Send every file under ``folder``; returns (stored, not stored)."""
    files = list(dicom_files(folder))
    with tqdm(total=len(files), unit="file", desc=f"to {destination}", file=sys.stderr) as bar:
        def show(result) -> None:
            bar.update(1)
            if not result.stored:
                tqdm.write(f"{result.path}: {result.message}", file=sys.stderr)
        results = send_files(destination, files, calling_ae=calling_ae, on_result=show,
                             timeout=timeout, tls=tls)
    stored = sum(r.stored for r in results)
    return stored, len(results) - stored


def cmd_replay(args: argparse.Namespace) -> int:
    stored, failed = replay(args.paths, args.to, args.calling_ae, args.timeout,
                            _client_tls(args, args.to))
    print(f"{stored} stored, {failed} not stored")
    return 0 if failed == 0 else 1


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config, ae_title=args.ae_title, host=args.host, port=args.port,
                         destinations=args.destination, data_dir=args.data_dir,
                         quiet_seconds=args.quiet_seconds, protocols_dir=args.protocols,
                         key_image=args.key_image, http_port=args.http_port,
                         http_host=args.http_host,
                         show_patient_names=args.show_patient_names or None,
                         tls_cert=args.tls_cert, tls_key=args.tls_key, tls_ca=args.tls_ca,
                         tls_require_client_cert=args.tls_require_client_cert or None,
                         allowed_calling_aes=args.allow_calling_ae,
                         allowed_peers=args.allow_peer,
                         analysis_processes=args.analysis_processes,
                         analysis_threads=args.analysis_threads)


class StartupError(RuntimeError):
    """The node cannot start (a port in use, say); the message says which and why."""


def start_node(settings: Settings) -> tuple[Node, int]:
    """A started node and its DICOM port; :class:`StartupError` if a port cannot be bound."""
    try:
        node = Node(settings)
    except OSError as exc:  # the worklist page binds its port when the node is built
        raise StartupError(f"cannot serve the worklist page on {settings.http_host}:"
                           f"{settings.http_port}: {exc.strerror or exc}") from exc
    try:
        return node, node.start()
    except OSError as exc:
        raise StartupError(f"cannot listen for DICOM on {settings.host}:{settings.port}: "
                           f"{exc.strerror or exc}") from exc


def cmd_serve(args: argparse.Namespace) -> int:
    node, _ = start_node(_settings(args))
    signal.signal(signal.SIGTERM, lambda *_: node.stop())
    signal.signal(signal.SIGINT, lambda *_: node.stop())
    node.wait()
    return 0


def study_state(study) -> str:
    """What became of a study, in words: its outcome, or why it has none yet."""
    if study.state == "failed":
        return f"failed after {study.attempts} attempt(s): {study.error}"
    if study.state == "retrying":
        return f"retrying after {study.attempts} failed attempt(s): {study.error}"
    return f"outcome {study.outcome or 'pending'}"


def print_status(journal: Journal) -> None:
    for study in journal.studies():
        print(f"Study {study.study_instance_uid}: {study.received_count} received, "
              f"{study_state(study)}"
              + (f", protocol {study.protocol_id}" if study.protocol_id else "")
              + (f", laterality {study.laterality}" if study.laterality else ""))
        results = journal.results_for_study(study.study_instance_uid, kind=None)
        kinds = {r.sop_instance_uid: r.kind for r in results}
        for result in results:
            print(f"  {result.kind} {result.sop_instance_uid} (revision {result.revision}) in {result.path}")
        for uid, destination, status, attempts, error in journal.deliveries_for_study(
                study.study_instance_uid):
            print(f"  {kinds.get(uid, 'result')} {uid} -> {destination}: {status} after {attempts} attempt(s)"
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


def _open_journal(args: argparse.Namespace) -> Journal | None:
    settings = load_settings(args.config, data_dir=args.data_dir)
    if not settings.journal_path.exists():
        print(f"no journal at {settings.journal_path}", file=sys.stderr)
        return None
    return Journal(settings.journal_path)


def cmd_status(args: argparse.Namespace) -> int:
    journal = _open_journal(args)
    if journal is None:
        return 1
    print_status(journal)
    journal.close()
    return 0


def cmd_resend(args: argparse.Namespace) -> int:
    settings = load_settings(args.config, data_dir=args.data_dir)
    if not settings.journal_path.exists():
        print(f"no journal at {settings.journal_path}", file=sys.stderr)
        return 1
    journal = Journal(settings.journal_path)
    try:
        count = journal.resend(args.study, str(args.destination) if args.destination else None)
    finally:
        journal.close()
    print(f"{count} undelivered result(s) pending again; a running node sends them now")
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    """Analyse studies again (a running node picks them up at its next poll)."""
    if not args.studies and not args.all_failed:
        print("advisor retry: name a STUDY_UID or give --all-failed", file=sys.stderr)
        return 2
    journal = _open_journal(args)
    if journal is None:
        return 1
    try:
        found = journal.retry(args.studies, all_failed=args.all_failed)
    finally:
        journal.close()
    for uid in found:
        print(f"Study {uid}: queued for analysis")
    unknown = [uid for uid in args.studies if uid not in found]
    for uid in unknown:
        print(f"Study {uid}: not in the journal", file=sys.stderr)
    if not found and args.all_failed:
        print("no failed studies")
    return 1 if unknown else 0


def _wait_until_analyzed(journal: Journal, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        studies = journal.studies()
        if studies and all(s.state == "failed" or s.analyzed_count >= s.received_count
                           for s in studies):
            return True
        time.sleep(0.2)
    return False


def short_uid(uid: str) -> str:
    """The end of a UID, enough to tell studies apart on one screen."""
    return uid if len(uid) <= 14 else "..." + uid[-11:]


def _suggestion(summary: dict, banners: dict[str, str]) -> str:
    if summary.get("protocol_id"):
        banner = banners.get(summary["protocol_id"], summary["protocol_id"])
        return f"{banner}; {DETECTOR_ONLY}" if summary.get("needs_confirmation") else banner
    if summary.get("outcome") == "not-indicated":
        return (f"No CT suggested: mass {summary['mass']['status']}, "
                f"calcification {summary['calcification']['status']}")
    return (summary.get("reasons") or ["-"])[0]


def demo_table(journal: Journal, banners: dict[str, str]) -> list[str]:
    """One line per study: short UID, outcome, side, which results were written, and what was
    suggested, whole (its cautions matter more than the width of a terminal)."""
    lines = [f"{'study':<15} {'outcome':<18} {'side':<8} {'results':<22} suggestion"]
    for study in journal.studies():
        summary = journal.study_summary(study.study_instance_uid) or {}
        outcome = study.outcome or ("error" if study.error else "pending")
        suggestion = _suggestion(summary, banners) if summary else (study.error or "-")
        results = journal.results_for_study(study.study_instance_uid, kind=None)
        written = " + ".join(sorted({r.kind for r in results}, reverse=True)) or "none"
        lines.append(f"{short_uid(study.study_instance_uid):<15} {outcome:<18} "
                     f"{study.laterality or '-':<8} {written:<22} {suggestion}")
    return lines


def _this_program() -> str:
    """The command as it was started (``.venv/bin/advisor``, ``python -m advisor``), so that
    the next commands printed can be pasted as they are."""
    if Path(sys.argv[0]).name == "__main__.py":
        return f"{shlex.quote(sys.executable)} -m advisor"
    return shlex.quote(sys.argv[0])


def cmd_demo(args: argparse.Namespace) -> int:
    """Start a node, replay the samples into it, show what became of each study."""
    if not args.samples.is_dir():
        print(f"advisor demo: no folder {args.samples}: run it from the repository root "
              "(the samples are not installed with the package) or give --samples DIR",
              file=sys.stderr)
        return 2
    run = args.data_dir / dt.datetime.now().strftime("run-%Y%m%d-%H%M%S")
    settings = load_settings(args.config, data_dir=run, port=0, quiet_seconds=1.0,
                             protocols_dir=args.protocols,
                             destinations=args.destination or None)
    node, port = start_node(settings)
    try:
        stored, failed = replay([args.samples], Destination(settings.ae_title, "127.0.0.1", port),
                                "DEMO")
        print(f"replayed {args.samples}: {stored} stored, {failed} not stored")
        done = _wait_until_analyzed(node.journal, timeout=120)
        time.sleep(1.0 if settings.destinations else 0)  # let the dispatcher try once
        print()
        banners = {p.id: p.data["banner"] for p in node.protocols.protocols}
        print("\n".join(demo_table(node.journal, banners)))
        if not done:
            print("some studies were not analysed in time", file=sys.stderr)
            return 1
    finally:
        node.stop()
    sent = (f"sending to {', '.join(map(str, settings.destinations))} (status shows each delivery)"
            if settings.destinations
            else "no destination configured (--destination AE@HOST:PORT), so nothing was sent")
    program = _this_program()
    print(f"\nResults (SR, KOS, key image) are in {settings.outbox_dir}; {sent}")
    print(f"Details of each study:  {program} status --data-dir {run}")
    print(f"Read an SR:             {program} show {settings.outbox_dir}/*/*.dcm")
    return 0 if failed == 0 else 1


# --- parser ---------------------------------------------------------------

def _destination(text: str) -> Destination:
    """argparse type: the same message as a wrong destination in the TOML file."""
    try:
        return Destination.parse(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _node_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="TOML file with the same settings; flags win (e.g. /etc/advisor/advisor.toml)")
    parser.add_argument("--ae-title", help="this node's AE title (default ADVISOR)")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    parser.add_argument("--port", type=int, help="DICOM port to listen on (default 11112)")
    parser.add_argument("--destination", action="append", type=_destination,
                        metavar="AE@HOST:PORT",
                        help="where results are sent, repeatable (e.g. PACS@10.0.0.5:104; "
                        "PACS@10.0.0.5:2762+tls over TLS)")
    parser.add_argument("--data-dir", type=Path, metavar="DIR",
                        help="spool, journal and outbox (default advisor-data)")
    parser.add_argument("--quiet-seconds", type=float, metavar="S",
                        help="a study is processed this long after its last instance (default 5)")
    parser.add_argument("--analysis-processes", type=int, metavar="N",
                        help="analyse in N processes beside the receiving one (default: one per "
                             "core; 0: in the node's own process)")
    parser.add_argument("--analysis-threads", type=int, choices=(1, 2), metavar="N",
                        help=ANALYSIS_THREADS_HELP)
    parser.add_argument("--protocols", type=Path, metavar="DIR",
                        help="protocol folder (default: the protocols shipped in the package)")
    parser.add_argument("--key-image", action=argparse.BooleanOptionalAction, default=None,
                        help="send a key image (Secondary Capture) with each SR (default on)")
    parser.add_argument("--http-port", type=int, metavar="PORT",
                        help="serve the worklist page, /healthz and /metrics on this port (e.g. 8080)")
    parser.add_argument("--http-host", metavar="ADDRESS",
                        help="address of the worklist page (default 127.0.0.1)")
    parser.add_argument("--show-patient-names", action="store_true",
                        help="show patient names on the worklist page (default: not shown)")
    parser.add_argument("--tls-cert", type=Path, metavar="FILE", help="this node's TLS certificate "
                        "(PEM): DICOM TLS on the listener and towards +tls destinations, HTTPS "
                        "for the worklist")
    parser.add_argument("--tls-key", type=Path, metavar="FILE", help="the private key of --tls-cert (PEM)")
    parser.add_argument("--tls-ca", type=Path, metavar="FILE",
                        help="CA certificates peers are checked against (PEM)")
    parser.add_argument("--tls-require-client-cert", action="store_true",
                        help="refuse DICOM peers without a certificate signed by --tls-ca")
    parser.add_argument("--allow-calling-ae", action="append", metavar="AE",
                        help="accept associations only from this calling AE title (repeatable)")
    parser.add_argument("--allow-peer", action="append", metavar="ADDRESS[/BITS]",
                        help="accept associations only from this address or network (repeatable)")


def _peer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--calling-ae", default="ADVISOR-SCU", metavar="AE",
                        help="our AE title towards the peer (default ADVISOR-SCU)")
    parser.add_argument("--timeout", type=float, default=30, metavar="S",
                        help="give up on a silent peer after this many seconds (default 30)")
    parser.add_argument("--tls-cert", type=Path, metavar="FILE",
                        help="certificate to present to an AE@HOST:PORT+tls peer (PEM)")
    parser.add_argument("--tls-key", type=Path, metavar="FILE", help="the private key of --tls-cert")
    parser.add_argument("--tls-ca", type=Path, metavar="FILE", help="CA the peer's certificate is "
                        "checked against (default: the system's)")


EXAMPLES = {
    "serve": """examples:
  advisor serve --port 11112 --destination PACS@10.0.0.5:104 --http-port 8080
  advisor serve --config /etc/advisor/advisor.toml --log-format json""",
    "analyze": """examples:
  advisor analyze dicom_samples
  advisor analyze study-folder/ --json > result.json
  advisor analyze study-folder/ --protocols site-protocols/""",
    "replay": """examples:
  advisor replay dicom_samples --to ADVISOR@127.0.0.1:11112
  advisor replay study-folder/ --to ADVISOR@10.0.0.7:11112 --timeout 10""",
    "echo": """examples:
  advisor echo ADVISOR@127.0.0.1:11112
  advisor echo PACS@10.0.0.5:104 --calling-ae ADVISOR --timeout 5""",
    "show": """examples:
  advisor show advisor-data/outbox/*/*.dcm
  advisor show findings-sr.dcm""",
    "status": """examples:
  advisor status
  advisor status --data-dir advisor-demo/run-20261129-101500""",
    "resend": """examples:
  advisor resend
  advisor resend --study 1.2.826.0.1.3680043.8.498.1 --destination PACS@10.0.0.5:104""",
    "retry": """examples:
  advisor retry --all-failed
  advisor retry 1.2.826.0.1.3680043.8.498.1 --data-dir /var/lib/advisor""",
    "demo": """examples:
  advisor demo
  advisor demo --destination PACS@127.0.0.1:4242""",
}


def _logging_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("logging")
    group.add_argument("-v", "--verbose", action="count", default=0,
                       help="more detail: -v debug (libraries stay quiet)")
    group.add_argument("-q", "--quiet", action="count", default=0,
                       help="less: -q warnings only, -qq errors only")
    group.add_argument("--log-level", choices=logs.LEVELS, help="set the level outright")
    group.add_argument("--log-format", choices=("text", "json"), default="text",
                       help="text lines, or one JSON object per line for a log collector")
    group.add_argument("--debug-libraries", action="store_true",
                       help="also show pynetdicom's and highdicom's debug output")


class _with_logging_options(argparse.ArgumentParser):  # noqa: N801 - used as a factory
    """Every subcommand takes the logging options after its name: ``advisor serve -v``."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)
        _logging_options(self)


def _command(commands, name: str, helptext: str, func) -> argparse.ArgumentParser:
    sub = commands.add_parser(name, help=helptext, description=helptext, epilog=EXAMPLES[name])
    sub.set_defaults(func=func)
    return sub


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="advisor", description=(
        "DICOM imaging-protocol advisor for pediatric abdominal ultrasound "
        "(decision support; a radiologist confirms every recommendation)."),
        epilog="Run 'advisor COMMAND -h' for a command's options and examples.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=_with_logging_options)

    _node_options(_command(commands, "serve", "run the DICOM node", cmd_serve))

    analyze = _command(commands, "analyze", "analyse files or folders offline (no network, no state)",
                       cmd_analyze)
    analyze.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="DICOM files or folders")
    analyze.add_argument("--json", action="store_true", help="print the JSON contract of DESIGN.md")
    analyze.add_argument("--protocols", type=Path, metavar="DIR",
                         help="protocol folder (default: the protocols shipped in the package)")
    analyze.add_argument("--analysis-threads", type=int, choices=(1, 2), metavar="N",
                         help=ANALYSIS_THREADS_HELP)

    replay_ = _command(commands, "replay", "send files or folders to a DICOM node (C-STORE)", cmd_replay)
    replay_.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="DICOM files or folders")
    replay_.add_argument("--to", required=True, type=_destination, metavar="AE@HOST:PORT",
                         help="the node to send to")
    _peer_options(replay_)

    echo = _command(commands, "echo", "check that a DICOM node answers (C-ECHO)", cmd_echo)
    echo.add_argument("destination", type=_destination, metavar="AE@HOST:PORT", help="the node to ask")
    _peer_options(echo)

    show = _command(commands, "show", "print any SR (the advisor's or a findings SR) as text", cmd_show)
    show.add_argument("files", nargs="+", type=Path, metavar="FILE", help="SR files")

    status = _command(commands, "status", "studies, results and deliveries of a data folder", cmd_status)
    status.add_argument("--config", type=Path, metavar="FILE", help="TOML settings (for data_dir)")
    status.add_argument("--data-dir", type=Path, metavar="DIR", help="the node's data folder "
                        "(default advisor-data)")

    resend = _command(commands, "resend", "send undelivered results again", cmd_resend)
    resend.add_argument("--config", type=Path, metavar="FILE", help="TOML settings (for data_dir)")
    resend.add_argument("--data-dir", type=Path, metavar="DIR", help="the node's data folder "
                        "(default advisor-data)")
    resend.add_argument("--study", metavar="UID", help="only this study's results")
    resend.add_argument("--destination", type=_destination, metavar="AE@HOST:PORT",
                        help="only to this destination")
    retry = _command(commands, "retry", "analyse studies again (the failed ones, or any named)",
                     cmd_retry)
    retry.add_argument("studies", nargs="*", metavar="STUDY_UID", help="studies to analyse again")
    retry.add_argument("--all-failed", action="store_true", help="every study in state failed")
    retry.add_argument("--config", type=Path, metavar="FILE", help="TOML settings (for data_dir)")
    retry.add_argument("--data-dir", type=Path, metavar="DIR", help="the node's data folder "
                       "(default advisor-data)")

    demo = _command(commands, "demo", "run a node on the bundled samples and show the results", cmd_demo)
    demo.add_argument("--samples", type=Path, default=SAMPLES, metavar="DIR",
                      help="studies to replay (default dicom_samples)")
    demo.add_argument("--data-dir", type=Path, default=Path("advisor-demo"), metavar="DIR",
                      help="each run gets a folder run-YYYYmmdd-HHMMSS here (default advisor-demo)")
    demo.add_argument("--protocols", type=Path, metavar="DIR",
                      help="protocol folder (default: the protocols shipped in the package)")
    demo.add_argument("--config", type=Path, metavar="FILE", help="TOML settings")
    demo.add_argument("--destination", action="append", type=_destination, metavar="AE@HOST:PORT",
                      help="also send the results there (repeatable)")
    demo.set_defaults(quiet=1)  # the table says it all; -v brings back the node's log
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    keep_freed_heap()
    logs.configure(logs.level_from(args.verbose, args.quiet, args.log_level), args.log_format,
                   args.debug_libraries)
    try:
        return args.func(args)
    except (ConfigError, ProtocolError, TextRulesError, JournalVersionError, StartupError) as exc:
        print(f"advisor: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
