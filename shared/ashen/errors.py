"""Errors the domain raises for bad input; adapters turn them into 4xx answers or one CLI line."""


class AshenError(Exception):
    """Base class: the message is meant for the person who gave the input."""


class MediaError(AshenError):
    """A video could not be probed or decoded (missing, not a video, truncated, audio only...)."""


class ImageError(AshenError):
    """A query image could not be opened, or is too large to be decoded safely."""


class ImageTooLarge(ImageError):
    """A query image is over the byte limit or the pixel limit: refused before it is decoded."""


class NotAnImage(ImageError):
    """The bytes are no image Pillow can open (a file of them may still be a video clip)."""


class UnsupportedImageFormat(NotAnImage):
    """The bytes are an image in a format the query path refuses to decode (TIFF, PSD, EPS...)."""


class NotFoundError(AshenError):
    """A video named by the caller is not in the store."""


class StoreError(AshenError):
    """The store cannot do what was asked right now (locked, misconfigured); the input was fine."""


class StoreBusy(StoreError):
    """Another process held the embedded store's write lock for longer than the busy timeout."""
