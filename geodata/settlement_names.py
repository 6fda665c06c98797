"""Tell the Azerbaijani name of a GeoNames place from its untagged alternate names."""

# ruff: noqa: RUF001  # Azerbaijani spelling uses the dotless i (U+0131) on purpose.

from collections.abc import Sequence

# The letters Azerbaijani Latin adds to ASCII. U+01DD (ǝ) and ä, which some transliterations
# use for ə, are not among them, so "Gǝncǝ" and "Gäncä" never pass for Azerbaijani.
AZ_LETTERS = frozenset("ƏəĞğıİÖöŞşÜüÇç")
_ASCII = "abcdefghijklmnopqrstuvxyz"  # Azerbaijani has no w
ALPHABET = frozenset(_ASCII + _ASCII.upper() + "".join(AZ_LETTERS) + " -")
# English and Russian transliterations write with two letters what Azerbaijani writes with one.
TRANSLITERATION = ("kh", "sh", "ch", "zh", "gh")
_FOLD = str.maketrans("ƏəĞğıİÖöŞşÜüÇç", "AaGgiIOoSsUuCc")

# Where the rule picks wrongly, checked one by one: GeoNames id -> (name_az, why).
OVERRIDES: dict[int, tuple[str, str]] = {
    587084: ("Bakı", "the alternates hold both Bakı and the Turkish spelling Bakü"),
    147429: ("Naxçıvan", "the alternates hold 'Naxçıvan Şəhəri', that is 'Nakhchivan city'"),
    586430: (
        "Goranboy",
        "Qasım İsmayılov, the one alternate with Azerbaijani letters, is the "
        "town's Soviet-era name",
    ),
    586763: (
        "Şabran",
        "Dəvəçi was renamed Şabran in 2010 (DATA.md section 1); GeoNames has "
        "only the old name in Azerbaijani letters",
    ),
    586792: (
        "Dəllər",
        "the alternates hold Dəlilər and Dəllər; the settlement in Şəmkir is Dəllər",
    ),
    148413: ("Babək", "Təzəkənd was renamed Babək in 1978"),
    584871: ("Tərtər", "Mirbəşir, equal by the rule, was the town's name from 1949 to 1991"),
    585915: ("Xırdalan", "GeoNames spells it Xirdalan, without the dotless i"),
    584649: ("Yevlax", "GeoNames has the Azerbaijani spelling only without a special letter"),
    584791: ("Ucar", "GeoNames has the Azerbaijani spelling only without a special letter"),
    147364: ("Orconikidze", "GeoNames' Azerbaijani spelling; 'Orjonikidze' is English"),
}


def fold(text: str) -> str:
    """Replace the Azerbaijani letters by their ASCII base letters, as GeoNames' asciiname does."""
    return text.translate(_FOLD)


def is_azerbaijani_spelling(text: str) -> bool:
    """Tell whether a name is written in the Azerbaijani Latin alphabet, with no English digraph."""
    return set(text) <= ALPHABET and not any(pair in text.lower() for pair in TRANSLITERATION)


def _candidates(name: str, alternates: Sequence[str]) -> list[str]:
    """Return the names written in Azerbaijani with at least one Azerbaijani letter, in order."""
    return [
        text
        for text in dict.fromkeys([name, *alternates])
        if is_azerbaijani_spelling(text) and AZ_LETTERS & set(text)
    ]


def _preference(text: str) -> tuple[bool, int]:
    """Rank a candidate: ə first (only Azerbaijani writes it), then more Azerbaijani letters."""
    return ("ə" in text.lower(), sum(char in AZ_LETTERS for char in text))


def name_az(geonames_id: int, name: str, alternates: Sequence[str]) -> str | None:
    """Return the Azerbaijani name of a place, or None when GeoNames does not tell it."""
    if geonames_id in OVERRIDES:
        return OVERRIDES[geonames_id][0]
    candidates = _candidates(name, alternates)
    if name in candidates:
        return name
    same_name = [text for text in candidates if fold(text) == name]
    if same_name:
        return same_name[0]
    # q and x are Azerbaijani letters that transliterations never use for g and kh, so such a
    # name is already Azerbaijani and the candidates are other names (Mərəzə for Qobustan).
    if is_azerbaijani_spelling(name) and {"q", "x"} & set(name.lower()):
        return name
    if candidates:
        return max(candidates, key=_preference)  # max keeps the first of equals: GeoNames' order
    return name if is_azerbaijani_spelling(name) else None
