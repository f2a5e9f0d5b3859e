"""The cleanup rule: the app deletes a bucket only when the ledger, the live labels and the name all agree."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from carbon_gui.cloud.ledger import BucketRecord, JobRecord
from carbon_gui.core.cleanup_policy import cleanup_verdict, orphans
from carbon_gui.core.job_ids import BUCKET_PREFIX, bucket_labels, bucket_name

NOW = datetime(2026, 8, 10, 12, 0, tzinfo=UTC)

job_ids = st.builds(
    lambda day, second, suffix: f"cg-202608{day:02d}-{second:06d}-{suffix}",
    st.integers(1, 28),
    st.integers(0, 235959),
    st.text("0123456789abcdef", min_size=4, max_size=4),
)
label_values = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", max_size=20)
other_labels = st.dictionaries(st.sampled_from(["team", "env", "cost-center"]), label_values, max_size=2)


def _record(name: str, job_id: str, state: str = "created") -> BucketRecord:
    return BucketRecord(name, "carbon-test", "europe-west4", job_id, bucket_labels(job_id), state, NOW, NOW, None)


@dataclass(frozen=True)
class CloudBucket:
    name: str
    labels: dict[str, str]
    made_by_app: bool  # the truth the policy cannot see


@st.composite
def worlds(draw: st.DrawFn) -> tuple[dict[str, BucketRecord], list[CloudBucket]]:
    """A ledger and a bucket listing: the app's own buckets, plus foreign ones with every kind of disguise."""
    ledger: dict[str, BucketRecord] = {}
    cloud: list[CloudBucket] = []
    for job_id in draw(st.lists(job_ids, unique=True, max_size=6)):
        name = bucket_name(job_id)
        ledger[name] = _record(name, job_id, draw(st.sampled_from(["intended", "created", "deleted"])))
        if draw(st.booleans()):  # created, not deleted behind the ledger's back
            cloud.append(CloudBucket(name, {**draw(other_labels), **bucket_labels(job_id)}, made_by_app=True))
    ledger_names = sorted(ledger)
    for _ in range(draw(st.integers(0, 8))):
        name = draw(
            st.one_of(
                job_ids.map(bucket_name),  # looks like ours, the app never made it
                st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=3, max_size=30),  # any name
                st.just(BUCKET_PREFIX + "cg-lookalike"),
                # a ledger name the app recorded but never created, now taken by someone else
                st.sampled_from(ledger_names) if ledger_names else st.nothing(),
            )
        )
        if any(bucket.name == name for bucket in cloud):
            continue  # bucket names are globally unique
        labels = draw(
            st.one_of(
                other_labels,  # no app labels
                st.builds(lambda job, extra: {**extra, "job": job}, job_ids, other_labels),  # job label only
                st.builds(lambda job: bucket_labels(job), job_ids),  # forged, for some job id
                st.just({"managed-by": "carbon-gui"}),  # managed-by only
            )
        )
        cloud.append(CloudBucket(name, labels, made_by_app=False))
    return ledger, cloud


@given(worlds())
def test_cleanup_never_allows_a_bucket_without_ledger_and_matching_labels(
    world: tuple[dict[str, BucketRecord], list[CloudBucket]],
) -> None:
    ledger, cloud = world
    for bucket in cloud:
        verdict = cleanup_verdict(bucket.name, bucket.labels, ledger.get(bucket.name))
        record = ledger.get(bucket.name)
        labels_match = (
            record is not None
            and bucket.labels.get("managed-by") == "carbon-gui"
            and bucket.labels.get("job") == record.job_id
        )
        if verdict.allowed:
            assert labels_match and bucket.name.startswith(BUCKET_PREFIX), (bucket, verdict)
        if bucket.made_by_app:
            assert verdict.allowed, (bucket, verdict)  # the rule does not just refuse everything
        elif not labels_match:
            assert not verdict.allowed and verdict.reason, (bucket, verdict)


@given(job_ids)
def test_a_bucket_already_gone_is_nothing_to_delete(job_id: str) -> None:
    verdict = cleanup_verdict(bucket_name(job_id), None, _record(bucket_name(job_id), job_id))
    assert verdict.already_gone and not verdict.allowed
    assert "already gone" in verdict.reason


