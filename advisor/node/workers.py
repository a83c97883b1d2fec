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
waits (``busy_timeout``) for the other's short transaction. Log records and
analysis times come back to the node over a queue, so the node's log and
``/metrics`` show them. A process that dies is started again after a pause
that grows while it keeps dying, and the node logs each death. Processes are
started with ``spawn`` (a clean interpreter, no copy of the node's threads)
and die with the node: on Linux the kernel kills them if the node itself is
killed.
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
from dataclasses import dataclass

from advisor.config import Settings
from advisor.logs import LIBRARIES

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
STOP_SECONDS = 10          # a study still being analysed then is redone after a restart
RESTART_MIN_SECONDS = 1.0
RESTART_MAX_SECONDS = 60.0
_PR_SET_PDEATHSIG = 1      # linux/prctl.h


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


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    parent = multiprocessing.parent_process()
    if parent is not None and not parent.is_alive():  # died before prctl took effect
        os._exit(1)


def _relay_logs(queue, levels: dict[str, int]) -> None:
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(queue)]
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def _worker_main(role: str, settings: Settings, shard: Shard, stop, queue,
                 log_levels: dict[str, int]) -> None:
    """Entry point of a worker process: run ``role`` until ``stop`` is set."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)            # the node decides when to stop
    signal.signal(signal.SIGTERM, lambda *_: stop.set())    # e.g. systemd stopping the group
    _relay_logs(queue, log_levels)
    from advisor.node.journal import Journal  # imported here: the node process needs none of it
    journal = Journal(settings.journal_path)
    try:
        step = _step(role, settings, shard, journal, lambda seconds: queue.put(("analysis", seconds)))
        run_until(stop, role, step)
    finally:
        journal.close()


def _step(role: str, settings: Settings, shard: Shard, journal, observe: Callable[[float], None]):
    if role == "dispatch":
        from advisor.node.dispatch import Dispatcher
        return Dispatcher(journal, settings).run_once
    from advisor.node.assemble import Assembler
    from advisor.protocols import load_protocols
    return Assembler(journal, settings, load_protocols(settings.protocols_dir), shard=shard,
                     observe_seconds=observe).run_once


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
    started: float = 0.0
    deaths: int = 0
    restart_at: float = 0.0


class WorkerProcesses:
    """Starts, watches, restarts and stops the assembler and dispatcher processes."""

    def __init__(self, settings: Settings, *, observe_seconds: Callable[[float], None]) -> None:
        self.settings = settings
        self.observe_seconds = observe_seconds
        self._context = multiprocessing.get_context("spawn")
        self._stop = self._context.Event()
        self._queue = self._context.Queue()
        count = process_count(settings)
        self._slots = [_Slot("assemble", Shard(i, count)) for i in range(count)]
        if settings.destinations:
            self._slots.append(_Slot("dispatch", Shard()))
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    @property
    def pids(self) -> list[int]:
        return [s.process.pid for s in self._slots if s.process is not None and s.process.is_alive()]

    def start(self) -> None:
        for slot in self._slots:
            self._launch(slot)
        for name, target in (("worker-watch", self._watch), ("worker-logs", self._relay)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("analysis in %d process(es)%s", sum(s.role == "assemble" for s in self._slots),
                 ", dispatch in another" if self.settings.destinations else "")

    def _launch(self, slot: _Slot) -> None:
        slot.process = self._context.Process(
            target=_worker_main, name=f"advisor-{slot.role}-{slot.shard.index}", daemon=True,
            args=(slot.role, self.settings, slot.shard, self._stop, self._queue,
                  {name: logging.getLogger(name).getEffectiveLevel() for name in ("", *LIBRARIES)}))
        slot.process.start()
        slot.started = time.monotonic()

    def _watch(self) -> None:
        """Restart a process that died, after a pause that doubles while it keeps dying."""
        while not self._stopping.is_set():
            alive = [s.process.sentinel for s in self._slots if s.process is not None]
            multiprocessing.connection.wait(alive, timeout=POLL_SECONDS)
            if self._stopping.is_set():
                return
            now = time.monotonic()
            for slot in self._slots:
                if slot.process is not None and not slot.process.is_alive():
                    slot.deaths = 0 if now - slot.started > RESTART_MAX_SECONDS else slot.deaths + 1
                    pause = min(RESTART_MIN_SECONDS * 2 ** slot.deaths, RESTART_MAX_SECONDS)
                    log.error("%s process %d (pid %d) died with exit code %s; restarting in %.0f s",
                              slot.role, slot.shard.index, slot.process.pid, slot.process.exitcode,
                              pause)
                    slot.process, slot.restart_at = None, now + pause
                elif slot.process is None and now >= slot.restart_at:
                    self._launch(slot)

    def _relay(self) -> None:
        """Hand the workers' log records to this process's loggers; count analysis times."""
        while True:
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, logging.LogRecord):
                logging.getLogger(item.name).handle(item)
            elif item[0] == "analysis":
                self.observe_seconds(item[1])

    def stop(self) -> None:
        """Ask every process to finish its current step; terminate those that do not in time."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        watcher, relay = self._threads or (None, None)
        if watcher is not None:
            watcher.join(timeout=5)   # no restart from now on
        self._stop.set()
        deadline = time.monotonic() + STOP_SECONDS
        for slot in self._slots:
            if slot.process is not None:
                slot.process.join(max(0.0, deadline - time.monotonic()))
                if slot.process.is_alive():
                    log.warning("%s process %d did not stop in %d s: terminated", slot.role,
                                slot.shard.index, STOP_SECONDS)
                    slot.process.terminate()
                    slot.process.join(5)
        self._queue.put(None)
        if relay is not None:
            relay.join(timeout=5)
        self._queue.close()
