"""What to send: the difference between an audience as it should be at a destination and as last sent,
and the size guard that holds a sync instead of sending a suspicious swing."""

from __future__ import annotations

from dataclasses import dataclass, field

# person_key → what the destination knows them by (a HubSpot contact id, Meta's hashed identifiers).
Membership = dict[str, str]


@dataclass(frozen=True)
class Changes:
    additions: Membership = field(default_factory=dict)
    removals: Membership = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.additions and not self.removals


def diff(desired: Membership, sent: Membership) -> Changes:
    """Additions: members not sent yet or known by a new key. Removals: sent members no longer wanted, or the
    old key of a member whose key changed (the destination holds the old one)."""
    additions = {person: key for person, key in desired.items() if sent.get(person) != key}
    removals = {person: key for person, key in sent.items() if desired.get(person) != key}
    return Changes(additions, removals)


@dataclass(frozen=True)
class SizePolicy:
    """An audience smaller than `min_size`, or moving by more than `max_change_share` of what the destination
    holds since the last sync, is held: a broken model or a failed load must not empty or flood an audience."""

    min_size: int = 100
    max_change_share: float = 0.5


def size_hold_reason(desired_size: int, sent_size: int, policy: SizePolicy) -> str | None:
    """Why this audience must not be sent now, or None when its size is plausible."""
    if desired_size < policy.min_size:
        return f"{desired_size} member(s) is below the minimum audience size of {policy.min_size}"
    if sent_size and abs(desired_size - sent_size) > policy.max_change_share * sent_size:
        change = (desired_size - sent_size) / sent_size
        return (f"size would change from {sent_size} to {desired_size} ({change:+.0%}), beyond the allowed "
                f"±{policy.max_change_share:.0%} since the last sync")
    return None
