"""The words PostgreSQL's index stores are exactly the words of the folded text (issue 13).

`pgsearch.lexemes` cuts the text at ASCII separators and folds each distinct piece once
(folding the whole text character by character was most of a PostgreSQL sync's write
CPU). What it gives must stay the words `pgsearch.tokens` finds in the whole folded text,
in the order they first appear, within the same limits: compared here with that definition
on any text, decomposed letters, combining marks after separators, ligatures, fractions and
other scripts included.
"""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from dso_desktop.store import pgsearch
from dso_desktop.store.records import SearchText


def _reference(search: SearchText) -> list[str]:
    """The definition: every word of each folded part, the first time it appears."""
    seen: dict[str, None] = {}
    size = 0
    for part in (search.subject, search.parties, search.refs, search.files, search.body):
        folded = "".join(c for c in unicodedata.normalize("NFKD", part or "")
                         if not unicodedata.combining(c)).casefold()
        for t in pgsearch._TOKEN.findall(folded):
            if t in seen or len(t.encode()) > pgsearch.MAX_LEXEME_BYTES:
                continue
            size += len(t.encode()) + 8
            if size > pgsearch.MAX_DOC_BYTES:
                return list(seen)
            seen[t] = None
    return list(seen)


# Letters with and without diacritics, decomposed marks, separators of every kind.
_ALPHABET = st.one_of(
    st.sampled_from(list("aAčČřŘůÚzZ019 ,./-_\t\n„“–§½²ﬁİßΣσςёЁ\u00a0\u0301\u030c\u034f"
                         "\u0308\u200b")),
    st.characters(exclude_categories=("Cs",)),
)
_TEXT = st.text(_ALPHABET, max_size=300)


@settings(max_examples=400, deadline=None)
@given(subject=_TEXT, body=_TEXT, files=_TEXT)
def test_the_words_are_those_of_the_folded_text(subject: str, body: str, files: str) -> None:
    search = SearchText(subject=subject, parties="Úřad Kocourkov", refs="MUK/12/2026",
                        files=files, body=body + " " + body)
    assert pgsearch.lexemes(search) == _reference(search)


def test_every_character_folds_as_in_the_whole_text() -> None:
    """Each code point once (forwards and backwards: marks after every kind of character)."""
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    search = SearchText(subject=every, parties="", refs="", files=every[::-1],
                        body=every.replace("a", ",\u0301"))
    assert pgsearch.lexemes(search) == _reference(search)


def test_decomposed_czech_is_one_word() -> None:
    """Text extracted from some PDFs is decomposed (NFD): the marks join, not split."""
    nfd = unicodedata.normalize("NFD", "Přestupku, Úřad")
    assert pgsearch.lexemes(SearchText(nfd, "", "", "", "")) == ["prestupku", "urad"]


def test_the_document_keeps_its_first_words_within_the_limit() -> None:
    """A text with more distinct words than a tsvector holds keeps the first ones."""
    words = [f"slovo{i}" for i in range(pgsearch.MAX_DOC_BYTES // 10)]
    search = SearchText("Rozhodnutí", "", "", "", " ".join(words))
    got = pgsearch.lexemes(search)
    assert got == _reference(search)
    assert got[0] == "rozhodnuti" and got[-1] != words[-1]


def test_one_text_makes_the_tsvector_of_the_words(pg_url: str) -> None:
    """The lexemes travel as one text (`DOC_SQL`): the server's tsvector is that of the
    word array, for no words as for many."""
    from sqlalchemy import text

    from dso_desktop.store.db import Database

    db = Database.open_url(pg_url)
    try:
        with db.engine.connect() as c:
            for body in ("", "Výzva k úhradě pokuty, MUK/123/2026: e-mail 1 ½ ﬁ",
                         " ".join(f"slovo{i}" for i in range(3000))):
                search = SearchText("Rozhodnutí", "", "", "", body)
                same = c.execute(text(
                    f"SELECT {pgsearch.DOC_SQL.replace('?', ':doc')} = "
                    "array_to_tsvector(CAST(:words AS text[]))"),
                    {"doc": pgsearch.doc_text(search), "words": pgsearch.lexemes(search)})
                assert same.scalar() is True
    finally:
        db.close()
