"""The DynamoDB tables as pynamodb models, and the keys of their items (see ashen.store.dynamodb).

Scene items live in the partition of their bucket's **block** (``block``: a coarser grid of the
bucket cells, ashen.descriptors.buckets.block_key), and their sort key leads with the bucket:
``<bucket>#<video id>#<revision tag>#<start in ms, base 36>``, so the neighbouring buckets of one
block are one sort-key range. Every scene item belongs to one revision of its video (one upload
of the S3 object), whose tag is in the sort key, so two revisions of a video never overwrite each
other's items. The ``by_video`` index (hash key the video, range key ``sk``, keys only) lists a
video's scene items, to delete them.

Items are **lean** (issue 19: a search's cost is the bytes of the items its probe reads): each
part is stored once (the bucket and the revision tag are read from ``sk``), every attribute has a
one-letter name (``attr_name``; the Python names stay), and what a probe does not need (the luma
grid, the frame count) is in the scene's timeline item only.

The luma grids live apart from the probe's items (issue 19: 257 of a scene item's 407 bytes
were its grid, read with every scene a probe touched, though a search compares the grids of a
few dozen scenes): each scene is also a **timeline item** in its video's **timeline** partition
(``@<video id>``, sort key ``vsk`` = ``<revision tag>#<start>``), with its times, signature,
frame count and luma grid. One Query of a
timeline reads a time range of one revision (neighbour ranges; ~12 grids per 4 KB read unit),
and search reads the grids of the scenes it compares from there (ashen.store.dynamodb_timeline).

A video item names the revision whose scenes answer searches (``live``); items of any other
revision are ignored by reads and deleted by clean-up. **Cell map** items (partition
``<scheme>m-<cells / 4>``, sort key ``#map``) list the buckets that hold scenes in a region of
2^6 blocks, which tells a reader which ranges to ask for (ashen.store.dynamodb_cells).
"""

from __future__ import annotations

import hashlib
import os
from typing import Any, cast

