from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("karcis.core.urls")),
    path("", include("karcis.workspace.urls")),
    path("", include("karcis.desk.urls")),
    path("", include("karcis.sla.urls")),
    path("", include("karcis.messaging.urls")),
    path("", include("karcis.calendars.urls")),
    path("", include("karcis.routing.urls")),
    path("", include("karcis.queueing.urls")),
    # Settings lived under /desk/settings/ until the workspace took them over.
    re_path(
        r"^desk/settings/(?P<rest>.*)$",
        RedirectView.as_view(url="/settings/%(rest)s", permanent=True, query_string=True),
    ),
    path("portal/", include("karcis.portal.urls")),
    path("api/", include("karcis.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]

# A 400 that is a body over the size limit answers 413; under /api/, in JSON.
handler400 = "karcis.core.views.bad_request"
