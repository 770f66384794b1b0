from django.utils.functional import SimpleLazyObject

from envgrid.notifications.selectors import unread_count


def notifications(request):
    """The signed-in user's unread count for the navbar bell; counted only when a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": SimpleLazyObject(lambda: unread_count(user))}
