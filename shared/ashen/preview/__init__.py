"""Previews of a search result: a short clip of the shot around a moment and a still at it, cut
on demand with ffmpeg from the source video, cached, and reached by signed URLs that expire
(docs/previews.md). ``signing`` signs and checks, ``shots`` finds the span a clip may show,
``cutting`` runs ffmpeg, ``service`` puts them together over a cache."""
