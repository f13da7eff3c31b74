"""What an error report may contain. Staff post personal data (names, consents, notes), so none of it goes in."""

from django.views.debug import SafeExceptionReporterFilter


class NoPostDataReporterFilter(SafeExceptionReporterFilter):
    """Every posted value and every local variable of the failing frames is replaced in error reports."""

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return {key: self.cleansed_substitute for key in request.POST}

    def get_traceback_frame_variables(self, request, tb_frame):
        # Local variables of a service can hold a decrypted name; the traceback's lines are enough to debug.
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
