"""Ashen: reverse search for video scenes with MPEG-7 Color Layout signatures."""

from ashen.descriptors.color_layout import color_layout, color_layout_batch
from ashen.descriptors.signature import Signature

__all__ = ["Signature", "color_layout", "color_layout_batch"]
__version__ = "0.1.0"
