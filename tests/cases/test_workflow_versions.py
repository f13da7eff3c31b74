"""A case keeps running under the model version it started under; new cases take the version in force."""

import copy
from datetime import timedelta

from opennrm.cases.models import Deadline
from opennrm.jurisdiction.models import ModelVersion
from opennrm.jurisdiction.services import content_hash, version_publish
from tests.cases import steps


def publish_with_reflection_days(world, days: int) -> ModelVersion:
    """Version 2 of the Latvian model, identical but for the reflection period's length."""
    content = copy.deepcopy(world.version.content)
    for deadline in content["workflow"]["deadlines"]:
        if deadline["id"] == "reflection_period":
            deadline["days"] = days
    draft = ModelVersion.objects.create(
        pack_code="lv",
        number=2,
        status=ModelVersion.Status.DRAFT,
        content=content,
        content_hash=content_hash(content),
        based_on=world.version,
    )
    return version_publish(version=draft, change_note="Longer reflection period.", by=None)


def reflection_days(case) -> int:
    deadline = Deadline.objects.get(case=case, kind="reflection_period")
    return round((deadline.due_at - deadline.starts_at) / timedelta(days=1))


def test_a_case_keeps_the_rules_it_started_under_and_a_new_case_takes_the_new_ones(case_world):
    earlier = steps.open_case(case_world)
    newer_version = publish_with_reflection_days(case_world, 45)
    later = steps.open_case(case_world)
    for case in (earlier, later):
        steps.consent(case_world, case)
        steps.refer(case_world, case)

    assert earlier.model_version == case_world.version and later.model_version == newer_version
    # The person referred before the change keeps the period they were told about.
    assert reflection_days(earlier) == 30
    assert reflection_days(later) == 45
