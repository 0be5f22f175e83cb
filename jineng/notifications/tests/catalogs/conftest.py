"""Fixtures of the appeal notification tests: the catalog tests' world."""

from __future__ import annotations

from jineng.catalogs.tests import conftest as catalog_fixtures

catalog_data = catalog_fixtures.catalog_data
evaluator_a = catalog_fixtures.evaluator_a
frozen_today = catalog_fixtures.frozen_today
levels = catalog_fixtures.levels
occupations = catalog_fixtures.occupations
publisher = catalog_fixtures.publisher
removal = catalog_fixtures.removal
