"""Rendering for people: timelines of fixtures and runs, and (later) structural diffs of failures."""
