"""The OpenNRM JSON API, version 1 (`/api/v1/`). Each app's router is registered here by the integrator.

Routers authenticate with `opennrm.api.auth.api_auth`; errors are mapped in `opennrm.api.errors`.
"""

from ninja import NinjaAPI, Schema

from opennrm.api.auth import api_auth
from opennrm.api.errors import install_error_handlers

api = NinjaAPI(title="OpenNRM API", version="1", urls_namespace="api-v1")
install_error_handlers(api)


class MeOut(Schema):
    username: str
    institution: str | None
    roles: list[str]
    capabilities: list[str]
    two_factor_required: bool


@api.get("/me", response=MeOut, auth=api_auth, tags=["accounts"], summary="The calling user")
def me(request):
    user = request.auth
    institution = user.institution
    return {
        "username": user.get_username(),
        "institution": institution.code if institution is not None else None,
        "roles": sorted(role.code for role in user.active_roles()),
        "capabilities": sorted(user.capabilities()),
        "two_factor_required": user.requires_two_factor,
    }


# Each app's router, under the app's own prefix.
api.add_router("/model/", "opennrm.jurisdiction.api.router")
api.add_router("/directory/", "opennrm.directory.api.router")
api.add_router("/screening/", "opennrm.screening.api.router")
api.add_router("/stats/", "opennrm.stats.api.router")
api.add_router("/coordination/", "opennrm.coordination.api.router")
# Cases, referrals and the inbox sit at the top (/cases, /referrals, /inbox): they are what the API is mostly for.
api.add_router("", "opennrm.cases.api.router")
