"""Media: video through the ffmpeg binary imageio-ffmpeg ships.

``probe`` (what a video is), ``frames`` (every frame of a time range as signatures and luma grids,
without Python holding a full-size frame), ``stills`` (8-bit pictures: a frame near a time, the
frames of a short query clip).
"""
