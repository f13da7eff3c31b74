"""The `opennrm` console command: Django's management commands under one friendly name.

`opennrm pack validate packs/lv` is `django-admin pack validate packs/lv` with the settings already chosen.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opennrm.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["opennrm", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
