"""Plain-text view of what a Pilot-driven app shows, for asserting on screen contents."""

from __future__ import annotations

from textual.app import App


def screen_text(app: App) -> str:
    # Wide characters occupy two cells but one character, so lines are compared as text only.
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


def squeezed(text: str) -> str:
    """Text with borders and the spaces and line ends of wrapping taken out."""
    return "".join(ch for ch in text if ch not in " │\n")
