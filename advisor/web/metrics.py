"""``/metrics``: the node's state in the Prometheus text format (prometheus_client).

Counts come from the journal at each scrape, so they survive restarts and agree
with ``advisor status``; the analysis-time histogram and refusal counter live in
this process (they start at zero after a restart, as Prometheus counters may).

- ``advisor_instances{kind}``: acknowledged instances (``received``, ``own-output``);
- ``advisor_instances_refused_total{status}``: C-STORE requests answered with a failure status;
- ``advisor_studies{state}``: studies by outcome, ``pending`` (waiting for the quiet window
  or analysis) and ``error``;
- ``advisor_deliveries{status}``: results owed to destinations by delivery status;
- ``advisor_analysis_seconds``: time to analyse and write one study's results;
- ``advisor_receive_spool_seconds``, ``advisor_receive_commit_seconds``: what a C-STORE
  waits for before Success (the file made durable; the journal row committed);
- ``advisor_disk_free_bytes``: free space in the data folder.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from advisor.web.health import HealthProbe

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

PROCESS_REGISTRY = CollectorRegistry()
ANALYSIS_SECONDS = Histogram("advisor_analysis_seconds", "Time to analyse a study and write its results",
                             buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120),
                             registry=PROCESS_REGISTRY)
# What a C-STORE waits for before Success: the spool file made durable (rename or
# copy, fsync of file and folder), then the journal row committed (fsync of the WAL).
SPOOL_SECONDS = Histogram("advisor_receive_spool_seconds", "Time to make a received instance's file durable",
                          buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5),
                          registry=PROCESS_REGISTRY)
COMMIT_SECONDS = Histogram("advisor_receive_commit_seconds", "Time to commit a received instance's journal row",
                           buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5),
                           registry=PROCESS_REGISTRY)
INSTANCES_REFUSED = Counter("advisor_instances_refused", "C-STORE requests answered with a failure status",
                            ["status"], registry=PROCESS_REGISTRY)


class JournalCollector(Collector):
    """Gauges read from the journal (and the disk) when Prometheus scrapes."""

    def __init__(self, probe: HealthProbe) -> None:
        self.probe = probe

    def collect(self):
        counts = self.probe.journal.counts()
        for name, label, helptext in (
                ("instances", "kind", "Instances acknowledged, by kind"),
                ("studies", "state", "Studies by outcome or state"),
                ("deliveries", "status", "Result deliveries by status")):
            family = GaugeMetricFamily(f"advisor_{name}", helptext, labels=[label])
            for value, count in sorted(counts[name].items()):
                family.add_metric([value], count)
            yield family
        yield GaugeMetricFamily("advisor_disk_free_bytes", "Free space in the data folder",
                                value=self.probe.disk_free_bytes())


def render(probe: HealthProbe) -> bytes:
    """The scrape body: journal gauges plus this process's counters and histogram."""
    registry = CollectorRegistry()
    registry.register(JournalCollector(probe))
    return generate_latest(registry) + generate_latest(PROCESS_REGISTRY)
