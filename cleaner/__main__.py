"""`python -m cleaner` runs the `clean` command."""
from .cli import main

main()
