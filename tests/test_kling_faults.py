"""Provider faults: unknown-outcome creates never duplicate, every error class surfaces, reads retry."""

from __future__ import annotations

import aiohttp
import pytest
from pydantic import SecretStr

from bot.kling.auth import ApiKey, JwtToken
from bot.kling.client import KlingClient
from bot.kling.errors import (
    AuthenticationError,
    ConcurrencyLimitError,
    EndpointNotFoundError,
    InvalidInputError,
    KlingError,
    LookupUnavailableError,
    MalformedResponseError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitedError,
    ResourcePackExhaustedError,
    ServerError,
)
from bot.kling.models import TaskStatus
from bot.kling.transport import retry_decision
from bot.vocabulary import TaskKind
from tests.conftest import ACCESS_KEY, SECRET_KEY, make_client
from tests.fake_kling import FakeKling, Fault
from tests.kling_requests import request_of

KIND = TaskKind.TEXT_TO_VIDEO


async def create(client: KlingClient, external_id: str = "ext-1") -> str:
    task = await client.create(request_of(KIND), external_task_id=external_id)
    return task.task_id


@pytest.mark.parametrize(
    "fault",
    [
        Fault(op="create", status=504, code=5002, message="gateway timeout", after_create=True),
        Fault(op="create", status=500, code=5000, after_create=True),
        Fault(op="create", disconnect=True, after_create=True),
        Fault(op="create", malformed=True, after_create=True),
        Fault(op="create", delay=1.0, after_create=True),
    ],
    ids=["504", "500", "disconnect", "malformed", "timeout"],
)
async def test_unknown_outcome_create_ends_with_exactly_one_task(
    fake: FakeKling, session: aiohttp.ClientSession, fault: Fault
) -> None:
    """The task was created but the answer was lost: the client finds it instead of creating again.

    AnyFast documents no query by our id: the create is never sent again, and the client says so.
    """
    client = make_client(session, fake, timeout=0.5)
    fake.inject(fault)
    if fake.dialect == "anyfast":
        with pytest.raises(OutcomeUnknownError, match="not sent again"):
            await create(client)
        assert (fake.create_attempts, fake.creates_by_external_id) == (1, {"ext-1": 1})
        return
    task_id = await create(client)
    assert fake.creates_by_external_id == {"ext-1": 1}
    assert fake.task_by_external_id("ext-1").task_id == task_id  # type: ignore[union-attr]


async def test_create_is_resent_only_when_the_provider_confirms_absence(fake: FakeKling, client: KlingClient) -> None:
    """A 500 before creation: the lookup says "not found", so the create goes again, once (never on AnyFast,
    which can't be asked: there the request ends unsent rather than risk paying twice)."""
    fake.inject(Fault(op="create", status=500, code=5000))
    if fake.dialect == "anyfast":
        with pytest.raises(OutcomeUnknownError):
            await create(client)
        assert (fake.create_attempts, fake.creates_by_external_id) == (1, {})
        return
    await create(client)
    assert fake.create_attempts == 2
    assert fake.creates_by_external_id == {"ext-1": 1}


async def test_create_with_failing_lookup_raises_outcome_unknown(fake: FakeKling, client: KlingClient) -> None:
    """When neither the create nor the lookups answer, the client says so and does not create again."""
    fake.inject(Fault(op="create", status=504, code=5002, after_create=True))
    fake.inject(Fault(op="query", status=503, code=5001, times=10))
    with pytest.raises(OutcomeUnknownError):
        await create(client)
    assert fake.create_attempts == 1
    assert fake.creates_by_external_id == {"ext-1": 1}


async def test_duplicate_external_id_returns_the_existing_task(fake: FakeKling, client: KlingClient) -> None:
    """Creating with an external id that already exists yields that task instead of an error (on AnyFast,
    which can't look it up by our id, a plain `LookupUnavailableError`); never a second task."""
    if fake.dialect == "anyfast":
        await create(client)
        with pytest.raises(LookupUnavailableError):
            await create(client)
        assert fake.creates_by_external_id == {"ext-1": 1}
        return
    first = await create(client)
    second = await create(client)
    assert first == second
    assert fake.creates_by_external_id == {"ext-1": 1}


async def test_concurrency_cap_raises_and_creates_nothing(fake: FakeKling, client: KlingClient) -> None:
    """1303: the task was not created; the caller gets ConcurrencyLimitError to queue on."""
    fake.concurrency_limit = 1
    await create(client, "ext-a")
    with pytest.raises(ConcurrencyLimitError):
        await create(client, "ext-b")
    assert fake.creates_by_external_id == {"ext-a": 1}
    assert fake.create_attempts == 2


