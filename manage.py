#!/usr/bin/env python
"""Django's command-line utility; `opennrm` (opennrm/cli.py) is the same with a friendlier name."""

from opennrm.cli import main

if __name__ == "__main__":
    main()
