"""Notes, tasks and documents (services/work.py): a task never opens a case to someone a head of unit has not
assigned to it."""

import pytest

from opennrm.audit.models import AuditEvent
from opennrm.cases.models import Assignment, CaseEvent, Notification, Task
from opennrm.cases.services.cases import case_assign
from opennrm.cases.services.work import task_create
from opennrm.core.errors import ApplicationError
from tests.cases import steps
from tests.factories import UserFactory


def colleague_of(user, username: str):
    """Another member of `user`'s unit with the same roles, assigned to nothing."""
    colleague = UserFactory(username=username, email=f"{username}@example.lv", unit=user.unit)
    colleague.roles.set(user.roles.all())
    return colleague


def assigned(case, user) -> bool:
    return Assignment.objects.filter(case=case, user=user, ended_at__isnull=True).exists()


def test_a_worker_gives_tasks_only_to_colleagues_who_already_work_on_the_case(case_world):
    world = case_world
    case = steps.open_case(world)
    outsider = colleague_of(world.social_worker, "unassigned.social")
    with pytest.raises(ApplicationError) as refused:
        task_create(by=world.social_worker, case=case, title="Call back", assignee=outsider)
    assert refused.value.field == "assignee"
    assert not assigned(case, outsider) and not Task.objects.exists()

    # Themselves, the head of unit (who sees every case of the institution) and a colleague once assigned.
    task_create(by=world.social_worker, case=case, title="Call back", assignee=world.social_worker)
    task_create(by=world.social_worker, case=case, title="Check", assignee=world.social_supervisor)
    case_assign(by=world.social_supervisor, case=case, user=outsider)
    task_create(by=world.social_worker, case=case, title="Visit", assignee=outsider)
    assert Task.objects.count() == 3
    assert not assigned(case, world.social_supervisor)
    assert AuditEvent.objects.filter(action="case.assigned").count() == 1


def test_a_head_of_unit_giving_a_task_assigns_the_colleague_as_case_assign_does(case_world):
    world = case_world
    case = steps.open_case(world)
    colleague = colleague_of(world.social_worker, "new.social")
    task = task_create(by=world.social_supervisor, case=case, title="Call back", assignee=colleague)
    assert task.assignee == colleague and assigned(case, colleague)
    audit = AuditEvent.objects.get(action="case.assigned")
    assert (audit.actor, audit.new_values["user"]) == (world.social_supervisor, colleague.get_username())
    assert CaseEvent.objects.filter(case=case, kind="case.assigned", details__user=colleague.pk).exists()
    told = set(Notification.objects.filter(recipient=colleague).values_list("kind", flat=True))
    assert told == {"case.assigned", "task.assigned"}
