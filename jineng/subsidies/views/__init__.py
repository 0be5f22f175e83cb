"""Pages of subsidies: the policy's rules and simulation (rules.py), claims and their
workflow, the public notice and the worker's confirmation (claims.py)."""
