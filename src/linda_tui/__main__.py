"""`python -m linda_tui` runs the `linda` command."""

from linda_tui.cli import main

if __name__ == "__main__":
    main()
