"""The `rnnplay` command line: dispatches to the headless engine commands or the app."""
