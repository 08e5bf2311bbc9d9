"""``python -m microcredit_risk`` = ``mcr``."""

from .cli.app import main

main()
