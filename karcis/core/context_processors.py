from django.conf import settings


def karcis(request):
    user = getattr(request, "user", None)
    return {
        "KARCIS_DEBUG": settings.DEBUG,
        "is_staff_member": bool(user and user.is_authenticated and user.is_staff_member),
    }
