"""Prometheus metrics: provider traffic, tasks by state, queue depth, how long due work waits for a process,
delivery latency and routes, refusals."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.vocabulary import TaskState

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
DELIVERY_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 30, 60, 300)
CLAIM_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class Metrics:
    """Every metric the bot exports, in its own registry (so tests and processes don't collide)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.provider_requests = Counter(
            "kling_provider_requests",
            "Provider requests by outcome (status:code)",
            ["method", "endpoint", "outcome"],
            registry=r,
        )
        self.provider_latency = Histogram(
            "kling_provider_request_seconds", "Provider request time", ["method"], buckets=LATENCY_BUCKETS, registry=r
        )
        self.tasks = Gauge("kling_tasks", "Tasks by state", ["state"], registry=r)
        self.queue_depth = Gauge("kling_queue_depth", "Tasks waiting for a provider slot", registry=r)
        self.delivery_latency = Histogram(
            "kling_delivery_seconds", "Provider finished -> result posted", buckets=DELIVERY_BUCKETS, registry=r
        )
        self.claim_delay = Histogram(
            "kling_claim_delay_seconds",
            "Work due -> a process took it up: 'submit', a request queued -> being sent (a wait for a free provider "
            "slot included); 'deliver', a finished task -> being posted",
            ["work"],
            buckets=CLAIM_BUCKETS,
            registry=r,
        )
        self.deliveries = Counter("kling_deliveries", "Results posted, by how the files went", ["route"], registry=r)
        self.quota_refusals = Counter("kling_quota_refusals", "Requests refused by quota", registry=r)
        self.balance_units = Gauge(
            "kling_balance_units", "Units left in the provider account's online resource packs", registry=r
        )

    def provider_call(self, method: str, endpoint: str, outcome: str, seconds: float) -> None:
        """Record one provider request; `outcome` is the HTTP status, with the business code on errors."""
        self.provider_requests.labels(method, endpoint, outcome).inc()
        self.provider_latency.labels(method).observe(seconds)

    def refresh(self, counts: dict[TaskState, int]) -> None:
        """Set the task counts that are state, not events (called before each scrape)."""
        for state in TaskState:
            self.tasks.labels(state.value).set(counts.get(state, 0))
        self.queue_depth.set(counts.get(TaskState.QUEUED, 0))

    def render(self) -> bytes:
        """Return the exposition text."""
        return generate_latest(self.registry)
