"""Rankings API: streets or grids ranked over a period, with coverage, change and the standards applied."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from envgrid.monitoring.stats import RANK_BY, RANKING_LEVELS, ranking_query

PERIOD_HELP = (
    "2026 (year), 2026-Q4 (quarter), 2026-11 (month), 2026-W47 (ISO week), 2026-11-05 (day) or "
    "2026-11-01..2026-11-27 (days, both ends included). Default: the current month."
)


class RankingsView(APIView):
    """Rankings of streets or grids (排名) by composite index, PM2.5 or good-day ratio. Every signed-in user may read
    them: they are the district's published figures."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "level", OpenApiTypes.STR, enum=list(RANKING_LEVELS), description="street (default) or grid"
            ),
            OpenApiParameter("period", OpenApiTypes.STR, description=PERIOD_HELP),
            OpenApiParameter("by", OpenApiTypes.STR, enum=list(RANK_BY), description="ranking figure"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        result = ranking_query(
            level=request.query_params.get("level"),
            period=request.query_params.get("period"),
            by=request.query_params.get("by"),
        )
        return Response({"by": request.query_params.get("by") or "composite_index", **result.as_dict()})
