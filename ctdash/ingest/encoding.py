"""Text files as Windows, Excel and Notepad write them: bytes -> text and the encoding it was in."""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass

# PDF, PNG, JPEG, GIF, gzip, RTF, old Office (OLE): files that may pass for text in their
# first bytes but are not.
BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"\x1f\x8b",
    b"{\\rtf",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# What each encoding is called where people meet it.
LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with a byte order mark (Excel's 'CSV UTF-8')",
    "utf-16": "UTF-16 (Excel's 'Unicode text')",
    "utf-16-le": "UTF-16 without a byte order mark",
    "utf-16-be": "UTF-16 without a byte order mark",
    "utf-32": "UTF-32",
    "cp1252": "Windows-1252 (Excel's 'CSV' or Notepad's 'ANSI' on a Western Windows)",
}
# Bytes that Windows-1252 leaves undefined: a file holding them was written in another code.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
_SAMPLE = 256 * 1024


@dataclass(frozen=True)
class Decoded:
    """A file's text and the encoding it was read in (a Python codec name)."""

    text: str
    encoding: str

    @property
    def label(self) -> str:
        """The encoding as people know it: 'UTF-8', "Windows-1252 (Excel's 'CSV' ...)"."""
        return LABELS.get(self.encoding, self.encoding)


def decode(data: bytes) -> Decoded | None:
    """The text of a file in UTF-8, UTF-16/32 (with or without a byte order mark) or a Windows
    code page; None when the bytes are not text (a PDF, an image, control characters)."""
    if data.startswith(BINARY_MAGIC):
        return None
    decoded = _with_bom(data) or _utf16_without_bom(data) or _utf8(data) or _code_page(data)
    if decoded is None or not _is_text(decoded.text):
        return None
    return decoded


def _with_bom(data: bytes) -> Decoded | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                return None
            return Decoded(text.removeprefix("\ufeff"), encoding)
    return None


def _utf16_without_bom(data: bytes) -> Decoded | None:
    # Text in UTF-16 has a zero byte beside nearly every ASCII character: on the odd bytes
    # for little-endian, on the even ones for big-endian.
    sample = data[: _SAMPLE - _SAMPLE % 2]
    if len(sample) < 4 or len(sample) % 2:
        return None
    halves = sample[1::2], sample[0::2]
    for zeros, other, encoding in (
        (halves[0], halves[1], "utf-16-le"),
        (halves[1], halves[0], "utf-16-be"),
    ):
        if zeros.count(0) > 0.6 * len(zeros) and other.count(0) < 0.05 * len(other):
            try:
                return Decoded(data.decode(encoding), encoding)
            except UnicodeDecodeError:
                return None
    return None


def _utf8(data: bytes) -> Decoded | None:
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        return None


def _code_page(data: bytes) -> Decoded | None:
    """A legacy 8-bit or East Asian code page, as charset-normalizer detects its script.

    For text in Latin letters the detector's pick among the many Latin code pages is a toss-up
    on a short file (it read 'régional' as 'rķgional' in Baltic cp775); Excel and Notepad
    on a Western Windows write Windows-1252, so that is used whenever the bytes fit it.
    """
    import charset_normalizer

    if b"\x00" in data:
        return None
    best = charset_normalizer.from_bytes(data[:_SAMPLE]).best()
    latin = best is None or all(_is_latin(ch) for ch in str(best) if ord(ch) > 127)
    if latin and not _CP1252_UNDEFINED & set(data):
        return Decoded(data.decode("cp1252"), "cp1252")
    if best is None:
        return None
    try:
        return Decoded(data.decode(best.encoding), best.encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _is_latin(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return not ch.isalpha() or "LATIN" in name


def _is_text(text: str) -> bool:
    # Tab, line breaks, form feed and Word's vertical tab (a manual line break) are text.
    return not any(ord(ch) < 32 and ch not in "\t\r\n\f\v" for ch in text)
