"""The worklist page: what the advisor made of each recent study, for radiographers.

A small read-only HTTP server (standard library), bound to 127.0.0.1 unless told
otherwise, reading the journal and the outbox:

- ``/``: recent studies with outcome, laterality, protocol, delivery status and
  key image; the list refreshes itself from ``/api/studies`` every two seconds;
- ``/study/<uid>``: one study's rationale and, as its SR states them, the
  protocol's phases, contrast, cautions, alternatives, differential and
  references; and every frame with a focus, the foci drawn on it;
- ``/api/studies``, ``/key-image/<uid>.png``, ``/frame/<study>/<sop>/<n>.png``.

No patient names or IDs are shown unless ``show_patient_names`` is set. With a
token, every request must carry it (``Authorization: Bearer TOKEN``, or HTTP
Basic with the token as password, so that a browser can ask for it); with a
TLS context the page is served over HTTPS.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import html
import io
import json
import logging
import re
import ssl
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from pydicom import dcmread

from advisor.evidence.header import number, text
from advisor.evidence.pixels import ASSUMED_MM_PER_PIXEL, tissue_region
from advisor.node.journal import Journal, StudyRow
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
.insufficient-data{color:#a60}.out-of-scope{color:#888}.failed,.error{color:#b00;font-weight:bold}
.caution{color:#a60;font-size:.9em}.problem{color:#b00;font-size:.9em}
#offline{display:none;background:#b00;color:#fff;padding:.6em;margin-bottom:1em;font-weight:bold}
img{max-height:90px}small{color:#667}
</style></head><body>
<div id="offline" role="alert"></div>
<h1>Protocol advisor: recent studies</h1>
<p><small>Decision support only: every suggestion is to be confirmed by a radiologist.
This page refreshes itself.</small></p>
<p><label>Show: <select id="filter">
<option value="">all outcomes</option><option>recommended</option><option>not-indicated</option>
<option>insufficient-data</option><option>out-of-scope</option><option>pending</option>
<option value="problem">failed or undelivered</option></select></label></p>
<table><thead><tr><th>Study</th><th>Received</th><th>Outcome</th><th>Suggestion</th><th>Laterality</th>
<th>Delivery</th><th>Key image</th></tr></thead><tbody id="studies"></tbody></table>
<script>
function esc(s){return String(s??"").replace(/[&<>"']/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}[c]));}
let shown = "", studies = [], lastOk = null;
function row(s){
  return `<tr class="study" data-uid="${esc(s.study_instance_uid)}" data-outcome="${esc(s.outcome)}">
    <td><a href="/study/${esc(s.study_instance_uid)}">${esc(s.label)}</a><br><small>${esc(s.details)}</small></td>
    <td>${esc(s.received_at)}<br><small>${esc(s.instances)}</small></td>
    <td class="${esc(s.outcome)}">${esc(s.outcome)}</td>
    <td class="suggestion">${esc(s.suggestion)}${s.caution ? `<br><span class="caution">${esc(s.caution)}</span>` : ""}${s.problem ? `<br><span class="problem">${esc(s.problem)}</span>` : ""}</td>
    <td>${esc(s.laterality)}</td><td>${esc(s.delivery)}</td>
    <td>${s.key_image ? `<img class="key-image" alt="key image" src="${esc(s.key_image)}">` : ""}</td></tr>`;
}
function draw(){
  const wanted = document.getElementById("filter").value;
  const rows = studies.filter(s => !wanted || (wanted === "problem" ? s.problem : s.outcome === wanted)).map(row).join("");
  if (rows !== shown) { document.getElementById("studies").innerHTML = rows; shown = rows; }
}
async function refresh(){
  const banner = document.getElementById("offline");
  try{
    const response = await fetch("/api/studies");
    if (!response.ok) throw new Error(response.status);
    studies = await response.json(); lastOk = new Date();
    banner.style.display = "none";
    draw();
  }catch(e){
    banner.textContent = "The advisor node cannot be reached: this list may be out of date" +
      (lastOk ? ` (last updated ${lastOk.toLocaleTimeString()}).` : ".");
    banner.style.display = "block";
  }
}
document.getElementById("filter").addEventListener("change", draw);
refresh(); setInterval(refresh, REFRESH_MS);
</script></body></html>""".replace("REFRESH_MS", str(REFRESH_MS))

# Evidence sources and masks as a radiographer would name them (the codes stay in small print).
PLAIN_WORDS = {
    "sr-coded": "the sonographer's coded findings",
    "sr-text": "the sonographer's report text",
    "indication-text": "the order or study description",
    "burned-in-text": "text burned into the image",
    "header": "the image header",
    "detector": "image analysis",
    "tissue-region-eroded": "the whole scanned area",
    "mass-roi": "the outlined mass",
}


