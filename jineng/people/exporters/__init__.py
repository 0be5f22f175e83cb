"""Exports of people: the file, and the background job that writes a large one.

``people`` writes a search as csv or xlsx, masked unless the actor may see full values, with
its audit event; ``jobs`` queues the export of a search too large for a request, runs it in
a worker, keeps the file for a day and audits every download.
"""

from jineng.people.exporters.people import CONTENT_TYPES, FORMATS, export_people

__all__ = ["CONTENT_TYPES", "FORMATS", "export_people"]
