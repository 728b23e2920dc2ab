"""Replay addresses, answered only on REPLAY_ORIGIN (app/monitor/replay.py); outside i18n."""

from django.urls import path

from app.monitor import replay

urlpatterns = [
    path("replay/<str:name>", replay.asset, name="replay-asset"),
    path("replay-page/<int:capture_id>/", replay.page, name="replay-page"),
    path("replay-page/<int:capture_id>/page.wacz", replay.wacz, name="replay-wacz"),
]
