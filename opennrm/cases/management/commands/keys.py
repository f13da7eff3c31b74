"""`opennrm keys status|rotate|retire`: the data keys that encrypt personal data at rest.

Exit codes, as for the other commands: 0 success, 1 a refused request (a key still in use, keys that cannot be
changed from here), 2 invalid input (no such key).
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext, ngettext

from opennrm.cases import crypto
from opennrm.cases.keys import BATCH_ROWS, describe_usage, key_usage, keys_retire, keys_rotate

INVALID_INPUT = 2


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise ValueError(text)
    return number


class Command(BaseCommand):
    help = "Show, rotate and retire the keys that encrypt personal data at rest."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{status,rotate,retire}")
        actions.add_parser("status", help="List the data keys and how many stored values each one encrypts.")
        rotate = actions.add_parser(
            "rotate",
            help="Add a new data key and re-encrypt every stored value with it; run again to finish an interrupted "
            "rotation.",
        )
        rotate.add_argument(
            "--batch-size",
            type=_positive,
            default=BATCH_ROWS,
            help=f"rows re-encrypted per transaction (default: {BATCH_ROWS})",
        )
        retire = actions.add_parser("retire", help="Remove a data key that no stored value uses any more.")
        retire.add_argument("key_id", help="the key's id, as `opennrm keys status` shows it")

    def handle(self, *args, action: str, **options) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except crypto.CryptoError as error:
            raise CommandError(str(error)) from None

    def _status(self, **_options) -> None:
        for line in describe_usage(key_usage()):
            self.stdout.write(line)

    def _rotate(self, *, batch_size: int, **_options) -> None:
        def report(label: str, rows: int) -> None:
            self.stdout.write(
                ngettext("%(model)s: %(count)d row re-encrypted", "%(model)s: %(count)d rows re-encrypted", rows)
                % {"model": label, "count": rows}
            )

        rotation = keys_rotate(batch_size=batch_size, on_table=report)
        if rotation.added_key:
            summary = ngettext(
                "Added data key %(id)s and re-encrypted %(count)d row with it.",
                "Added data key %(id)s and re-encrypted %(count)d rows with it.",
                rotation.rows,
            )
        else:
            summary = ngettext(
                "Finished the rotation to data key %(id)s: re-encrypted %(count)d row.",
                "Finished the rotation to data key %(id)s: re-encrypted %(count)d rows.",
                rotation.rows,
            )
        self.stdout.write(summary % {"id": rotation.key_id, "count": rotation.rows})

    def _retire(self, *, key_id: str, **_options) -> None:
        known = crypto.load_keyring().data_keys
        if key_id not in known:
            raise CommandError(
                gettext("There is no data key %(id)r (keys: %(known)s).") % {"id": key_id, "known": ", ".join(known)},
                returncode=INVALID_INPUT,
            )
        keys_retire(key_id=key_id)
        self.stdout.write(gettext("Removed data key %(id)s.") % {"id": key_id})
