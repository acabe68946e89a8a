"""What a search is asked for (``SearchOptions``) and the constants it is tuned with (``Tuning``).

The tuning values were calibrated on the robustness benchmark (docs/benchmarks.md); tests and
benchmarks pass other values in instead of patching module globals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ashen.descriptors.signature import SIMILARITY_SCALE
from ashen.query.readings import ReadingOptions

DEFAULT_LIMIT = 10
MAX_LIMIT = 100  # the most matches a search answers (the API's limit, `ashen search --limit`)


@dataclass(frozen=True)
class Tuning:
    """The constants of the search pipeline (docs/how-search-works.md explains each stage)."""

    # At or above this similarity an answer is confident. Below min_similarity it would not be
    # reported; it is 0: every query that reaches a scene gets an answer, and `confident` says
    # whether to trust it (as trace.moe answers every query, with its similarity).
    confident_similarity: float = 0.8
    min_similarity: float = 0.0
    # The wider second probe, when the first finds nothing confident: two steps in every keyed
    # value and four in any one of them, for this many of the most promising readings.
    wide_margin: int = 2
    wide_reach: int = 4
    wide_readings: int = 8
    # The far probe: when after the wide probe the closest scene is still below this similarity,
    # the reading closest to any scene read reads every bucket within two cells in each luma
    # value (a sign or a pan moves several at once). Right answers seldom score under 0.6 (3 to 5%
    # of the release edits' queries on each set), the wide probe's misses 0.35 to 0.52.
    far_below: float = 0.6
    # A query with no colour: its first luma-only readings of the picture as given or trimmed read
    # every chroma cell of their luma cells in the first probe (about a thousand keys each).
    luma_sweeps: int = 4
    # When both probes find no scene at all, a store of at most this many scenes is read whole: a
    # small library has empty neighbourhoods, and reading it costs less than a wide probe does.
    read_all_scenes: int = 50_000
    # Moments: a video's scenes within this CLD distance of its closest contend, and their luma
    # grids choose among them. An edit can move the right moment of a still shot a few steps.
    moment_margin: float = 3.5
    # ... and this far for a frame with a dark overlay painted over (censorship mist): a third of
    # the picture is a guess, so its CLD says which video but only roughly when.
    painted_moment_margin: float = 6.0
    # ... and this far for a picture with no colour (a grayscale release): compared on its Y
    # values alone, one quantisation step of them moves it several units, and among a fixed
    # camera's moments another one's Y values can tie the picture's while the right one's lie
    # 4-5 further (the grid, 0.4-0.5 against 1.0, then tells them apart).
    colourless_moment_margin: float = 6.0
    # ... and this far for a picture showing an overlay no contending scene explains (a sign, a
    # title card): it moves the picture's CLD, the right moment's further than others'.
    overlay_moment_margin: float = 6.0
    # ... and, of such a frame, the video's scenes whose luma grids are this many closest to the
    # painted reading's on the cells it shows: the guess's CLD can put the right moment past any
    # margin (a cloud over a third of a moving shot), while the shown two thirds still tell it.
    painted_grid_contenders: int = 8
    # Neighbour ranges: the top video's scenes this close (seconds) to its contending moments are
    # read too, in at most this many ranges, each at most this long.
    neighbour_s: float = 2.0
    neighbour_ranges: int = 4
    neighbour_span_s: float = 30.0
    # Rounds of neighbour ranges and follows at most: another only when a follow found more of the
    # video's scenes (a fixed camera's shot seen again seconds away, in a bucket a cell over).
    follow_rounds: int = 2
    # ... each round at most this many buckets (a far query's many contenders are spread over
    # many; on DynamoDB a bucket of low-texture frames is 8 requests).
    follow_buckets: int = 2
    # The clip vote: candidates per frame that vote, how far (seconds) a frame's evidence may be
    # off the offset it supports, and the share of frames whose support makes an offset's score.
    clip_top_k: int = 25
    clip_tolerance_s: float = 0.5
    clip_quorum: float = 0.75

    @property
    def dim_penalty(self) -> float:
        """Added to a reading too plain for the index to store yet searched: a dim, low-texture
        picture matches many dark frames closely, so alone it never gets a confident answer."""
        return (1 - self.confident_similarity) * SIMILARITY_SCALE

    def confident(self, similarity: float) -> bool:
        return similarity >= self.confident_similarity


@dataclass(frozen=True)
class SearchOptions:
    """One search: how many answers, which titles (those containing ``title``, those of the AniList
    id ``anilist_id``), which readings of the query, and whether to read every bucket (brute force,
    for benchmarks) instead of those the probe chooses."""

    limit: int = DEFAULT_LIMIT
    title: str | None = None
    anilist_id: int | None = None
    readings: ReadingOptions = field(default_factory=ReadingOptions)
    brute_force: bool = False
    tuning: Tuning = field(default_factory=Tuning)
