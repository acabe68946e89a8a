"""Cell maps shrink: a removal or a replacement takes the buckets it emptied out of their maps, and
never a bucket that holds a scene, whatever a concurrent writer does."""

from __future__ import annotations

import time
from collections.abc import Iterable

import pytest

from ashen.records import Scene
from ashen.store.dynamodb import DynamoStore
from ashen.store.dynamodb_cells import MAP_KEY, CellReader, map_key
from ashen.store.dynamodb_models import revision_tag
from tests.store.test_dynamodb import dynamo, record, scenes_for

__all__ = ["dynamo"]  # the fixture, used by name


def listed(store: DynamoStore, buckets: Iterable[str]) -> set[str]:
    """The buckets the cell maps list among ``buckets``."""
    wanted = set(buckets)
    return {b for cells in store.cells.maps(wanted).values() for b in cells} & wanted


def holding(store: DynamoStore, buckets: Iterable[str]) -> set[str]:
    """The buckets that hold a scene item (read through a full scan, not through the maps)."""
    wanted = set(buckets)
    return {item.bucket for item in store.Scene.scan(store.Scene.sig.exists())} & wanted


def write_one(store: DynamoStore, bucket: str, scene: Scene) -> None:
    """A writer of one scene of video 9 into ``bucket``, as the store writes (maps first)."""
    with store.cells.writing([bucket]):
        store._scene_item("vid9", revision_tag("r9"), bucket, scene).save()


@pytest.mark.slow  # seconds of moto: the full suite runs it, not the fast one
def test_removing_or_replacing_a_video_takes_its_emptied_buckets_out_of_the_maps(dynamo: DynamoStore) -> None:
    one, two, three = scenes_for(1, 9), scenes_for(2, 9), scenes_for(3, 6)
    everything = {b for b, _ in one + two + three}
    dynamo.replace_video(record(1), one)
    dynamo.replace_video(record(2), two)
    assert listed(dynamo, everything) == holding(dynamo, everything) == {b for b, _ in one + two}
    hot = {b for b, _ in one} & {b for b, _ in two}
    assert hot  # the flat frames' bucket: both videos hold it, on their own shards

    dynamo.replace_video(record(1), three)  # the old revision's buckets go, the new one's come
    assert listed(dynamo, everything) == holding(dynamo, everything) == {b for b, _ in two + three}
    dynamo.remove_video("vid2")  # the shared hot bucket stays: video 3's scenes are on another shard
    assert listed(dynamo, everything) == {b for b, _ in three} and hot <= listed(dynamo, everything)
    dynamo.remove_video("vid1")
    assert listed(dynamo, everything) == holding(dynamo, everything) == set()


def test_a_writer_in_flight_keeps_its_bucket_listed(dynamo: DynamoStore) -> None:
    """A writer has noted its bucket and not yet written: the bucket is empty when the removal
    looks, and still must stay listed."""
    bucket, scene = scenes_for(1, 2)[1]
    dynamo.replace_video(record(1), [(bucket, scene)])
    with dynamo.cells.writing([bucket]):
        dynamo.remove_video("vid1")
        assert listed(dynamo, [bucket]) == {bucket} and holding(dynamo, [bucket]) == set()
        dynamo._scene_item("vid9", revision_tag("r9"), bucket, scene).save()
    assert [item.video for item in dynamo.cells.read([bucket])] == ["vid9"]


def test_a_writer_that_notes_between_the_check_and_the_update_keeps_its_bucket_listed(
    dynamo: DynamoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The removal finds the bucket empty, then a writer notes it and writes, then the removal
    updates the map: the update is refused (the map's version moved), the bucket stays."""
    bucket, scene = scenes_for(1, 2)[1]
    dynamo.replace_video(record(1), [(bucket, scene)])
    check = CellReader.empty

    def racing(reader: CellReader, b: str) -> bool:
        seen = check(reader, b)
        write_one(dynamo, bucket, scene)
        return seen

    monkeypatch.setattr(CellReader, "empty", racing)
    dynamo.remove_video("vid1")
    assert listed(dynamo, [bucket]) == holding(dynamo, [bucket]) == {bucket}
    assert [item.video for item in dynamo.cells.read([bucket])] == ["vid9"]


def test_a_writer_that_died_between_note_and_done_blocks_shrinking_only_for_its_lease(dynamo: DynamoStore) -> None:
    bucket, scene = scenes_for(1, 2)[1]
    dynamo.replace_video(record(1), [(bucket, scene)])
    M = dynamo.CellMap
    dead = {f"{time.time() - 3700:.0f}#dead"}
    M(map_key(bucket), MAP_KEY).update(actions=[M.writers.add(dead)])
    dynamo.remove_video("vid1")
    assert listed(dynamo, [bucket]) == set()
    assert M.get(map_key(bucket), MAP_KEY).writers is None  # the dead writer's token is cleared

    dynamo.replace_video(record(1), [(bucket, scene)])
    alive = {f"{time.time() - 60:.0f}#alive"}
    M(map_key(bucket), MAP_KEY).update(actions=[M.writers.add(alive)])
    dynamo.remove_video("vid1")
    assert listed(dynamo, [bucket]) == {bucket}
