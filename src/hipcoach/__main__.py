"""`python -m hipcoach` runs the same command as `hipcoach`."""

from hipcoach.cli.base import main

main()
