from django.urls import path

from envgrid.cases import views

urlpatterns = [
    path("", views.case_queue, name="case-queue"),
    path("report/", views.case_report_desk, name="case-report"),
    path("export.xlsx", views.case_export, name="case-export"),
    path("bulk/", views.case_bulk, name="case-bulk"),
    path("<int:pk>/", views.case_detail, name="case-detail"),
    path("<int:pk>/<slug:action>/", views.case_action, name="case-action"),
    path("attachments/<int:pk>/", views.case_attachment, name="case-attachment"),
    path("attachments/<int:pk>/thumb/", views.case_attachment, {"thumb": True}, name="case-attachment-thumb"),
    # Phone pages for grid members, grid heads and river chiefs (360 px, WeChat's browser).
    path("m/", views.phone_home, name="phone-home"),
    path("m/report/", views.phone_report, name="phone-report"),
    path("m/mine/", views.phone_my_reports, name="phone-my-reports"),
    path("m/verify/", views.phone_verify, name="phone-verify"),
    path("m/verify/<int:pk>/", views.phone_verify_case, name="phone-verify-case"),
    path("m/<int:pk>/", views.phone_case, name="phone-case"),
]
