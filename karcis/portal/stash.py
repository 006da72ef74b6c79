"""Files kept across a refused form, so a visitor never attaches them again.

When the portal refuses a form (a field to correct, the anti-spam field, too many tickets
at once), the files that passed their checks are saved under `portal-stash/` and the form
carries a signed token naming them. Sent again, the form gets them back from the token:
the signature (bound to the organisation, valid for a day) means a visitor can point only
at files that were stashed for this form, never at another file of the storage.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from karcis.core.content import CheckedFile, attachment_check

SALT = "karcis.portal.kept-files"
MAX_AGE = 24 * 3600
DIRECTORY = "portal-stash"


@dataclass(frozen=True)
class KeptFile:
    path: str
    filename: str
    content_type: str
    size: int


def stash(*, organisation_id: int, uploads: list, kept: list[KeptFile]) -> list[KeptFile]:
    """The files kept before, with the uploads that pass their checks added to them."""
    result = list(kept)
    for upload in uploads:
        try:
            checked = attachment_check(upload)
        except ValidationError:
            continue  # the form says why; a refused file is not kept
        folder = f"{DIRECTORY}/{timezone.now():%Y%m%d}/{secrets.token_urlsafe(16)}"
        path = default_storage.save(f"{folder}/{checked.filename}", checked.upload)
        result.append(KeptFile(path, checked.filename, checked.content_type, checked.size))
    return result


def token_for(*, organisation_id: int, kept: list[KeptFile]) -> str:
    if not kept:
        return ""
    return signing.dumps(
        {"o": organisation_id, "f": [[k.path, k.filename, k.content_type, k.size] for k in kept]},
        salt=SALT,
        compress=True,
    )


def from_token(*, organisation_id: int, token: str) -> list[KeptFile]:
    """The kept files a token names; none when it is missing, forged, old or another
    organisation's, or a file is gone."""
    if not token:
        return []
    try:
        claim = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return []
    if not isinstance(claim, dict) or claim.get("o") != organisation_id:
        return []
    kept = [KeptFile(*row) for row in claim.get("f") or []]
    return [
        k for k in kept if k.path.startswith(DIRECTORY + "/") and default_storage.exists(k.path)
    ]


def checked_files(kept: list[KeptFile]) -> list[CheckedFile]:
    """The kept files as checked attachments (they were checked when stashed)."""
    return [
        CheckedFile(
            upload=UploadedFile(
                default_storage.open(k.path),
                name=k.filename,
                content_type=k.content_type,
                size=k.size,
            ),
            filename=k.filename,
            content_type=k.content_type,
            size=k.size,
        )
        for k in kept
    ]


def discard(kept: list[KeptFile]) -> None:
    """Remove kept files once the ticket holds its own copies."""
    for k in kept:
        default_storage.delete(k.path)


def stash_purge(*, now: datetime | None = None) -> int:
    """Delete the kept files of forms never sent again: every day's folder older than the
    tokens that name it (a job, hourly). Returns how many files went."""
    today = (now or timezone.now()).date()
    removed = 0
    try:
        days, _files = default_storage.listdir(DIRECTORY)
    except FileNotFoundError:
        return 0
    for day in days:
        try:
            age = today - datetime.strptime(day, "%Y%m%d").date()
        except ValueError:
            continue
        if age < timedelta(days=2):  # a token lives a day; a folder is named by its first
            continue
        removed += _delete_tree(f"{DIRECTORY}/{day}")
    return removed


def _delete_tree(path: str) -> int:
    folders, files = default_storage.listdir(path)
    count = 0
    for name in files:
        default_storage.delete(f"{path}/{name}")
        count += 1
    for folder in folders:
        count += _delete_tree(f"{path}/{folder}")
    return count
