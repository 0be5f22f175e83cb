"""REST endpoints of subsidies: the policy's rules (api_rules) and claims (api_claims)."""

from ninja import Router

from jineng.subsidies import api_claims, api_rules

router = Router(tags=["subsidies"])
router.add_router("", api_rules.router)
router.add_router("", api_claims.router)
