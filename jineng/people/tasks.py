"""Background tasks of people (django-tasks entry points: primary keys in, services called).

Each task is defined beside the code that queues and runs it, so that module imports no
other to enqueue it; this module lists them, and the paths of tasks queued before they moved
(``jineng.people.tasks.…``) still resolve here.
"""

from __future__ import annotations

from jineng.people.exporters.jobs import export_people_file
from jineng.people.importers.jobs import import_people_file

__all__ = ["export_people_file", "import_people_file"]
