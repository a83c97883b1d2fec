"""``python -m advisor``: the same command line as ``advisor``."""

from advisor.cli import main

raise SystemExit(main())
