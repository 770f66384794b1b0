"""Inspections (日常/夜查/专项/联合检查) and joint enforcement (联合执法)."""

from django.urls import path

from envgrid.patrols.views import desk, enforcement, phone

urlpatterns = [
    path("", desk.inspection_list, name="patrols-inspection-list"),
    path("inspections/<int:pk>/", desk.inspection_detail, name="patrols-inspection-detail"),
    path("photos/<int:pk>/", desk.inspection_photo, name="patrols-photo"),
    path("photos/<int:pk>/thumbnail/", desk.inspection_photo, {"thumb": True}, name="patrols-photo-thumbnail"),
    path("plans/", desk.plan_list, name="patrols-plan-list"),
    path("plans/new/", desk.plan_create, name="patrols-plan-create"),
    path("plans/<int:pk>/", desk.plan_detail, name="patrols-plan-detail"),
    path("plans/<int:pk>/cancel/", desk.plan_cancel, name="patrols-plan-cancel"),
    path("night-coverage/", desk.night_coverage, name="patrols-night-coverage"),
    path("checklists/", desk.checklist_list, name="patrols-checklists"),
    path("enforcement/", enforcement.enforcement_list, name="patrols-enforcement-list"),
    path("enforcement/new/", enforcement.enforcement_create, name="patrols-enforcement-create"),
    path("enforcement/stats/", enforcement.enforcement_stats, name="patrols-enforcement-stats"),
    path("enforcement/<int:pk>/", enforcement.enforcement_detail, name="patrols-enforcement-detail"),
    path("enforcement/<int:pk>/status/", enforcement.enforcement_transition, name="patrols-enforcement-status"),
    path("enforcement/<int:pk>/measures/", enforcement.enforcement_measure, name="patrols-enforcement-measure"),
    path(
        "enforcement/<int:pk>/measures/<int:measure_pk>/done/",
        enforcement.enforcement_measure_done,
        name="patrols-enforcement-measure-done",
    ),
    path("enforcement/<int:pk>/publicity/", enforcement.enforcement_publicity, name="patrols-enforcement-publicity"),
    path("m/", phone.phone_home, name="patrols-phone"),
    path("m/objects/", phone.phone_objects, name="patrols-phone-objects"),
    path("m/objects/<int:pk>/", phone.phone_inspect, name="patrols-phone-inspect"),
    path("m/records/<int:pk>/", phone.phone_record, name="patrols-phone-record"),
]