def test_reasons_say_what_is_wrong() -> None:
    job_id = "cg-20260801-090000-abcd"
    name = bucket_name(job_id)
    record = _record(name, job_id)
    assert cleanup_verdict(name, bucket_labels(job_id), record).allowed
    cases = [
        ("my-data", bucket_labels(job_id), record, "its name does not start with carbon-gui-"),
        (name, bucket_labels(job_id), None, "not created by carbon-gui: not in the job ledger"),
        (name, bucket_labels(job_id), _record(bucket_name("cg-20260801-090000-ffff"), job_id), "not in the job ledger"),
        (name, {"job": job_id}, record, "its labels do not say managed-by=carbon-gui"),
        (name, {"managed-by": "carbon-gui"}, record, "has no job label"),
        (name, bucket_labels("cg-20260801-090000-ffff"), record, "says job=cg-20260801-090000-ffff"),
    ]
    for bucket, labels, ledger_record, reason in cases:
        verdict = cleanup_verdict(bucket, labels, ledger_record)
        assert not verdict.allowed and reason in verdict.reason, (bucket, labels, verdict)


def _job(job_id: str, state: str, *, vertex_name: str | None = None, updated: timedelta = timedelta(hours=5),
         ended: timedelta | None = None) -> JobRecord:
    return JobRecord(
        id=job_id, target="vertex", region="europe-west4", display_name="t", machine_type="n1-standard-4",
        script_path="task.py", state=state, vertex_name=vertex_name, created_at=NOW - timedelta(days=9),
        updated_at=NOW - updated, ended_at=None if ended is None else NOW - ended,
    )


def test_orphans_are_buckets_whose_job_no_longer_needs_them() -> None:
    submitted = "projects/1/locations/europe-west4/customJobs/9"
    jobs = {
        "cg-20260801-000000-0001": _job("cg-20260801-000000-0001", "uploading"),  # crashed mid-launch hours ago
        "cg-20260801-000000-0002": _job("cg-20260801-000000-0002", "uploading", updated=timedelta(minutes=1)),
        "cg-20260801-000000-0003": _job("cg-20260801-000000-0003", "running", vertex_name=submitted),
        "cg-20260801-000000-0004": _job("cg-20260801-000000-0004", "succeeded", vertex_name=submitted,
                                        ended=timedelta(days=3)),
        "cg-20260801-000000-0005": _job("cg-20260801-000000-0005", "succeeded", vertex_name=submitted,
                                        ended=timedelta(hours=2)),
        "cg-20260801-000000-0006": _job("cg-20260801-000000-0006", "failed", ended=timedelta(minutes=1)),
        "cg-20260801-000000-0007": _job("cg-20260801-000000-0007", "failed", vertex_name=submitted,
                                        ended=timedelta(days=3)),
    }
    buckets = [_record(bucket_name(job_id), job_id) for job_id in jobs]
    buckets.append(_record(bucket_name("cg-20260801-000000-0008"), "cg-20260801-000000-0008"))  # job unknown
    buckets[-2] = replace(buckets[-2], state="deleted")  # job 0007's bucket is already deleted
    found = {orphan.bucket.job_id: orphan.reason for orphan in orphans(buckets, jobs.values(), NOW)}
    assert found == {
        "cg-20260801-000000-0001": "its job was never submitted (stopped at uploading)",
        "cg-20260801-000000-0004": "its job succeeded 3 days ago",
        "cg-20260801-000000-0006": "its job failed before it was submitted",
        "cg-20260801-000000-0008": "its job is not in the ledger",
    }
    no_grace = orphans(buckets, jobs.values(), NOW, launch_grace=timedelta(0))
    assert "cg-20260801-000000-0002" in {orphan.bucket.job_id for orphan in no_grace}
    shorter = orphans(buckets, jobs.values(), NOW, ended_long_ago=timedelta(hours=1))
    assert "cg-20260801-000000-0005" in {orphan.bucket.job_id for orphan in shorter}
