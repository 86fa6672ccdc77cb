"""Local AWS AppSync emulator for an Amplify Gen 2 data schema (see docs/architecture.md).

from catscan.local.appsync import EmulatorConfig, create_app, run_in_thread
"""

from __future__ import annotations

from .config import EmulatorConfig
from .server import RunningEmulator, create_app, run_in_thread

__all__ = ["EmulatorConfig", "RunningEmulator", "create_app", "run_in_thread"]
