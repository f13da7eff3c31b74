"""Shared fixtures for sign-in tests: two institutions and the kinds of role that matter to sign-in."""

import pytest

from tests.factories import InstitutionFactory, InstitutionTypeFactory, RoleFactory, UnitFactory, UserFactory


@pytest.fixture
def social_type():
    return InstitutionTypeFactory(code="municipal_social_service")


@pytest.fixture
def unit(social_type):
    return UnitFactory(institution=InstitutionFactory(code="test-social-service-a", type=social_type))


@pytest.fixture
def other_unit(social_type):
    return UnitFactory(institution=InstitutionFactory(code="test-social-service-b", type=social_type))


@pytest.fixture
def case_role():
    """A role that sees personal data, so two-step sign-in is compulsory."""
    return RoleFactory(code="case_manager", capabilities=["cases.view", "cases.edit", "personal_data.view"])


@pytest.fixture
def coordinator_role():
    # Edits the model but neither publishes nor sees personal data or the audit log: a password is enough.
    return RoleFactory(code="model_editor", capabilities=["model.edit", "model.view_drafts"])


@pytest.fixture
def admin_role():
    return RoleFactory(code="institution_admin", capabilities=["users.manage", "directory.edit"])


@pytest.fixture
def auditor_role():
    """An administrative power (core/capabilities.py ADMINISTRATIVE_CAPABILITIES) an institution admin lacks."""
    return RoleFactory(code="auditor", capabilities=["audit.view"])


@pytest.fixture
def auditor(unit, auditor_role):
    return UserFactory(username="test.auditor", unit=unit, roles=[auditor_role])


@pytest.fixture
def case_worker(unit, case_role):
    return UserFactory(username="test.caseworker", unit=unit, roles=[case_role])


@pytest.fixture
def coordinator(unit, coordinator_role):
    return UserFactory(username="test.coordinator", unit=unit, roles=[coordinator_role])


@pytest.fixture
def institution_admin(unit, admin_role):
    return UserFactory(username="test.admin", unit=unit, roles=[admin_role])
