"""Full-text search on PostgreSQL with the meaning of the SQLite FTS5 index.

SQLite's index (`messages_fts`, unicode61 with ``remove_diacritics 2``) splits text into
runs of letters and digits ("_" separates), folds case and diacritics, and the query asks
for every word, words of three or more letters also as prefixes. Here the same words are
made in Python (the same token pattern as `store.messages`, NFKD folding) and stored as a
``tsvector`` built with ``array_to_tsvector`` — the lexemes exactly as given, no
PostgreSQL parser or dictionary in between, which would split "MUK/123/2026" or "e-mail"
differently from SQLite. Queries are ``tsquery`` literals of the same folded words
(``'rozhodnut':*``), answered by a GIN index; `store.messages.MessageRepo._pg_hits`
asks for whole words and then prefixes in one statement, with the hits' rows.
`docs/office.md` has the measurements
against ``unaccent`` + ``pg_trgm``.

The table holds only the index (no second copy of the text), like the contentless FTS5
table; it is created by migration 0004 on PostgreSQL only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, Text, bindparam, func
from sqlalchemy.dialects.postgresql import TSVECTOR, insert
from sqlalchemy.orm import Session

from dso_desktop.store.records import SearchText

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)  # as store.messages._TOKEN
MIN_PREFIX = 3  # as store.messages.MIN_PREFIX
MAX_QUERY_TOKENS = 12
# PostgreSQL limits: a lexeme < 2 KiB, a tsvector < 1 MiB. Longer words are not words
# anybody searches for; a document with more distinct words keeps the first ones (the
# envelope's come first).
MAX_LEXEME_BYTES = 200
MAX_DOC_BYTES = 900_000

metadata = MetaData()
message_search = Table(
    "message_search", metadata,
    Column("message_id", Integer, ForeignKey("messages.id", ondelete="CASCADE"),
           primary_key=True),
    Column("doc", TSVECTOR, nullable=False),
)


def fold(value: str) -> str:
    """Lower case without diacritics ("Přestupku" -> "prestupku"), as unicode61 folds."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def tokens(value: str) -> list[str]:
    return _TOKEN.findall(fold(value))


# The index text of a message is cut at the ASCII characters that are neither letters nor
# digits first: each is its own fold and never part of a word, so no word spans one, and
# the words of the text are those of its pieces, in order. A piece (a word, mostly) is
# folded once per message and the short ones once per process: folding every character
# of the attachment text in Python was most of the CPU time a sync spent writing to
# PostgreSQL (SQLite's FTS5 folds in C). Same words as `tokens` (tested against it).
_SEPARATORS = re.compile(r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")
_CACHED_PIECE = 64  # longer pieces are folded each time (the cache stays small)


@lru_cache(maxsize=32768)
def _short_piece_words(piece: str) -> tuple[str, ...]:
    return tuple(tokens(piece))


def _words(text: str) -> Iterator[str]:
    """The words of ``text`` as `tokens` gives them (repeated pieces skipped)."""
    for piece in dict.fromkeys(_SEPARATORS.split(text)):  # distinct, in order
        if not piece:
            continue
        if piece.isascii():  # letters and digits only: one word
            yield piece.lower()
        elif len(piece) <= _CACHED_PIECE:
            yield from _short_piece_words(piece)
        else:
            yield from tokens(piece)


def lexemes(search: SearchText) -> list[str]:
    """The distinct folded words of a message's index text, within PostgreSQL's limits."""
    seen: dict[str, None] = {}
    size = 0
    for part in (search.subject, search.parties, search.refs, search.files, search.body):
        for t in _words(part or ""):
            if t in seen:
                continue
            n = len(t) if t.isascii() else len(t.encode())
            if n > MAX_LEXEME_BYTES:
                continue
            size += n + 8
            if size > MAX_DOC_BYTES:
                return list(seen)
            seen[t] = None
    return list(seen)


# The lexemes travel as one text, split by the server: words are letters and digits only
# (never a space), and one text parameter costs the client far less than an array of
# hundreds (psycopg builds an array element by element in Python).
DOC_SQL = "array_to_tsvector(string_to_array(CAST(? AS text), ' '))"


def doc_text(search: SearchText) -> str:
    """`lexemes` as the one text `DOC_SQL` makes the ``tsvector`` of."""
    return " ".join(lexemes(search))


def tsquery(query: str, *, prefix: bool) -> str | None:
    """A ``tsquery`` literal requiring every word (prefixes for 3+ letters with ``prefix``).

    Tokens are letters and digits only, so quoting them cannot be escaped from."""
    words = tokens(query)[:MAX_QUERY_TOKENS]
    if not words:
        return None
    parts = []
    for w in words:
        w = w[:MAX_LEXEME_BYTES]
        parts.append(f"'{w}':*" if prefix and len(w) >= MIN_PREFIX else f"'{w}'")
    return " & ".join(parts)


def index(session: Session, message_id: int, search: SearchText) -> None:
    """Index (or re-index) one message."""
    stmt = insert(message_search).values(
        message_id=message_id,
        doc=func.array_to_tsvector(func.string_to_array(
            bindparam("words", doc_text(search), type_=Text), " ")))
    session.execute(stmt.on_conflict_do_update(
        index_elements=["message_id"], set_={"doc": stmt.excluded.doc}))
