"""Who a sign-in finds: staff by address alone, customers by address within one organisation.

A customer account belongs to one organisation (decision 0015): the same address may have
an account at several organisations, each with its own password. So the staff sign-in
(/login/, the Django admin) looks among staff accounts only, and a portal's sign-in passes
its organisation and looks among that organisation's customers only.
"""

from django.contrib.auth.backends import ModelBackend

from karcis.core.accounts import account_find
from karcis.core.models import User


class EmailBackend(ModelBackend):
    """Signs people in with their e-mail address, case-insensitively."""

    def authenticate(
        self, request, username=None, password=None, email=None, organisation=None, **kwargs
    ):
        if password is None:
            return None
        user = account_find(email=email or username or "", organisation=organisation)
        if user is None:
            User().set_password(password)  # same time spent whether or not the user exists
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        # Every signed-in request reads the user's organisation: fetch it with the user.
        # get(), not first(): an id is unique, and an ORDER BY costs every request its
        # composing.
        try:
            user = User.objects.select_related("organisation").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
