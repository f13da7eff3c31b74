from django.conf import settings


def site(request):
    """What every page's layout needs: the languages to switch between and the installation's pack."""
    return {"site_languages": settings.LANGUAGES, "site_pack": settings.OPENNRM_PACK}