from pynamodb.attributes import (
    Attribute,
    BinaryAttribute,
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import MetaProtocol, Model

from ashen.records import Candidate

READ_CONNECTIONS = 32  # requests in flight at once when a search reads (and HTTP connections kept)
REMOVED = "removed"  # the status of a tombstone: the object was deleted (see DynamoStore.remove_upload)


def revision_tag(revision: str) -> str:
    """The short form of a revision that scene items carry (8 hex digits of its SHA-1)."""
    return hashlib.sha1(revision.encode()).hexdigest()[:8]


def sort_key(tag: str, start: float) -> str:
    """A scene's sort key in its video's timeline (``vsk``): one revision of a video, by time."""
    return f"{tag}#{start:012.3f}"


_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def short_time(start: float) -> str:
    """A start to the millisecond in base 36 (a 24-minute episode's last scene: 5 characters, not
    ``sort_key``'s 12): it only tells a revision's scenes of one bucket apart, in no order."""
    n, out = max(0, round(start * 1000)), ""
    while True:
        n, digit = divmod(n, 36)
        out = _BASE36[digit] + out
        if not n:
            return out


def cell_key(bucket: str, video_id: str, tag: str, start: float) -> str:
    """A scene's sort key in its block's partition: its bucket first, so a bucket (and a run of
    neighbouring buckets) is a sort-key range; then the video, the revision tag and the start
    (``short_time``: a probe pays for every byte of the key)."""
    return f"{bucket}#{video_id}#{tag}#{short_time(start)}"


def bucket_of(sk: str) -> str:
    """The bucket of a scene item, from its sort key (``cell_key``: the bucket leads)."""
    return sk.split("#", 1)[0]


def conditional_failed(exc: Exception) -> bool:
    """A write refused by its condition (pynamodb's PutError, UpdateError, DeleteError)."""
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def stored(*attributes: Attribute[Any]) -> list[str]:
    """The stored names of model attributes, for ``attributes_to_get`` (which takes them as given)."""
    return [a.attr_name for a in attributes]


def tag_of(vsk: str) -> str:
    """The revision tag of a timeline item, from its sort key (``sort_key``)."""
    return vsk.split("#", 1)[0]


def cell_tag(sk: str) -> str:
    """The revision tag of a scene item, from its sort key (``cell_key``: the tag is next to last)."""
    return sk.rsplit("#", 2)[1]


MAP_KEY = "#map"  # the sort key of a cell map item (in a partition of its own)


def sequencer_order(sequencer: str | None) -> str:
    """An S3 event's sequencer in a form whose string order is the events' order. S3's rule: pad
    the shorter value with zeros on the right, then compare lexicographically. No sequencer (an
    event not from S3) orders before every real one."""
    return (sequencer or "").upper().ljust(40, "0")[:40] if sequencer else ""


class ByVideo(GlobalSecondaryIndex["SceneItem"]):  # type: ignore[no-untyped-call]  # pynamodb's __init_subclass__
    class Meta:
        index_name = "by_video"
        projection = KeysOnlyProjection()

    video = UnicodeAttribute(hash_key=True, attr_name="v")
    sk = UnicodeAttribute(range_key=True, attr_name="k")


class SceneItem(Model):
    """One scene of one revision of a video, in its block's partition. Unbound: ``make_models``
    gives each store a subclass naming its table (pynamodb copies the index onto it). Stored
    names are one letter (an item's size counts them); ``bucket`` and ``rev`` are read from the keys."""

    block = UnicodeAttribute(hash_key=True, attr_name="b")  # the block partition (hot buckets: <block>#<shard>)
    sk = UnicodeAttribute(range_key=True, attr_name="k")  # cell_key (and by_video's range key)
    video = UnicodeAttribute(attr_name="v")  # by_video's hash key
    start = NumberAttribute(attr_name="s")
    at = NumberAttribute(attr_name="a")
    end = NumberAttribute(attr_name="e")
    sig = BinaryAttribute(legacy_encoding=False, attr_name="g")
    luma = BinaryAttribute(legacy_encoding=False, null=True, attr_name="l")  # written before timelines only
    cut = BooleanAttribute(null=True, attr_name="c")  # the scene starts a shot (absent: it does not)
    by_video = ByVideo()

    @property
    def bucket(self) -> str:
        return bucket_of(self.sk)

    @property
    def rev(self) -> str:
        """The revision_tag of the upload the scene was hashed from."""
        return cell_tag(self.sk)


TIMELINE = "@"  # leads a timeline partition's key: no block or cell map key holds it


def timeline_key(video_id: str) -> str:
    """The partition of a video's timeline items (every revision's)."""
    return f"{TIMELINE}{video_id}"


class TimelineItem(Model):
    """One scene of one revision of a video in its video's timeline (same table as the scenes,
    partition ``timeline_key``, sort key ``sort_key``): its times, signature and luma grid, which
    the probe's scene items do not carry. Unbound, as SceneItem."""

    timeline = UnicodeAttribute(hash_key=True, attr_name="b")
    vsk = UnicodeAttribute(range_key=True, attr_name="k")  # sort_key: revision tag, then time
    start = NumberAttribute(attr_name="s")
    at = NumberAttribute(attr_name="a")
    end = NumberAttribute(attr_name="e")
    frames = NumberAttribute(attr_name="f")
    sig = BinaryAttribute(legacy_encoding=False, attr_name="g")
    luma = BinaryAttribute(legacy_encoding=False, null=True, attr_name="l")
    cut = BooleanAttribute(null=True, attr_name="c")

    @property
    def video(self) -> str:
        return self.timeline[len(TIMELINE) :]

    @property
    def rev(self) -> str:
        return tag_of(self.vsk)


class CellMapItem(Model):
    """The cell map of one region of blocks: which of its buckets hold scenes (added before the
    scenes are written; taken out once emptied, ashen.store.dynamodb_cells.CellReader.shrink).
    Same table as the scenes, sort key ``MAP_KEY``. Unbound, as SceneItem."""

    block = UnicodeAttribute(hash_key=True, attr_name="b")
    sk = UnicodeAttribute(range_key=True, default=MAP_KEY, attr_name="k")
    cells = UnicodeSetAttribute(null=True)
    writers = UnicodeSetAttribute(null=True)  # "<epoch s>#<uuid>" of each writer between note and done
    version = NumberAttribute(null=True)  # +1 at each writer's note and done: a shrink's condition


def listing_string(key: tuple[str, str, str, str]) -> str:
    """A records.listing_key as the by_status index's sort key: its parts joined by U+001F, which
    sorts below every printable character, so the string order is the tuple order."""
    return "\x1f".join(key)


class ByStatus(GlobalSecondaryIndex["VideoItem"]):  # type: ignore[no-untyped-call]  # pynamodb's __init_subclass__
    """Videos of one status in listing order: the paged listing, without a Scan."""

    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    listing = UnicodeAttribute(range_key=True)


class VideoItem(Model):
    """One video: its record, the fields the hash workers update in place, and which revision
    answers. Unbound, as SceneItem."""

    id = UnicodeAttribute(hash_key=True)
    record = UnicodeAttribute()  # the VideoRecord as JSON, minus the fields below
    title = UnicodeAttribute()
    kind = UnicodeAttribute(null=True)  # a VideoKind's string (absent: written before stills, a video)
    status = UnicodeAttribute()  # a VideoStatus, stored as its plain string (or REMOVED)
    error = UnicodeAttribute(default="")
    revision = UnicodeAttribute(default="")  # the upload being indexed (or last indexed)
    live = UnicodeAttribute(default="")  # the revision whose scenes answer searches ("" none)
    sequencer = UnicodeAttribute(default="")  # sequencer_order of the last S3 event applied
    queued = BooleanAttribute(default=False)  # the revision's segments are on the queue
    updated_at = NumberAttribute(default=0)  # last progress (seconds since the epoch)
    expires = NumberAttribute(null=True)  # a tombstone's time to live (the table's TTL attribute)
    segments_planned = NumberAttribute(default=0)
    segments_done = NumberAttribute(default=0)
    frames = NumberAttribute(default=0)
    scenes = NumberAttribute(default=0)
    indexed_at = NumberAttribute(default=0)
    done = UnicodeSetAttribute(null=True)
    listing = UnicodeAttribute(null=True)  # listing_string of the record (by_status's sort key)
    by_status = ByStatus()


def table_meta(table: str, *, region: str | None = None, host: str | None = None, connections: int = 0) -> MetaProtocol:
    """A pynamodb model's ``Meta`` for ``table``: on-demand, in ``region`` (else the environment's,
    else us-east-1), at ``host`` when given (else pynamodb's own default endpoint), with
    ``connections`` HTTP connections kept when given (else botocore's pool)."""
    aws_region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    attrs: dict[str, object] = {"table_name": table, "billing_mode": "PAY_PER_REQUEST", "region": aws_region}
    if host:
        attrs["host"] = host
    if connections:
        attrs["max_pool_connections"] = connections
    return cast(MetaProtocol, type("Meta", (), attrs))  # pynamodb reads these off the class


def make_models(
    scenes_table: str, videos_table: str, *, region: str | None = None, host: str | None = None
) -> tuple[type[SceneItem], type[CellMapItem], type[TimelineItem], type[VideoItem]]:
    """The item models bound to the given table names (set at run time from the environment); the
    scenes table's are read by a search, READ_CONNECTIONS requests at once."""

    class Scenes(SceneItem):
        Meta = table_meta(scenes_table, region=region, host=host, connections=READ_CONNECTIONS)

    class CellMaps(CellMapItem):
        Meta = table_meta(scenes_table, region=region, host=host, connections=READ_CONNECTIONS)

    class Timelines(TimelineItem):
        Meta = table_meta(scenes_table, region=region, host=host, connections=READ_CONNECTIONS)

    class Videos(VideoItem):
        Meta = table_meta(videos_table, region=region, host=host)

    return Scenes, CellMaps, Timelines, Videos


def candidate_of(item: SceneItem | TimelineItem) -> Candidate:
    """The candidate a scene item or a timeline item stands for (a scene item carries no grid)."""
    return Candidate(
        item.video,
        float(item.start),
        float(item.at),
        float(item.end),
        bytes(item.sig),
        bytes(item.luma or b""),
        bool(item.cut),
        item.rev,
    )
