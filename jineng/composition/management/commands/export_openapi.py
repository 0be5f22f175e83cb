"""Write the API's OpenAPI document to a file, or check that the committed one is current."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandParser

from jineng.composition.api import api


class Command(BaseCommand):
    help = "Write docs/api/openapi.yaml; with --check, exit 1 if it differs from the code."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--check", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        schema = api.get_openapi_schema(path_prefix="/api/v1/")
        text = yaml.safe_dump(dict(schema), allow_unicode=True, sort_keys=False)
        path: Path = options["path"]
        if options["check"]:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != text:
                self.stderr.write(f"{path} is out of date: run `make schema` and commit it.")
                sys.exit(1)
            self.stdout.write(f"{path} is current.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
