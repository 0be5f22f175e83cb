"""Every write of online learning: platforms, credentials, statements and documents.

One module per resource: ``platforms`` (platforms, their registrations and credentials),
``statements`` (storing and voiding statements) and ``documents`` (the State, Activity
Profile and Agent Profile documents). Each public function owns its transaction and audit
events (STYLE.md §2); import them from ``jineng.learning.services``.
"""

from jineng.learning.services.documents import (
    DocumentKey,
    check_preconditions,
    delete_documents,
    etag_of,
    registration_text,
    save_document,
)
from jineng.learning.services.platforms import (
    Registrations,
    create_credential,
    create_platform,
    register_platform,
    revoke_credential,
)
from jineng.learning.services.statements import store_statements

__all__ = [
    "DocumentKey",
    "Registrations",
    "check_preconditions",
    "create_credential",
    "create_platform",
    "delete_documents",
    "etag_of",
    "register_platform",
    "registration_text",
    "revoke_credential",
    "save_document",
    "store_statements",
]
