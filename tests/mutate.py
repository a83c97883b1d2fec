"""Mangle DICOM files the way other modalities and anonymisers do, at the byte level.

Values are put in as :class:`pydicom.dataelem.RawDataElement`, which pydicom
writes byte for byte: a wrong VR or an unparseable value reaches the file as it
would from a faulty writer, and is only decoded (or not) by the reader.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from pathlib import Path

from pydicom import Dataset
from pydicom.dataelem import RawDataElement
from pydicom.tag import BaseTag

# A value of each VR that is valid for that VR: written under a tag whose PS3.6 VR
# differs, it is a wrong-VR attribute (e.g. Patient's Age as FD 4.0).
WRONG_VR_VALUES = {
    "FD": struct.pack("<d", 4.0), "FL": struct.pack("<f", 4.0), "US": struct.pack("<H", 4),
    "SL": struct.pack("<l", -4), "DS": b"4.0 ", "IS": b"4 ", "DA": b"20200101",
    "CS": b"LEFT", "LO": b"left flank mass", "OB": b"\x00\xff", "SQ": b"",
    "UT": b"calcified mass ",
}
# Values no reader can parse for their VR: wrong lengths, stray bytes, impossible dates.
UNPARSEABLE = (b"\xff\xfe\x00", b"?\x00x", b"1.2.3.4.5.6.7", b"20231399", b"-999Q",
               b"\x1b$B\x1b(", b"NaN ", b"1e999 ")


def element_paths(ds: Dataset, prefix: tuple = ()) -> Iterator[tuple]:
    """Paths (tag, item index, tag, ...) to every element except UIDs and file meta."""
    for element in ds:
        if element.VR == "UI":
            continue
        path = prefix + (element.tag,)
        yield path
        if element.VR == "SQ":
            for index, item in enumerate(element.value):
                yield from element_paths(item, path + (index,))


def parent_of(ds: Dataset, path: tuple) -> Dataset:
    for tag, index in zip(path[:-1:2], path[1:-1:2]):
        ds = ds[tag].value[index]
    return ds


def raw(tag: BaseTag, vr: str, value: bytes) -> RawDataElement:
    if len(value) % 2:  # DICOM values have even length; keep the framing intact
        value += b"\x00" if vr in ("OB", "UN") else b" "
    return RawDataElement(tag, vr, len(value), value, 0, False, True)


def mutate(ds: Dataset, path: tuple, how: str, payload: bytes | str = b"") -> None:
    """Apply one mutation in place: ``delete``, ``empty``, ``wrong-vr`` (payload = VR), ``unparseable``."""
    parent, tag = parent_of(ds, path), path[-1]
    vr = parent.get_item(tag).VR  # raw: a value an earlier change made undecodable stays so
    if how == "delete":
        del parent[tag]
    elif how == "empty":
        parent._dict[tag] = raw(tag, vr, b"")
    elif how == "wrong-vr":
        parent._dict[tag] = raw(tag, payload, WRONG_VR_VALUES[payload])
    elif how == "unparseable":
        parent._dict[tag] = raw(tag, "OB" if vr == "SQ" else vr, payload)
    else:
        raise ValueError(how)


# --- deeply nested SR content trees -----------------------------------------

def _element(group: int, number: int, vr: bytes, value: bytes) -> bytes:
    if len(value) % 2:
        value += b" "
    if vr in (b"UT", b"SQ"):
        return struct.pack("<HH", group, number) + vr + b"\0\0" + struct.pack("<I", len(value)) + value
    return struct.pack("<HH", group, number) + vr + struct.pack("<H", len(value)) + value


def _item(value: bytes) -> bytes:
    return struct.pack("<HHI", 0xFFFE, 0xE000, len(value)) + value


def nested_containers(depth: int, leaf_text: str) -> bytes:
    """A Content Sequence element of CONTAINER items nested ``depth`` deep around one TEXT item.

    Encoded directly (explicit VR little endian, defined lengths): pydicom's
    writer recurses, and fails or takes minutes at this depth.
    """
    content = _item(_element(0x0040, 0xA010, b"CS", b"CONTAINS")
                    + _element(0x0040, 0xA040, b"CS", b"TEXT")
                    + _element(0x0040, 0xA160, b"UT", leaf_text.encode()))
    for _ in range(depth):
        content = _item(_element(0x0040, 0xA010, b"CS", b"CONTAINS")
                        + _element(0x0040, 0xA040, b"CS", b"CONTAINER")
                        + _element(0x0040, 0xA050, b"CS", b"SEPARATE")
                        + _element(0x0040, 0xA730, b"SQ", content))
    return _element(0x0040, 0xA730, b"SQ", content)


MARKER = b"@@deep-tree-goes-here@@ "


def write_with_deep_tree(sr: Dataset, path, depth: int, leaf_text: str) -> None:
    """Write ``sr`` with one more root child: containers ``depth`` deep ending in ``leaf_text``.

    The root Content Sequence and the new item are written with undefined
    length, so the item's placeholder (a UT element, last in its item as the
    Content Sequence would be) can be swapped for the deep sequence in the bytes.
    """
    branch = Dataset()
    branch.RelationshipType, branch.ValueType, branch.ContinuityOfContent = (
        "CONTAINS", "CONTAINER", "SEPARATE")
    branch.TextValue = MARKER.decode()
    sr.ContentSequence.append(branch)
    # Undefined lengths around the placeholder, so that swapping it keeps the framing valid.
    sr["ContentSequence"].is_undefined_length = True
    branch.is_undefined_length_sequence_item = True
    buffer = io.BytesIO()
    sr.save_as(buffer, implicit_vr=False, little_endian=True)
    placeholder = _element(0x0040, 0xA160, b"UT", MARKER)
    data = buffer.getvalue()
    assert data.count(placeholder) == 1
    Path(path).write_bytes(data.replace(placeholder, nested_containers(depth, leaf_text)))
