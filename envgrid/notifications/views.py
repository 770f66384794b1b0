from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from envgrid.core.http import next_url
from envgrid.notifications import selectors
from envgrid.notifications.filtersets import NotificationFilterSet
from envgrid.notifications.models import Notification
from envgrid.notifications.services import notification_mark_read, notifications_mark_all_read

PAGE_SIZE = 50


@login_required
@require_GET
def notification_list(request):
    """The user's inbox (我的通知): unread first; ``?unread=true`` for unread only."""
    filterset = NotificationFilterSet(request.GET, queryset=selectors.inbox(request.user))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"filterset": filterset, "page": page})


@login_required
@require_GET
def notification_open(request, pk: int):
    """Mark the notification read and go to what it is about (or back to the inbox)."""
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    notification_mark_read(user=request.user, notification=notification)
    safe = url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(notification.url if notification.url and safe else "notification-list")


@login_required
@require_POST
def notification_read(request, pk: int):
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    notification_mark_read(user=request.user, notification=notification)
    return redirect(_back_to_inbox(request))


@login_required
@require_POST
def notification_read_all(request):
    count = notifications_mark_all_read(user=request.user)
    message = ngettext("%(count)d notification marked read.", "%(count)d notifications marked read.", count)
    messages.success(request, message % {"count": count})
    return redirect(_back_to_inbox(request))


def _back_to_inbox(request) -> str:
    return next_url(request, reverse("notification-list"))
