"""Tests for dlcourse.diagnostics: Ng's bias/variance table, the recipe, and argument checks."""

import math

import pytest

from dlcourse.diagnostics import BIAS_RECIPE, DONE_ADVICE, VARIANCE_RECIPE, Diagnosis, diagnose

# Ng, Improving Deep Neural Networks, week 1, "Bias / Variance": (train, dev, Bayes) -> verdict
NG_TABLE = [
    (0.01, 0.11, 0.0, "high variance"),
    (0.15, 0.16, 0.0, "high bias"),
    (0.15, 0.30, 0.0, "high bias and high variance"),
    (0.005, 0.01, 0.0, "low bias and low variance"),
    (0.15, 0.16, 0.15, "low bias and low variance"),  # blurry images: Bayes error ~15%
]


@pytest.mark.parametrize("train_error, dev_error, bayes_error, verdict", NG_TABLE)
def test_diagnose_reproduces_ng_table(train_error, dev_error, bayes_error, verdict):
    result = diagnose(train_error, dev_error, bayes_error)
    assert isinstance(result, Diagnosis)
    assert result.verdict == verdict
    assert result.high_bias == ("high bias" in verdict)
    assert result.high_variance == ("high variance" in verdict)


@pytest.mark.parametrize("train_error, dev_error, bayes_error, verdict", NG_TABLE)
@pytest.mark.parametrize("tolerance", [0.011, 0.02, 0.05, 0.099])
def test_diagnose_table_holds_for_any_tolerance_between_ngs_gaps(
    train_error, dev_error, bayes_error, verdict, tolerance
):
    assert diagnose(train_error, dev_error, bayes_error, tolerance=tolerance).verdict == verdict


def test_diagnose_gaps_match_definitions():
    result = diagnose(0.15, 0.30, 0.05)
    assert math.isclose(result.avoidable_bias, 0.15 - 0.05)
    assert math.isclose(result.variance, 0.30 - 0.15)
    assert result.train_error == 0.15 and result.dev_error == 0.30 and result.bayes_error == 0.05


def test_diagnose_one_point_gap_is_small_despite_round_off():
    # 0.16 - 0.15 == 0.010000000000000009 in floating point: still one point, not more
    assert not diagnose(0.15, 0.16, 0.15, tolerance=0.01).high_variance
    assert diagnose(0.15, 0.17, 0.15, tolerance=0.01).high_variance


def test_diagnose_training_error_below_bayes_is_not_bias():
    # memorised noise: negative avoidable bias, large variance
    result = diagnose(0.0, 0.25, 0.08)
    assert result.avoidable_bias < 0
    assert result.verdict == "high variance"


def test_diagnose_advice_follows_basic_recipe():
    assert diagnose(0.15, 0.16).advice == BIAS_RECIPE
    assert diagnose(0.01, 0.11).advice == VARIANCE_RECIPE
    assert diagnose(0.005, 0.01).advice == DONE_ADVICE
    both = diagnose(0.15, 0.30).advice
    # bias first, then variance
    assert both[: len(BIAS_RECIPE)] == BIAS_RECIPE
    assert "regularization (L2, dropout)" in both
    assert both.index("bigger network (more hidden units or layers)") < both.index(
        "regularization (L2, dropout)"
    )


def test_diagnose_str_mentions_verdict_and_gaps():
    text = str(diagnose(0.01, 0.11))
    assert "high variance" in text and "+10.0%" in text


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"train_error": -0.1, "dev_error": 0.1}, "train_error"),
        ({"train_error": 0.1, "dev_error": 1.5}, "dev_error"),
        ({"train_error": 0.1, "dev_error": 0.2, "bayes_error": -0.01}, "bayes_error"),
        ({"train_error": float("nan"), "dev_error": 0.1}, "train_error"),
        ({"train_error": True, "dev_error": 0.1}, "train_error"),
        ({"train_error": "1%", "dev_error": 0.1}, "train_error"),
        ({"train_error": 0.1, "dev_error": 0.2, "tolerance": 0}, "tolerance"),
        ({"train_error": 0.1, "dev_error": 0.2, "tolerance": 1.0}, "tolerance"),
    ],
)
def test_diagnose_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"Invalid value for `{name}`"):
        diagnose(**kwargs)


def test_diagnose_percent_input_gets_a_hint():
    with pytest.raises(ValueError, match=r"write 11% as 0.11"):
        diagnose(0.01, 11)
