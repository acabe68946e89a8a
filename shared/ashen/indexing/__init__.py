"""Indexing: a video into scenes in the store.

``scenes`` (runs of frames into scenes), ``segments`` (a stretch of the time line hashed by one
worker, and the seam rule that makes segments add up to one full read), ``picture`` (bars baked into
a whole video), ``indexer`` (one file indexed on this machine), ``naming`` (the naming rule of every
path), ``catalog`` (which files of a local library need hashing), ``library`` (``ashen serve``'s uploads).
"""
