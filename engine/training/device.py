"""Choosing the torch device a user asked for, with a clear word when it is not there."""

from __future__ import annotations

import re

import torch


class DeviceError(ValueError):
    """The requested device does not exist on this machine."""


def resolve_device(spec: str = "auto") -> torch.device:
    spec = spec.strip().lower()
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if spec == "cpu":
        return torch.device("cpu")
    match = re.fullmatch(r"cuda(?::(\d+))?", spec)
    if not match:
        raise DeviceError(f"unknown device {spec!r}: use auto, cpu, cuda or cuda:N")
    if not torch.cuda.is_available():
        raise DeviceError(f"device {spec!r} is not available: {cuda_unavailable_reason()}")
    index = int(match.group(1) or 0)
    count = torch.cuda.device_count()
    if index >= count:
        raise DeviceError(f"device {spec!r} is not available: this machine has {count} GPU(s)")
    return torch.device("cuda", index)


def cuda_unavailable_reason() -> str:
    if torch.version.cuda is None:
        return "this torch is a CPU-only build"
    return "no CUDA GPU was found (driver missing or no device visible)"


def available_devices() -> list[tuple[str, str | None]]:
    """Every device the app can offer, with the reason it is unusable (None when usable)."""
    devices: list[tuple[str, str | None]] = [("cpu", None)]
    if torch.cuda.is_available():
        devices += [(f"cuda:{i}", None) for i in range(torch.cuda.device_count())]
    else:
        devices.append(("cuda", cuda_unavailable_reason()))
    return devices
