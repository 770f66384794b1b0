from django.urls import path

from envgrid.directives import views

urlpatterns = [
    path("", views.directive_list, name="directive-list"),
    path("new/", views.directive_create, name="directive-create"),
    path("<int:pk>/", views.directive_detail, name="directive-detail"),
    path("<int:pk>/sign/", views.directive_sign, name="directive-sign"),
    path("<int:pk>/feedback/", views.directive_feedback, name="directive-feedback"),
    path("<int:pk>/urge/", views.directive_urge, name="directive-urge"),
    path("<int:pk>/close/", views.directive_close, name="directive-close"),
    path("attachments/<int:pk>/", views.directive_attachment, name="directive-attachment"),
    path(
        "attachments/<int:pk>/thumbnail/", views.directive_attachment_thumbnail, name="directive-attachment-thumbnail"
    ),
]
