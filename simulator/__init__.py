"""A simulated fleet speaking the ComfyControl API and the ComfyUI API over real HTTP.

Standard library only, no Django: tests and the demo start it in a thread, `python -m simulator`
runs it in the foreground for the benchmarks, which steer it through /_sim/ (control_api.py).

    with SimulatorServer(Fleet.generate(managed=2, direct=3)) as sim:
        sim.fleet.set_mode("direct-1", "hang")
        requests.get(f"{sim.direct_base_url('direct-1')}/api/system_stats", timeout=1)
"""

from simulator.fleet import Fleet
from simulator.runner import FLAP_PERIOD_S, MODES, SimRunner, Token
from simulator.server import HUGE_BODY_BYTES, SimulatorServer

__all__ = [
    "FLAP_PERIOD_S",
    "HUGE_BODY_BYTES",
    "MODES",
    "Fleet",
    "SimRunner",
    "SimulatorServer",
    "Token",
]
