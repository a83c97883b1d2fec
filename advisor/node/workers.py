"""Worker processes: analysis and dispatch outside the receiving process.

The node's own process keeps pynetdicom's association threads and little else,
so that receiving has an interpreter (and its lock) to itself. Beside it run:

- ``analysis_processes`` assembler processes. Each takes the studies of one
  shard (the CRC-32 of the Study Instance UID modulo the number of processes),
  so no study is ever analysed by two processes at once, with no locking in the
  journal;
- one dispatcher process, when there are destinations.

Each process opens its own connection to the journal: SQLite in WAL mode lets
readers run beside the one writer, and a writer that finds the database locked
waits (``busy_timeout``) for the other's short transaction. Workers run at a
lower CPU priority (nice 5), so that receiving comes first on a busy machine.
Log records, analysis times and audit events come back to the node over a pipe
per worker, so the node's log, ``/metrics`` and audit log show them. A process
that dies is started again after a pause that grows while it keeps dying, and
the node logs each death. Processes are started with ``spawn`` (a clean
interpreter, no copy of the node's threads) and die with the node: on Linux
the kernel kills them if the node itself is killed.
"""

from __future__ import annotations

import ctypes
import logging
import logging.handlers
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from advisor.config import Settings
from advisor.logs import LIBRARIES

log = logging.getLogger(__name__)

POLL_SECONDS = 0.1         # journal polls: a few indexed queries, in niced processes
STOP_SECONDS = 5           # then killed: its study is redone after a restart (same UIDs)
READY_SECONDS = 60         # imports (SimpleITK, highdicom, spaCy) on a busy machine
RESTART_MIN_SECONDS = 1.0
RESTART_MAX_SECONDS = 60.0
_PR_SET_PDEATHSIG = 1      # linux/prctl.h
# Workers run at a lower CPU priority: when cores are short, the scheduler serves the
# receiving process first, and analysis takes what is left.
WORKER_NICENESS = 5


@dataclass(frozen=True)
class Shard:
    """The studies one assembler process owns: CRC-32 of the study UID modulo ``count``."""

    index: int = 0
    count: int = 1

    def owns(self, study_uid: str) -> bool:
        return zlib.crc32(study_uid.encode()) % self.count == self.index


def process_count(settings: Settings) -> int:
    """Assembler processes to run: the setting, or one per core this process may use."""
    if settings.analysis_processes is not None:
        return settings.analysis_processes
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# --- inside a worker process ---------------------------------------------------


class _PipeQueue:
    """What logging's QueueHandler needs, over this worker's own pipe to the node.

    One pipe per worker, not a shared multiprocessing queue: a worker killed while
    writing cannot leave a lock held that the others would wait on forever.
    """

    def __init__(self, connection) -> None:
        self._connection = connection
        self._lock = threading.Lock()

    def put_nowait(self, item: object) -> None:
        with self._lock:
            self._connection.send(item)

    put = put_nowait


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    parent = multiprocessing.parent_process()
    if parent is not None and not parent.is_alive():  # died before prctl took effect
        os._exit(1)


def _worker_main(role: str, settings: Settings, shard: Shard, connection,
                 log_levels: dict[str, int]) -> None:
    """Entry point of a worker process: run ``role`` until SIGTERM.

    The node stops its workers with SIGTERM, not with a shared multiprocessing
    Event: a worker killed while it waited on such an Event leaves its lock
    held, and the node's next ``Event.set()`` then blocks for ever.
    """
    _die_with_parent()
    os.nice(WORKER_NICENESS)
    stop = threading.Event()
    signal.signal(signal.SIGINT, signal.SIG_IGN)            # the node decides when to stop
    signal.signal(signal.SIGTERM, lambda *_: stop.set())    # the node, or systemd stopping the group
    channel = _PipeQueue(connection)
    logging.getLogger().handlers[:] = [logging.handlers.QueueHandler(channel)]
    for name, level in log_levels.items():
        logging.getLogger(name).setLevel(level)
    from advisor.node.journal import Journal  # imported here: the node process needs none of it
    journal = Journal(settings.journal_path)
    try:
        if role == "dispatch":
            _dispatch(settings, journal, stop, channel)
        else:
            _assemble(settings, shard, journal, stop, channel)
    finally:
        journal.close()


def _relayed_audit(channel: _PipeQueue):
    return lambda event, **fields: channel.put(("audit", event, fields))


def _assemble(settings: Settings, shard: Shard, journal, stop, channel: _PipeQueue) -> None:
    from advisor.analyze import keep_freed_heap
    from advisor.evidence.text import use_site_rules
    from advisor.node.assemble import Assembler
    from advisor.protocols import load_protocols
    keep_freed_heap()
    use_site_rules(settings.protocols_dir)
    assembler = Assembler(journal, settings, load_protocols(settings.protocols_dir),
                          _relayed_audit(channel), shard=shard,
                          observe_seconds=lambda seconds: channel.put(("analysis", seconds)))
    try:
        assembler.warm_up()
    except Exception:  # noqa: BLE001 - a failed warm-up only leaves the first study slower
        log.warning("assemble process %d: warm-up failed", shard.index, exc_info=True)
    channel.put(("ready",))
    run_until(stop, "assemble", assembler.run_once)


def _dispatch(settings: Settings, journal, stop, channel: _PipeQueue) -> None:
    from advisor.node.dispatch import Dispatcher
    dispatcher = Dispatcher(journal, settings, _relayed_audit(channel))
    dispatcher.start()  # a thread per destination
    channel.put(("ready",))
    while not stop.wait(POLL_SECONDS):
        pass
    dispatcher.stop(timeout=STOP_SECONDS)


