"""StagingStorage with the real google-cloud-storage client against gcp-storage-emulator (tests/cloud/conftest.py).

What the emulator cannot show (it ignores location and labels on insert, never answers 403) is checked on the
requests the client sent, recorded by a proxy in front of the emulator; the proxy also injects the 403.
"""

import socket
from pathlib import Path
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials

from carbon_gui.cloud.errors import CloudError, NotOurs
from carbon_gui.cloud.ledger import BucketRecord, JobRecord, Ledger
from carbon_gui.cloud.storage import DeleteOutcome, StagingStorage, Usage
from carbon_gui.core.job_ids import bucket_labels, bucket_name, new_job_id
from tests.cloud.conftest import PROJECT, NetworkGuard
from tests.cloud.recording_proxy import RecordingProxy

REGION = "europe-west4"


def _ledger_bucket(tmp_path: Path) -> BucketRecord:
    """A bucket the app recorded in a real ledger, as jobs.py would before creating it."""
    ledger = Ledger(tmp_path / "jobs.sqlite3")
    job_id = new_job_id()
    ledger.add_job(
        JobRecord(id=job_id, target="vertex", project=PROJECT, region=REGION, display_name="t",
                  machine_type="n1-standard-4", script_path="task.py")
    )
    ledger.intend_bucket(bucket_name(job_id), PROJECT, REGION, job_id, bucket_labels(job_id))
    ledger.bucket_created(bucket_name(job_id))
    record = ledger.bucket(bucket_name(job_id))
    assert record is not None
    return record


def _ours(storage: StagingStorage, tmp_path: Path) -> BucketRecord:
    record = _ledger_bucket(tmp_path)
    storage.create_bucket(record.name, REGION, record.labels)
    return record


def test_create_sends_region_labels_and_uniform_access(storage: StagingStorage, proxy: RecordingProxy) -> None:
    job_id = new_job_id()
    name = bucket_name(job_id)
    storage.create_bucket(name, REGION, bucket_labels(job_id))
    inserts = proxy.requests("POST", "/b")
    assert len(inserts) == 1
    sent = inserts[0]
    assert sent.query["project"] == [PROJECT]
    assert sent.body["name"] == name
    assert sent.body["location"] == REGION
    assert sent.body["labels"] == {"managed-by": "carbon-gui", "job": job_id}
    assert sent.body["iamConfiguration"]["uniformBucketLevelAccess"]["enabled"] is True
    assert storage.exists(name)
    assert storage.labels(name) == {"managed-by": "carbon-gui", "job": job_id}


def test_labels_dropped_by_the_server_are_patched_in(storage: StagingStorage, proxy: RecordingProxy) -> None:
    # The emulator drops labels on insert, so this exercises the follow-up patch; real GCS keeps them.
    job_id = new_job_id()
    storage.create_bucket(bucket_name(job_id), REGION, bucket_labels(job_id))
    patches = proxy.requests("PATCH", f"/b/{bucket_name(job_id)}")
    assert len(patches) == 1 and patches[0].body["labels"] == bucket_labels(job_id)


def test_creating_our_own_bucket_again_counts_as_done(storage: StagingStorage, proxy: RecordingProxy) -> None:
    job_id = new_job_id()
    storage.create_bucket(bucket_name(job_id), REGION, bucket_labels(job_id))
    storage.create_bucket(bucket_name(job_id), REGION, bucket_labels(job_id))  # a retried launch
    assert len(proxy.requests("POST", "/b")) == 2
    assert storage.labels(bucket_name(job_id)) == bucket_labels(job_id)


def test_a_taken_name_is_a_clear_error(storage: StagingStorage, raw_client: Any) -> None:
    job_id = new_job_id()
    raw_client.create_bucket(bucket_name(job_id))  # someone else's bucket, no labels
    with pytest.raises(CloudError, match="already taken") as caught:
        storage.create_bucket(bucket_name(job_id), REGION, bucket_labels(job_id))
    assert caught.value.status == 409


def test_missing_bucket_has_no_labels(storage: StagingStorage) -> None:
    assert storage.labels("carbon-gui-cg-20000101-000000-dead") is None
    assert not storage.exists("carbon-gui-cg-20000101-000000-dead")


def test_upload_usage_and_read_text(storage: StagingStorage, tmp_path: Path) -> None:
    record = _ours(storage, tmp_path)
    assert storage.usage(record.name) == Usage(0, 0)
    script = tmp_path / "task.py"
    script.write_text("print('training')\n")
    csv = tmp_path / "emissions.csv"
    csv.write_text("duration,emissions\n3600,0.42\n")
    assert storage.upload_file(record.name, script, "code/task.py") == f"gs://{record.name}/code/task.py"
    storage.upload_file(record.name, csv, "output/emissions.csv")
    assert storage.usage(record.name) == Usage(2, len(script.read_bytes()) + len(csv.read_bytes()))
    assert storage.read_text(record.name, "output/emissions.csv") == "duration,emissions\n3600,0.42\n"
    assert storage.read_text(record.name, "output/missing.csv") is None


def test_uploading_a_missing_file_says_so(storage: StagingStorage, tmp_path: Path) -> None:
    record = _ours(storage, tmp_path)
    with pytest.raises(CloudError, match="no such file"):
        storage.upload_file(record.name, tmp_path / "nope.py", "code/task.py")


