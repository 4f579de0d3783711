"""MCAP chunk checksums: writing them into nvhai's bags, and finding the chunks that fail them.

An MCAP chunk carries the CRC-32 of its records (0: not computed). rosbags writes 0, so damage inside
a chunk (a disk error, 4 KB zeroed) was played as garbage without a word; nvhai's writer now fills
the CRC in, and `play` / `repair` check every chunk first and name the messages a damaged one held
(from the chunk's message index, which lies outside the chunk). Bags written without CRCs (by
rosbags, or nvhai before this) cannot be checked this way.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

CRC_OFFSET = 1 + 8 + 24  # opcode, record length, message start/end time and uncompressed size


@dataclass(frozen=True)
class DamagedChunk:
    offset: int  # byte offset of the chunk record in the .mcap file
    start_ns: int  # log time of its first and last message
    end_ns: int
    lost: dict[str, int]  # topic -> messages the chunk held

    def describe(self) -> str:
        counts = ", ".join(f"{n} on {t}" for t, n in sorted(self.lost.items())) or "its messages"
        return (f"the chunk at byte {self.offset} fails its CRC: {counts} lost "
                f"(log time {self.start_ns / 1e9:.3f}-{self.end_ns / 1e9:.3f} s)")


def write_chunk_crcs(storage) -> None:
    """Make a rosbags MCAP writer (`Writer.storage` after open) fill in each chunk's CRC.

    rosbags 0.11 (pinned) writes the chunk with a 0 CRC from its pending records; the CRC of those
    records is written over the 0 once the chunk is on disk.
    """
    close_chunk = storage.close_chunk

    def close_chunk_with_crc() -> None:
        crc = zlib.crc32(storage.chunk.bio.getvalue())
        start = storage.bio.tell()
        close_chunk()
        end = storage.bio.tell()
        storage.bio.seek(start + CRC_OFFSET)
        storage.bio.write(struct.pack("<I", crc))
        storage.bio.seek(end)

    storage.close_chunk = close_chunk_with_crc


def chunk_ok(chunk) -> bool:
    """Whether an mcap.records.Chunk's records match its CRC (True when it carries none)."""
    from mcap.stream_reader import get_chunk_data_stream

    try:
        get_chunk_data_stream(chunk, validate_crc=True)
    except Exception:  # CRCValidationError, or data that does not even decompress
        return False
    return True


def damaged_chunks(mcap_file: str | Path) -> list[DamagedChunk]:
    """The chunks of an indexed .mcap file whose records fail their CRC. A file without a summary
    (a killed recorder) gives [] here: reading it fails on its own, and `repair` handles it."""
    from mcap.data_stream import ReadDataStream
    from mcap.exceptions import McapError
    from mcap.reader import make_reader
    from mcap.records import Chunk, MessageIndex

    damaged = []
    with Path(mcap_file).open("rb") as f:
        try:
            summary = make_reader(f).get_summary()
        except (McapError, struct.error, EOFError, ValueError):
            return []
        if summary is None:
            return []
        topics = {cid: c.topic for cid, c in summary.channels.items()}
        for index in summary.chunk_indexes:
            f.seek(index.chunk_start_offset + 1 + 8)
            try:
                ok = chunk_ok(Chunk.read(ReadDataStream(f)))
            except (McapError, struct.error, EOFError, ValueError, MemoryError):
                ok = False
            if ok:
                continue
            lost: dict[str, int] = {}
            for cid, offset in index.message_index_offsets.items():
                f.seek(offset + 1 + 8)
                try:
                    count = len(MessageIndex.read(ReadDataStream(f)).records)
                except (McapError, struct.error, EOFError, ValueError):
                    continue
                topic = topics.get(cid, f"channel {cid}")
                lost[topic] = lost.get(topic, 0) + count
            damaged.append(DamagedChunk(index.chunk_start_offset, index.message_start_time, index.message_end_time,
                                        lost))
    return damaged
