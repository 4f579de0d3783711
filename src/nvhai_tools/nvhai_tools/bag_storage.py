"""Opening rosbag2 bags for writing and reading (rosbags), with the choices that make them portable.

Bags are written as rosbag2 metadata version 8 by default: Humble's reader parses it (version 9
stores `offered_qos_profiles` as a YAML list, which Humble cannot read), and so do Iron, Jazzy and
later. Reading errors become one `BagError` line naming the bag and what to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rosbags.rosbag2 import Reader, StoragePlugin, Writer

DEFAULT_VERSION = 8
MAX_METADATA_BYTES = 4 << 20  # a bag's metadata.yaml is kilobytes; YAML-parsing 40 MB took 119 s
VERSIONS = (8, 9)
STORAGES = ("mcap", "sqlite3")


class BagError(ValueError):
    """A bag that cannot be read or written; the message says which and what to do."""


def open_writer(path: str | Path, storage: str = "mcap", version: int = DEFAULT_VERSION) -> Writer:
    """An opened rosbags Writer; the caller closes it (its metadata.yaml is written then)."""
    if version not in VERSIONS:
        raise BagError(f"--bag-version {version}: rosbag2 metadata version must be one of {VERSIONS}")
    plugin = StoragePlugin.MCAP if storage == "mcap" else StoragePlugin.SQLITE3
    if Path(path).exists():
        raise BagError(f"{path} exists already: choose another --out or remove it")
    writer = Writer(path, version=version, storage_plugin=plugin)
    writer.open()
    if plugin == StoragePlugin.MCAP:
        from nvhai_tools.bag_integrity import write_chunk_crcs

        write_chunk_crcs(writer.storage)
    return writer


def flush(writer: Writer) -> None:
    """Put every message written so far on disk, so a killed recorder loses nothing before this call.

    rosbags keeps the current MCAP chunk in memory and commits SQLite only on close; this closes
    the chunk / commits the transaction (rosbags 0.11 storage internals, pinned in requirements.txt
    and exercised by the kill -9 test).
    """
    storage = writer.storage
    if storage is None:
        return
    if hasattr(storage, "close_chunk"):  # MCAP
        if storage.chunk.bio.tell():
            storage.close_chunk()
        storage.bio.flush()
    else:  # SQLite
        storage.conn.commit()


def _one_line(e: Exception) -> str:
    return " ".join(str(e).split()) or type(e).__name__


def _repair_hint(path: str | Path) -> str:
    return f"if the recording was cut off (crash, kill), run `nvhai-bag repair {path}`"


@contextmanager
def open_reader(path: str | Path) -> Iterator[Reader]:
    """A rosbags Reader whose open errors are one line (`BagError`); see `messages` for reading errors."""
    p = Path(path)
    if not p.exists():
        raise BagError(f"{path}: no such bag (a folder with metadata.yaml and a .mcap or .db3 file)")
    if p.is_dir() and not (p / "metadata.yaml").is_file():
        raise BagError(f"{path}: no metadata.yaml; {_repair_hint(path)}")
    if p.is_dir() and (size := (p / "metadata.yaml").stat().st_size) > MAX_METADATA_BYTES:
        raise BagError(f"{path}: metadata.yaml is {size / 1e6:.1f} MB, over the {MAX_METADATA_BYTES / 1e6:.1f} MB "
                       "a bag's metadata can need: not a rosbag2 metadata file; run `nvhai-bag repair` to rebuild it")
    try:
        reader = Reader(p)
        reader.open()
    except Exception as e:  # ReaderError, SQLite/apsw and YAML errors: each means "this bag is bad"
        raise BagError(f"{path}: cannot open the bag ({_one_line(e)}); {_repair_hint(path)}") from None
    try:
        yield reader
    finally:
        reader.close()


def check_chunks(reader: Reader) -> None:
    """BagError naming the messages lost when a chunk of the bag's MCAP file fails its CRC."""
    from nvhai_tools.bag_integrity import damaged_chunks

    for path in sorted(Path(reader.path).glob("*.mcap")):
        damaged = damaged_chunks(path)
        if damaged:
            raise BagError(f"{path}: {len(damaged)} damaged chunk(s): {'; '.join(d.describe() for d in damaged)}; "
                           f"`nvhai-bag repair {reader.path}` rewrites the intact messages")


def messages(reader: Reader, connections=None) -> Iterator:
    """`reader.messages(...)` where a damaged file ends in a `BagError` naming it (not a traceback)."""
    try:
        yield from reader.messages(connections=connections or ())
    except Exception as e:  # raised by the storage reader, never by the caller's loop body
        raise BagError(f"{reader.path}: damaged or truncated storage file ({_one_line(e)}); "
                       f"{_repair_hint(reader.path)}") from None
