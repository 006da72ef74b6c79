from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("", include("karcis.core.urls")),
    path("desk/", include("karcis.messaging.urls")),
    path("desk/", include("karcis.desk.urls")),
    path("portal/", include("karcis.portal.urls")),
    path("api/", include("karcis.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]
