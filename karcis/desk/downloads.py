"""The one way an attachment leaves Karcis: after a selector has said who may have it."""

from django.http import FileResponse, Http404

from karcis.desk.models import Attachment


def attachment_response(attachment: Attachment, *, inline_images: bool = True) -> FileResponse:
    """Stream a file with headers that keep it inert: images may open in the browser,
    everything else downloads, and nothing it contains can run or load anything."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("File missing from storage") from None
    response = FileResponse(
        handle,
        as_attachment=not (inline_images and attachment.is_image),
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
