"""The site's settings with bench/verify_urls.py as the URLconf (the benchmark's yardstick)."""

from jineng.settings import *  # noqa: F403

ROOT_URLCONF = "verify_urls"
