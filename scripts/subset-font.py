#!/usr/bin/env python3
"""Builds the poster font: Noto Sans CJK SC (SIL Open Font License 1.1) cut to
the characters a poster can need, so the binary renders Chinese on a machine
without system fonts.

Source: Debian's fonts-noto-cjk (NotoSansCJK-{Regular,Bold}.ttc, face 2 = SC).
Kept: printable ASCII, CJK and full-width punctuation, and the 6,763 hanzi of
GB 2312 (every character of everyday Simplified Chinese, place names included).
Characters outside it are drawn as the font's missing-glyph box; the poster
tests list which of a name's characters the font lacks.

    apt-get install fonts-noto-cjk && pip install fonttools
    python3 scripts/subset-font.py
"""
import pathlib
import subprocess

SRC = pathlib.Path("/usr/share/fonts/opentype/noto")
OUT = pathlib.Path(__file__).resolve().parent.parent / "infra" / "assets" / "fonts"


def gb2312() -> str:
    chars = []
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return "".join(chars)


def main() -> None:
    text = "".join(chr(c) for c in range(0x20, 0x7F)) + gb2312() + "·—…“”‘’、。〈〉《》「」『』【】〔〕！（），．：；？～￥"
    OUT.mkdir(parents=True, exist_ok=True)
    charset = OUT / "charset.txt"
    charset.write_text(text, encoding="utf-8")
    for weight in ["Regular", "Bold"]:
        subprocess.run(
            [
                "pyftsubset", str(SRC / f"NotoSansCJK-{weight}.ttc"), "--font-number=2",
                f"--text-file={charset}", "--no-hinting",
                "--name-IDs=*", "--name-languages=*",
                f"--output-file={OUT / f'NotoSansSC-{weight}.subset.otf'}",
            ],
            check=True,
        )
    charset.unlink()


if __name__ == "__main__":
    main()
