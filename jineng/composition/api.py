"""The REST API mounted at /api/v1/: the shared frame (jineng.api.base) with every app's router.

A new app's router is added here, and only here; the order of the routers is the order of the
OpenAPI document's paths.
"""

from __future__ import annotations

from jineng.accreditations.api import router as accreditations_router
from jineng.api.base import new_api
from jineng.assessment.api import router as assessment_router
from jineng.attendance.api import router as attendance_router
from jineng.catalogs.api import router as catalogs_router
from jineng.certificates.api import router as certificates_router
from jineng.experts.api import router as experts_router
from jineng.fraud.api import router as fraud_router
from jineng.funds.api import router as funds_router
from jineng.notifications.api import router as notifications_router
from jineng.organizations.api import router as organizations_router
from jineng.people.api import router as people_router
from jineng.records.api import router as records_router
from jineng.subsidies.api import router as subsidies_router
from jineng.talent.api import router as talent_router
from jineng.training.api import router as training_router

api = new_api()
api.add_router("", people_router)
api.add_router("", records_router)
api.add_router("", organizations_router)
api.add_router("", accreditations_router)
api.add_router("", catalogs_router)
api.add_router("", attendance_router)
api.add_router("", training_router)
api.add_router("", experts_router)
api.add_router("", assessment_router)
api.add_router("", certificates_router)
api.add_router("", talent_router)
api.add_router("", subsidies_router)
api.add_router("", funds_router)
api.add_router("", fraud_router)
api.add_router("", notifications_router)
