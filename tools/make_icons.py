"""Make web/icons/icon-192.png and icon-512.png, the installed app's icons: the accent colour,
and white bars like the page's probability bars. Standard library only.

    python3 tools/make_icons.py
"""
import struct
import zlib
from pathlib import Path

ACCENT, WHITE = (0x5B, 0x3C, 0xC4), (0xFF, 0xFF, 0xFF)
BARS = [0.35, 0.8, 0.55, 0.95, 0.45]  # heights of the bars, as fractions of the drawing area


def pixel(x, y, size):
    """The colour at (x, y) of a size x size icon."""
    margin, gap = size * 0.2, size * 0.04
    width = (size - 2 * margin - gap * (len(BARS) - 1)) / len(BARS)
    for i, height in enumerate(BARS):
        left = margin + i * (width + gap)
        if left <= x < left + width and size - margin - height * (size - 2 * margin) <= y < size - margin:
            return WHITE
    return ACCENT


def png(size):
    rows = b"".join(b"\0" + bytes(c for x in range(size) for c in pixel(x, y, size)) for y in range(size))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


if __name__ == "__main__":
    folder = Path(__file__).resolve().parent.parent / "web" / "icons"
    folder.mkdir(exist_ok=True)
    for size in (192, 512):
        (folder / f"icon-{size}.png").write_bytes(png(size))
