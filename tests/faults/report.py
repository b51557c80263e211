"""The session's report: per scenario the faults injected, commands acknowledged, lost and doubled, and the time
from the end of the fault until every check held again."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Scenario:
    name: str
    faults: list[str] = field(default_factory=list)
    acknowledged: int = 0
    lost: int = 0
    doubled: int = 0
    retried: int = 0  # acknowledged commands that needed more than one attempt
    recovered_s: float | None = None
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    last_fault: float = 0.0  # time.monotonic() when the last fault was injected (or ended)

    def fault(self, what: str) -> None:
        self.faults.append(what)
        self.last_fault = time.monotonic()

    def lines(self) -> list[str]:
        recovered = "-" if self.recovered_s is None else f"{self.recovered_s:.1f} s"
        out = [f"{self.name}: {'OK' if not self.problems else 'PROBLEMS'}",
               f"  faults: {'; '.join(self.faults) or '-'}",
               f"  commands acknowledged {self.acknowledged} (retried {self.retried}), lost {self.lost}, "
               f"doubled {self.doubled}; recovered in {recovered}"]
        out += [f"  {note}" for note in self.notes]
        out += [f"  PROBLEM: {p}" for p in self.problems[:20]]
        return out


@dataclass
class Report:
    scenarios: list[Scenario] = field(default_factory=list)
    started_s: float = 0.0  # gotong up until every service was ready
    leftovers: list[str] = field(default_factory=list)
    kept: str = ""  # the state folder, kept when a test failed

    def scenario(self, name: str) -> Scenario:
        s = Scenario(name)
        self.scenarios.append(s)
        return s

    def lines(self) -> list[str]:
        out = [f"system up in {self.started_s:.1f} s (gotong up --no-demo, own state folder and ports)"]
        for s in self.scenarios:
            out += s.lines()
        total = (sum(s.acknowledged for s in self.scenarios), sum(s.lost for s in self.scenarios),
                 sum(s.doubled for s in self.scenarios))
        out.append(f"all scenarios: acknowledged {total[0]}, lost {total[1]}, doubled {total[2]}")
        out.append("processes left after stop: " + ("none" if not self.leftovers else "; ".join(self.leftovers)))
        if self.kept:
            out.append(f"state folder and logs kept in {self.kept}")
        return out
