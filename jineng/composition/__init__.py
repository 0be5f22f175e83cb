"""The composition root: the one package that knows every app (docs/adr/0012-app-layers.md).

Domain apps import only downward. What needs all of them lives here: the REST API's
assembly of the apps' routers (``api``, ``urls``), and the commands that drive several apps
(``jineng load-reference``, ``jineng demo``, ``jineng export_openapi``, ``jineng token``).
Nothing in a domain app imports this package.
"""
