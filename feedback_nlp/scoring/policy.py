"""Scoring policy: every choice the published rules leave open, as a versioned TOML file.

Shipped policies live in ``feedback_nlp/policies/*.toml`` (``seed004`` — the default — and
``seed002``); ``load_policy`` also accepts a path to any TOML file of the same shape.
Each key is explained in ``docs/scoring.md``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from feedback_nlp.errors import ConfigError, InvalidInputError

__all__ = [
    "CCRPolicy",
    "ExperiencePolicy",
    "FlagshipPolicy",
    "Policy",
    "SUBMETRICS",
    "available_policies",
    "load_policy",
    "DEFAULT_POLICY",
]

DEFAULT_POLICY = "seed004"
POLICY_DIR = Path(__file__).resolve().parent.parent / "policies"

# sub-metric -> (dimension, higher_is_better)
SUBMETRICS: dict[str, tuple[str, bool]] = {
    "bad_review_rate": ("product", False),
    "quality_return_rate": ("product", False),
    "pickup_timeliness": ("logistics", True),
    "delivery_hours": ("logistics", False),
    "complaint_rate": ("service", False),
    "dispute_merchant_fault_rate": ("service", False),
    "im_3min_reply_rate": ("service", True),
    "refund_only_hours": ("service", False),
    "return_refund_hours": ("service", False),
    "good_service_review_rate": ("service", True),
}
DIMENSIONS = ("product", "logistics", "service")

# CCR anomaly severity -> (violation points, consequence): seed 000 (points), seed 001 (penalties)
VIOLATIONS: dict[str, tuple[str, str]] = {
    "minor": ("A6", "products delisted; 6 A-points (two A6 → 2,000 yuan penalty, seed 001)"),
    "general": ("B4", "products delisted; 4 B-points"),
    "serious": ("B8", "products delisted; 8 B-points"),
    "very_serious": ("B12", "products delisted; 12 B-points (one B12 → deposit forfeited, shop suspended, seed 001)"),
}
VIOLATION_LEVELS = {"minor": 0.15, "general": 0.20, "serious": 0.25, "very_serious": 0.35}

# experience-score bands, lowest first: (band, score below which the band applies, consequences)
EXPERIENCE_BANDS: tuple[dict[str, Any], ...] = (
    {"band": "may_end_cooperation", "below": 3.2,
     "consequences": "the platform may end cooperation (seed 001); less traffic, longer settlement, campaigns limited"},
    {"band": "low", "below": 4.0,
     "consequences": "less traffic, longer settlement period, campaign sign-up limited (seed 001; level is policy)"},
    {"band": "good", "below": None,
     "consequences": "campaign sign-up open (seed 000: campaigns need a score threshold; level is policy)"},
)


def _bad(key: str, value: Any, allowed: str) -> InvalidInputError:
    return InvalidInputError(f"policy key {key} = {value!r} is invalid; allowed: {allowed}")


@dataclass(frozen=True)
class CCRPolicy:
    window_days: int = 30
    attribution: str = "paid_at"
    first_feedback_per_channel: bool = False
    presale_chat: str = "exclude"
    wow_lag_days: int = 7
    min_industry_shops: int = 2
    # CCR anomaly → violation points (seed 000: A6 / B4 / B8 / B12 by severity). The seeds give no
    # CCR level per severity: these are policy values. Severity = the highest level the CCR reaches.
    violation_levels: dict[str, float] = field(default_factory=lambda: dict(VIOLATION_LEVELS))
    violation_min_orders: int = 30

    def __post_init__(self) -> None:
        if not isinstance(self.window_days, int) or self.window_days < 1:
            raise _bad("ccr.window_days", self.window_days, "an integer >= 1")
        if self.attribution not in ("paid_at", "feedback_at"):
            raise _bad("ccr.attribution", self.attribution, "'paid_at', 'feedback_at'")
        if self.presale_chat not in ("exclude", "numerator"):
            raise _bad("ccr.presale_chat", self.presale_chat, "'exclude', 'numerator'")
        if not isinstance(self.wow_lag_days, int) or self.wow_lag_days < 1:
            raise _bad("ccr.wow_lag_days", self.wow_lag_days, "an integer >= 1")
        if not isinstance(self.first_feedback_per_channel, bool):
            raise _bad("ccr.first_feedback_per_channel", self.first_feedback_per_channel, "true, false")
        levels = self.violation_levels
        if set(levels) != set(VIOLATIONS) or any(not isinstance(v, (int, float)) or not 0 < v <= 1 for v in levels.values()):
            raise _bad("ccr.violation_levels", levels, f"a CCR in (0, 1] for each of {', '.join(VIOLATIONS)}")
        if [levels[k] for k in VIOLATIONS] != sorted(levels[k] for k in VIOLATIONS):
            raise _bad("ccr.violation_levels", levels, "levels rising with severity")


@dataclass(frozen=True)
class ExperiencePolicy:
    min_score: float = 3.0
    max_score: float = 5.0
    min_paid_orders: int = 30
    min_industry_shops: int = 5
    half_life_days: float = 45.0
    bad_review: str = "rating"
    bad_review_max_rating: int = 2
    good_review_min_rating: int = 4
    complaint_unit: str = "order"
    im_reply_seconds: int = 180
    im_hours: tuple[str, str] = ("08:00:00", "22:59:59")
    pickup_bucket_hours: tuple[float, ...] = (24, 36, 48)
    pickup_bucket_credit: tuple[float, ...] = (1.0, 0.5, 0.25)
    bands: tuple[dict[str, Any], ...] = EXPERIENCE_BANDS
    dimension_weights: dict[str, float] = field(default_factory=lambda: {"product": 0.5, "logistics": 0.15, "service": 0.35})
    submetric_weights: dict[str, float] = field(default_factory=lambda: {m: 1.0 for m in SUBMETRICS})
    min_denominator: dict[str, float] = field(default_factory=lambda: {m: 20 for m in SUBMETRICS})

    def __post_init__(self) -> None:
        if not self.min_score < self.max_score:
            raise _bad("experience.min_score/max_score", (self.min_score, self.max_score), "min_score < max_score")
        if self.bad_review not in ("rating", "rating_or_product_tags"):
            raise _bad("experience.bad_review", self.bad_review, "'rating', 'rating_or_product_tags'")
        if self.complaint_unit not in ("order", "complaint"):
            raise _bad("experience.complaint_unit", self.complaint_unit, "'order', 'complaint'")
        if self.half_life_days < 0:
            raise _bad("experience.half_life_days", self.half_life_days, "a number >= 0 (0 disables decay)")
        if set(self.dimension_weights) != set(DIMENSIONS):
            raise _bad("experience.dimension_weights", self.dimension_weights, f"exactly the keys {', '.join(DIMENSIONS)}")
        total = sum(self.dimension_weights.values())
        if abs(total - 1.0) > 1e-9 or min(self.dimension_weights.values()) < 0:
            raise _bad("experience.dimension_weights", self.dimension_weights, "non-negative weights summing to 1")
        for key in ("submetric_weights", "min_denominator"):
            unknown = set(getattr(self, key)) - set(SUBMETRICS)
            if unknown:
                raise _bad(f"experience.{key}", sorted(unknown), f"sub-metrics {', '.join(SUBMETRICS)}")
        hours, credit = self.pickup_bucket_hours, self.pickup_bucket_credit
        if len(hours) != len(credit) or list(hours) != sorted(hours):
            raise _bad("experience.pickup_bucket_hours/credit", (hours, credit), "increasing hours, one credit per bucket")
        for t in self.im_hours:
            time.fromisoformat(t)
        bands = self.bands
        ok = bool(bands) and all(isinstance(x, dict) and {"band", "consequences"} <= set(x) <= {"band", "below", "consequences"} for x in bands)
        bounds = [x.get("below") for x in bands] if ok else []
        if not ok or bounds[-1] is not None or None in bounds[:-1] or bounds[:-1] != sorted(bounds[:-1]):
            raise _bad("experience.bands", bands, "tables {band, below, consequences} with rising 'below', the last without 'below'")

    def band(self, score: float | None) -> dict[str, Any] | None:
        """The band a score falls in (``None`` without a score)."""
        if score is None or score != score:
            return None
        return next(b for b in self.bands if b.get("below") is None or score < b["below"])

    def submetric_weight(self, metric: str) -> float:
        return float(self.submetric_weights.get(metric, 1.0))

    def min_den(self, metric: str) -> float:
        return float(self.min_denominator.get(metric, 0))


@dataclass(frozen=True)
class FlagshipPolicy:
    experience_score_target: float = 4.0
    ccr_target_quantile: float = 0.8
    failed_months_to_downgrade: int = 3
    cycle_months: int = 6
    trial_months: int = 3
    # seed 002: shops in 免考期+试考期 that miss the standard are downgraded; it gives no count, so the
    # formal threshold applies (0: trial failures never downgrade)
    trial_failed_months_to_downgrade: int = 3
    assume_upgrade: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.ccr_target_quantile <= 1:
            raise _bad("flagship.ccr_target_quantile", self.ccr_target_quantile, "a number in (0, 1]")
        if not 1 <= self.failed_months_to_downgrade <= self.cycle_months:
            raise _bad("flagship.failed_months_to_downgrade", self.failed_months_to_downgrade, "1..cycle_months")
        if not 0 <= self.trial_failed_months_to_downgrade <= self.trial_months:
            raise _bad("flagship.trial_failed_months_to_downgrade", self.trial_failed_months_to_downgrade, "0..trial_months (0: never)")


@dataclass(frozen=True)
class Policy:
    name: str = DEFAULT_POLICY
    version: int = 1
    description: str = ""
    timezone: str = "Asia/Shanghai"
    exclude_abnormal: bool = True
    ccr: CCRPolicy = field(default_factory=CCRPolicy)
    experience: ExperiencePolicy = field(default_factory=ExperiencePolicy)
    flagship: FlagshipPolicy = field(default_factory=FlagshipPolicy)

    @property
    def label(self) -> str:
        return f"{self.name}@v{self.version}"

    def replace(self, **changes: Any) -> "Policy":
        """Copy with top-level fields or ``section__key`` fields changed (``ccr__window_days=7``)."""
        nested: dict[str, dict[str, Any]] = {}
        top: dict[str, Any] = {}
        for k, v in changes.items():
            if "__" in k:
                sec, key = k.split("__", 1)
                nested.setdefault(sec, {})[key] = v
            else:
                top[k] = v
        for sec, kv in nested.items():
            top[sec] = dataclasses.replace(getattr(self, sec), **kv)
        return dataclasses.replace(self, **top)


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    names = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(data) - set(names)
    if unknown:
        raise InvalidInputError(
            f"unknown policy key(s) {', '.join(sorted(unknown))} in [{where}]; valid keys: {', '.join(names)}"
        )
    kwargs = {}
    for k, v in data.items():
        if isinstance(v, list):
            v = tuple(v)
        kwargs[k] = v
    return cls(**kwargs)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ModuleNotFoundError:
            from feedback_nlp.errors import MissingDependencyError

            raise MissingDependencyError("reading policies on Python 3.10 needs tomli: pip install tomli") from None
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"policy file {str(path)!r} is not valid TOML: {e}") from None


def available_policies() -> list[str]:
    return sorted(p.stem for p in POLICY_DIR.glob("*.toml"))


def load_policy(name_or_path: str | Path | Policy | None = None) -> Policy:
    """Load a shipped policy by name (``seed004``, ``seed002``) or any TOML file by path."""
    if isinstance(name_or_path, Policy):
        return name_or_path
    name_or_path = name_or_path or DEFAULT_POLICY
    path = Path(name_or_path)
    if not path.suffix:
        path = POLICY_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        raise InvalidInputError(
            f"no policy {str(name_or_path)!r}; shipped policies: {', '.join(available_policies())} (or give a .toml path)"
        )
    data = _read_toml(path)
    sections = {"ccr": CCRPolicy, "experience": ExperiencePolicy, "flagship": FlagshipPolicy}
    kwargs: dict[str, Any] = {}
    for k, v in data.items():
        if k in sections:
            kwargs[k] = _build(sections[k], v, k)
        else:
            kwargs[k] = v
    return _build_top(kwargs)


def _build_top(kwargs: dict[str, Any]) -> Policy:
    names = {f.name for f in dataclasses.fields(Policy)}
    unknown = set(kwargs) - names
    if unknown:
        raise InvalidInputError(f"unknown policy key(s) {', '.join(sorted(unknown))}; valid keys: {', '.join(sorted(names))}")
    return Policy(**kwargs)