def run_until(stop, name: str, step: Callable[[], int]) -> None:
    """Call ``step`` every poll interval until ``stop`` is set (process or thread alike)."""
    while not stop.is_set():
        try:
            step()
        except Exception:  # noqa: BLE001 - keep the worker alive; the journal keeps the work
            log.exception("%s worker: unexpected error", name)
        stop.wait(POLL_SECONDS)


# --- in the node's process -----------------------------------------------------


@dataclass
class _Slot:
    role: str
    shard: Shard
    process: multiprocessing.process.BaseProcess | None = None
    logs: multiprocessing.connection.Connection | None = None   # read end of its pipe
    started: float = 0.0
    ready: threading.Event = field(default_factory=threading.Event)   # imports done, working
    deaths: int = 0
    restart_at: float = 0.0


class WorkerProcesses:
    """Starts, watches, restarts and stops the assembler and dispatcher processes.

    One supervising thread relays the workers' log records and analysis times
    and restarts a worker that died.
    """

    def __init__(self, settings: Settings, *, observe_seconds: Callable[[float], None],
                 audit: Callable[..., None]) -> None:
        self.settings = settings
        self.observe_seconds = observe_seconds
        self.audit = audit
        self._context = multiprocessing.get_context("spawn")
        count = process_count(settings)
        self._slots = [_Slot("assemble", Shard(i, count)) for i in range(count)]
        if settings.destinations:
            self._slots.append(_Slot("dispatch", Shard()))
        self._stopping = threading.Event()   # no more restarts
        self._restarting = threading.Lock()   # held while a restart is decided and done
        self._finished = threading.Event()   # every worker has exited
        self._supervisor: threading.Thread | None = None

    @property
    def pids(self) -> list[int]:
        return [s.process.pid for s in self._slots if s.process is not None and s.process.is_alive()]

    def start(self) -> None:
        """Start every worker and wait (at most :data:`READY_SECONDS`) until each is working."""
        for slot in self._slots:
            self._launch(slot)
        self._supervisor = threading.Thread(target=self._supervise, name="workers", daemon=True)
        self._supervisor.start()
        deadline = time.monotonic() + READY_SECONDS
        for slot in self._slots:
            if not slot.ready.wait(max(0.0, deadline - time.monotonic())):
                log.warning("%s process %d not ready after %d s; going on without waiting",
                            slot.role, slot.shard.index, READY_SECONDS)
        log.info("analysis in %d process(es)%s", sum(s.role == "assemble" for s in self._slots),
                 ", dispatch in another" if self.settings.destinations else "")

    def _launch(self, slot: _Slot) -> None:
        reader, writer = self._context.Pipe(duplex=False)
        levels = {name: logging.getLogger(name).getEffectiveLevel() for name in ("", *LIBRARIES)}
        slot.process = self._context.Process(
            target=_worker_main, name=f"advisor-{slot.role}-{slot.shard.index}", daemon=True,
            args=(slot.role, self.settings, slot.shard, writer, levels))
        slot.process.start()
        writer.close()  # the worker holds it: end of file here when the worker is gone
        slot.logs, slot.started, slot.ready = reader, time.monotonic(), threading.Event()

    def _supervise(self) -> None:
        while not self._finished.is_set():
            waitables = [s.logs for s in self._slots if s.logs is not None]
            waitables += [s.process.sentinel for s in self._slots if s.process is not None]
            ready = multiprocessing.connection.wait(waitables, timeout=POLL_SECONDS)
            for slot in self._slots:
                if slot.logs is not None and slot.logs in ready:
                    self._relay(slot)
            with self._restarting:
                if not self._stopping.is_set():
                    self._restart_dead()
        for slot in self._slots:
            while slot.logs is not None:
                self._relay(slot)

    def _relay(self, slot: _Slot) -> None:
        """Hand what a worker sent to this process's loggers, metrics and audit log."""
        try:
            item = slot.logs.recv()
        except (EOFError, OSError):
            slot.logs.close()
            slot.logs = None
            return
        if isinstance(item, logging.LogRecord):
            logging.getLogger(item.name).handle(item)
        elif item[0] == "analysis":
            self.observe_seconds(item[1])
        elif item[0] == "ready":
            slot.ready.set()
        elif item[0] == "audit":
            self.audit(item[1], **item[2])

    def _restart_dead(self) -> None:
        """Restart a worker that died, after a pause that doubles while it keeps dying."""
        now = time.monotonic()
        for slot in self._slots:
            if slot.process is not None and not slot.process.is_alive():
                slot.deaths = 0 if now - slot.started > RESTART_MAX_SECONDS else slot.deaths + 1
                pause = min(RESTART_MIN_SECONDS * 2 ** (slot.deaths - 1), RESTART_MAX_SECONDS)
                log.error("%s process %d (pid %d) died with exit code %s; restarting in %.0f s",
                          slot.role, slot.shard.index, slot.process.pid, slot.process.exitcode, pause)
                slot.process, slot.restart_at = None, now + pause
            elif slot.process is None and now >= slot.restart_at:
                self._launch(slot)

    def stop(self) -> None:
        """Ask every worker to finish its current step; kill those that do not in time.

        Killing is safe: outbox files and journal transactions are atomic, and an
        unrecorded analysis is done again, with the same UIDs, after a restart.
        """
        with self._restarting:
            if self._stopping.is_set():
                return
            self._stopping.set()
        for slot in self._slots:
            if slot.process is not None and slot.process.is_alive():
                slot.process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for slot in self._slots:
            if slot.process is not None:
                slot.process.join(max(0.0, deadline - time.monotonic()))
                if slot.process.is_alive():
                    log.warning("%s process %d did not stop in %d s: killed", slot.role,
                                slot.shard.index, STOP_SECONDS)
                    slot.process.kill()
                    slot.process.join(5)
        self._finished.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout=5)
