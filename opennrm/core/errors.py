"""Domain errors. Services raise these; views, the API and commands turn them into clear messages."""


class ApplicationError(Exception):
    """A request that the rules of the domain refuse. `field` names the input at fault, when there is one."""

    def __init__(self, message: str, *, field: str | None = None, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class NotFoundOrForbidden(ApplicationError):
    """The object does not exist *or* the user may not see it: the two answer the same, so nothing leaks."""

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)


class Forbidden(ApplicationError):
    """The user is known to be able to see the object but may not do this to it (e.g. publish a draft)."""
