"""Settings → Google Cloud → Check, against the local servers: both answer, or each says what is wrong."""

import pytest

from carbon_gui.cloud.access_check import check_access
from carbon_gui.cloud.gcp_auth import resolve_access
from tests.jobs.conftest import PROJECT, REGION
from tests.vertex.fake_vertex import FakeVertex

pytestmark = pytest.mark.usefixtures("cloud_env")


def test_both_services_answer() -> None:
    report = check_access(PROJECT, REGION, resolve_access(None))
    assert report.ok, report.text()
    assert "Access confirmed" in report.text() and "anonymous" in report.text()


def test_a_disabled_vertex_api_is_named_with_what_to_do(fake_vertex: FakeVertex) -> None:
    fake_vertex.inject("api-disabled", on="list")
    report = check_access(PROJECT, REGION, resolve_access(None))
    assert not report.ok and report.storage == "ok"
    assert "gcloud services enable aiplatform.googleapis.com" in report.vertex
