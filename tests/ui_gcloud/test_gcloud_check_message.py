"""Issue 11 item 11: Check access without credentials said "add a service-account key in Settings → Google Cloud"
under the button, in the very dialog it names. The message comes from google-auth's real lookup (no ADC file where it
looks, no metadata server) through the dialog's real check on the pool."""

import pytest

from tests.ui_gcloud.test_gcloud_dialog_messages import no_adc, open_dialog  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("no_adc")  # and no metadata server: NO_GCE_CHECK (tests/conftest.py)


def test_check_access_without_credentials_points_to_the_key_button_not_to_this_dialog(qtbot) -> None:
    dialog, _, tasks = open_dialog(qtbot)
    try:
        qtbot.waitUntil(lambda: "looking" not in dialog.adc_label.text(), timeout=10000)
        dialog.check_button.click()
        qtbot.waitUntil(lambda: dialog.check_button.isEnabled(), timeout=10000)
        text = dialog.status.text()
        assert "No Google Cloud credentials found" in text and "gcloud auth application-default login" in text
        assert "Settings → Google Cloud" not in text
        assert f"'{dialog.choose_key.text().replace('&', '')}' above" in text
    finally:
        tasks.shutdown()
