"""Run the test suite in development mode (loaded by pytest with ``-p``, see pyproject.toml).

The server starts in production mode unless ``JINENG_DEBUG`` says otherwise, and production
refuses to start without its keys. The suite is development: it sets the flag here, before
pytest-django imports the settings (a conftest.py would come too late), unless the caller
chose a mode already.
"""

from __future__ import annotations

import os

os.environ.setdefault("JINENG_DEBUG", "true")
