"""The register as an auditor reads it: every finding by ID, with the figures people ask for.

Built once per build from a validation run, so pages, downloads and the management review
all read the same computed values (due date, days overdue, age, stale) and never disagree.
Dates are judged against one ``today`` so a build is reproducible (``--today`` or
SOURCE_DATE_EPOCH). Imports nothing of MkDocs: the plugin and ``capa render`` share it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..contract.followup import effectiveness_due
from ..contract.model import Finding, as_date, stale_since
from ..contract.settings import Settings
from ..contract.validate import Validation
from ..git.history import RegisterHistory
from .recurrence import recurrences

SEVERITIES = ("major", "minor", "observation", "ofi", "conformity")
NONCONFORMITIES = ("major", "minor")
"""What clause 10.2 is about: the headline figures and time to close count these apart
from observations, opportunities for improvement and conformities."""
STATUSES = ("open", "in-progress", "closed")


@dataclass
class Computed:
    """Figures derived from a finding and the date: the same everywhere they are shown."""

    due: dt.date | None = None
    """Earliest due date of a corrective action not yet completed."""
    overdue_days: int = 0
    """Days since ``due`` passed, for a finding not closed; 0 when not overdue."""
    due_soon: bool = False
    """Not closed and an open corrective action falls due within ``due_soon_days``."""
    age_days: int = 0
    """Days from ``raised`` to closure, or to today while not closed."""
    last_changed: dt.date | None = None
    """Date of the last commit touching the file, when git knows it."""
    stale: bool = False
    """Not closed and unchanged in git for longer than ``stale_days``."""
    effectiveness_due: dt.date | None = None
    """When the effectiveness review falls due: every action completed, none recorded."""
    effectiveness_overdue_days: int = 0
    """Days since ``effectiveness_due`` passed; 0 when it has not (rule
    `effectiveness-overdue`)."""
    closed: dt.date | None = None
    days_to_close: int | None = None
    referenced_by: list[str] = field(default_factory=list)
    """Findings whose ``related`` names this one: recurrence seen from the other side."""
    first_recorded: dt.date | None = None
    """Day of the file's first commit, when git's history reaches back to it."""
    recorded_days_after_raised: int | None = None
    """Days from ``raised`` to the first commit (None when either is unknown)."""
    recorded_late: bool = False
    """First committed more than ``recorded_late_days`` after ``raised``, or closed before
    its first commit: what happened before then rests on the finding's word, not on git."""
    recurred_as: list[str] = field(default_factory=list)
    """Closed effective, and these later findings recur it: effectiveness questioned."""
    recurs: list[str] = field(default_factory=list)
    """Earlier findings closed effective whose verdict this one questions."""
    beyond_target_days: int = 0
    """Closed this many days later than its severity's target (``sla_days``); 0 if not."""

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0

    @property
    def effectiveness_overdue(self) -> bool:
        """The review's date has passed (rule `effectiveness-overdue`)."""
        return self.effectiveness_overdue_days > 0

    def as_dict(self) -> dict[str, Any]:
        def text(day: dt.date | None) -> str | None:
            return day.isoformat() if day else None

        return {
            "due": text(self.due),
            "overdue": self.overdue,
            "overdue_days": self.overdue_days,
            "due_soon": self.due_soon,
            "age_days": self.age_days,
            "last_changed": text(self.last_changed),
            "stale": self.stale,
            "effectiveness_due": text(self.effectiveness_due),
            "effectiveness_overdue_days": self.effectiveness_overdue_days,
            "closed": text(self.closed),
            "days_to_close": self.days_to_close,
            "referenced_by": list(self.referenced_by),
            "first_recorded": text(self.first_recorded),
            "recorded_late": self.recorded_late,
            "recorded_days_after_raised": self.recorded_days_after_raised,
            "recurred_as": list(self.recurred_as),
            "recurs": list(self.recurs),
            "beyond_target_days": self.beyond_target_days,
        }



