"""Play HJ 212 stations against a receiver: CN 2051 minute data with Flag=5, each upload waiting for its 9014.

Values follow a plausible day in the district: particles higher at night and in the morning rush, NO2 and
CO with the rush hours, O3 peaking in the afternoon, temperature and humidity in opposite phase, plus a
per-station level and noise (seeded by the MN, so a run is repeatable). ``--episode`` drives the first
station through a pollution episode: PM up to five times the usual level for an hour of every three
simulated hours (in a finite run: through its middle third).

``speed`` is simulated minutes per real minute: 1 is real time (one upload per station per minute), 0 sends
as fast as the answers come (the load generator). ``minutes=0`` runs until stopped.

The package: ``values`` (the simulated values), ``player`` (the load generator: ``simulate``) and ``command``
(``manage.py hj212 simulate``, ``stations_simulated_ensure``).
"""

from envgrid.monitoring.simulator.command import (
    add_simulate_arguments,
    generated_mn,
    simulate_from_options,
    stations_simulated_ensure,
)
from envgrid.monitoring.simulator.player import SimResult, SimStation, simulate
from envgrid.monitoring.simulator.values import FACTORS, episode_factor, station_value_block, station_values

__all__ = [
    "FACTORS",
    "SimResult",
    "SimStation",
    "add_simulate_arguments",
    "episode_factor",
    "generated_mn",
    "simulate",
    "simulate_from_options",
    "station_value_block",
    "station_values",
    "stations_simulated_ensure",
]
