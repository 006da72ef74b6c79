"""The one way a stored file leaves Karcis: after a selector has said who may have it."""

from django.core.files import File
from django.http import FileResponse, Http404


def file_response(file: File, *, filename: str, content_type: str, inline: bool) -> FileResponse:
    """Stream a file with headers that keep it inert: `inline` (an image) may open in the
    browser, everything else downloads, and nothing it contains can run or load anything.
    A file missing from storage is a 404."""
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404("File missing from storage") from None
    response = FileResponse(
        handle, as_attachment=not inline, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
