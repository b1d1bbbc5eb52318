"""Modal screens: help, load and save as, the questions asked before anything is lost (choice,
autosave_failed), and the one-number dialogs (number: lr, target)."""
