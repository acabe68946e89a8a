"""Small files that decode to a lot of pixels, built byte by byte so that making them is cheap.

Used by the decoding-budget tests and by ``benchmarks/hostile_inputs.py``.
"""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

_PALETTE = bytes([0, 0, 0, 255, 255, 255, 200, 30, 30, 30, 30, 200])  # 4 colours: 2-bit codes


def _gif_image_data(width: int, height: int, colour: int = 0) -> bytes:
    """LZW code size and data sub-blocks of a uniform ``width`` x ``height`` frame (Pillow encodes it)."""
    img = Image.new("P", (width, height), colour)
    img.putpalette(_PALETTE)
    buf = io.BytesIO()
    img.save(buf, "GIF")
    data = buf.getvalue()
    pos = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)
    while data[pos : pos + 1] == b"!":  # skip extensions
        pos += 2
        while data[pos]:
            pos += data[pos] + 1
        pos += 1
    flags = data[pos + 9]
    pos += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    return data[pos:-1]  # up to the trailer


def _gif_frame(box: tuple[int, int, int, int], image_data: bytes, delay_cs: int) -> bytes:
    x, y, w, h = box
    control = b"!\xf9\x04\x04" + struct.pack("<H", delay_cs) + b"\x00\x00"  # disposal 1: keep
    return control + b"," + struct.pack("<HHHH", x, y, w, h) + b"\x00" + image_data


def gif(canvas: tuple[int, int], frames: int, *, delay_cs: int = 10, grow_to: tuple[int, int] | None = None) -> bytes:
    """A GIF of ``frames`` frames on a ``canvas``: one full uniform frame, then 1x1 frames. With
    ``grow_to``, the last frame lies at that corner, outside the declared canvas (Pillow grows it)."""
    width, height = canvas
    head = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x81, 0, 0) + _PALETTE
    loop = b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    body = [_gif_frame((0, 0, width, height), _gif_image_data(width, height), delay_cs)]
    dot = _gif_image_data(1, 1, 1)
    for index in range(1, frames):
        body.append(_gif_frame((index % width, 0, 1, 1), dot, delay_cs))
    if grow_to is not None:
        body.append(_gif_frame((grow_to[0] - 1, grow_to[1] - 1, 1, 1), dot, delay_cs))
    return head + loop + b"".join(body) + b";"


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _zero_rows(width: int, height: int, channels: int) -> bytes:
    """The zlib stream of a black image, row by row (filter byte 0 then zeros)."""
    packer = zlib.compressobj(9)
    row = bytes(1 + width * channels)
    out = [packer.compress(row) for _ in range(height)]
    return b"".join(out) + packer.flush()


def apng(size: tuple[int, int], frames: int, *, rgba: bool = True) -> bytes:
    """An APNG of ``frames`` full-canvas black frames of ``size`` (RGBA, or grey), 100 ms each."""
    width, height = size
    channels, colour_type = (4, 6) if rgba else (1, 0)
    data = _zero_rows(width, height, channels)
    out = [b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0))]
    out.append(_chunk(b"acTL", struct.pack(">II", frames, 0)))
    sequence = 0
    for index in range(frames):
        fctl = struct.pack(">IIIIIHHBB", sequence, width, height, 0, 0, 1, 10, 0, 0)
        out.append(_chunk(b"fcTL", fctl))
        sequence += 1
        if index == 0:
            out.append(_chunk(b"IDAT", data))
        else:
            out.append(_chunk(b"fdAT", struct.pack(">I", sequence) + data))
            sequence += 1
    out.append(_chunk(b"IEND", b""))
    return b"".join(out)


def tiff_with_huge_page(small: tuple[int, int], huge: tuple[int, int], pages: int = 4) -> bytes:
    """A multi-page bilevel TIFF whose last page is ``huge`` (the first ones ``small``)."""
    first = Image.new("1", small, 1)
    rest = [Image.new("1", small, 1) for _ in range(pages - 2)] + [Image.new("1", huge, 1)]
    buf = io.BytesIO()
    first.save(buf, "TIFF", save_all=True, append_images=rest, compression="group4")
    return buf.getvalue()


def psd(size: tuple[int, int]) -> bytes:
    """A minimal uncompressed 8-bit RGB Photoshop file."""
    width, height = size
    head = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, height, width, 8, 3)
    return head + struct.pack(">III", 0, 0, 0) + struct.pack(">H", 0) + bytes(3 * width * height)


def eps(size: tuple[int, int]) -> bytes:
    """An EPS file as Pillow writes one."""
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(buf, "EPS")
    return buf.getvalue()
