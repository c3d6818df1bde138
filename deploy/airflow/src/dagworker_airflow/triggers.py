"""An async trigger that waits for a dagworker run or ad-hoc task in Airflow's triggerer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import aiohttp
from airflow.triggers.base import BaseTrigger, TriggerEvent


class DagworkerTrigger(BaseTrigger):
    """Polls dagworker until a DAG run (``kind="run"``) or an ad-hoc task
    (``kind="task"``) finishes, without holding a worker slot.

    The event is ``{"status": "success"|"failed"|"error", "body": ...}``.
    The auth headers travel with the trigger (they are stored in Airflow's
    trigger table like any trigger argument).
    """

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        kind: str,
        dag_id: str = "",
        run_id: str = "",
        task_id: str = "",
        poll_interval: float = 5.0,
        timeout: float | None = None,
    ) -> None:
        super().__init__()
        self.base_url = base_url
        self.headers = headers
        self.kind = kind
        self.dag_id = dag_id
        self.run_id = run_id
        self.task_id = task_id
        self.poll_interval = poll_interval
        self.timeout = timeout

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            "dagworker_airflow.triggers.DagworkerTrigger",
            {
                "base_url": self.base_url,
                "headers": self.headers,
                "kind": self.kind,
                "dag_id": self.dag_id,
                "run_id": self.run_id,
                "task_id": self.task_id,
                "poll_interval": self.poll_interval,
                "timeout": self.timeout,
            },
        )

    def _url(self) -> str:
        if self.kind == "task":
            return f"{self.base_url}/api/dagworker/v1/tasks/{quote(self.task_id, safe='')}"
        return f"{self.base_url}/api/v2/dags/{quote(self.dag_id, safe='')}/dagRuns/{quote(self.run_id, safe='')}/sensor"

    async def _poll(self, session: aiohttp.ClientSession) -> TriggerEvent | None:
        async with session.get(self._url(), headers=self.headers) as r:
            body: Any = await r.json(content_type=None) if r.content_length != 0 else None
            if self.kind == "task":
                if r.status != 200:
                    return TriggerEvent({"status": "error", "body": body, "http_status": r.status})
                if body["state"] in ("success", "failed"):
                    return TriggerEvent({"status": body["state"], "body": body})
                return None
            if r.status == 200:
                return TriggerEvent({"status": "success", "body": body})
            if r.status == 424:
                return TriggerEvent({"status": "failed", "body": body})
            if r.status == 404 and "not finished" in str((body or {}).get("detail", "")):
                return None
            return TriggerEvent({"status": "error", "body": body, "http_status": r.status})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        loop = asyncio.get_running_loop()
        deadline = None if self.timeout is None else loop.time() + self.timeout
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    event = await self._poll(session)
                except aiohttp.ClientError as err:  # transient: the server restarts
                    self.log.warning("dagworker poll failed: %s", err)
                    event = None
                if event is not None:
                    yield event
                    return
                if deadline is not None and loop.time() > deadline:
                    yield TriggerEvent({"status": "error", "body": {"detail": f"timeout after {self.timeout}s"}})
                    return
                await asyncio.sleep(self.poll_interval)
