"""The local cloud's ports (defaults of `catscan dev`); light to import, for the CLI's --help."""

from __future__ import annotations

from dataclasses import dataclass

from catscan.local.processes import free_port


@dataclass
class Ports:
    moto: int = 4566
    appsync: int = 4510
    rekognition: int = 4520
    ui: int = 5173
    gate: int = 4530  # storage gate: S3 + Cognito Identity for clients, with AWS's permissions

    @classmethod
    def free(cls) -> Ports:
        return cls(free_port(), free_port(), free_port(), free_port(), free_port())
