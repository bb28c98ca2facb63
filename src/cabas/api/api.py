"""The NinjaAPI instance mounted at /api/ (see cabas/urls.py); OpenAPI page at /api/docs.

Authentication is Django's session (the web login): ninja's `django_auth`, which checks the CSRF
token on unsafe methods (PUT). See docs/api.md.
"""

from ninja import NinjaAPI, Swagger
from ninja.security import django_auth

from . import errors
from .endpoints import router
from .renderers import Utf8JSONRenderer


class Docs(Swagger):
    """ninja's Swagger page in a template of Cabas' own (api/swagger.html): its language, a main landmark, colours
    that contrast enough; without deep links, whose anchors Swagger UI nests in each operation's button."""

    template = "api/swagger.html"

    def __init__(self):
        super().__init__(settings={"deepLinking": False})


api = NinjaAPI(
    title="Cabas API",
    version="1",
    description="Orders, cycles and coordination for the clubs of citizen purchasing groups. See docs/api.md.",
    auth=django_auth,
    urls_namespace="api",
    docs_url="/docs",
    docs=Docs(),
    renderer=Utf8JSONRenderer(),
)
errors.install(api)
api.add_router("/", router)
