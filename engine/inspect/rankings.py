"""How the views inside the model may rank hidden units (engine/inspect/hidden_units.py ranks
them). Plain names, without torch: the app names them on its first screen, before torch loads."""

RANKINGS = ("variance", "in word", "since space")
# What each ranking orders the units by, said in full (the views name a ranking with it).
RANKING_MEANINGS = {
    "variance": "their variance over the text",
    "in word": "their correlation with being inside a word (a letter, digit or _ is 1, a space "
    "or punctuation 0)",
    "since space": "their correlation with the count of characters since the last space or "
    "newline",
}
