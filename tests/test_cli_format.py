"""How the CLI prints for people: h:mm:ss, moments to the millisecond, MiB, tables with a header."""

from __future__ import annotations

import pytest

from ashen.cli_format import Column, duration, mebibytes, pairs, table, timecode


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (37.1, "0:00:37"),
        (26.2, "0:00:26"),
        (59.6, "0:01:00"),
        (3725.4, "1:02:05"),
        (12 * 3600, "12:00:00"),
        (0.0, "0:00:00"),
        (None, "-"),
        (float("nan"), "-"),
        (-1.0, "-"),
    ],
)
def test_a_duration_is_h_mm_ss(seconds: float | None, shown: str) -> None:
    assert duration(seconds) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(7.44, "0:00:07.440"), (3725.0625, "1:02:05.062"), (59.9996, "0:01:00.000"), (0.0, "0:00:00.000")],
)
def test_a_moment_is_h_mm_ss_mmm(seconds: float, shown: str) -> None:
    assert timecode(seconds) == shown


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (331_776, "0.32 MiB"),
        (2**20, "1.0 MiB"),
        (5 * 2**20 + 2**19, "5.5 MiB"),
        (0, "0.00 MiB"),
        (3 * 2**30, "3072.0 MiB"),
    ],
)
def test_a_size_is_in_mib(size: int, shown: str) -> None:
    assert mebibytes(size) == shown


def test_a_table_has_a_header_and_aligned_columns() -> None:
    columns = (Column("id"), Column("title"), Column("frames", right=True))
    lines = table(columns, [["a1", "Sintel", 652], ["b22", "A longer title", 7]], indent="  ")
    assert lines == [
        "  id   title           frames",
        "  a1   Sintel             652",
        "  b22  A longer title       7",
    ]
    assert table(columns, []) == ["id  title  frames"]  # a header even when empty
    with pytest.raises(ValueError, match="one cell per column"):
        table(columns, [["a", "b"]])


def test_labelled_values_line_up() -> None:
    assert pairs([("videos", 3), ("store size", "1.0 MiB")]) == ["videos      3", "store size  1.0 MiB"]
