"""trace.moe's Color Layout written out as trace.moe-api's src/lib/color-layout.ts computes it,
loop for loop, for the tests to hold Ashen's vectorised descriptor against.

Python floats are the float64 numbers of JavaScript; ``_f32`` is a store into a Float32Array.
Only the cosine table and the zigzag scan are copied; nothing is taken from ashen.
"""

import math
import struct

import numpy as np
import numpy.typing as npt

REF_COS = [
    [3.535534e-1] * 8,
    [4.903926e-1, 4.157348e-1, 2.777851e-1, 9.754516e-2, -9.754516e-2, -2.777851e-1, -4.157348e-1, -4.903926e-1],
    [4.619398e-1, 1.913417e-1, -1.913417e-1, -4.619398e-1, -4.619398e-1, -1.913417e-1, 1.913417e-1, 4.619398e-1],
    [4.157348e-1, -9.754516e-2, -4.903926e-1, -2.777851e-1, 2.777851e-1, 4.903926e-1, 9.754516e-2, -4.157348e-1],
    [3.535534e-1, -3.535534e-1, -3.535534e-1, 3.535534e-1, 3.535534e-1, -3.535534e-1, -3.535534e-1, 3.535534e-1],
    [2.777851e-1, -4.903926e-1, 9.754516e-2, 4.157348e-1, -4.157348e-1, -9.754516e-2, 4.903926e-1, -2.777851e-1],
    [1.913417e-1, -4.619398e-1, 4.619398e-1, -1.913417e-1, -1.913417e-1, 4.619398e-1, -4.619398e-1, 1.913417e-1],
    [9.754516e-2, -2.777851e-1, 4.157348e-1, -4.903926e-1, 4.903926e-1, -4.157348e-1, 2.777851e-1, -9.754516e-2],
]
REF_ZIGZAG = [
    *[0, 1, 8, 16, 9, 2, 3, 10],
    *[17, 24, 32, 25, 18, 11, 4, 5],
    *[12, 19, 26, 33, 40, 48, 41, 34],
    *[27, 20, 13, 6, 7, 14, 21, 28],
    *[35, 42, 49, 56, 57, 50, 43, 36],
    *[29, 22, 15, 23, 30, 37, 44, 51],
    *[58, 59, 52, 45, 38, 31, 39, 46],
    *[53, 60, 61, 54, 47, 55, 62, 63],
]


def _f32(x: float) -> float:
    return float(struct.unpack("f", struct.pack("f", x))[0])


def _ref_sums(rgb: npt.NDArray[np.uint8], xs: list[int], ys: list[int]) -> list[list[float]]:
    """Row by row, block by block: a float64 sum started from the stored float32 one, the row's
    pixels added one at a time, stored back into float32."""
    sums = [[0.0] * 64 for _ in range(3)]
    for by in range(8):
        for y in range(ys[by], ys[by + 1]):
            data, ptr = rgb[y].reshape(-1).tolist(), 0
            for bx in range(8):
                k = 8 * by + bx
                s_r, s_g, s_b = sums[0][k], sums[1][k], sums[2][k]
                for _ in range(xs[bx], xs[bx + 1]):
                    s_r += data[ptr]
                    s_g += data[ptr + 1]
                    s_b += data[ptr + 2]
                    ptr += 3
                sums[0][k], sums[1][k], sums[2][k] = _f32(s_r), _f32(s_g), _f32(s_b)
    return sums


def _ref_shapes(sums: list[list[float]], xs: list[int], ys: list[int]) -> list[list[int]]:
    shapes = [[0] * 64 for _ in range(3)]
    for by in range(8):
        for bx in range(8):
            k = 8 * by + bx
            inv_count = 1 / ((xs[bx + 1] - xs[bx]) * (ys[by + 1] - ys[by]) * 256)
            r, g, b = sums[0][k] * inv_count, sums[1][k] * inv_count, sums[2][k] * inv_count
            yy = 0.299 * r + 0.587 * g + 0.114 * b
            shapes[0][k] = math.floor(219 * yy + 16.5)
            shapes[1][k] = math.floor(126.336 * (b - yy) + 128.5)
            shapes[2][k] = math.floor(159.712 * (r - yy) + 128.5)
    return shapes


def _ref_fdct(shapes: list[int]) -> None:
    dct = [0.0] * 64
    for i in range(8):
        for j in range(8):
            s = 0.0
            for k in range(8):
                s += REF_COS[j][k] * shapes[8 * i + k]
            dct[8 * i + j] = _f32(s)
    for j in range(8):
        for i in range(8):
            s = 0.0
            for k in range(8):
                s += REF_COS[i][k] * dct[8 * k + j]
            shapes[8 * i + j] = math.floor(s + 0.499999)


def _ref_quant_ydc(i: int) -> int:
    if i > 192:
        return 112 + ((i - 192) >> 2)
    if i > 160:
        return 96 + ((i - 160) >> 1)
    if i > 96:
        return 32 + (i - 96)
    if i > 64:
        return 16 + ((i - 64) >> 1)
    return i >> 2


def _ref_quant_cdc(i: int) -> int:
    if i > 191:
        return 63
    if i > 160:
        return 56 + ((i - 160) >> 2)
    if i > 144:
        return 48 + ((i - 144) >> 1)
    if i > 112:
        return 16 + (i - 112)
    if i > 96:
        return 8 + ((i - 96) >> 1)
    if i > 64:
        return (i - 64) >> 2
    return 0


def _ref_quant_ac(i: int) -> int:
    i = min(max(-256, i), 255)
    if abs(i) > 127:
        j = 64 + (abs(i) >> 2)
    elif abs(i) > 63:
        j = 32 + (abs(i) >> 1)
    else:
        j = abs(i)
    return (-j if i < 0 else j) + 128


def reference_color_layout(rgb: npt.NDArray[np.uint8]) -> list[int]:
    height, width = rgb.shape[:2]
    xs = [math.ceil(i * width / 8) for i in range(9)]
    ys = [math.ceil(i * height / 8) for i in range(9)]
    y, cb, cr = _ref_shapes(_ref_sums(rgb, xs, ys), xs, ys)
    for shapes in (y, cb, cr):
        _ref_fdct(shapes)
    return (
        [_ref_quant_ydc(y[0] >> 3) >> 1]
        + [_ref_quant_ac(y[REF_ZIGZAG[i]] >> 1) >> 3 for i in range(1, 21)]
        + [_ref_quant_cdc(cb[0] >> 3)]
        + [_ref_quant_ac(cb[REF_ZIGZAG[i]]) >> 3 for i in range(1, 6)]
        + [_ref_quant_cdc(cr[0] >> 3)]
        + [_ref_quant_ac(cr[REF_ZIGZAG[i]]) >> 3 for i in range(1, 6)]
    )