class Register:
    """Every schema-valid finding, sorted by ID, with computed figures and reverse links."""

    def __init__(self, findings: list[Finding], settings: Settings, today: dt.date,
                 last_changed: dict[str, dt.date] | None = None, *,
                 history: RegisterHistory | None = None) -> None:
        self.settings = settings
        self.today = today
        self.history = history
        """The build's one history pass: finding pages' History sections read it."""
        if last_changed is None and history is not None:
            last_changed = history.last_changed()
        usable = [f for f in findings if f.schema_valid]
        self.findings: list[Finding] = sorted(usable, key=lambda f: f.id)
        self.by_id: dict[str, Finding] = {f.id: f for f in self.findings}
        self.computed: dict[str, Computed] = {}
        history = last_changed or {}
        first = self.history.first_recorded() if self.history is not None else {}
        for finding in self.findings:
            computed = self._compute(finding, history.get(finding.rel))
            self._recorded(finding, computed, first.get(finding.rel))
            self.computed[finding.id] = computed
        references: dict[str, list[str]] = defaultdict(list)
        for finding in self.findings:
            for other in finding.data.get("related") or []:
                if other in self.by_id and other != finding.id:
                    references[other].append(finding.id)
        for finding_id, sources in references.items():
            self.computed[finding_id].referenced_by = sorted(set(sources))
        found = recurrences(self.findings, settings.recurrence_months, today,
                            settings.standards)
        for finding_id, later in found.recurred_as.items():
            self.computed[finding_id].recurred_as = later
        for finding_id, earlier in found.recurs.items():
            self.computed[finding_id].recurs = earlier

    def narrowed(self, catalogue_id: str) -> Register:
        """The findings citing a clause of one standard, with the figures computed for
        the whole register: the management review of one management system."""
        standards = self.settings.standards
        narrow = Register.__new__(Register)
        narrow.settings, narrow.today, narrow.history = self.settings, self.today, self.history
        narrow.findings = [f for f in self.findings if any(
            found is not None and found.catalogue.id == catalogue_id
            for found in map(standards.resolve, f.data.get("clauses") or []))]
        narrow.by_id = {f.id: f for f in narrow.findings}
        narrow.computed = {f.id: self.computed[f.id] for f in narrow.findings}
        return narrow

    @classmethod
    def from_validation(cls, validation: Validation, settings: Settings, today: dt.date,
                        last_changed: dict[str, dt.date] | None = None, *,
                        history: RegisterHistory | None = None) -> Register:
        return cls(validation.findings, settings, today, last_changed, history=history)

    def __len__(self) -> int:
        return len(self.findings)

    def __iter__(self):
        return iter(self.findings)

    def of(self, finding: Finding) -> Computed:
        return self.computed[finding.id]

    def _compute(self, finding: Finding, changed: dt.date | None) -> Computed:
        data = finding.data
        today = self.today
        raised = as_date(data.get("raised")) or today
        closed_flag = data.get("status") == "closed"
        closed = as_date(finding.get("closure", "closed")) if closed_flag else None
        open_dues = [as_date(action.get("due")) for action in data.get("corrective_actions") or []
                     if isinstance(action, dict) and not action.get("completed")]
        due = min((d for d in open_dues if d is not None), default=None)
        result = Computed(due=due, last_changed=changed, closed=closed,
                          effectiveness_due=effectiveness_due(
                              finding, self.settings.effectiveness_days))
        end = closed or today
        result.age_days = max(0, (end - raised).days)
        if closed is not None:
            result.days_to_close = max(0, (closed - raised).days)
            target = self.settings.sla_days.get(data.get("severity"))
            if target is not None:
                result.beyond_target_days = max(0, result.days_to_close - target)
        review = result.effectiveness_due
        if review is not None and review < today:
            result.effectiveness_overdue_days = (today - review).days
        if not closed_flag:
            if due is not None and due < today:
                result.overdue_days = (today - due).days
            window = self.settings.due_soon_days
            result.due_soon = any(d is not None and 0 <= (d - today).days <= window
                                  for d in open_dues)
            since = stale_since(data, changed)
            if since is not None:
                result.stale = (today - since).days > self.settings.stale_days
        return result

    def _recorded(self, finding: Finding, computed: Computed,
                  first: dt.date | None) -> None:
        """Recorded versus claimed: when git first saw the file, against ``raised``."""
        raised = as_date(finding.data.get("raised"))
        if first is None or raised is None:
            return
        computed.first_recorded = first
        computed.recorded_days_after_raised = (first - raised).days
        closed_before = computed.closed is not None and computed.closed < first
        late = computed.recorded_days_after_raised > self.settings.recorded_late_days
        computed.recorded_late = late or closed_before

    def count_by(self, key: str, values: tuple[str, ...]) -> dict[str, int]:
        """Counts for every allowed value of ``key``, zeros included, in contract order."""
        counts = dict.fromkeys(values, 0)
        for finding in self.findings:
            value = finding.data.get(key)
            if value in counts:
                counts[value] += 1
        return counts

    def owners(self) -> list[str]:
        """Everyone who owns a finding or a corrective action, for the owner filter."""
        names = {f.data["owner"] for f in self.findings if isinstance(f.data.get("owner"), str)}
        names.update(name for f in self.findings for name in action_owners(f))
        return sorted(names, key=str.lower)


def action_owners(finding: Finding) -> list[str]:
    """The owners of a finding's corrective actions, each once, in the order written."""
    return list(dict.fromkeys(
        action["owner"] for action in finding.data.get("corrective_actions") or []
        if isinstance(action, dict) and isinstance(action.get("owner"), str)))
