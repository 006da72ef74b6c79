from django.http import HttpResponse


def home(request, org):
    return HttpResponse("portal")


def my_tickets(request, org):
    return HttpResponse("my tickets")
