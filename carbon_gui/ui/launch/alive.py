"""Answers from the thread pool may arrive after the widget that asked has been deleted (its window closed):
deliver them only while it exists."""

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject
from shiboken6 import isValid


def while_alive(receiver: QObject, callback: Callable[[Any], None]) -> Callable[[Any], None]:
    def deliver(value: Any) -> None:
        if isValid(receiver):
            callback(value)

    return deliver
