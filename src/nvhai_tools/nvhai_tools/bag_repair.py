"""Repairing a bag whose recorder was killed: every complete message of its .mcap / .db3 into a valid bag.

A recorder killed with -9 leaves no metadata.yaml, and its MCAP file has no summary or footer
(SQLite: an uncommitted transaction, rolled back on open). `repair` reads what is complete —
MCAP records up to the cut (the `mcap` stream reader), SQLite rows committed — and rewrites it with
rosbags, so the bag gets its metadata.yaml and index like any other (what `ros2 bag reindex` does
for rosbag2's own bags). The damaged file is kept beside it as `<name>.damaged`.
"""

from __future__ import annotations

import shutil
import sqlite3
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from nvhai_tools.bag_integrity import chunk_ok
from nvhai_tools.bag_qos import offered_qos
from nvhai_tools.bag_storage import DEFAULT_VERSION, BagError, messages, open_reader, open_writer
from nvhai_tools.bag_types import typestore


@dataclass(frozen=True)
class Topic:
    name: str
    msgtype: str
    serialization_format: str = "cdr"


def storage_file(bag: str | Path) -> Path:
    """The one .mcap or .db3 file of a bag folder."""
    files = sorted(p for p in Path(bag).glob("*") if p.suffix in (".mcap", ".db3"))
    if len(files) != 1:
        raise BagError(f"{bag}: expected one .mcap or .db3 file, found {[p.name for p in files] or 'none'}")
    return files[0]


def _salvage_mcap(path: Path) -> Iterator[tuple[Topic, int, bytes]]:
    """Complete messages up to the cut; a chunk that fails its CRC is left out (bag_integrity names it)."""
    from mcap.exceptions import McapError
    from mcap.reader import breakup_chunk
    from mcap.records import Channel, Chunk, Message, Schema
    from mcap.stream_reader import StreamReader

    schemas: dict[int, str] = {}
    topics: dict[int, Topic] = {}
    with path.open("rb") as f:
        try:
            for outer in StreamReader(f, emit_chunks=True).records:
                if isinstance(outer, Chunk) and not chunk_ok(outer):
                    continue
                for record in breakup_chunk(outer) if isinstance(outer, Chunk) else [outer]:
                    if isinstance(record, Schema):
                        schemas[record.id] = record.name
                    elif isinstance(record, Channel):
                        topics[record.id] = Topic(record.topic, schemas.get(record.schema_id, ""),
                                                  record.message_encoding)
                    elif isinstance(record, Message) and record.channel_id in topics:
                        yield topics[record.channel_id], record.log_time, bytes(record.data)
        except (McapError, struct.error, EOFError, ValueError):
            return  # the cut: everything before it was yielded


def _salvage_sqlite(path: Path) -> Iterator[tuple[Topic, int, bytes]]:
    try:
        db = sqlite3.connect(path)  # opening read-write rolls back the transaction a kill left open
        try:
            topics = {row[0]: Topic(row[1], row[2], row[3]) for row in
                      db.execute("SELECT id, name, type, serialization_format FROM topics")}
            for topic_id, stamp, data in db.execute("SELECT topic_id, timestamp, data FROM messages ORDER BY id"):
                if topic_id in topics:
                    yield topics[topic_id], stamp, bytes(data)
        finally:
            db.close()
    except sqlite3.DatabaseError as e:
        raise BagError(f"{path}: SQLite cannot read it ({e}); nothing can be recovered from this file") from None


def salvage(bag: str | Path) -> Iterator[tuple[Topic, int, bytes]]:
    """(topic, log time ns, serialised message) for every complete message in the bag's storage file."""
    path = storage_file(bag)
    return _salvage_mcap(path) if path.suffix == ".mcap" else _salvage_sqlite(path)


def readable(bag: str | Path) -> bool:
    """Whether rosbags opens the bag and reads every message of it."""
    try:
        with open_reader(bag) as reader:
            for _ in messages(reader):
                pass
        return True
    except BagError:
        return False


def repair(bag: str | Path, version: int = DEFAULT_VERSION) -> dict[str, int] | None:
    """Rewrite `bag` from its storage file; returns messages per topic, None when the bag needed no repair.

    The damaged file is kept beside the new one as `<name>.damaged`.
    """
    bag = Path(bag)
    if readable(bag):
        return None
    src = storage_file(bag)
    work = bag.parent / f".{bag.name}.repair"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    store = typestore()
    counts: dict[str, int] = {}
    try:
        writer = open_writer(work / bag.name, "mcap" if src.suffix == ".mcap" else "sqlite3", version)
        conns = {}
        for topic, stamp, data in salvage(bag):
            if topic not in conns:
                if topic.msgtype not in store.fielddefs:
                    raise BagError(f"{src}: topic {topic.name} has type {topic.msgtype!r}, unknown to nvhai_msgs "
                                   "and the ROS 2 standard messages; cannot rewrite it")
                conns[topic] = writer.add_connection(topic.name, topic.msgtype, typestore=store,
                                                     serialization_format=topic.serialization_format,
                                                     offered_qos_profiles=offered_qos(topic.msgtype))
            writer.write(conns[topic], stamp, data)
            counts[topic.name] = counts.get(topic.name, 0) + 1
        writer.close()
        new_files = list((work / bag.name).iterdir())
        src.rename(src.with_name(src.name + ".damaged"))
        for journal in bag.glob(f"{src.name}-*"):  # SQLite -journal / -wal left by the kill
            journal.unlink()
        for f in new_files:
            f.replace(bag / f.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return counts
