"""Structured outputs of the MCP tools. The SDK turns these pydantic models into each tool's
`outputSchema`, and validates what the tool returns against it, so an agent can rely on the
field names (the same as the JSON contracts of DESIGN 4.1 and 4.3)."""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, Field

Risk = Literal["low", "medium", "high"]
Ecosystem = Literal["pypi", "npm"]


class Indicator(BaseModel):
    id: str
    severity: str
    evidence: str = ""
    source: Optional[str] = None
    phase: Optional[str] = None
    weight: Optional[float] = Field(None, description="how much it pushed the model's score")
    extra: Optional[dict[str, Any]] = None


class CommandRef(BaseModel):
    tool: str = Field(description="pip, npm, uv, poetry, yarn, ...")
    line: Optional[int] = Field(None, description="1-based line of the text it was found on")
    text: str = Field(description="the install command as written")


class CheckRecord(BaseModel):
    name: str
    ecosystem: str
    exists: Optional[bool] = Field(description="on the registry; null when unknown (offline, unreachable)")
    typosquat_of: Optional[str] = None
    similar_to: list[str] = []
    risk: Optional[Risk] = Field(description="null when the name could not be checked (see error)")
    score: Optional[float] = Field(None, description="calibrated probability that it is unsafe, 0..1")
    indicators: list[Indicator] = []
    version: Optional[str] = None
    suggestion: Optional[str] = Field(None, description="the name that was probably meant")
    error: Optional[str] = None
    reason: str = Field(description="why, in one line: 'typosquat of requests', 'does not exist - did you mean X?'")
    command: Optional[CommandRef] = Field(None, description="check_text: the command the package came from")
    spec: Optional[str] = Field(None, description="check_text: the version specifier written, if any")


class CheckPackagesResult(BaseModel):
    results: list[CheckRecord]
    worst_risk: Optional[Risk] = Field(description="the highest risk among the results")
    block: list[str] = Field(description="names at or above the blocking risk (high): do not install these")


class Command(BaseModel):
    tool: str
    ecosystem: str
    line: Optional[int] = None
    text: str
    notes: list[str] = []


class CheckTextResult(BaseModel):
    commands: list[Command] = Field(description="install commands found, in order")
    results: list[CheckRecord] = Field(description="one record per package per command")
    worst_risk: Optional[Risk]
    block: list[str]


class Phase(BaseModel):
    name: str
    status: Optional[str] = None
    exit_code: Optional[int] = None
    duration_s: Optional[float] = None


class ScanReport(BaseModel):
    name: str
    ecosystem: str
    version: Optional[str] = None
    backend: Optional[str] = Field(None, description="docker, gvisor, libvirt, or none (heuristics only)")
    is_malicious: bool
    probability: float
    risk: Optional[Risk] = None
    indicators: list[Indicator] = Field(description="most influential first")
    phases: list[Phase] = []
    network: list[str] = Field([], description="connections and DNS look-ups the package attempted")
    files: list[str] = Field([], description="file operations, sensitive ones first")
    processes: list[str] = Field([], description="command lines the package started")
    error: Optional[str] = None
    duration_s: Optional[float] = None


class ExplainedIndicator(BaseModel):
    id: Optional[str]
    severity: Optional[str] = None
    source: Optional[str] = None
    weight: Optional[float] = None
    phase: Optional[str] = None
    evidence: str = ""
    meaning: str = Field(description="what the indicator id means (the indicator registry)")
    reason: str


class Explanation(BaseModel):
    name: Optional[str]
    ecosystem: Optional[str]
    risk: Optional[Risk] = None
    score: Optional[float] = None
    summary: str
    indicators: list[ExplainedIndicator]
