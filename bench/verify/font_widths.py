"""Advance widths of the printable ASCII letters in the faces a map label may be drawn with.

The map reserves room for a label before any browser draws it, so it needs each character's width
in whatever sans-serif face the reader's machine picks for `Inter, Helvetica, Arial, sans-serif` at
weight 600. This prints, per character, the widest advance (in em) over the faces given on the
command line, as the TypeScript table in src/map/text-width.ts. Run inside a virtualenv with
fonttools installed:

    python3 -m venv .cache/venv-fonts && .cache/venv-fonts/bin/pip install fonttools==4.55.3
    .cache/venv-fonts/bin/python bench/verify/font_widths.py FONT.ttf [FONT.ttf ...]

The table in the source was made from Inter SemiBold (@expo-google-fonts/inter 0.4.x), DejaVu Sans
Bold (Debian fonts-dejavu-core 2.37), Open Sans Bold (shipped inside @sparticuz/chromium) and
Liberation Sans Bold (metric-compatible with Arial Bold; Debian fonts-liberation2).
"""

import sys

from fontTools.ttLib import TTFont

CHARS = [chr(c) for c in range(32, 127)]


def widths(path):
    font = TTFont(path)
    cmap = font.getBestCmap()
    hmtx = font["hmtx"]
    upem = font["head"].unitsPerEm
    out = {}
    for ch in CHARS:
        glyph = cmap.get(ord(ch))
        if glyph is not None:
            out[ch] = hmtx[glyph][0] / upem
    return out


def main():
    faces = [widths(p) for p in sys.argv[1:]]
    if not faces:
        sys.exit("usage: font_widths.py FONT.ttf [FONT.ttf ...]")
    widest = [max(f.get(ch, 0.0) for f in faces) for ch in CHARS]
    fallback = max(max(f.values()) for f in faces)
    print("// printable ASCII from ' ' (32) to '~' (126), widest advance in em")
    print("const ASCII_EM = [" + ", ".join(f"{w:.3f}" for w in widest) + "];")
    print(f"// any other character\nconst OTHER_EM = {fallback:.3f};")


if __name__ == "__main__":
    main()
