"""Text files as Excel, Notepad and other programs write them: the encoding is found, and
a file that is not text is said to be so."""

from __future__ import annotations

import codecs

import pytest

from ctdash.ingest.encoding import decode

FRENCH = "title;country\nAtelier régional – « PCVE »;Côte d’Ivoire\n"
SPACED = "date,value\n2023-06-30,1\u00a0012\n"
RUSSIAN = "Дата;Показатель;Значение\n30.06.2023;Государства-члены;137\n"
ARABIC = "التاريخ,المؤشر,القيمة\n2023-06-30,الدول الأعضاء,137\n"


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        (FRENCH.encode("utf-8"), FRENCH, "utf-8"),
        (codecs.BOM_UTF8 + FRENCH.encode("utf-8"), FRENCH, "utf-8-sig"),
        # Excel's "Unicode text" and Notepad's "Unicode": UTF-16 with a byte order mark.
        (FRENCH.encode("utf-16"), FRENCH, "utf-16"),
        (codecs.BOM_UTF16_BE + FRENCH.encode("utf-16-be"), FRENCH, "utf-16"),
        (FRENCH.encode("utf-16-le"), FRENCH, "utf-16-le"),
        (FRENCH.encode("utf-32"), FRENCH, "utf-32"),
        # Excel's "CSV" and Notepad's "ANSI" on a Western Windows: a short file the detector
        # alone would take for a Baltic or Central European code page.
        (FRENCH.encode("cp1252"), FRENCH, "cp1252"),
        (SPACED.encode("cp1252"), SPACED, "cp1252"),
        (RUSSIAN.encode("cp1251"), RUSSIAN, "cp1251"),
        (ARABIC.encode("cp1256"), ARABIC, "cp1256"),
    ],
)
def test_text_is_read_in_its_encoding(data: bytes, text: str, encoding: str) -> None:
    decoded = decode(data)
    assert decoded is not None
    assert (decoded.text, decoded.encoding) == (text, encoding)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n1 0 obj\n",
        b"\x89PNG\r\n\x1a\n\x00\x00",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64),
        b"date,value\x01\x02\n",
        bytes(range(256)) * 4,
    ],
)
def test_what_is_not_text_is_not_read(data: bytes) -> None:
    assert decode(data) is None


def test_the_encoding_is_named_as_people_know_it() -> None:
    decoded = decode(FRENCH.encode("utf-16"))
    assert decoded is not None and decoded.label == "UTF-16 (Excel's 'Unicode text')"
