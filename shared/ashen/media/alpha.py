"""One background for transparent pictures, on every path.

A GIF, PNG or WebP may be transparent (an alpha channel, or a palette entry marked transparent).
Whatever reads it, ffmpeg on the index path (a video's frames, a clip's, a keyframe for the bars)
or Pillow on the query path (``ashen.query.images``, and a still's index entry), lays it over the
same opaque colour, BACKGROUND, before any block mean is taken; otherwise one file read both ways
gives two pictures (ffmpeg's GIF decoder keeps white under its transparent pixels, Pillow the
palette's colour) and cannot find itself.
"""

from __future__ import annotations

# swscale's "uniform colour" alpha blend lays a picture with alpha over black as it converts it to
# a format without alpha (any format without alpha is left as it is): BACKGROUND must be black.
BACKGROUND = (0, 0, 0)
FFMPEG_ALPHA_BLEND = "alphablend=uniform_color"


def scale_options(flags: str) -> str:
    """The options every ``scale`` filter of the package ends with: its ``flags`` and the blend
    onto BACKGROUND."""
    return f"flags={flags}:{FFMPEG_ALPHA_BLEND}"
