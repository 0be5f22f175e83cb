from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompositionConfig(AppConfig):
    """The composition root: the API's assembly and the commands that drive several apps."""

    name = "jineng.composition"
    label = "composition"
    verbose_name = _("Composition")

    def ready(self) -> None:
        from jineng.composition.synth import audit_actions  # noqa: F401 - names its action
