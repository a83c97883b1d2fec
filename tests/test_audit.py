"""The audit log: one JSON object per line, rotated by size."""

import json

from advisor.node.audit import BACKUPS, AuditLog


def test_events_are_json_lines_and_the_file_rotates_by_size(tmp_path):
    path = tmp_path / "audit.jsonl"
    audit = AuditLog(path, max_bytes=2000)
    for number in range(200):
        audit("instance-stored", peer="127.0.0.1", sop_uid=f"1.2.3.{number}", duplicate=False)
    audit.close()
    files = sorted(tmp_path.glob("audit.jsonl*"))
    assert len(files) == 1 + BACKUPS, "old files kept up to the backup count"
    assert all(f.stat().st_size <= 2000 for f in files)
    events = [json.loads(line) for line in path.read_text().splitlines()]
    assert events[-1]["event"] == "instance-stored" and events[-1]["sop_uid"] == "1.2.3.199"
    assert events[-1]["time"].endswith("+00:00")
