"""Secret and Credentials never show a key by accident; keys come from the environment for headless runs."""

import copy
import dataclasses
import json
import logging
import pickle
import traceback

import pytest

from carbon_gui.secrets import (
    MASK,
    Credentials,
    Secret,
    credentials_from_env,
    redact,
)

SENTINEL = "sentinel-Zq8v-3141592653"


def test_secret_is_masked_wherever_it_is_printed():
    secret = Secret(SENTINEL)
    shown = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        f"{secret:>10}",
        "{} {!r}".format(secret, secret),  # noqa: UP032 - the old ways of formatting, on purpose
        "%s" % secret,  # noqa: UP031
    ]
    assert all(SENTINEL not in text and SENTINEL[-2:] not in text for text in shown), shown
    assert str(secret) == MASK
    assert repr(secret) == f"Secret('{MASK}')"
    assert secret.reveal() == SENTINEL


def test_credentials_repr_masks_the_secrets_but_not_the_username():
    creds = Credentials(Secret(SENTINEL), "alice", Secret(SENTINEL + "-pw"))
    text = repr(creds) + str(creds) + str(dataclasses.asdict(creds))
    assert SENTINEL not in text
    assert "alice" in text and MASK in text


def test_logging_a_secret_shows_the_mask(caplog):
    creds = Credentials(Secret(SENTINEL), "alice", Secret(SENTINEL))
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("carbon_gui.test").debug("keys: %s / %r / %s", creds, creds.electricitymaps_token, creds)
    assert SENTINEL not in caplog.text
    assert MASK in caplog.text


def test_a_secret_cannot_be_serialised():
    secret = Secret(SENTINEL)
    with pytest.raises(TypeError) as json_error:
        json.dumps({"token": secret})
    with pytest.raises(TypeError) as pickle_error:
        pickle.dumps(Credentials(secret))
    assert SENTINEL not in str(json_error.value) + str(pickle_error.value)


def test_copies_keep_the_value_and_the_mask():
    secret = Secret(SENTINEL)
    assert copy.copy(secret) is secret and copy.deepcopy(secret) is secret
    creds = Credentials(secret, "alice", Secret("pw"))
    assert dataclasses.replace(creds, watttime_username="bob").electricitymaps_token == secret
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b") and Secret("a") != "a"
    assert hash(Secret("a")) == hash(Secret("a"))


@pytest.mark.parametrize("value", ["", None, 42])
def test_a_secret_is_a_non_empty_string(value):
    with pytest.raises(ValueError, match="non-empty string"):
        Secret(value)


def test_a_traceback_with_locals_shows_only_the_mask():
    def use(token: Secret) -> None:
        creds = Credentials(token)  # a local a crash report might print
        raise RuntimeError(f"the provider refused {creds.electricitymaps_token}")

    try:
        use(Secret(SENTINEL))
    except RuntimeError as exc:
        report = "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format())
    assert "the provider refused ••••" in report
    assert "token = Secret('••••')" in report
    assert SENTINEL not in report


def test_credentials_helpers():
    empty = Credentials()
    assert empty.is_empty() and not empty.has_electricitymaps and not empty.has_watttime
    token_only = Credentials(Secret("t"))
    assert token_only.has_electricitymaps and token_only.has("electricitymaps") and not token_only.has("watttime")
    assert not Credentials(watttime_username="alice").has_watttime  # a password is needed too
    assert not Credentials(watttime_password=Secret("pw")).has_watttime
    full = Credentials(Secret("t"), "alice", Secret("pw"))
    assert full.has_watttime and full.has("watttime")
    assert sorted(full.secret_values()) == ["pw", "t"]


def test_with_fallback_takes_each_provider_whole():
    env = Credentials(None, "env-user", None)  # incomplete WattTime login: the fallback's pair is used
    stored = Credentials(Secret("stored-token"), "stored-user", Secret("stored-pw"))
    merged = env.with_fallback(stored)
    assert merged == stored
    env = Credentials(Secret("env-token"), "env-user", Secret("env-pw"))
    assert env.with_fallback(stored) == env
    assert Credentials().with_fallback(Credentials()) == Credentials()


def test_redact_blanks_every_secret_longest_first():
    text = f"GET /v3?token={SENTINEL} failed; also {SENTINEL[:10]}"
    assert redact(text, [Secret(SENTINEL), SENTINEL[:10], ""]) == "GET /v3?token=•••• failed; also ••••"


def test_credentials_from_env_reads_the_three_variables():
    environ = {
        "CARBON_GUI_ELECTRICITYMAPS_TOKEN": f"{SENTINEL}\n",
        "CARBON_GUI_WATTTIME_USERNAME": " alice ",
        "CARBON_GUI_WATTTIME_PASSWORD": " pass word \n",
        "UNRELATED": "x",
    }
    creds = credentials_from_env(environ)
    assert creds.electricitymaps_token == Secret(SENTINEL)
    assert creds.watttime_username == "alice"
    assert creds.watttime_password is not None and creds.watttime_password.reveal() == " pass word "
    assert creds.has_electricitymaps and creds.has_watttime
    assert SENTINEL not in repr(creds)


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {
            "CARBON_GUI_ELECTRICITYMAPS_TOKEN": "",
            "CARBON_GUI_WATTTIME_USERNAME": "  ",
            "CARBON_GUI_WATTTIME_PASSWORD": "",
        },
        {"CARBON_GUI_WATTTIME_PASSWORD": " \n"},
    ],
)
def test_blank_variables_mean_no_key(environ):
    assert credentials_from_env(environ) == Credentials()


def test_only_a_username_in_the_environment_is_not_a_watttime_login():
    creds = credentials_from_env({"CARBON_GUI_WATTTIME_USERNAME": "alice"})
    assert creds.watttime_username == "alice" and not creds.has_watttime
