"""A computed SiteAnalytics as plain JSON and back, for ``analytics_snapshots``.

Measuring a million comments takes seconds; the dashboard is looked at far more often than a site's
comments change. ``services/analytics.py`` keeps each computation with the site's fingerprint
(threads' versions, which database triggers move on every comment change, plus authors and owners)
and serves it again while the fingerprint holds. Cohort windows are judged as of the computation;
the snapshot is dropped at the next UTC day too, so "whose 30 days have passed" is at most a day old.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from porch.domain.metrics import Cohort
from porch.domain.sites import Site
from porch.services.analytics_types import Contributor, DayActivity, ReplyEdge, SiteAnalytics

_MOMENTS = ("start", "end", "computed_at")


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def to_payload(a: SiteAnalytics) -> dict[str, Any]:
    """Everything but the site, JSON-ready."""
    payload: dict[str, Any] = {}
    for f in fields(a):
        value = getattr(a, f.name)
        if f.name == "site":
            continue
        if f.name in _MOMENTS:
            payload[f.name] = value.isoformat() if value else None
        elif f.name == "cohorts":
            payload[f.name] = [
                {"month": c.month, "size": c.size, "retention": c.retention,
                 **{key: {str(days): n for days, n in getattr(c, key).items()}
                    for key in ("returned", "eligible", "returned_eligible")}}
                for c in value
            ]
        elif f.name == "top_contributors":
            payload[f.name] = [{**asdict(c), "first_comment_at": c.first_comment_at.isoformat()} for c in value]
        elif f.name in ("reply_graph", "activity"):
            payload[f.name] = [asdict(item) for item in value]
        elif f.name == "first_reply_distribution":
            payload[f.name] = [list(pair) for pair in value]
        else:
            payload[f.name] = value
    return payload


def from_payload(site: Site, payload: dict[str, Any]) -> SiteAnalytics:
    values = dict(payload)
    for name in _MOMENTS:
        values[name] = _moment(values[name])
    values["cohorts"] = [
        Cohort(month=c["month"], size=c["size"], retention=list(c["retention"]),
               **{key: {int(days): n for days, n in c[key].items()}
                  for key in ("returned", "eligible", "returned_eligible")})
        for c in payload["cohorts"]
    ]
    values["top_contributors"] = [
        Contributor(**{**c, "first_comment_at": datetime.fromisoformat(c["first_comment_at"])})
        for c in payload["top_contributors"]
    ]
    values["reply_graph"] = [ReplyEdge(**e) for e in payload["reply_graph"]]
    values["activity"] = [DayActivity(**d) for d in payload["activity"]]
    values["first_reply_distribution"] = [(label, n) for label, n in payload["first_reply_distribution"]]
    return SiteAnalytics(site=site, **values)
