"""Full-text search over ticket subjects and messages.

PostgreSQL: Ticket.search_vector (tsvector, GIN index, 'indonesian' configuration).
SQLite: the FTS5 table desk_ticket_fts, one row per ticket, rowid = ticket id.
Both are rewritten by the desk services whenever a ticket's subject or messages change.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import QuerySet, Value
from django.db.models.expressions import RawSQL

PG_CONFIG = "indonesian"
MAX_DOCUMENT_CHARS = 200_000
_WORD = re.compile(r"\w+", re.UNICODE)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def ticket_document(*, subject: str, body: str):
    """The PostgreSQL search document of a ticket, as an expression to store on its row."""
    return SearchVector(Value(subject), weight="A", config=PG_CONFIG) + SearchVector(
        Value(body[:MAX_DOCUMENT_CHARS]), weight="B", config=PG_CONFIG
    )


def ticket_index(*, ticket_id: int, subject: str, body: str) -> None:
    """Rewrite a ticket's search document after its subject or messages changed."""
    from karcis.desk.models import Ticket

    if is_postgres():
        Ticket.objects.filter(pk=ticket_id).update(
            search_vector=ticket_document(subject=subject, body=body)
        )
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM desk_ticket_fts WHERE rowid = %s", [ticket_id])
        _fts_insert(cursor, ticket_id, subject, body)


def ticket_index_new(*, ticket_id: int, subject: str, body: str) -> None:
    """Index a ticket just created. On PostgreSQL its row already carries the document
    (ticket_document was stored with the INSERT), so only SQLite has work to do."""
    if is_postgres():
        return
    with connection.cursor() as cursor:
        _fts_insert(cursor, ticket_id, subject, body)


def _fts_insert(cursor, ticket_id: int, subject: str, body: str) -> None:
    cursor.execute(
        "INSERT INTO desk_ticket_fts(rowid, subject, body) VALUES (%s, %s, %s)",
        [ticket_id, subject, body[:MAX_DOCUMENT_CHARS]],
    )


def query_words(query: str) -> list[str]:
    return _WORD.findall(query.lower())[:12]


_EMAIL = re.compile(r"^\S+@\S+\.\S+$")
_PHONE = re.compile(r"^\+?[\d\s().-]{8,20}$")


def tickets_matching(queryset: QuerySet, query: str) -> QuerySet:
    """Narrow a ticket queryset to those whose subject or messages contain every word;
    an e-mail address or a phone number finds the tickets of the requester who has it."""
    from karcis.core.services import normalise_email, normalise_phone

    query = query.strip()
    if _EMAIL.match(query):
        return queryset.filter(
            requester__identities__kind="email",
            requester__identities__value=normalise_email(query),
        )
    if _PHONE.match(query) and sum(ch.isdigit() for ch in query) >= 8:
        return queryset.filter(
            requester__identities__kind="phone",
            requester__identities__value=normalise_phone(query),
        )
    words = query_words(query)
    if not words:
        return queryset.none()
    if is_postgres():
        return queryset.filter(
            search_vector=SearchQuery(" ".join(words), config=PG_CONFIG, search_type="plain")
        )
    # Each word quoted (no FTS syntax from users) and prefix-matched, all required.
    fts_query = " ".join(f'"{word}"*' for word in words)
    return queryset.filter(
        id__in=RawSQL(
            "SELECT rowid FROM desk_ticket_fts WHERE desk_ticket_fts MATCH %s", [fts_query]
        )
    )
