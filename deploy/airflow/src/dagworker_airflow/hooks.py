"""An Airflow hook over an HTTP connection to dagworker."""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseHook

from dagworker_airflow.client import DagworkerClient


def connection_settings(conn: Any) -> tuple[str, dict[str, str]]:
    """Return the base URL and the auth headers of an Airflow connection.

    The token is the connection's ``extra`` ``token``, or its password when
    the login is empty (Bearer); a login and password are HTTP Basic.
    """
    host = conn.host or "127.0.0.1"
    if "://" not in host:
        host = f"{conn.schema or 'http'}://{host}"
    url = host.rstrip("/")
    if conn.port:
        url = f"{url}:{conn.port}"
    extra = conn.extra_dejson or {}
    headers: dict[str, str] = {}
    token = extra.get("token") or (conn.password if not conn.login else None)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    elif conn.login:
        import base64

        cred = base64.b64encode(f"{conn.login}:{conn.password or ''}".encode()).decode()
        headers["Authorization"] = f"Basic {cred}"
    return url, headers


class DagworkerHook(BaseHook):
    """Talks to dagworker through an Airflow connection (type http or dagworker)."""

    conn_name_attr = "dagworker_conn_id"
    default_conn_name = "dagworker_default"
    conn_type = "dagworker"
    hook_name = "dagworker"

    def __init__(self, dagworker_conn_id: str = default_conn_name, timeout: float = 30.0) -> None:
        super().__init__()
        self.dagworker_conn_id = dagworker_conn_id
        self.timeout = timeout

    def settings(self) -> tuple[str, dict[str, str]]:
        """Return the base URL and auth headers of the connection."""
        return connection_settings(self.get_connection(self.dagworker_conn_id))

    def get_conn(self) -> DagworkerClient:
        """Return a client for the connection."""
        url, headers = self.settings()
        client = DagworkerClient(url, timeout=self.timeout)
        client.session.headers.update(headers)
        return client
