"""What makes a cached token look-up (karcis.api.authentication) stale: the token replaced or
removed, its user changed (deactivated, another role, deleted) or their organisation
changed. Each forgets the look-ups it concerns."""

from rest_framework.authtoken.models import Token

from karcis.api.authentication import tokens_forget


def token_changed(sender, instance: Token, **kwargs) -> None:
    tokens_forget([instance.key])


def user_changed(sender, instance, **kwargs) -> None:
    if instance.pk is not None:
        tokens_forget(list(Token.objects.filter(user_id=instance.pk).values_list("key", flat=True)))


def organisation_changed(sender, instance, **kwargs) -> None:
    if instance.pk is not None:
        tokens_forget(
            list(
                Token.objects.filter(user__organisation_id=instance.pk).values_list(
                    "key", flat=True
                )
            )
        )
