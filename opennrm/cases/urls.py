from django.urls import path

from opennrm.cases.views import case, lists, opening, referrals

app_name = "cases"
urlpatterns = [
    # Lists and finding (views/lists.py)
    path("", lists.case_list, name="list"),
    path("inbox/", lists.inbox, name="inbox"),
    path("search/", lists.person_search, name="search"),
    path("oversight/", lists.oversight, name="oversight"),
    path("emergency/", lists.break_glass, name="break_glass"),
    # Flags for audit review: legal-duty referrals and emergency accesses (views/lists.py)
    path("reviews/", lists.reviews, name="reviews"),
    path("reviews/emergency/<int:access_id>/", lists.break_glass_review, name="break_glass_review"),
    # Opening a case, from scratch or from a screening (views/opening.py)
    path("new/", opening.case_new, name="new"),
    # One case and the work on it (views/case.py)
    path("<str:reference>/", case.detail, name="detail"),
    path("<str:reference>/person/", case.person_edit, name="person_edit"),
    path("<str:reference>/consents/new/", case.consent_new, name="consent_new"),
    path("<str:reference>/consents/<int:consent_id>/withdraw/", case.consent_withdraw, name="consent_withdraw"),
    path("<str:reference>/referrals/new/", case.referral_new, name="referral_new"),
    path("<str:reference>/steps/<slug:transition>/", case.transition, name="transition"),
    path("<str:reference>/notes/new/", case.note_new, name="note_new"),
    path("<str:reference>/tasks/new/", case.task_new, name="task_new"),
    path("<str:reference>/tasks/<int:task_id>/done/", case.task_done, name="task_done"),
    path("<str:reference>/documents/new/", case.document_new, name="document_new"),
    path("<str:reference>/documents/<int:document_id>/", case.document_download, name="document_download"),
    path("<str:reference>/assign/", case.assign, name="assign"),
    # A referral as the receiving institution sees it, and its answers (views/referrals.py)
    path("referrals/<int:referral_id>/", referrals.detail, name="referral"),
    path("referrals/<int:referral_id>/accept/", referrals.accept, name="referral_accept"),
    path("referrals/<int:referral_id>/decline/", referrals.decline, name="referral_decline"),
    path("referrals/<int:referral_id>/withdraw/", referrals.withdraw, name="referral_withdraw"),
    path("referrals/<int:referral_id>/review/", referrals.review, name="referral_review"),
]
