"""Widgets and one builder per app. Views animate model methods; they never hold model math."""
