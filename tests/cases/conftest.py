"""Fixtures for cases: a case that names an obviously fake person (every test has its own data keys:
see `data_keys` in tests/conftest.py)."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from opennrm.cases import crypto
from opennrm.cases.models import Case, Document, Nationality, Note, Person, Population, Task
from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.services import pack_load, version_publish
from tests.factories import UserFactory

MINIMAL_PACK = Path(__file__).parent.parent / "jurisdiction" / "packs" / "minimal"


@dataclass(frozen=True)
class SyntheticPerson:
    given_name: str = "Zzyzxa"
    family_name: str = "Quuxbergova"
    birth_date: str = "1999-09-09"
    personal_code: str = "999999-99999"
    phone: str = "+371 29999991"
    email: str = "zzyzxa.quuxbergova@example.lv"
    address: str = "Testa iela 99, Demo"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def secrets(self) -> list[str]:
        """What must never be found in clear anywhere outside the application's memory."""
        return [self.given_name, self.family_name, self.personal_code, self.phone, self.email]


SYNTHETIC_PERSON = SyntheticPerson()


def _model_version() -> ModelVersion:
    published = ModelVersion.objects.filter(status=ModelVersion.Status.PUBLISHED).first()
    return published or version_publish(version=pack_load(path=MINIMAL_PACK), change_note="First version.", by=None)


def create_identified_case(person: SyntheticPerson = SYNTHETIC_PERSON) -> Case:
    """A case whose person, note, task and document all name `person`, written straight through the ORM.

    The one place that makes the data the encryption tests look for: when the case services exist, this can call
    them instead, and every test that uses it then checks what the services store and log.
    """
    user = UserFactory()
    institution = user.unit.institution
    now = timezone.now()
    case = Case.objects.create(
        reference=f"TEST-{now.year}-{Case.objects.count() + 1:06d}",
        model_version=_model_version(),
        state="identified",
        population=Population.ADULT,
        nationality=Nationality.THIRD_COUNTRY_NATIONAL,
        recognising_institution=institution,
        opened_at=now,
    )
    Person.objects.create(
        case=case,
        given_name=person.given_name,
        family_name=person.family_name,
        birth_date=person.birth_date,
        personal_code=person.personal_code,
        phone=person.phone,
        email=person.email,
        address=person.address,
        blind_index=crypto.blind_index(person.given_name, person.family_name, person.birth_date),
    )
    Note.objects.create(
        case=case, author=user, institution=institution, body=f"{person.full_name} ({person.phone}) called."
    )
    Task.objects.create(case=case, institution=institution, created_by=user, title=f"Call {person.full_name}")
    content = f"Statement of {person.full_name}, personal code {person.personal_code}.".encode()
    Document.objects.create(
        case=case,
        institution=institution,
        uploaded_by=user,
        filename=f"{person.given_name}-{person.family_name}.txt",
        content_type="text/plain",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )
    return case
