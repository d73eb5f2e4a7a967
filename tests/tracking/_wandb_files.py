"""Read the runs W&B wrote in offline mode back from their ``.wandb`` files.

A ``.wandb`` file is W&B's transaction log: a 7-byte header (``:W&B``, a magic number, a
version), then LevelDB-log style blocks of 32 KiB whose records (a 7-byte header: CRC,
length, type; full or split first / middle / last) carry ``wandb_internal_pb2.Record``
protobufs.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wandb.proto import wandb_internal_pb2

BLOCK = 32 * 1024
HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


@dataclass
class OfflineRun:
    run_id: str = ""
    name: str = ""
    group: str = ""
    job_type: str = ""
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    exit_code: int | None = None


def _payloads(data: bytes) -> list[bytes]:
    if data[:4] != b":W&B":
        raise ValueError("not a .wandb file")
    payloads, pending, offset = [], b"", HEADER
    while offset + HEADER <= len(data):
        room = BLOCK - offset % BLOCK
        if room < HEADER:
            offset += room
            continue
        _crc, length, kind = struct.unpack("<IHB", data[offset:offset + HEADER])
        if length == 0 and kind == 0:
            offset += room
            continue
        chunk = data[offset + HEADER:offset + HEADER + length]
        offset += HEADER + length
        if kind == FULL:
            payloads.append(chunk)
        elif kind == FIRST:
            pending = chunk
        elif kind == MIDDLE:
            pending += chunk
        elif kind == LAST:
            payloads.append(pending + chunk)
            pending = b""
    return payloads


def _items(items: Any) -> dict[str, Any]:
    return {(i.key or "/".join(i.nested_key)): json.loads(i.value_json) for i in items}


def read_offline_run(path: Path) -> OfflineRun:
    run = OfflineRun()
    for payload in _payloads(path.read_bytes()):
        record = wandb_internal_pb2.Record()
        record.ParseFromString(payload)
        kind = record.WhichOneof("record_type")
        if kind == "run":
            # A run record may come again with only some fields set: keep what is known.
            info = record.run
            run.run_id = info.run_id or run.run_id
            run.name = info.display_name or run.name
            run.group = info.run_group or run.group
            run.job_type = info.job_type or run.job_type
            run.notes = info.notes or run.notes
            run.tags = list(info.tags) or run.tags
            run.config.update(_items(info.config.update))
        elif kind == "config":
            run.config.update(_items(record.config.update))
        elif kind == "history":
            run.history.append(_items(record.history.item))
        elif kind == "summary":
            run.summary.update(_items(record.summary.update))
        elif kind == "exit":
            run.exit_code = record.exit.exit_code
    return run


def read_offline_runs(directory: Path) -> list[OfflineRun]:
    return [read_offline_run(path) for path in sorted(directory.rglob("offline-run-*/*.wandb"))]
