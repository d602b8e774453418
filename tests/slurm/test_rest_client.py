"""The slurmrestd client against a fake slurmrestd: requests it sends, answers it understands."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from autopyfactory.batch.slurm.request import JobOptions, SubmitRequest
from autopyfactory.batch.slurm.rest import SlurmRest, unix_socket_path
from autopyfactory.batch.slurm.runner import SlurmError
from autopyfactory.batch.slurm.settings import SlurmEndpoint
from autopyfactory.batch.slurm.tag import PilotTag
from tests.slurm.fake_rest import FakeSlurmrestd

TAG = PilotTag("fid", "Q1")
SOCKET = SlurmEndpoint(mode="rest", rest_url="unix:///run/slurmrestd.sock", timeout=5)


def client(fake: FakeSlurmrestd, endpoint: SlurmEndpoint = SOCKET) -> SlurmRest:
    return SlurmRest(endpoint, transport=fake.transport())


def test_socket_urls() -> None:
    assert unix_socket_path("unix:///run/s.sock") == "/run/s.sock"
    assert unix_socket_path("unix:/run/s.sock") == "/run/s.sock"
    assert unix_socket_path("/run/s.sock") == "/run/s.sock"
    assert unix_socket_path("http://h:6820") is None


def test_submit_sends_one_array_with_the_queue_options() -> None:
    fake = FakeSlurmrestd()
    opts = JobOptions(partition="p", account="a", qos="q", time_limit="1:30:00", cpus=4, memory="2G")
    ids = client(fake).submit(SubmitRequest(TAG, 3, "#!/bin/sh\ntrue\n", Path("/logs/Q1"), opts))
    assert ids == ["101_0", "101_1", "101_2"]
    (body,) = fake.submitted
    assert body["script"] == "#!/bin/sh\ntrue\n"
    job = body["job"]
    assert job["name"] == "apf:fid:Q1" and job["comment"].startswith("apf:fid:Q1 ")
    assert job["array"] == "0-2"
    assert job["standard_output"] == "/logs/Q1/%A_%a.out"
    assert job["current_working_directory"] == "/logs/Q1"
    assert (job["partition"], job["account"], job["qos"]) == ("p", "a", "q")
    assert (job["time_limit"], job["memory_per_node"], job["cpus_per_task"]) == (90, 2048, 4)
    assert isinstance(job["environment"], dict) and "PATH" in job["environment"]
    assert "X-SLURM-USER-TOKEN" not in {k.upper() for k in fake.headers[0]}  # socket: no token


def test_later_api_versions_get_wrapped_numbers_and_an_environment_list() -> None:
    fake = FakeSlurmrestd(version="v0.0.40")
    ep = SlurmEndpoint(mode="rest", rest_url="unix:/s", rest_version="v0.0.40", timeout=5)
    assert client(fake, ep).submit(SubmitRequest(TAG, 1, "s", Path("/l"), JobOptions(time_limit="5"))) == [
        "101"
    ]
    job = fake.submitted[0]["job"]
    assert job["time_limit"] == {"set": True, "infinite": False, "number": 5}
    assert isinstance(job["environment"], list) and job["environment"][0].startswith("PATH=")
    assert "array" not in job


def test_jwt_over_tcp_sends_user_and_a_fresh_token_from_the_file(tmp_path: Path) -> None:
    token = tmp_path / "jwt"
    token.write_text("tok1\n")
    fake = FakeSlurmrestd(token="tok1")
    ep = SlurmEndpoint(
        mode="rest", rest_url="http://slurm:6820", rest_user="pilot", rest_token_file=str(token), timeout=5
    )
    c = client(fake, ep)
    assert c.ping()
    assert fake.headers[-1]["x-slurm-user-name"] == "pilot"
    token.write_text("tok2")  # renewed by someone else: used on the next call, rejected by this fake
    with pytest.raises(SlurmError, match="HTTP 401"):
        c.ping()


def test_jwt_missing_is_an_error_before_any_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLURM_JWT", raising=False)
    fake = FakeSlurmrestd()
    with pytest.raises(SlurmError, match="no JWT"):
        client(fake, SlurmEndpoint(mode="rest", rest_url="http://slurm:6820")).jobs()
    assert fake.headers == []


def test_jobs_expand_pending_array_records_and_read_both_number_shapes() -> None:
    fake = FakeSlurmrestd()
    fake.jobs = [
        # v0.0.38: pending remainder of array 4 stands for tasks 0, 2 and 4
        {"job_id": 4, "array_job_id": 4, "array_task_id": None, "array_task_string": "0,2-4:2",
         "job_state": "PENDING", "name": "apf:fid:Q1", "comment": "", "submit_time": 1000,
         "start_time": 0, "end_time": 0},
        {"job_id": 5, "array_job_id": 4, "array_task_id": 3, "array_task_string": "",
         "job_state": "RUNNING", "name": "apf:fid:Q1", "submit_time": 1000, "start_time": 1001,
         "end_time": 99999},
        # later versions: wrapped numbers, job_state a list
        {"job_id": {"set": True, "number": 9}, "array_job_id": {"set": True, "number": 0},
         "array_task_id": {"set": False, "number": 0}, "job_state": ["COMPLETED"],
         "name": "other", "comment": "apf:fid:Q2 autopyfactory pilot",
         "submit_time": {"set": True, "number": 1000}, "start_time": {"set": True, "number": 1002},
         "end_time": {"set": True, "number": 1010}},
    ]  # fmt: skip
    jobs = client(fake).jobs()
    assert [(j.pilot_id, j.raw_id, j.state) for j in jobs] == [
        ("4_0", "4", "PENDING"), ("4_2", "4", "PENDING"), ("4_4", "4", "PENDING"),
        ("4_3", "5", "RUNNING"), ("9", "9", "COMPLETED"),
    ]  # fmt: skip
    assert jobs[0].started_at is None and jobs[3].started_at == 1001
    assert jobs[4].tag == PilotTag("fid", "Q2") and (jobs[4].started_at, jobs[4].ended_at) == (1002, 1010)


def test_errors_are_slurm_errors_with_slurms_message() -> None:
    fake = FakeSlurmrestd(fail_submit="Invalid partition name specified")
    with pytest.raises(SlurmError, match="HTTP 500: Invalid partition name specified"):
        client(fake).submit(SubmitRequest(TAG, 1, "s", Path("/l")))

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    down = SlurmRest(SOCKET, transport=httpx.MockTransport(refuse))
    with pytest.raises(SlurmError, match="ConnectError"):
        down.jobs()

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    with pytest.raises(SlurmError, match="no answer within 5s"):
        SlurmRest(SOCKET, transport=httpx.MockTransport(slow)).jobs()


def test_cancel_deletes_each_pilot() -> None:
    fake = FakeSlurmrestd()
    client(fake).cancel(["4_3", "9"])
    assert fake.deleted == ["4_3", "9"]


@pytest.mark.parametrize(
    "body",
    [
        b"[1, 2]",  # JSON, but not an object
        b'{"jobs": ["not a record"]}',
        b'{"jobs": [{"job_id": {"set": true}}]}',  # a wrapped number without its number
        b'{"jobs": [{"job_id": 5, "array_job_id": 5, "array_task_string": "x-y"}]}',
    ],
)
def test_garbage_answers_are_slurm_errors(body: bytes) -> None:
    transport = httpx.MockTransport(lambda req: httpx.Response(200, content=body))
    with pytest.raises(SlurmError, match="slurmrestd"):
        SlurmRest(SOCKET, transport=transport).jobs()


def test_errors_given_as_plain_strings_are_understood() -> None:
    body = b'{"errors": ["plain string"], "jobs": []}'
    transport = httpx.MockTransport(lambda req: httpx.Response(200, content=body))
    assert SlurmRest(SOCKET, transport=transport).jobs() == []  # GET: errors are warnings
    with pytest.raises(SlurmError, match="plain string"):
        SlurmRest(SOCKET, transport=transport).cancel(["4"])
