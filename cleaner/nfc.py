"""Which characters can make a text not NFC, so the repair pre-scan can skip most NFC checks.

A text is NFC if every character in it has combining class 0 and NFC quick-check
value Yes (UAX #15's quick check then answers Yes, which is exact). A character
fails that if it has a non-zero combining class, if NFC changes it alone (quick
check No), or if it can compose with the character before it (quick check Maybe:
the second character of a two-character canonical decomposition, and the Hangul
vowel and trailing jamo). ``unsafe_codes`` computes that set from ``unicodedata``
below LIMIT (everything at or above counts as unsafe); the tables below hold it
for the Unicode versions of Python 3.10 to 3.13, so start-up does not pay for the
computation (tests/test_nfc.py checks the running version's against it). Print
the running version's table with ``python -m cleaner.nfc``.
"""
from __future__ import annotations

import functools
import unicodedata

LIMIT = 0x20000  # the bitmap covers the BMP and the SMP (emoji); above it every character is checked
_HANGUL_VOWELS_AND_TRAILS = (range(0x1161, 0x1176), range(0x11A8, 0x11C3))

_UNICODE_15 = (
    "300-34e 350-36f 374 37e 387 483-487 591-5bd 5bf 5c1-5c2 5c4-5c5 5c7 610-61a 64b-65f 670 6d6-6dc "
    "6df-6e4 6e7-6e8 6ea-6ed 711 730-74a 7eb-7f3 7fd 816-819 81b-823 825-827 829-82d 859-85b 898-89f "
    "8ca-8e1 8e3-8ff 93c 94d 951-954 958-95f 9bc 9be 9cd 9d7 9dc-9dd 9df 9fe a33 a36 a3c a4d a59-a5b "
    "a5e abc acd b3c b3e b4d b56-b57 b5c-b5d bbe bcd bd7 c3c c4d c55-c56 cbc cc2 ccd cd5-cd6 d3b-d3c "
    "d3e d4d d57 dca dcf ddf e38-e3a e48-e4b eb8-eba ec8-ecb f18-f19 f35 f37 f39 f43 f4d f52 f57 f5c "
    "f69 f71-f76 f78 f7a-f7d f80-f84 f86-f87 f93 f9d fa2 fa7 fac fb5 fb7 fb9 fc6 102e 1037 1039-103a "
    "108d 1161-1175 11a8-11c2 135d-135f 1714-1715 1734 17d2 17dd 18a9 1939-193b 1a17-1a18 1a60 "
    "1a75-1a7c 1a7f 1ab0-1abd 1abf-1ace 1b34-1b35 1b44 1b6b-1b73 1baa-1bab 1be6 1bf2-1bf3 1c37 "
    "1cd0-1cd2 1cd4-1ce0 1ce2-1ce8 1ced 1cf4 1cf8-1cf9 1dc0-1dff 1f71 1f73 1f75 1f77 1f79 1f7b 1f7d "
    "1fbb 1fbe 1fc9 1fcb 1fd3 1fdb 1fe3 1feb 1fee-1fef 1ff9 1ffb 1ffd 2000-2001 20d0-20dc 20e1 "
    "20e5-20f0 2126 212a-212b 2329-232a 2adc 2cef-2cf1 2d7f 2de0-2dff 302a-302f 3099-309a a66f "
    "a674-a67d a69e-a69f a6f0-a6f1 a806 a82c a8c4 a8e0-a8f1 a92b-a92d a953 a9b3 a9c0 aab0 aab2-aab4 "
    "aab7-aab8 aabe-aabf aac1 aaf6 abed f900-fa0d fa10 fa12 fa15-fa1e fa20 fa22 fa25-fa26 fa2a-fa6d "
    "fa70-fad9 fb1d-fb1f fb2a-fb36 fb38-fb3c fb3e fb40-fb41 fb43-fb44 fb46-fb4e fe20-fe2f 101fd 102e0 "
    "10376-1037a 10a0d 10a0f 10a38-10a3a 10a3f 10ae5-10ae6 10d24-10d27 10eab-10eac 10efd-10eff "
    "10f46-10f50 10f82-10f85 11046 11070 1107f 110b9-110ba 11100-11102 11127 11133-11134 11173 111c0 "
    "111ca 11235-11236 112e9-112ea 1133b-1133c 1133e 1134d 11357 11366-1136c 11370-11374 11442 11446 "
    "1145e 114b0 114ba 114bd 114c2-114c3 115af 115bf-115c0 1163f 116b6-116b7 1172b 11839-1183a 11930 "
    "1193d-1193e 11943 119e0 11a34 11a47 11a99 11c3f 11d42 11d44-11d45 11d97 11f41-11f42 16af0-16af4 "
    "16b30-16b36 16ff0-16ff1 1bc9e 1d15e-1d169 1d16d-1d172 1d17b-1d182 1d185-1d18b 1d1aa-1d1ad "
    "1d1bb-1d1c0 1d242-1d244 1e000-1e006 1e008-1e018 1e01b-1e021 1e023-1e024 1e026-1e02a 1e08f "
    "1e130-1e136 1e2ae 1e2ec-1e2ef 1e4ec-1e4ef 1e8d0-1e8d6 1e944-1e94a"
)

