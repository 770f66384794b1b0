"""Receivers of other apps' signals. They must stay light: the HJ 212 receiver waits for them."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def on_readings_stored(sender, readings, **kwargs) -> None:
    """Enqueue the judging of just-stored readings: station id → earliest data time of the batch."""
    since = {}
    for station_id, _cn, data_time in readings:
        if station_id not in since or data_time < since[station_id]:
            since[station_id] = data_time
    if not since:
        return
    from envgrid.alerts.tasks import evaluate_stored_readings

    try:
        evaluate_stored_readings(since)
    except Exception:  # a broken queue must not stop the receiver from acknowledging data
        logger.exception("could not enqueue the alert evaluation of %d stations", len(since))
