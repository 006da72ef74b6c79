import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karcis.settings")
application = get_wsgi_application()

# Behind a reverse proxy every request comes from the proxy's address; rate limits need the
# visitor's. Believe X-Forwarded-For only from the proxies named here, and take the entry the
# (last) proxy added: earlier entries are whatever the client chose to send.
TRUSTED_PROXIES = {
    address.strip()
    for address in os.environ.get("KARCIS_TRUSTED_PROXIES", "127.0.0.1,::1").split(",")
    if address.strip()
}


def client_address_from_proxy(app):
    def wrapped(environ, start_response):
        forwarded = environ.get("HTTP_X_FORWARDED_FOR")
        if forwarded and environ.get("REMOTE_ADDR") in TRUSTED_PROXIES:
            environ["REMOTE_ADDR"] = forwarded.rsplit(",", 1)[-1].strip()
        return app(environ, start_response)

    return wrapped


application = client_address_from_proxy(application)
# Everything loaded so far lives as long as the process: keep it out of the garbage
# collector's full passes, which otherwise pause a worker for ~50 ms every few dozen requests.
gc.freeze()