def plain_words(text: str) -> str:
    """A reason with the advisor's source codes replaced by words."""
    return re.sub("|".join(map(re.escape, sorted(PLAIN_WORDS, key=len, reverse=True))),
                  lambda m: PLAIN_WORDS[m[0]], text)


class Worklist:
    """What the pages show, read from the journal and the outbox."""

    def __init__(self, journal: Journal, protocols: ProtocolSet, show_patient_names: bool) -> None:
        self.journal = journal
        self.protocols = {p.id: p for p in protocols.protocols}
        self.show_patient_names = show_patient_names
        self._headers: dict[str, dict[str, str]] = {}  # polled every 2 s; headers never change

    def _header(self, study_uid: str) -> dict[str, str]:
        """Description, date, accession and modalities of a study, read once from its headers."""
        if study_uid not in self._headers:
            paths = self.journal.study_instances(study_uid)
            if not paths:
                return {}
            try:
                first = dcmread(paths[0], stop_before_pixels=True)
                modalities = sorted({text(dcmread(p, stop_before_pixels=True,
                                                  specific_tags=["Modality"]), "Modality") or "?"
                                     for p in paths[:50]})
            except Exception:  # noqa: BLE001 - a file the analysis excluded: label by UID
                return {}
            weight = number(first, "PatientWeight")
            self._headers[study_uid] = {  # through the tolerant layer: real headers are messy
                "description": text(first, "StudyDescription") or "Study",
                "date": _date(text(first, "StudyDate") or ""),
                "accession": text(first, "AccessionNumber") or "-",
                "modalities": ", ".join(modalities),
                "weight": str(weight) if weight else "",
                "name": text(first, "PatientName") or "",
            }
        return self._headers[study_uid]

    def _label(self, study_uid: str) -> str:
        header = self._header(study_uid)
        if not header:
            return study_uid
        label = f"{header['description']} {header['date']}".strip()
        return f"{header['name']} {label}" if self.show_patient_names else label

    def _suggestion(self, summary: dict | None) -> str:
        if not summary:
            return "waiting for the study to be complete"
        protocol = self.protocols.get(summary.get("protocol_id") or "")
        if protocol is not None:
            return protocol.data["banner"]
        instead = next((r for r in summary["reasons"] if r.startswith("Suggested instead:")), None)
        if instead:  # a protocol exclusion (known tumour, infant adrenal mass, liver, ovary ...)
            return f"No CT suggested. {instead}"
        if summary["outcome"] == "not-indicated":
            calcification = summary["calcification"]
            return (f"No protocol suggested: mass {'present' if summary['mass']['present'] else 'not found'}, "
                    f"calcification {'present' if calcification['present'] else 'not found'} "
                    f"({plain_words(calcification['source'])})")
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

    def _caution(self, summary: dict | None) -> str:
        """What the suggestion does not mean: calcification seen only by image analysis, or, for
        a not-indicated study, what 'no CT' does not rule out (the protocol's own words)."""
        if summary and summary.get("needs_confirmation"):
            return next((r for r in summary["reasons"] if "image analysis only" in r),
                        "Calcification seen by image analysis only: confirm before protocolling.")
        if not summary or summary["outcome"] != "not-indicated":
            return ""
        cautions = [c for p in self.protocols.values() for c in p.data.get("not_indicated_cautions", ())
                    if c in summary["reasons"] and not c.startswith("Decision support")]
        return cautions[0] if cautions else ""

    def _problem(self, study: StudyRow) -> str:
        """Why a study has no answer yet, or why its answer has not reached the PACS."""
        if study.state == "failed":
            return f"Analysis failed after {study.attempts} attempt(s): {study.error}"
        if study.state == "retrying":
            return f"Analysis retrying after {study.attempts} failed attempt(s): {study.error}"
        stuck = [(destination, status, error) for _, destination, status, _, error
                 in self.journal.deliveries_for_study(study.study_instance_uid)
                 if status != "delivered" and error]
        return "; ".join(f"Not yet delivered to {d} ({status}): {error}" for d, status, error in stuck[:2])

    def studies(self) -> list[dict]:
        rows = []
        for study in reversed(self.journal.studies()[-200:]):
            uid = study.study_instance_uid
            summary = self.journal.study_summary(uid)
            header = self._header(uid)
            key = self.key_image_uid(uid)
            age = (summary or {}).get("patient_age_years")
            times = self.journal.received_times(uid)
            rows.append({
                "study_instance_uid": uid, "label": self._label(uid),
                "details": (f"Accession {header.get('accession', '-')}; age "
                            f"{'unknown' if age is None else _age(age)}"),
                "received_at": _time(times[1]) if times else "-",
                "instances": f"{study.received_count} instance(s), {header.get('modalities', '-')}",
                "received": study.received_count,
                "outcome": study.outcome or study.state, "state": study.state,
                "suggestion": self._suggestion(summary), "caution": self._caution(summary),
                "problem": self._problem(study), "laterality": study.laterality or "-",
                "protocol_id": study.protocol_id, "delivery": self._delivery(uid),
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
                 _reasons_section(summary["reasons"])]
        protocol = self.protocols.get(summary.get("protocol_id") or "")
        if protocol is not None:
            parts.append(_section("Rationale", protocol.data.get("rationale", [])))
            parts.append(self._weight_note(study_uid))
        parts.extend(_section(title, texts) for title, texts in self._sr_sections(study_uid))
        if key:
            parts.append(f"<h2>Key image</h2><img class='key-image' src='/key-image/{key}.png' alt='key image'>")
        labelled = sorted({(a["sop_instance_uid"], a["frame"]) for a in summary.get("burned_in_text", [])})
        if labelled:
            parts.append("<h2>Text burned into the images</h2><p><small>What the sonographer typed on "
                         "the image, as read by OCR, boxed in green.</small></p><ul class='burned-in'>"
                         + "".join(f"<li>{html.escape(a['text'])}</li>" for a in summary["burned_in_text"])
                         + "</ul>")
            parts.extend(f"<figure><img class='labelled-frame' src='/frame/{study_uid}/{sop}/{n}.png' "
                         f"alt='frame {n} with its labels'><figcaption>{html.escape(sop)} frame {n}"
                         "</figcaption></figure>" for sop, n in labelled[:8])
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

    def _weight_note(self, study_uid: str) -> str:
        weight = self._header(study_uid).get("weight")
        text = (f"The contrast volume below was computed from a weight of {weight} kg (Patient's "
                "Weight in the image header): confirm the weight on the day of the scan."
                if weight else "No weight in the image header: calculate the contrast volume "
                "from the weight measured on the day.")
        return f"<p class='weight'>{html.escape(text)}</p>"

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
        image = draw_foci(frame_rgb(path, number), foci, scale=2)
        boxes = [a["box"] for a in summary.get("burned_in_text", [])
                 if a["sop_instance_uid"] == sop_uid and a["frame"] == number]
        return _png(np.asarray(draw_boxes(image, boxes, scale=2)))


LABEL_COLOUR = (0, 230, 90)


def draw_boxes(image: Image.Image, boxes: list[list[int]], scale: int) -> Image.Image:
    """``image`` (already enlarged by ``scale``) with each box (x0, y0, x1, y1) outlined."""
    draw = ImageDraw.Draw(image)
    for x0, y0, x1, y1 in boxes:
        draw.rectangle([x0 * scale - 3, y0 * scale - 3, (x1 + 1) * scale + 2, (y1 + 1) * scale + 2],
                       outline=LABEL_COLOUR, width=2)
    return image


def _reasons_section(reasons: list[str]) -> str:
    """Why, in words; the advisor's own codes follow in small print where they differ."""
    entries = "".join(
        f"<li>{html.escape(plain_words(r))}"
        + (f" <small class='code'>({html.escape(r)})</small>" if plain_words(r) != r else "")
        + "</li>" for r in reasons)
    return f"<h2>Why</h2><ul class='why'>{entries}</ul>"


def _date(value: str) -> str:
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}" if re.fullmatch(r"\d{8}", value) else value


