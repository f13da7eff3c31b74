"""Synthetic test data. Every name, number and address here is obviously fake."""

import factory
from django.contrib.auth.hashers import make_password

from opennrm.accounts.models import Role, User
from opennrm.directory.models import ContactPoint, Institution, InstitutionType, Municipality, Unit

TEST_PASSWORD = "correct-horse-battery-staple-42"
# Hashing with Argon2 for every test user would dominate the suite's time; one hash serves them all.
_TEST_PASSWORD_HASH = None


def test_password_hash() -> str:
    global _TEST_PASSWORD_HASH
    if _TEST_PASSWORD_HASH is None:
        _TEST_PASSWORD_HASH = make_password(TEST_PASSWORD, hasher="md5")
    return _TEST_PASSWORD_HASH


def names(text: str) -> dict[str, str]:
    return {"lv": f"{text} (lv)", "en": text, "ru": f"{text} (ru)"}


class InstitutionTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InstitutionType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test_type_{n}")
    names = factory.LazyAttribute(lambda o: names(o.code))


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test_town_{n}")
    names = factory.LazyAttribute(lambda o: names(o.code))
    kind = "municipality"


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test-institution-{n}")
    names = factory.LazyAttribute(lambda o: names(o.code))
    type = factory.SubFactory(InstitutionTypeFactory)
    scope = Institution.Scope.NATIONAL


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    institution = factory.SubFactory(InstitutionFactory)
    code = "main"
    names = factory.LazyFunction(lambda: names("Main office"))


class ContactPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPoint

    institution = factory.SubFactory(InstitutionFactory)
    labels = factory.LazyFunction(lambda: names("Reception"))
    phone = "+371 20000000"
    email = factory.Sequence(lambda n: f"contact{n}@example.lv")


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test_role_{n}")
    names = factory.LazyAttribute(lambda o: names(o.code))
    capabilities = factory.LazyFunction(list)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"test.user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.lv")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    password = factory.LazyFunction(test_password_hash)
    unit = factory.SubFactory(UnitFactory)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.roles.set(extracted)
