"""How an organisation's name is normalised before two spellings are compared.

Why in core: the vendor resolver (registry/model/vendors.py) and the source build steps that match names to
vendors (spiders/lda/build.py, spiders/ai_inventory/build.py) must normalise alike, and the source steps sit
below the model in the import layers.
"""

from __future__ import annotations

import re

LEGAL_SUFFIXES = {
    "INC", "INCORPORATED", "LLC", "LTD", "LIMITED", "CORP", "CORPORATION", "CO", "COMPANY",
    "LP", "LLP", "PLC", "PC", "PLLC", "USA", "US", "THE",
}


def normalise_name(name: str | None) -> str:
    """Upper case, punctuation out, trailing legal suffixes and a leading THE out.

    'PEN-LINK, LTD' and 'PEN-LINK, LIMITED' both become 'PEN LINK'; 'PARAGON SOLUTIONS (US) INC'
    becomes 'PARAGON SOLUTIONS'. Suffix words inside a name are kept ('CACI INC FEDERAL').
    """
    if not name:
        return ""
    s = name.upper().replace("&", " & ")
    s = re.sub(r"\bL\.?\s?L\.?\s?C\b\.?", "LLC", s)
    s = re.sub(r"\bL\.?\s?P\b\.?", "LP", s)
    s = re.sub(r"[^A-Z0-9&]+", " ", s)
    words = s.split()
    while words and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    while words and words[0] == "THE":
        words.pop(0)
    return " ".join(words)