def test_delete_removes_objects_then_bucket_and_is_idempotent(storage: StagingStorage, tmp_path: Path) -> None:
    record = _ours(storage, tmp_path)
    payload = tmp_path / "blob.bin"
    payload.write_bytes(b"x" * 1000)
    for n in range(3):
        storage.upload_file(record.name, payload, f"data/{n}.bin")
    assert storage.delete_bucket(record.name, record) == DeleteOutcome.DELETED
    assert not storage.exists(record.name)
    assert storage.delete_bucket(record.name, record) == DeleteOutcome.ALREADY_GONE


def test_a_foreign_bucket_is_refused_and_kept(storage: StagingStorage, raw_client: Any, tmp_path: Path) -> None:
    record = _ledger_bucket(tmp_path)
    raw_client.create_bucket(record.name)  # same name, made behind the app's back, without labels
    with pytest.raises(NotOurs, match="labels do not say managed-by=carbon-gui"):
        storage.delete_bucket(record.name, record)
    with pytest.raises(NotOurs, match="not in the job ledger"):
        storage.delete_bucket(record.name, None)
    assert storage.exists(record.name)


def test_a_bucket_labelled_for_another_job_is_refused(storage: StagingStorage, tmp_path: Path) -> None:
    record = _ledger_bucket(tmp_path)
    storage.create_bucket(record.name, REGION, bucket_labels(new_job_id()))  # forged: another job's label
    with pytest.raises(NotOurs, match="do not match the ledger"):
        storage.delete_bucket(record.name, record)
    assert storage.exists(record.name)


def test_list_app_buckets_only_lists_ours(storage: StagingStorage, raw_client: Any, tmp_path: Path) -> None:
    record = _ours(storage, tmp_path)
    raw_client.create_bucket("someone-elses-data")
    listed = storage.list_app_buckets()
    assert [bucket.name for bucket in listed] == [record.name]
    assert listed[0].labels == record.labels


def test_permission_denied_names_the_role_and_project(storage: StagingStorage, proxy: RecordingProxy) -> None:
    proxy.fail_next("POST", 403)
    job_id = new_job_id()
    with pytest.raises(CloudError, match=r"Storage Admin.*project carbon-test") as caught:
        storage.create_bucket(bucket_name(job_id), REGION, bucket_labels(job_id))
    assert caught.value.status == 403
    assert caught.value.__suppress_context__  # no client traceback behind the message


def test_server_errors_are_retried_then_succeed(storage: StagingStorage, proxy: RecordingProxy, tmp_path: Path) -> None:
    record = _ours(storage, tmp_path)
    proxy.fail_next("GET", 503)
    assert storage.labels(record.name) == record.labels
    assert len(proxy.requests("GET", f"/b/{record.name}")) == 2  # the 503, then the retry


def test_other_refusals_quote_the_server(storage: StagingStorage, proxy: RecordingProxy) -> None:
    proxy.fail_next("POST", 400)
    job_id = new_job_id()
    with pytest.raises(CloudError, match=r"refused to create bucket .*\(HTTP 400\): injected 400"):
        storage.create_bucket(bucket_name(job_id), REGION, bucket_labels(job_id))


def test_unreachable_storage_is_offline(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", f"http://127.0.0.1:{closed_port}")
    offline = StagingStorage(PROJECT, AnonymousCredentials(), retry_seconds=0.5)
    with pytest.raises(CloudError, match=r"^Offline: cannot reach Cloud Storage") as caught:
        offline.labels("carbon-gui-cg-20000101-000000-dead")
    assert caught.value.status is None


def test_anonymous_is_used_when_asked(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARBON_GUI_GCP_ANONYMOUS", "1")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json")  # would fail if ADC were tried
    anonymous = StagingStorage(PROJECT)
    assert anonymous.labels("carbon-gui-cg-20000101-000000-dead") is None
    monkeypatch.delenv("STORAGE_EMULATOR_HOST")  # without an emulator, only the switch makes it anonymous
    assert type(StagingStorage(PROJECT)._client._credentials).__name__ == "AnonymousCredentials"


def test_missing_credentials_say_how_to_set_them_up(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STORAGE_EMULATOR_HOST")
    monkeypatch.delenv("CARBON_GUI_GCP_ANONYMOUS", raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json")
    with pytest.raises(CloudError, match="gcloud auth application-default login"):
        StagingStorage(PROJECT).labels("carbon-gui-cg-20000101-000000-dead")


def test_the_fixture_never_reaches_the_internet(
    storage: StagingStorage, proxy: RecordingProxy, network_guard: NetworkGuard, tmp_path: Path
) -> None:
    record = _ours(storage, tmp_path)
    storage.delete_bucket(record.name, record)
    assert proxy.sent, "the client's requests went somewhere other than the local proxy"
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("8.8.8.8", 443), timeout=1):
        pass  # the guard is really installed: a public address is refused before any packet leaves
    assert network_guard.blocked == ["8.8.8.8"]
    network_guard.blocked.clear()  # the deliberate attempt above; any other one fails the test at teardown


def test_importing_storage_does_not_import_the_google_client() -> None:
    import subprocess
    import sys

    code = "import sys, carbon_gui.cloud.storage; print('google.cloud.storage' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "False"
