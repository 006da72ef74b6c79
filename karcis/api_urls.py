"""The REST API's routes: one router for every app's viewsets."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = router.urls
