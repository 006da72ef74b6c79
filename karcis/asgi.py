"""ASGI entry point: HTTP through Django, websockets through Channels."""

import gc
import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karcis.settings")
# Static files (WhiteNoise) and attachments (FileResponse) are synchronous file iterators;
# Django serves them correctly under ASGI but warns on every one.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from karcis.core.routing import websocket_urlpatterns as core_sockets  # noqa: E402
from karcis.desk.routing import websocket_urlpatterns as desk_sockets  # noqa: E402
from karcis.queueing.routing import websocket_urlpatterns as queue_sockets  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter([*core_sockets, *desk_sockets, *queue_sockets]))
        ),
    }
)
# Everything loaded so far lives as long as the process: keep it out of the garbage
# collector's full passes, which otherwise pause a worker for ~50 ms every few dozen requests.
gc.freeze()
