"""Open311 GeoReport v2, mounted at /open311/v2/. Each resource ends in its format: .json or .xml."""

from django.urls import re_path

from envgrid.cases.open311 import views

FORMAT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^$", views.discovery, {"fmt": "json"}, name="open311-root"),
    re_path(r"^discovery" + FORMAT, views.discovery, name="open311-discovery"),
    re_path(r"^services" + FORMAT, views.service_list, name="open311-services"),
    re_path(r"^services/(?P<service_code>[^/]+?)" + FORMAT, views.service_definition, name="open311-service"),
    re_path(r"^requests" + FORMAT, views.requests_collection, name="open311-requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+?)" + FORMAT, views.request_detail, name="open311-request"),
    re_path(r"^(?P<path>.*)$", views.not_found, name="open311-not-found"),
]
