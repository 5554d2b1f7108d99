"""The admin: server-rendered pages for site owners and moderators (Jinja2 + htmx-style forms).

Each feature adds its own router module here (``sites.py``, later moderation, analytics,
webhooks …) and templates under ``templates/admin/`` extending ``admin/base.html``; ``router``
below gathers them. Every page gets the signed-in account from :func:`auth.require_account`
and a site only through ``services.sites.access_site_by_account``.
"""

from fastapi import APIRouter

from porch.web.admin import analytics as analytics_admin
from porch.web.admin import auth, sites, webhooks
from porch.web.admin import moderation as moderation_admin

router = APIRouter(prefix="/admin", include_in_schema=False)
router.include_router(auth.router)
router.include_router(sites.router)
router.include_router(analytics_admin.router)
router.include_router(moderation_admin.router)
router.include_router(webhooks.router)
