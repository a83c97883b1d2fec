"""The worklist page: what the advisor made of each recent study, for radiographers.

A small read-only HTTP server (standard library), bound to 127.0.0.1 unless told
otherwise, reading the journal and the outbox:

- ``/``: recent studies with outcome, laterality, protocol, delivery status and
  key image; the list refreshes itself from ``/api/studies`` every two seconds;
- ``/study/<uid>``: one study's rationale and, as its SR states them, the
  protocol's phases, contrast, cautions, alternatives, differential and
  references; and every frame with a focus, the foci drawn on it;
- ``/api/studies``, ``/key-image/<uid>.png``, ``/frame/<study>/<sop>/<n>.png``.

No patient names or IDs are shown unless ``show_patient_names`` is set.
"""

from __future__ import annotations

import html
import io
import json
import logging
import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
from PIL import Image
from pydicom import dcmread

from advisor.evidence.pixels import ASSUMED_MM_PER_PIXEL, tissue_region
from advisor.node.journal import Journal
from advisor.output.keyimage import draw_foci, frame_rgb
from advisor.evidence.masks import content_items
from advisor.model import Focus
from advisor.web import metrics
from advisor.web.health import HealthProbe
from advisor.protocols import ProtocolSet

log = logging.getLogger(__name__)
UID = r"[0-9.]{1,64}"
# Concept names of the SR's protocol texts (advisor/report.py), in the order shown.
SR_SECTIONS = ("Protocol phase", "Contrast", "Technique", "Caution", "Alternative",
               "Differential diagnosis", "Reference")
REFRESH_MS = 2000

