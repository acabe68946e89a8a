"""Descriptors: what a picture is reduced to, in pure numpy.

``color_layout`` (the MPEG-7 Color Layout, bit-exact with trace.moe's), ``signature`` (the
``Signature`` value object and LIRE's distance), ``luma_grid`` (16x16 luma block means that tell
tied moments apart) and ``buckets`` (where a signature is stored, and which buckets a query reads).
Nothing here imports the rest of the package.
"""
