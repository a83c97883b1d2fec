#!/usr/bin/env python3
"""Check reports.jsonl beside this file: format, labels, kinds (scripts/blind_sets/brief.md).
NN is the set's number, replaced when the file is copied. Run: python3 check.py"""
import json
import sys
from collections import Counter
from pathlib import Path

PATH = Path(__file__).with_name("reports.jsonl")
PREFIX = "qNN-"
KINDS = ("plain", "style", "other-organ-side", "follow-up", "caveat", "history", "indication",
         "haemorrhage", "calc-elsewhere", "negation-post", "family", "normal", "hedge",
         "mass-synonym", "calc-synonym", "midline", "negation-pre", "mass-effect",
         "nonshadowing", "bilateral")
PER_KIND = 18
TRI = ("present", "absent", "unknown")
SIDES = ("left", "right", "bilateral", "none")
ORGANS = ("adrenal", "kidney", "liver", "ovary", "retroperitoneum", "other", None)
KEYS = ("id", "text", "kind", "mass", "calcification", "laterality", "organ", "follow_up",
        "haemorrhage")


def problems(n: int, d: dict) -> list[str]:
    out = []
    if tuple(d) != KEYS:
        out.append(f"keys must be exactly {KEYS} in that order")
        return out
    if d["id"] != f"{PREFIX}{n:03d}":
        out.append(f"id should be {PREFIX}{n:03d}")
    if not isinstance(d["text"], str) or len(d["text"].strip()) < 3:
        out.append("text missing")
    if d["kind"] not in KINDS:
        out.append(f"kind not in {KINDS}")
    if d["mass"] not in TRI or d["calcification"] not in TRI:
        out.append("mass/calcification must be present|absent|unknown")
    if d["laterality"] not in SIDES:
        out.append(f"laterality not in {SIDES}")
    if d["organ"] not in ORGANS:
        out.append(f"organ not in {ORGANS}")
    if not isinstance(d["follow_up"], bool) or not isinstance(d["haemorrhage"], bool):
        out.append("follow_up and haemorrhage must be true/false")
    if d["mass"] != "present" and (d["laterality"] != "none" or d["organ"] is not None):
        out.append("laterality must be none and organ null unless mass is present")
    if d["mass"] != "present" and d["calcification"] == "present":
        out.append("calcification (of the mass) cannot be present unless the mass is present")
    return out


def main() -> int:
    rows, bad = [], 0
    for n, line in enumerate(PATH.read_text(encoding="utf-8").splitlines(), 1):
        try:
            d = json.loads(line)
        except json.JSONDecodeError as e:
            print(f"line {n}: not JSON: {e}")
            bad += 1
            continue
        for p in problems(n, d):
            print(f"line {n}: {p}")
            bad += 1
        rows.append(d)
    kinds = Counter(d.get("kind") for d in rows)
    for k in KINDS:
        if kinds[k] != PER_KIND:
            print(f"kind {k}: {kinds[k]} items, need {PER_KIND}")
            bad += 1
    texts = Counter(d.get("text", "").strip().lower() for d in rows)
    for t, c in texts.items():
        if c > 1:
            print(f"duplicate text x{c}: {t[:60]}")
            bad += 1
    fires = sum(1 for d in rows if d.get("mass") == "present" and d.get("calcification") == "present"
                and not d.get("follow_up") and not d.get("haemorrhage")
                and d.get("organ") not in ("liver", "ovary"))
    long = sum(1 for d in rows if len(d.get("text", "")) > 300)
    print(f"{len(rows)} items; CT-indicated by the labels: {fires}; texts over 300 characters: {long}")
    print("OK" if bad == 0 and len(rows) == PER_KIND * len(KINDS) else f"{bad} problem(s)")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