def _age(years: float) -> str:
    return f"{years:g} years" if years >= 2 else f"{round(years * 12)} months"


def _time(unix: float) -> str:
    return dt.datetime.fromtimestamp(unix).strftime("%Y-%m-%d %H:%M:%S")


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
    token: str | None = None
    timeout = 10  # seconds a client may stall (StreamRequestHandler)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        log.debug("http: " + format, *args)

    def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self) -> bool:
        if self.token is None:
            return True
        scheme, _, credentials = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                credentials = base64.b64decode(credentials).decode().partition(":")[2]
            except ValueError:
                return False
        elif scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(credentials.encode(), self.token.encode())

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        if not self._authorised():
            self.send_response(HTTPStatus.UNAUTHORIZED)
            self.send_header("WWW-Authenticate", 'Basic realm="advisor worklist"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
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
                 probe: HealthProbe | None = None, *, token: str | None = None,
                 tls: ssl.SSLContext | None = None) -> None:
        handler = type("Handler", (_Handler,), {"worklist": worklist, "probe": probe,
                                                "token": token})
        self.server = ThreadingHTTPServer((host, port), handler)
        if tls is not None:
            # Handshake lazily, in the request's thread: a silent client must not stop the accept loop.
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True,
                                                 do_handshake_on_connect=False)
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
