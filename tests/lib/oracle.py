#!/usr/bin/python3
"""The reference text count: oracle.py FILE CONTENT-TYPE

Prints len(BeautifulSoup(text, 'html.parser').text) for the page in FILE
as if it had been served with CONTENT-TYPE (pass "" for none), using the
Debian python3-bs4 (run it with /usr/bin/python3).

The bytes are decoded the way a browser would decide, as far as that
concerns the Content-Type: a byte order mark wins; otherwise the charset
parameter of CONTENT-TYPE, read as a WHATWG label (so iso-8859-1, latin1
and us-ascii mean windows-1252, shift_jis means Windows-31J, and so on),
decodes them with errors replaced by U+FFFD; a label Python does not know
is ignored. Without a usable charset parameter the bytes go to bs4 as they
are, and bs4 (UnicodeDammit) decides: a <meta> declaration, else a guess
(chardet when installed, then UTF-8, then windows-1252).

Measured agreement with extract_page() (src/extract.c, which counts with
src/textcount.c): tests/integration/oracle.sh compares every fixture in
tests/data/fixtures/MANIFEST and every corpus page, and demands the same
number; all 26 fixtures and 32 corpus pages agree exactly (bs4 4.11.2,
Python 3.11.2). What stays different is listed in pscrape(1) and
doc/NOTES.md, "The text count".
"""
import codecs
import sys

from bs4 import BeautifulSoup

# WHATWG labels that Python spells differently or decodes differently
# from a browser.
WHATWG = {
    'cp1252': ('ansi_x3.4-1968', 'ascii', 'cp1252', 'cp819',
               'csisolatin1', 'ibm819', 'iso-8859-1', 'iso-ir-100',
               'iso8859-1', 'iso88591', 'iso_8859-1', 'iso_8859-1:1987',
               'l1', 'latin1', 'us-ascii', 'windows-1252', 'x-cp1252'),
    'cp1254': ('iso-8859-9', 'iso8859-9', 'iso88599', 'iso_8859-9',
               'iso_8859-9:1989', 'latin5', 'l5', 'csisolatin5',
               'iso-ir-148', 'windows-1254', 'x-cp1254'),
    'cp874': ('dos-874', 'iso-8859-11', 'iso8859-11', 'iso885911',
              'tis-620', 'windows-874'),
    'cp932': ('csshiftjis', 'ms932', 'ms_kanji', 'shift-jis', 'shift_jis',
              'sjis', 'windows-31j', 'x-sjis'),
    'cp949': ('cseuckr', 'csksc56011987', 'euc-kr', 'iso-ir-149', 'korean',
              'ks_c_5601-1987', 'ks_c_5601-1989', 'ksc5601', 'ksc_5601',
              'windows-949'),
    'gb18030': ('chinese', 'csgb2312', 'csiso58gb231280', 'gb2312',
                'gb_2312', 'gb_2312-80', 'gbk', 'iso-ir-58', 'x-gbk',
                'gb18030'),
    'big5hkscs': ('big5', 'big5-hkscs', 'cn-big5', 'csbig5', 'x-x-big5'),
    'utf-16-le': ('utf-16', 'utf-16le'),
    'utf-16-be': ('utf-16be',),
    'mac-cyrillic': ('x-mac-cyrillic', 'x-mac-ukrainian'),
}
CODEC = {label: codec for codec, labels in WHATWG.items() for label in labels}

BOMS = ((codecs.BOM_UTF8, 'utf-8'), (codecs.BOM_UTF16_LE, 'utf-16-le'),
        (codecs.BOM_UTF16_BE, 'utf-16-be'))


def header_codec(content_type):
    """The Python codec for the charset parameter, or None."""
    for param in content_type.split(';')[1:]:
        name, _, value = param.partition('=')
        if name.strip().lower() != 'charset':
            continue
        label = value.strip().strip('"').strip().lower()
        codec = CODEC.get(label, label)
        try:
            codecs.lookup(codec)
        except LookupError:
            return None
        return codec
    return None


def decode(data, content_type):
    """Text for bs4: a str when the charset is known, else the bytes."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(codec, 'replace')
    codec = header_codec(content_type)
    if codec is not None:
        return data.decode(codec, 'replace')
    return data


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: oracle.py FILE CONTENT-TYPE')
    with open(sys.argv[1], 'rb') as f:
        data = f.read()
    soup = BeautifulSoup(decode(data, sys.argv[2]), 'html.parser')
    print(len(soup.text))


if __name__ == '__main__':
    main()
