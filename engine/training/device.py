"""Choosing the torch device a user asked for, with a clear word when it is not there."""

from __future__ import annotations

import re

import torch


class DeviceError(ValueError):
    """The requested device does not exist on this machine."""


def device_kind(spec: str) -> str:
    """"auto", "cpu" or "cuda" for a device name as typed, whatever this machine has (a sweep
    checks the name here and the device on the node that trains); DeviceError for any other."""
    spec = spec.strip().lower()
    if spec in ("auto", "cpu"):
        return spec
    if not re.fullmatch(r"cuda(?::\d+)?", spec):
        raise DeviceError(f"unknown device {spec!r}: use auto, cpu, cuda or cuda:N")
    return "cuda"


def resolve_device(spec: str = "auto") -> torch.device:
    kind, spec = device_kind(spec), spec.strip().lower()
    if kind == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if kind == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise DeviceError(f"device {spec!r} is not available: {cuda_unavailable_reason()}")
    index = int(spec.partition(":")[2] or 0)
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
