"""`python -m linda_tui` runs the `linda` command."""

from linda_tui.startup import main

if __name__ == "__main__":
    main()
