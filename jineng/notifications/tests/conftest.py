"""Fixtures of the notification tests: the training world (occupations, licence, catalog)."""

from __future__ import annotations

from jineng.training.tests import conftest as training_fixtures

# A class needs the small classification, its accreditation and a catalog entry.
_city = training_fixtures._city
accredited = training_fixtures.accredited
catalog_entry = training_fixtures.catalog_entry
english = training_fixtures.english
levels = training_fixtures.levels
occupations = training_fixtures.occupations
