"""People files are read by the one reader of bulk files, jineng.core.tabular.

These names stay importable from here for callers written against the people reader
(the training app's bulk enrolment).
"""

from jineng.core.tabular import Sheet, Source, file_digest, open_sheet, read_bytes

__all__ = ["Sheet", "Source", "file_digest", "open_sheet", "read_bytes"]
