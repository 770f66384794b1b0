import factory
from django.utils import timezone

from envgrid.core.tests.factories import UserFactory
from envgrid.notifications.models import Notification


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    verb = "case.dispatched"
    title = factory.Sequence(lambda n: f"案件 20260301-{n:06d} 已派遣至贵单位")
    body = "道路扬尘，请于 24 小时内处置"
    url = "/"
    created_at = factory.LazyFunction(timezone.now)
