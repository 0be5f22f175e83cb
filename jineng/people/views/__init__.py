"""Pages of people, one module per concern.

- ``people``: the register (search, a person, reveal, target-group memberships);
- ``imports``: upload a people file, the history of imports, a job and its errors;
- ``exports``: export a search, at once or in the background, and download it;
- ``common``: the steps the bulk pages share (capability checks, the user's own jobs).
"""