# Unicode version -> the unsafe code points below LIMIT, as hex ranges.
TABLES = {
    "13.0.0": (
        "300-34e 350-36f 374 37e 387 483-487 591-5bd 5bf 5c1-5c2 5c4-5c5 5c7 610-61a 64b-65f 670 6d6-6dc "
        "6df-6e4 6e7-6e8 6ea-6ed 711 730-74a 7eb-7f3 7fd 816-819 81b-823 825-827 829-82d 859-85b 8d3-8e1 "
        "8e3-8ff 93c 94d 951-954 958-95f 9bc 9be 9cd 9d7 9dc-9dd 9df 9fe a33 a36 a3c a4d a59-a5b a5e abc "
        "acd b3c b3e b4d b56-b57 b5c-b5d bbe bcd bd7 c4d c55-c56 cbc cc2 ccd cd5-cd6 d3b-d3c d3e d4d d57 "
        "dca dcf ddf e38-e3a e48-e4b eb8-eba ec8-ecb f18-f19 f35 f37 f39 f43 f4d f52 f57 f5c f69 f71-f76 "
        "f78 f7a-f7d f80-f84 f86-f87 f93 f9d fa2 fa7 fac fb5 fb7 fb9 fc6 102e 1037 1039-103a 108d "
        "1161-1175 11a8-11c2 135d-135f 1714 1734 17d2 17dd 18a9 1939-193b 1a17-1a18 1a60 1a75-1a7c 1a7f "
        "1ab0-1abd 1abf-1ac0 1b34-1b35 1b44 1b6b-1b73 1baa-1bab 1be6 1bf2-1bf3 1c37 1cd0-1cd2 1cd4-1ce0 "
        "1ce2-1ce8 1ced 1cf4 1cf8-1cf9 1dc0-1df9 1dfb-1dff 1f71 1f73 1f75 1f77 1f79 1f7b 1f7d 1fbb 1fbe "
        "1fc9 1fcb 1fd3 1fdb 1fe3 1feb 1fee-1fef 1ff9 1ffb 1ffd 2000-2001 20d0-20dc 20e1 20e5-20f0 2126 "
        "212a-212b 2329-232a 2adc 2cef-2cf1 2d7f 2de0-2dff 302a-302f 3099-309a a66f a674-a67d a69e-a69f "
        "a6f0-a6f1 a806 a82c a8c4 a8e0-a8f1 a92b-a92d a953 a9b3 a9c0 aab0 aab2-aab4 aab7-aab8 aabe-aabf "
        "aac1 aaf6 abed f900-fa0d fa10 fa12 fa15-fa1e fa20 fa22 fa25-fa26 fa2a-fa6d fa70-fad9 fb1d-fb1f "
        "fb2a-fb36 fb38-fb3c fb3e fb40-fb41 fb43-fb44 fb46-fb4e fe20-fe2f 101fd 102e0 10376-1037a 10a0d "
        "10a0f 10a38-10a3a 10a3f 10ae5-10ae6 10d24-10d27 10eab-10eac 10f46-10f50 11046 1107f 110b9-110ba "
        "11100-11102 11127 11133-11134 11173 111c0 111ca 11235-11236 112e9-112ea 1133b-1133c 1133e 1134d "
        "11357 11366-1136c 11370-11374 11442 11446 1145e 114b0 114ba 114bd 114c2-114c3 115af 115bf-115c0 "
        "1163f 116b6-116b7 1172b 11839-1183a 11930 1193d-1193e 11943 119e0 11a34 11a47 11a99 11c3f 11d42 "
        "11d44-11d45 11d97 16af0-16af4 16b30-16b36 16ff0-16ff1 1bc9e 1d15e-1d169 1d16d-1d172 1d17b-1d182 "
        "1d185-1d18b 1d1aa-1d1ad 1d1bb-1d1c0 1d242-1d244 1e000-1e006 1e008-1e018 1e01b-1e021 1e023-1e024 "
        "1e026-1e02a 1e130-1e136 1e2ec-1e2ef 1e8d0-1e8d6 1e944-1e94a"
    ),
    "14.0.0": (
        "300-34e 350-36f 374 37e 387 483-487 591-5bd 5bf 5c1-5c2 5c4-5c5 5c7 610-61a 64b-65f 670 6d6-6dc "
        "6df-6e4 6e7-6e8 6ea-6ed 711 730-74a 7eb-7f3 7fd 816-819 81b-823 825-827 829-82d 859-85b 898-89f "
        "8ca-8e1 8e3-8ff 93c 94d 951-954 958-95f 9bc 9be 9cd 9d7 9dc-9dd 9df 9fe a33 a36 a3c a4d a59-a5b "
        "a5e abc acd b3c b3e b4d b56-b57 b5c-b5d bbe bcd bd7 c3c c4d c55-c56 cbc cc2 ccd cd5-cd6 d3b-d3c "
        "d3e d4d d57 dca dcf ddf e38-e3a e48-e4b eb8-eba ec8-ecb f18-f19 f35 f37 f39 f43 f4d f52 f57 f5c "
        "f69 f71-f76 f78 f7a-f7d f80-f84 f86-f87 f93 f9d fa2 fa7 fac fb5 fb7 fb9 fc6 102e 1037 1039-103a "
        "108d 1161-1175 11a8-11c2 135d-135f 1714-1715 1734 17d2 17dd 18a9 1939-193b 1a17-1a18 1a60 "
        "1a75-1a7c 1a7f 1ab0-1abd 1abf-1ace 1b34-1b35 1b44 1b6b-1b73 1baa-1bab 1be6 1bf2-1bf3 1c37 "
        "1cd0-1cd2 1cd4-1ce0 1ce2-1ce8 1ced 1cf4 1cf8-1cf9 1dc0-1dff 1f71 1f73 1f75 1f77 1f79 1f7b 1f7d "
        "1fbb 1fbe 1fc9 1fcb 1fd3 1fdb 1fe3 1feb 1fee-1fef 1ff9 1ffb 1ffd 2000-2001 20d0-20dc 20e1 "
        "20e5-20f0 2126 212a-212b 2329-232a 2adc 2cef-2cf1 2d7f 2de0-2dff 302a-302f 3099-309a a66f "
        "a674-a67d a69e-a69f a6f0-a6f1 a806 a82c a8c4 a8e0-a8f1 a92b-a92d a953 a9b3 a9c0 aab0 aab2-aab4 "
        "aab7-aab8 aabe-aabf aac1 aaf6 abed f900-fa0d fa10 fa12 fa15-fa1e fa20 fa22 fa25-fa26 fa2a-fa6d "
        "fa70-fad9 fb1d-fb1f fb2a-fb36 fb38-fb3c fb3e fb40-fb41 fb43-fb44 fb46-fb4e fe20-fe2f 101fd 102e0 "
        "10376-1037a 10a0d 10a0f 10a38-10a3a 10a3f 10ae5-10ae6 10d24-10d27 10eab-10eac 10f46-10f50 "
        "10f82-10f85 11046 11070 1107f 110b9-110ba 11100-11102 11127 11133-11134 11173 111c0 111ca "
        "11235-11236 112e9-112ea 1133b-1133c 1133e 1134d 11357 11366-1136c 11370-11374 11442 11446 1145e "
        "114b0 114ba 114bd 114c2-114c3 115af 115bf-115c0 1163f 116b6-116b7 1172b 11839-1183a 11930 "
        "1193d-1193e 11943 119e0 11a34 11a47 11a99 11c3f 11d42 11d44-11d45 11d97 16af0-16af4 16b30-16b36 "
        "16ff0-16ff1 1bc9e 1d15e-1d169 1d16d-1d172 1d17b-1d182 1d185-1d18b 1d1aa-1d1ad 1d1bb-1d1c0 "
        "1d242-1d244 1e000-1e006 1e008-1e018 1e01b-1e021 1e023-1e024 1e026-1e02a 1e130-1e136 1e2ae "
        "1e2ec-1e2ef 1e8d0-1e8d6 1e944-1e94a"
    ),
    "15.0.0": _UNICODE_15,
    "15.1.0": _UNICODE_15,  # 15.1 added no unsafe character below LIMIT
}


