"""A run's settings as the setup form's text, and what a user changed in the form since."""

from __future__ import annotations

from collections.abc import Mapping

from engine.config import CorpusConfig, Spec, TrainConfig, spec_of, specs


def config_form(corpus: str, max_chars: int, config: TrainConfig) -> dict[str, str]:
    """Field name -> text, as the setup form shows it, for a run's corpus and settings."""
    values = {"corpus": corpus, "max_chars": max_chars}
    form = {spec.name: spec.text(values[spec.name]) for spec in specs(CorpusConfig)}
    for spec in specs(TrainConfig):
        value = getattr(config, spec.name)
        form[spec.name] = spec.text(config.learning_rate if spec.name == "lr" else value)
    return form


def lr_text(lr: float) -> str:
    return spec_of(TrainConfig, "lr").text(lr)


def settings_differ(form: Mapping[str, object], saved: Mapping[str, str]) -> list[str]:
    """Fields of the form that no longer match a loaded run's settings, leaving out the ones
    that may change when a run trains on (epochs, device, threads, what is shown)."""
    differ = []
    for spec in (*specs(CorpusConfig), *specs(TrainConfig)):
        if spec.may_change_on_resume or spec.name not in form or spec.name not in saved:
            continue
        if _text(spec, form[spec.name]) != saved[spec.name]:
            differ.append(spec.name)
    return differ


def _text(spec: Spec, value: object) -> str:
    return spec.text(spec.parse(value)) if isinstance(value, str) else spec.text(value)
