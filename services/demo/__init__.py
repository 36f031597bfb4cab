"""The demo city (``rectify demo``), loaded through the same commands users issue."""

from services.demo.city import LOGIN_PATTERN, DemoCity, demo_clock, play_demo

__all__ = ["LOGIN_PATTERN", "DemoCity", "demo_clock", "play_demo"]
