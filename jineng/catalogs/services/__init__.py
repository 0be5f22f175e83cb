"""Every write to the catalogs: drafts, entries, reasons, review, publication and appeals.

Each public function owns its transaction and audit events (see STYLE.md §2).
"""

from jineng.catalogs.services.appeals import decide_appeal, file_appeal
from jineng.catalogs.services.common import get_catalog, transition
from jineng.catalogs.services.drafts import (
    add_entry,
    create_draft,
    discard_draft,
    remove_entry,
    update_draft,
    update_entry,
)
from jineng.catalogs.services.entries import EntryInput, Lookups, clean_entry
from jineng.catalogs.services.imports import ImportResult, import_draft
from jineng.catalogs.services.register import REGISTER_KINDS, draft_from_register
from jineng.catalogs.services.review import (
    ChangeInput,
    delete_change,
    publish_version,
    reason_problems,
    record_changes,
    return_version,
    submit_version,
)

__all__ = [
    "ChangeInput",
    "REGISTER_KINDS",
    "EntryInput",
    "ImportResult",
    "Lookups",
    "add_entry",
    "clean_entry",
    "create_draft",
    "decide_appeal",
    "delete_change",
    "discard_draft",
    "draft_from_register",
    "file_appeal",
    "get_catalog",
    "import_draft",
    "publish_version",
    "reason_problems",
    "record_changes",
    "remove_entry",
    "return_version",
    "submit_version",
    "transition",
    "update_draft",
    "update_entry",
]
