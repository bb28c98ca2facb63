"""The NinjaAPI instance mounted at /api/ (see cabas/urls.py); OpenAPI page at /api/docs.

Authentication is Django's session (the web login): ninja's `django_auth`, which checks the CSRF
token on unsafe methods (PUT). See docs/api.md.
"""

from ninja import NinjaAPI
from ninja.security import django_auth

from . import errors
from .endpoints import router
from .renderers import Utf8JSONRenderer


api = NinjaAPI(
    title="Cabas API",
    version="1",
    description="Orders, cycles and coordination for the clubs of citizen purchasing groups. See docs/api.md.",
    auth=django_auth,
    urls_namespace="api",
    docs_url="/docs",
    renderer=Utf8JSONRenderer(),
)
errors.install(api)
api.add_router("/", router)
