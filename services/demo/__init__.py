"""The demo city (``rectify demo``), loaded through the same commands users issue."""

from services.demo.city import DemoCity

__all__ = ["DemoCity"]
