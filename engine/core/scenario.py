"""What a scenario is: the frozen pydantic types of a wood (goods, traders, the Patron, winter, legends...).

Scenarios are data: a TOML file validated by these types, read by `engine.play.scenario_files` (the default
wood is `scenarios/default.toml`). A validator's message names the field and the bad value.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

PATRON = "Patron"
"""The fifth trader's name: the human (or a scripted Patron in tests and headless runs)."""


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GoodSpec(_Spec):
    """One good traded in the wood."""

    name: str
    """Name as it appears in orders, e.g. "honey"."""
    food: bool = False
    """Whether creatures eat it."""
    fuel: bool = False
    """Whether creatures burn it in winter."""
    base_price: int = Field(ge=1)
    """Reference price in pebbles before any trade (used for net worth until the first trade)."""
    hoard_limit: int | None = Field(default=None, ge=0)
    """Units a trader may hold before the excess spoils; None means it keeps."""
    spoil_pct: int = Field(default=0, ge=0, le=100)
    """Percent of the units above `hoard_limit` that rot each turn (rounded up)."""


class TraderSpec(_Spec):
    """One creature of the wood."""

    name: str
    """Short name, e.g. "Oona"."""
    species: str
    """What it is, e.g. "Owl"."""
    produces: str
    """The good it makes every turn and must never buy."""
    rate: int = Field(ge=0)
    """Units produced per turn when healthy."""
    pebbles: int = Field(ge=0)
    """Starting pebbles."""
    goods: dict[str, int] = Field(default_factory=dict)
    """Starting holdings by good."""
    temperament: Literal["hoarder", "speculator", "cautious"] = "cautious"
    """Temperament of its scripted brain (used by the scripted council)."""


class PatronSpec(_Spec):
    """The Patron of the Wood: no production, starts with pebbles."""

    pebbles: int = Field(ge=0)
    """Starting pebbles."""
    goods: dict[str, int] = Field(default_factory=dict)
    """Starting holdings by good."""
    foreknowledge_turns: int = Field(default=2, ge=0)
    """How many turns before a scheduled legend the Patron may hear of it."""
    foreknowledge_pct: int = Field(default=60, ge=0, le=100)
    """Chance (percent) that the Patron hears of a given scheduled legend."""
    short_fee: int = Field(default=1, ge=0)
    """Pebbles charged per borrowed unit per turn on an open short."""
    forced_cover_pct: int = Field(default=150, ge=100)
    """Price paid per missing unit at a forced cover, in percent of the last price."""
    offer_turns: int = Field(default=2, ge=1)
    """Turns a loan or bribe offer stays open before it lapses."""


class DietSpec(_Spec):
    """What creatures eat."""

    meals: int = Field(default=2, ge=0)
    """Meals per turn; each meal is one unit of a different food."""
    weak_at: int = Field(default=3, ge=1)
    """Hunger plus cold at which production halves."""
    faint_at: int = Field(default=6, ge=1)
    """Hunger plus cold at which production stops."""


class WinterSpec(_Spec):
    """The cold season."""

    start: int = Field(ge=1)
    """First turn of winter."""
    burn: int = Field(default=1, ge=0)
    """Firewood each creature burns per turn when winter starts."""
    deepen_every: int = Field(default=5, ge=1)
    """Every this many turns of winter, the burn rises by one."""
    max_burn: int = Field(default=3, ge=0)
    """The most firewood burned per creature per turn."""


class EffectSpec(_Spec):
    """One mechanical effect of a legend."""

    kind: Literal["production", "spoil", "burn"]
    """production: add `amount` to a good's production per turn; spoil: destroy `amount` percent of every
    holding of `good` once; burn: every creature burns `amount` more firewood per turn."""
    good: str | None = None
    """The good affected (not needed for burn)."""
    amount: int
    """Size of the effect (units per turn, or percent for spoil)."""


class LegendSpec(_Spec):
    """A Wood Legend: a historical market event, reskinned."""

    id: str
    """Identifier, e.g. "long_frost"."""
    name: str
    """Display name, e.g. "The Long Frost"."""
    history: str
    """The historical event it retells."""
    words: str
    """What everyone hears when it begins (public)."""
    turns: int = Field(ge=1)
    """How many turns its effects last."""
    effects: list[EffectSpec]
    """What it does each turn while it lasts (spoil applies once, on its first turn)."""
    moves: dict[str, Literal["rise", "fall"]]
    """Which way it pushes each good it touches: the truth a tip about it would carry."""


class LegendScheduleSpec(_Spec):
    """When legends happen on their own."""

    first: int = Field(default=6, ge=1)
    """Earliest turn of the first scheduled legend."""
    every: int = Field(default=9, ge=1)
    """Mean spacing between scheduled legends, in turns."""
    jitter: int = Field(default=2, ge=0)
    """Random spread around that spacing (seeded)."""