LIST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Protocol advisor worklist</title>
<style>
body{font-family:sans-serif;margin:1.5em;background:#f6f7fb;color:#123}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #dde;padding:.4em .6em;text-align:left;vertical-align:middle}
.recommended{color:#064;font-weight:bold}.not-indicated{color:#555}
.insufficient-data{color:#a60}.out-of-scope{color:#888}
img{max-height:90px}small{color:#667}
</style></head><body>
<h1>Protocol advisor: recent studies</h1>
<p><small>Decision support only: every suggestion is to be confirmed by a radiologist.
This page refreshes itself.</small></p>
<table><thead><tr><th>Study</th><th>Outcome</th><th>Suggestion</th><th>Laterality</th>
<th>Delivery</th><th>Key image</th></tr></thead><tbody id="studies"></tbody></table>
<script>
function esc(s){return String(s??"").replace(/[&<>"']/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}[c]));}
let shown = "";
async function refresh(){
  try{
    const studies = await (await fetch("/api/studies")).json();
    const rows = studies.map(s => `<tr class="study" data-uid="${esc(s.study_instance_uid)}">
      <td><a href="/study/${esc(s.study_instance_uid)}">${esc(s.label)}</a><br><small>${esc(s.received)} instance(s)</small></td>
      <td class="${esc(s.outcome)}">${esc(s.outcome)}</td><td class="suggestion">${esc(s.suggestion)}</td>
      <td>${esc(s.laterality)}</td><td>${esc(s.delivery)}</td>
      <td>${s.key_image ? `<img class="key-image" alt="key image" src="${esc(s.key_image)}">` : ""}</td></tr>`).join("");
    if (rows !== shown) { document.getElementById("studies").innerHTML = rows; shown = rows; }
  }catch(e){}
}
refresh(); setInterval(refresh, REFRESH_MS);
</script></body></html>""".replace("REFRESH_MS", str(REFRESH_MS))


class Worklist:
    """What the pages show, read from the journal and the outbox."""

    def __init__(self, journal: Journal, protocols: ProtocolSet, show_patient_names: bool) -> None:
        self.journal = journal
        self.protocols = {p.id: p for p in protocols.protocols}
        self.show_patient_names = show_patient_names
        self._labels: dict[str, str] = {}  # the list is polled every 2 s; a study's label never changes

    def _label(self, study_uid: str) -> str:
        if study_uid not in self._labels:
            paths = self.journal.study_instances(study_uid)
            if not paths:
                return study_uid
            ds = dcmread(paths[0], stop_before_pixels=True)
            label = " ".join(str(ds.get(k, "")) for k in ("StudyDate", "StudyDescription")).strip()
            if self.show_patient_names:
                label = f"{ds.get('PatientName', '')} {label}"
            self._labels[study_uid] = label or study_uid
        return self._labels[study_uid]

    def _suggestion(self, summary: dict | None) -> str:
        if not summary:
            return "waiting for the study to be complete"
        protocol = self.protocols.get(summary.get("protocol_id") or "")
        if protocol is not None:
            return protocol.data["banner"]
        if summary["outcome"] == "not-indicated":
            calcification = summary["calcification"]
            return (f"No protocol suggested: mass {'present' if summary['mass']['present'] else 'not found'}, "
                    f"calcification {'present' if calcification['present'] else 'not found'} "
                    f"({calcification['source']})")
        return f"No protocol suggested: {summary['reasons'][0]}"

    def _delivery(self, study_uid: str) -> str:
        rows = self.journal.deliveries_for_study(study_uid)
        if not rows:
            return "outbox only" if self.journal.results_for_study(study_uid) else "-"
        delivered = sum(status == "delivered" for _, _, status, _, _ in rows)
        return f"{delivered}/{len(rows)} delivered"

    def key_image_uid(self, study_uid: str) -> str | None:
        images = self.journal.results_for_study(study_uid, kind="key-image")
        return images[-1].sop_instance_uid if images else None

    def key_image_path(self, sop_uid: str) -> Path | None:
        return self.journal.result_path(sop_uid, kind="key-image")

    def studies(self) -> list[dict]:
        rows = []
        for study in reversed(self.journal.studies()[-200:]):
            summary = self.journal.study_summary(study.study_instance_uid)
            key = self.key_image_uid(study.study_instance_uid)
            rows.append({
                "study_instance_uid": study.study_instance_uid, "label": self._label(study.study_instance_uid),
                "received": study.received_count,
                "outcome": study.outcome or ("error" if study.error else "pending"),
                "suggestion": self._suggestion(summary), "laterality": study.laterality or "-",
                "protocol_id": study.protocol_id, "delivery": self._delivery(study.study_instance_uid),
                "key_image": f"/key-image/{key}.png" if key else None})
        return rows

    def study_page(self, study_uid: str) -> str | None:
        summary = self.journal.study_summary(study_uid)
        if summary is None:
            return None
        key = self.key_image_uid(study_uid)
        parts = [f"<h1>{html.escape(self._label(study_uid))}</h1>",
                 f"<p class='outcome'><b>{html.escape(summary['outcome'])}</b>: "
                 f"{html.escape(self._suggestion(summary))}. <i>Decision support: confirm with a "
                 "radiologist.</i></p>",
                 f"<p>Laterality: {html.escape(summary['laterality'])}; mass: "
                 f"{'present' if summary['mass']['present'] else 'not found'}; calcification: "
                 f"{'present' if summary['calcification']['present'] else 'not found'} "
                 f"(source: {html.escape(summary['calcification']['source'])})</p>",
                 _section("Why", summary["reasons"])]
        parts.extend(_section(title, texts) for title, texts in self._sr_sections(study_uid))
        if key:
            parts.append(f"<h2>Key image</h2><img class='key-image' src='/key-image/{key}.png' alt='key image'>")
        frames = sorted({(f["sop_instance_uid"], f["frame"]) for f in summary["foci"]})
        if frames:
            parts.append("<h2>Foci on the frames</h2><p><small>Yellow: calcific focus with posterior "
                         "shadow. Blue: possible calcification (no shadow).</small></p>")
            parts.extend(f"<figure><img class='frame' src='/frame/{study_uid}/{sop}/{n}.png' "
                         f"alt='frame {n}'><figcaption>{html.escape(sop)} frame {n}</figcaption></figure>"
                         for sop, n in frames[:24])
        body = "\n".join(parts)
        return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Study "
                f"{html.escape(study_uid)}</title></head><body style='font-family:sans-serif;margin:1.5em'>"
                f"<p><a href='/'>All studies</a></p>{body}</body></html>")

    def _sr_sections(self, study_uid: str) -> list[tuple[str, list[str]]]:
        """The protocol as the latest SR states it: its qualitative evaluations' texts by concept."""
        reports = self.journal.results_for_study(study_uid)
        if not reports:
            return []
        sections: dict[str, list[str]] = {}
        for item in content_items(dcmread(reports[-1].path).ContentSequence):
            if item.get("ValueType") == "TEXT" and item.ConceptNameCodeSequence[0].CodeMeaning in SR_SECTIONS:
                sections.setdefault(item.ConceptNameCodeSequence[0].CodeMeaning, []).append(str(item.TextValue))
        return [(title, sections[title]) for title in SR_SECTIONS if title in sections]

    def frame_png(self, study_uid: str, sop_uid: str, number: int) -> bytes | None:
        summary = self.journal.study_summary(study_uid)
        path = next((p for p in self.journal.study_instances(study_uid)
                     if p.name == f"{sop_uid}.dcm"), None)
        if summary is None or path is None:
            return None
        header = dcmread(path, stop_before_pixels=True)
        _, spacing = tissue_region(header, (int(header.Rows), int(header.Columns)))
        mm = spacing or ASSUMED_MM_PER_PIXEL
        foci = [Focus(sop_uid, str(header.SOPClassUID), number, f["x"], f["y"], f["diameter_mm"],
                      f["shadow"], f["score"], mm, spacing is not None)
                for f in summary["foci"] if f["sop_instance_uid"] == sop_uid and f["frame"] == number]
        return _png(np.asarray(draw_foci(frame_rgb(path, number), foci, scale=2)))


def _section(title: str, items: list[str]) -> str:
    entries = "".join(f"<li>{html.escape(item)}</li>" for item in items)
    css = re.sub(r"[^a-z]+", "-", title.lower())
    return f"<h2>{html.escape(title)}</h2><ul class='{css}'>{entries}</ul>"


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


class _Handler(BaseHTTPRequestHandler):
    worklist: Worklist
    probe: HealthProbe | None

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        log.debug("http: " + format, *args)

    def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        try:
            response = self._route(self.path.split("?")[0])
        except Exception:  # noqa: BLE001 - a page error must not stop the server
            log.exception("http: %s failed", self.path)
            response = None, HTTPStatus.INTERNAL_SERVER_ERROR
        body, kind, *status = response
        if body is None:
            status = kind if isinstance(kind, HTTPStatus) else HTTPStatus.NOT_FOUND
            self._send(status, status.phrase.encode(), "text/plain")
        else:
            self._send(status[0] if status else HTTPStatus.OK, body, kind)

    def _route(self, path: str):
        w = self.worklist
        if path == "/":
            return LIST_PAGE.encode(), "text/html; charset=utf-8"
        if path == "/healthz" and self.probe is not None:
            healthy, report = self.probe.report()
            return (json.dumps(report).encode(), "application/json",
                    HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE)
        if path == "/metrics" and self.probe is not None:
            return metrics.render(self.probe), metrics.CONTENT_TYPE
        if path == "/api/studies":
            return json.dumps(w.studies()).encode(), "application/json"
        if match := re.fullmatch(rf"/study/({UID})", path):
            page = w.study_page(match[1])
            return (page.encode() if page else None), "text/html; charset=utf-8"
        if match := re.fullmatch(rf"/key-image/({UID})\.png", path):
            source = w.key_image_path(match[1])
            return (_png(dcmread(source).pixel_array) if source else None), "image/png"
        if match := re.fullmatch(rf"/frame/({UID})/({UID})/(\d{{1,5}})\.png", path):
            return w.frame_png(match[1], match[2], int(match[3])), "image/png"
        return None, HTTPStatus.NOT_FOUND


class WebServer:
    """The worklist page in a thread of its own."""

    def __init__(self, worklist: Worklist, host: str, port: int,
                 probe: HealthProbe | None = None) -> None:
        handler = type("Handler", (_Handler,), {"worklist": worklist, "probe": probe})
        self.server = ThreadingHTTPServer((host, port), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="http", daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def start(self) -> int:
        self.thread.start()
        return self.port

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
