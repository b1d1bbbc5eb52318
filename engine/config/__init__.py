"""Every setting, declared once, and what is built from the declarations. A UI imports this
package (tests/test_layering.py allows it beside engine.playground): its public names are here.

settings.py (the one table: TrainConfig, CorpusConfig, DecodingConfig, their choices and
bounds), spec.py (how a field is declared, and what one declaration gives: parsing what a user
typed, writing it back, checking it, a config's (de)serialising), numbers.py (numbers as typed:
ASCII digits only), prefixes.py (the sample prompts a corpus gets by default).
"""

from engine.config.numbers import parse_decimal, parse_whole
from engine.config.prefixes import BOOK_PREFIXES, TIME_MACHINE_PREFIXES, default_prefixes
from engine.config.settings import (
    BOOK_LR,
    FLOAT32_MAX,
    INPUTS,
    MAX_PREFIXES,
    MAX_THREADS,
    MAX_VAL_CHARS,
    MODELS,
    NONLINEARITIES,
    OPTIMIZER,
    PREPROCESSING,
    SAMPLINGS,
    SEED_MAX,
    SEED_MIN,
    WARMUPS,
    CorpusConfig,
    DecodingConfig,
    TrainConfig,
)
from engine.config.spec import ConfigError, Setting, Spec, setting, spec_of, specs

__all__ = [
    "BOOK_LR",
    "BOOK_PREFIXES",
    "FLOAT32_MAX",
    "INPUTS",
    "MAX_PREFIXES",
    "MAX_THREADS",
    "MAX_VAL_CHARS",
    "MODELS",
    "NONLINEARITIES",
    "OPTIMIZER",
    "PREPROCESSING",
    "SAMPLINGS",
    "SEED_MAX",
    "SEED_MIN",
    "TIME_MACHINE_PREFIXES",
    "WARMUPS",
    "ConfigError",
    "CorpusConfig",
    "DecodingConfig",
    "Setting",
    "Spec",
    "TrainConfig",
    "default_prefixes",
    "parse_decimal",
    "parse_whole",
    "setting",
    "spec_of",
    "specs",
]