class MagistrateSpec(_Spec):
    """The magistrate's thresholds (suspicion points)."""

    warn_at: int = Field(default=4, ge=1)
    """Suspicion at which the Patron is warned publicly."""
    fine_at: int = Field(default=8, ge=1)
    """Suspicion at which the Patron is fined."""
    fine_pct: int = Field(default=20, ge=0, le=100)
    """Fine as a percent of the Patron's pebbles (at least 10 pebbles)."""
    freeze_at: int = Field(default=12, ge=1)
    """Suspicion at which the Patron's assets are frozen."""
    freeze_turns: int = Field(default=3, ge=1)
    """How long a freeze lasts."""
    banish_at: int = Field(default=16, ge=1)
    """Suspicion at which the Patron is banished (game over for the Patron)."""
    large_transfer: int = Field(default=40, ge=1)
    """A private transfer (loan or bribe) of at least this many pebbles is suspicious."""
    quiet_turns: int = Field(default=5, ge=1)
    """Suspicion falls by one after this many turns without new evidence."""

    @model_validator(mode="after")
    def _ordered(self) -> "MagistrateSpec":
        if not self.warn_at < self.fine_at < self.freeze_at < self.banish_at:
            raise ValueError(
                f"thresholds must rise: warn_at={self.warn_at} < fine_at={self.fine_at} "
                f"< freeze_at={self.freeze_at} < banish_at={self.banish_at}"
            )
        return self


class Scenario(_Spec):
    """A whole wood: everything the rules need to play a season."""

    name: str
    """Display name of the scenario."""
    season_length: int = Field(ge=1)
    """Turns in a season."""
    treasury: int = Field(default=1000, ge=0)
    """Pebbles held by the wood itself (fines go in; forced covers pay in)."""
    goods: list[GoodSpec]
    """Goods traded."""
    traders: list[TraderSpec]
    """The creatures (the Patron is separate)."""
    patron: PatronSpec
    """The Patron's settings."""
    diet: DietSpec = DietSpec()
    """What creatures eat."""
    winter: WinterSpec
    """The cold season."""
    legends: list[LegendSpec] = Field(default_factory=list)
    """The legends deck."""
    legend_schedule: LegendScheduleSpec = LegendScheduleSpec()
    """When legends happen on their own."""
    magistrate: MagistrateSpec = MagistrateSpec()
    """The magistrate's thresholds."""
    sentiment_bound: int = Field(default=10, ge=1)
    """Sentiments run from -bound to +bound."""
    event_window: int = Field(default=8, ge=1)
    """Recent public events shown in a prompt."""

    @model_validator(mode="after")
    def _consistent(self) -> "Scenario":
        goods = [g.name for g in self.goods]
        if len(set(goods)) != len(goods):
            raise ValueError(f"goods: duplicate good names in {goods}")
        names = [t.name for t in self.traders]
        if len(set(names)) != len(names) or PATRON in names:
            raise ValueError(f"traders: names must be unique and not {PATRON!r}: {names}")
        for i, t in enumerate(self.traders):
            if t.produces not in goods:
                raise ValueError(f"traders[{i}].produces: unknown good {t.produces!r} (goods: {goods})")
            for g in t.goods:
                if g not in goods:
                    raise ValueError(f"traders[{i}].goods: unknown good {g!r}")
        for i, lg in enumerate(self.legends):
            for e in lg.effects:
                if e.kind != "burn" and e.good not in goods:
                    raise ValueError(f"legends[{i}].effects: unknown good {e.good!r}")
            for g in lg.moves:
                if g not in goods:
                    raise ValueError(f"legends[{i}].moves: unknown good {g!r}")
        ids = [lg.id for lg in self.legends]
        if len(set(ids)) != len(ids):
            raise ValueError(f"legends: duplicate ids in {ids}")
        return self

    @property
    def good_names(self) -> list[str]:
        """Goods in scenario order."""
        return [g.name for g in self.goods]

    @property
    def foods(self) -> list[str]:
        """Goods creatures eat, in scenario order."""
        return [g.name for g in self.goods if g.food]

    @property
    def fuels(self) -> list[str]:
        """Goods creatures burn in winter."""
        return [g.name for g in self.goods if g.fuel]

    def good(self, name: str) -> GoodSpec:
        """The spec of one good."""
        return next(g for g in self.goods if g.name == name)

    def trader(self, name: str) -> TraderSpec:
        """The spec of one creature."""
        return next(t for t in self.traders if t.name == name)

    def legend(self, legend_id: str) -> LegendSpec:
        """The spec of one legend."""
        return next(lg for lg in self.legends if lg.id == legend_id)
