from opennrm.cases.services.transitions import case_transition
from tests.cases import steps


def test_smoke(case_world):
    w = case_world
    case, referral = steps.to_identification(w)
    print(case.reference, case.state)
    case = steps.identify(w, case)
    print(case.state)
    case = steps.to_service_granted(w, case)
    print(case.state)
    case_transition(by=w.provider_worker, case=case, transition="start_rehabilitation")
    case = steps.refresh(case)
    print(case.state, list(case.deadlines.values_list("kind", "status", "due_at")))
