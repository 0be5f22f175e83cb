"""The catalogs API: public reads without a token, bureau writes, appeals by organisation."""

# Importing the endpoint modules registers their operations on the shared router.
from jineng.catalogs.api import console, public  # noqa: F401
from jineng.catalogs.api.routing import router

__all__ = ["router"]
