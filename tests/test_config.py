"""TrainConfig: one declaration per setting, every value bounded, session values checked as
strictly as typed ones, and one rule for the sample prompts."""

from __future__ import annotations

import argparse
import math
from dataclasses import replace

import pytest

from engine.config import (
    BOOK_LR,
    BOOK_PREFIXES,
    ConfigError,
    CorpusConfig,
    TrainConfig,
    default_prefixes,
    spec_of,
    specs,
)
from engine.data.corpus import load_corpus, make_corpus
from rnnplay import app_cmd, train_cmd

HOSTILE = [
    None, True, False, -1, 0, 3.0, 1e999, -1e999, math.nan, 2**64, -(2**64), 10**5000, "", "12",
    "x" * 10_000, [], [123], ["a"], {}, {"a": 1},
]


def test_defaults_pass_and_round_trip() -> None:
    config = TrainConfig()
    config.check()
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert CorpusConfig.from_dict(CorpusConfig().to_dict()) == CorpusConfig()


@pytest.mark.parametrize("spec", specs(TrainConfig), ids=lambda spec: spec.name)
def test_session_values_of_any_type_are_checked_never_a_traceback(spec) -> None:
    # What a crafted session file can hold (valid checksums, hostile values): each is either
    # a valid setting or a ConfigError naming the field, never TypeError/OverflowError.
    base = TrainConfig(model="rnn").to_dict()
    for value in HOSTILE:
        try:
            config = TrainConfig.from_dict({**base, spec.name: value})
        except ConfigError as err:
            assert err.field == spec.name, (spec.name, value, err)
        else:
            expected = tuple(value) if isinstance(value, list) else value
            if spec.name == "lr" and value is None:  # stored by no file now: the model's own
                expected = BOOK_LR["rnn"]
            assert getattr(config, spec.name) == expected, (spec.name, value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("lr", 1e39),  # past float32: the optimizer failed with a RuntimeError
        ("clip", 1e39),
        ("seed", 2**64),  # torch.manual_seed: ValueError
        ("seed", -(2**63) - 1),
        ("threads", 100_000),  # segfault in libgomp
        ("threads", 0),
        ("hidden", 8193),
        ("layers", 17),
        ("epochs", 10**12),
        ("batch_size", 10**9),
        ("num_steps", 10**9),
        ("pred_len", 10**9),
        ("pred_period", -1),
        ("prefixes", ("a",) * 100),
        ("prefixes", ("",)),
        ("hidden", True),
        ("hidden", 32.0),
        ("lr", math.inf),
        ("model", "transformer"),
    ],
)
def test_every_number_is_bounded(name: str, value: object) -> None:
    with pytest.raises(ConfigError) as caught:
        replace(TrainConfig(model="rnn"), **{name: value}).check()
    assert caught.value.field == name
    assert len(str(caught.value)) < 200 and "\n" not in str(caught.value)


def test_the_largest_values_allowed_work_with_torch() -> None:
    import torch

    seed = spec_of(TrainConfig, "seed").setting
    for value in (seed.ge, seed.le):
        torch.Generator().manual_seed(value)
    replace(TrainConfig(), lr=3.4e38, clip=3.4e38, seed=2**64 - 1, threads=1024).check()


def test_bad_max_chars_is_refused() -> None:
    for value in (-1, 10**10, 1.5, "1000"):
        with pytest.raises(ConfigError) as caught:
            CorpusConfig(max_chars=value).check()
        assert caught.value.field == "max_chars"


def test_only_shown_settings_change_with_with_shown() -> None:
    config = TrainConfig()
    assert config.with_shown({"pred_period": 1, "prefixes": ("x",)}).pred_period == 1
    with pytest.raises(ConfigError, match="hidden"):
        config.with_shown({"hidden": 32})
    with pytest.raises(ConfigError, match="prediction length"):
        config.with_shown({"pred_len": 0})


def test_text_and_parse_round_trip() -> None:
    config = TrainConfig(lr=0.1 + 0.2, prefixes=("the ", " b", "c"), threads=None)
    for spec in specs(TrainConfig):
        value = getattr(config, spec.name)
        assert spec.parse(spec.text(value)) == value, spec.name
    with pytest.raises(ConfigError, match="whole number"):
        spec_of(TrainConfig, "hidden").parse("12.5")


# ----------------------------------------------------------------------------- declared once


def _options(add) -> dict[str, argparse.Action]:
    parser = argparse.ArgumentParser()
    add(parser)
    return {action.dest: action for action in parser._actions}


def test_both_commands_take_their_options_from_the_declarations() -> None:
    train = _options(train_cmd.add_arguments)
    app = _options(app_cmd.add_arguments)
    for spec in (*specs(CorpusConfig), *specs(TrainConfig)):
        option = train[spec.name]
        negated = ["--no-" + spec.flag[2:]] if spec.kind is bool else []  # --detach/--no-detach
        assert option.option_strings == [spec.flag, *negated]
        assert option.default is argparse.SUPPRESS  # the dataclass default is the only default
        assert spec.setting.help in option.help
        assert tuple(option.choices or ()) == spec.setting.choices
        if spec.setting.label:  # what the form shows, the app's options pre-fill
            assert app[spec.name].help == option.help


def test_what_the_user_gave_is_known_even_when_it_is_the_default() -> None:
    from rnnplay.options import given

    parser = argparse.ArgumentParser()
    train_cmd.add_arguments(parser)
    args = parser.parse_args(["--hidden", "256", "--lr", "0.5", "--prefixes", "a,b"])
    assert given(args, TrainConfig) == {"hidden": 256, "lr": 0.5, "prefixes": ("a", "b")}
    assert given(args, CorpusConfig) == {}


# ----------------------------------------------------------------------------- sample prompts


def test_the_book_prompts_for_its_lyrics(jaychou) -> None:
    assert default_prefixes(jaychou) == BOOK_PREFIXES


def test_other_corpora_prompt_with_the_starts_of_their_lines() -> None:
    corpus = make_corpus("poem", "\n  The road not taken\n\nTwo roads diverged\nin a yellow wood\n"
                         "And sorry I could not\n")
    assert default_prefixes(corpus) == ("The ", "Two ", "in ")
    cjk = make_corpus("x", "窗前明月光疑是地上霜举头望明月低头思故乡\n床前")
    assert default_prefixes(cjk) == ("窗前明月光疑是地", "床前")
    assert default_prefixes(make_corpus("x", "\n \n\t\n")) == ("\n",)
    pysrc = load_corpus("pysrc", max_chars=5000)
    prompts = default_prefixes(pysrc)
    assert 1 <= len(prompts) <= 3
    assert all(set(p) <= set(pysrc.vocab.idx_to_char) for p in prompts)
    TrainConfig(prefixes=prompts).check()