async def test_rate_limited_create_is_sent_again(fake: FakeKling, client: KlingClient) -> None:
    """1302 means refused, not created: the client waits and sends again, ending with one task."""
    fake.inject(Fault(op="create", status=429, code=1302, message="rate limit", retry_after=0.01))
    await create(client)
    assert fake.create_attempts == 2
    assert fake.creates_by_external_id == {"ext-1": 1}


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault(op="create", status=429, code=1102, message="resource pack exhausted"), ResourcePackExhaustedError),
        (Fault(op="create", status=403, code=1103, message="no permission for model"), PermissionDeniedError),
        (Fault(op="create", status=400, code=1200, message="image_tail is not supported"), InvalidInputError),
        (Fault(op="create", status=429, code=1302, message="rate limit", times=5), RateLimitedError),
        (Fault(op="query", status=500, code=5000, times=10), ServerError),
        (Fault(op="query", malformed=True, times=10), MalformedResponseError),
    ],
)
async def test_each_error_class_surfaces(fake: FakeKling, client: KlingClient, fault: Fault, error: type) -> None:
    """Faults at the fake become the documented exception, with nothing created by a refused create."""
    task_id = await create(client, "ext-setup") if fault.op == "query" else None
    fake.inject(fault)
    call = create(client) if task_id is None else client.get(KIND, task_id)
    with pytest.raises(error):
        await call
    assert "ext-1" not in fake.creates_by_external_id


async def test_reads_retry_transient_failures(fake: FakeKling, client: KlingClient) -> None:
    """Two 5xx and a 1302 in a row are retried; the fourth try answers."""
    task_id = await create(client)
    fake.inject(Fault(op="query", status=503, code=5001, times=2))
    fake.inject(Fault(op="query", status=429, code=1302, retry_after=0.01))
    assert (await client.get(KIND, task_id)).task_id == task_id


def test_retry_decision_honours_retry_after_and_never_retries_1303() -> None:
    """Retry-After becomes the wait (capped); concurrency and user errors are not retried by reads."""
    assert retry_decision(RateLimitedError("x", retry_after=3.0)) == 3.0
    assert retry_decision(RateLimitedError("x", retry_after=3600.0)) == 60.0
    assert retry_decision(ServerError("x")) is True
    assert retry_decision(ConcurrencyLimitError("x")) is False
    assert retry_decision(InvalidInputError("x")) is False
    assert retry_decision(ValueError("x")) is False


async def test_wrong_key_is_an_authentication_error(fake: FakeKling, session: aiohttp.ClientSession) -> None:
    """A rejected key raises AuthenticationError, which users see as a configuration problem."""
    client = make_client(session, fake, ApiKey(SecretStr("wrong")))
    with pytest.raises(AuthenticationError) as caught:
        await create(client)
    assert "misconfigured" in caught.value.user_message
    assert fake.creates_by_external_id == {}


async def test_unknown_route_is_endpoint_not_found(fake: FakeKling, client: KlingClient) -> None:
    """A host that doesn't know the path (wrong base URL or provider) maps to EndpointNotFoundError."""
    transport = client._transport
    with pytest.raises(EndpointNotFoundError):
        await transport.call("GET", "/v9/nothing/here")


class Clock:
    def __init__(self, fake: FakeKling) -> None:
        self.fake, self.lag = fake, 0.0

    def __call__(self) -> float:
        return self.fake.clock.now() - self.lag


@pytest.mark.parametrize("dialect", ["official"])
async def test_jwt_is_renewed_before_expiry(fake: FakeKling, session: aiohttp.ClientSession) -> None:
    """With AccessKey/SecretKey, tokens are minted on the provider's clock and renewed before they expire."""
    token = JwtToken(SecretStr(ACCESS_KEY), SecretStr(SECRET_KEY), clock=Clock(fake))
    client = make_client(session, fake, token)
    task_id = await create(client)
    await fake.advance(3600)
    assert (await client.get(KIND, task_id)).status is TaskStatus.SUCCEEDED
    assert token.minted == 2


@pytest.mark.parametrize("dialect", ["official"])
async def test_expired_jwt_is_reminted_once_on_1004(fake: FakeKling, session: aiohttp.ClientSession) -> None:
    """A token the provider calls expired (1004) is re-minted once and the request succeeds."""
    clock = Clock(fake)
    token = JwtToken(SecretStr(ACCESS_KEY), SecretStr(SECRET_KEY), clock=clock)
    client = make_client(session, fake, token)
    task_id = await create(client)
    await fake.advance(1801)
    clock.lag = 1200  # our clock thinks the cached token is still fresh; the provider disagrees
    assert (await client.get(KIND, task_id)).task_id == task_id
    assert token.minted == 2


@pytest.mark.parametrize("dialect", ["official"])
async def test_clock_far_behind_fails_with_a_clock_error(fake: FakeKling, session: aiohttp.ClientSession) -> None:
    """If even a fresh token is outside the provider's window, the error says it's the clock."""
    clock = Clock(fake)
    clock.lag = 4000
    client = make_client(session, fake, JwtToken(SecretStr(ACCESS_KEY), SecretStr(SECRET_KEY), clock=clock))
    with pytest.raises(AuthenticationError) as caught:
        await create(client)
    assert caught.value.is_clock_problem
    assert isinstance(caught.value, KlingError)
