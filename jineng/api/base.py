"""The REST API (django-ninja) mounted at /api/v1/."""

from ninja import NinjaAPI

api = NinjaAPI(title="jineng API", version="1", urls_namespace="api")