def unsafe_codes() -> set[int]:
    """The code points below LIMIT that can make a text not NFC, from this Python's unicodedata."""
    out: set[int] = set()
    for r in _HANGUL_VOWELS_AND_TRAILS:
        out.update(r)
    for c in range(LIMIT):
        ch = chr(c)
        mapping = unicodedata.decomposition(ch)
        if mapping and not mapping.startswith("<"):  # a canonical decomposition
            parts = mapping.split()
            if len(parts) == 2:
                out.add(int(parts[1], 16))  # may compose with the character before it
            if unicodedata.normalize("NFC", ch) != ch:
                out.add(c)
        if unicodedata.combining(ch):
            out.add(c)
    return out


def ranges_text(codes: set[int]) -> str:
    """Code points as space-separated hex ranges ("300-34e 350 ...")."""
    runs: list[list[int]] = []
    for c in sorted(codes):
        if runs and runs[-1][1] == c - 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    return " ".join(f"{a:x}" if a == b else f"{a:x}-{b:x}" for a, b in runs)


def parse_ranges(text: str) -> set[int]:
    """The code points of ranges_text's form."""
    out: set[int] = set()
    for run in text.split():
        a, _, b = run.partition("-")
        out.update(range(int(a, 16), int(b or a, 16) + 1))
    return out


@functools.lru_cache(maxsize=1)
def unsafe_bits() -> bytes:
    """A bitmap of LIMIT bits, set for the unsafe code points of this Python's Unicode version."""
    table = TABLES.get(unicodedata.unidata_version)
    return bitmap(parse_ranges(table) if table is not None else unsafe_codes(), LIMIT)


def bitmap(codes: set[int], size: int = 0) -> bytes:
    """Bit c set for each code point c, in at least ``size`` bits (the C scans' form of a set).

    >>> bitmap({0, 9}).hex()
    '0102'
    """
    bits = bytearray((max(size, max(codes, default=-1) + 1) + 7) >> 3)
    for c in codes:
        bits[c >> 3] |= 1 << (c & 7)
    return bytes(bits)


if __name__ == "__main__":
    print(f'"{unicodedata.unidata_version}": "{ranges_text(unsafe_codes())}"')
