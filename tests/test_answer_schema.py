"""The per-creature answer schema for structured outputs: a strict subset of the answer format."""

import json

import pytest

jsonschema = pytest.importorskip("jsonschema")

from engine.brains.vllm import limit_schema  # noqa: E402
from engine.core.answer import (KEEP, WINTER_STOCK, Answer, answer_json_schema, buy_room, going_price,  # noqa: E402
                                 need_buys, opening, own_sale, price_band, want_price, winter_stock)
from engine.mind.prompt import ahead_of, answer_schema, build_prompt, buy_reasons, example_orders  # noqa: E402
from engine.mind.view import view_for  # noqa: E402
from tests.conftest import play, scripted_game  # noqa: E402

WORDS = {"thinking": "Honey is dear today.", "gossip": "Who sells acorns cheap?"}


@pytest.fixture
def views():
    game = scripted_game(5)
    play(game, 8)
    return [view_for(game.state, t.name) for t in game.state.scenario.traders]


def _first(v) -> list[dict]:
    """The buys a view whose creature lacks what it can pay for must open its orders with ([] if none)."""
    return [{"side": "buy", "good": n.good, "qty": n.qty, "price": n.price} for n in need_buys(v)]


def _sale(v) -> list[dict]:
    """The sell of its own good a creature holding more than KEEP must make ([] if none)."""
    if not own_sale(v):
        return []
    return [{"side": "sell", "good": v.produces, "qty": min(10, own_sale(v)),
             "price": next(b.last for b in v.books if b.good == v.produces)}]


def _open(v, slots: int = 3) -> list[dict]:
    """The opening a valid answer writes first."""
    return opening(_first(v), (_sale(v) or [None])[0], slots)


def _branches(schema: dict, side: str) -> dict[str, dict]:
    """good -> the order branch of that side and good: the free slots' branch, or the opening's where the
    free slots have none (they hold no second order of a side and good the opening has)."""
    orders = schema["properties"]["orders"]
    kinds = [*orders.get("items", {}).get("anyOf", []), *orders.get("prefixItems", [])]
    out: dict[str, dict] = {}
    for k in kinds:
        if k["properties"]["side"]["enum"] == [side]:
            out.setdefault(k["properties"]["good"]["enum"][0], k)
    return out


def test_no_self_buy_can_be_written(views):
    for v in views:
        schema = answer_json_schema(v)
        assert v.produces not in _branches(schema, "buy")
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(WORDS | {"orders": [*_open(v), {"side": "buy", "good": v.produces, "qty": 1,
                                                                  "price": 3}]}, schema)


def test_sells_only_what_it_holds_and_does_not_eat_or_burn_this_turn_and_at_least_one_order(views):
    for v in views:
        schema = answer_json_schema(v)
        sells = _branches(schema, "sell")
        spare = {g: q - (1 if g in v.foods else v.burn) for g, q in v.goods.items()}
        assert set(sells) == {g for g, q in spare.items() if q > 0}
        for good, branch in sells.items():
            assert branch["properties"]["qty"]["maximum"] == min(10, spare[good])
            last = next(b.last for b in v.books if b.good == good)
            too_many = {"side": "sell", "good": good, "qty": spare[good] + 1, "price": last}
            if spare[good] < 10:
                with pytest.raises(jsonschema.ValidationError):
                    jsonschema.validate(WORDS | {"orders": [*_open(v), too_many]}, schema)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(WORDS | {"orders": []}, schema)


def test_the_last_unit_of_a_food_it_eats_is_not_for_sale(views):
    """v17: a fox sold the one honey it held for its second meal and went hungry with 123 pebbles."""
    v = next(v for v in views if v.produces != "honey")
    one = v.model_copy(update={"goods": {**v.goods, "honey": 1}})
    assert "honey" not in _branches(answer_json_schema(one), "sell")
    two = v.model_copy(update={"goods": {**v.goods, "honey": 2}})
    assert _branches(answer_json_schema(two), "sell")["honey"]["properties"]["qty"]["maximum"] == 1


def test_limit_prices_stay_within_the_band_of_the_last_price(views):
    assert price_band(5) == (3, 10) and price_band(1) == (1, 2) and price_band(7) == (4, 14)
    for v in views:
        schema = answer_json_schema(v)
        if len(_open(v)) > 2:
            continue
        opened = {o["good"] for o in _open(v) if o["side"] == "buy"}
        for b in v.books:
            if b.good == v.produces or b.good in opened:  # (the opening's own bounds: other tests)
                continue
            low, high = price_band(b.last)
            order = {"side": "buy", "good": b.good, "qty": 1}
            jsonschema.validate(WORDS | {"orders": [*_open(v), order | {"price": low}]}, schema)
            jsonschema.validate(WORDS | {"orders": [*_open(v), order | {"price": high}]}, schema)
            for absurd in (low - 1, high + 1):
                if absurd >= 1:
                    with pytest.raises(jsonschema.ValidationError):
                        jsonschema.validate(WORDS | {"orders": [*_open(v), order | {"price": absurd}]}, schema)


def test_everything_valid_under_it_is_a_valid_answer(views):
    for v in [v for v in views if len(_open(v)) <= 2]:
        schema = answer_json_schema(v)
        buyable = [g for g in v.goods_all if g != v.produces]
        last = next(b.last for b in v.books if b.good == buyable[0])
        sample = WORDS | {"orders": [*_open(v), {"side": "buy", "good": buyable[0], "qty": 2, "price": last}]}
        jsonschema.validate(sample, schema)
        Answer.model_validate(sample)


def test_thought_and_gossip_are_required_and_not_a_scrap(views):
    """Small models wrote ": " or nothing for their thought and gossip (issue 15): the grammar asks for words."""
    schema = answer_json_schema(views[0])
    good = [g for g in views[0].goods_all if g != views[0].produces][0]
    order = {"side": "buy", "good": good, "qty": 1, "price": next(b.last for b in views[0].books if b.good == good)}
    orders = _open(views[0]) or [order]
    jsonschema.validate(WORDS | {"orders": orders}, schema)
    for scrap in ({"thinking": ": "}, {"gossip": ":{"}, {"thinking": ""}, {"thinking": "0, 1, 2, 3, 4, 5, 6"},
                  {"gossip": ",}; the magistrate's mood: calm. {"}, {"thinking": "S/N: 10125705"},
                  {"gossip": 'buy, {"orders": [{'}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(WORDS | scrap | {"orders": orders}, schema)
    for missing in ("thinking", "gossip"):
        answer = {k: x for k, x in (WORDS | {"orders": orders}).items() if k != missing}
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(answer, schema)


def test_without_a_view_it_is_the_whole_answer_schema():
    assert answer_json_schema() == Answer.model_json_schema()
    json.dumps(answer_json_schema())


def test_the_words_pattern_carries_its_length_limits_into_structured_outputs(views):
    """Structured outputs ignore minLength/maxLength beside a pattern: the pattern counts the words."""
    from engine.core.answer import CHARS_PER_WORD, words_pattern
    words = limit_schema(answer_json_schema(views[0]), 2, 60)["properties"]["thinking"]
    assert words == {"type": "string", "pattern": words_pattern(8, 60)}
    unlimited = limit_schema(answer_json_schema(views[0]), None, None)["properties"]["gossip"]
    assert unlimited == {"type": "string", "pattern": words_pattern(8, 200)}
    jsonschema.validate("Honey is dear, friends!", words)
    most = 60 // CHARS_PER_WORD
    jsonschema.validate(" ".join(["bee"] * most), words)
    jsonschema.validate(" ".join(["bee"] * (200 // CHARS_PER_WORD)), unlimited)
    for bad in (" ".join(["bee"] * (most + 1)), "Short", "1 honey"):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, words)


@pytest.mark.parametrize("text", ["no-trade today", "buy,sell now", "winter-spring-winterFroze.", "winterFroze is here",
                                  "nootherworkeffouworkeffou now", "bramble-bramble-jons.json", "yes-no-not",
                                  "snow  is here", " snow is here", "snow is here ", "buy!! now", "Honey"])
def test_the_words_pattern_refuses_coined_words(text):
    """Issue 15, seeds 97-103: under the old pattern (letters, spaces and ",.!?'-" in any order) the small
    models coined words, hyphen-joined, comma-joined, capitals inside, runs of 60 letters."""
    from engine.core.answer import words_pattern
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(text, {"type": "string", "pattern": words_pattern(8, 200)})


@pytest.mark.parametrize("text", ["winter is coming.", "I don't like this.", "snow is here, it's coming in!",
                                  "the Magistrate's mood is calm.", "all right now", "Who sells acorns cheap?",
                                  "I'm cold, Bramble! Sell me firewood?"])
def test_the_words_pattern_lets_plain_sentences_through(text):
    from engine.core.answer import words_pattern
    jsonschema.validate(text, {"type": "string", "pattern": words_pattern(8, 200)})


def test_every_schema_compiles_in_xgrammar_with_and_without_the_registry_limits(views):
    """A model added without max_string_length had every request refused: xgrammar 0.2.8 cannot
    compile a repetition bounded above 128 (the CI's `vllm serve` test answered 500 four times)."""
    xgr = pytest.importorskip("xgrammar")
    info = xgr.TokenizerInfo([chr(c) for c in range(32, 127)] + ["</s>"], stop_token_ids=[95])
    for v in views:
        for limits in ((None, None), (3, 60), (2, None)):
            for schema in (answer_json_schema(v), answer_schema(v)):
                xgr.GrammarCompiler(info).compile_json_schema(
                    json.dumps(limit_schema(schema, *limits)), any_whitespace=False)


def test_a_creature_that_lacks_what_it_can_pay_for_must_buy_it_first(views):
    """Issue 15: creatures went hungry with the pebbles to eat in their pouch, selling instead, or bought
    one food of the two they lacked."""
    short = [v for v in views if need_buys(v)]
    # at peace: early (before the winter stock's turns), short of nothing, no more of its own good than it keeps
    calm = [v.model_copy(update={"turn": 1, "short_on": {}, "goods": {**v.goods, v.produces: KEEP}}) for v in views]
    assert not any(need_buys(v) or own_sale(v) for v in calm)
    assert short and calm
    for v in short:
        schema = answer_json_schema(v)
        first = _open(v)
        jsonschema.validate(WORDS | {"orders": first}, schema)
        need = [o for o in _first(v) if o in first]  # the planned buys the opening's slots hold
        others = [o for o in first if o not in need]
        cheap = [dict(need[0], price=need[0]["price"] - 1)]
        for wrong in ([*others, *need], others, [*need[1:], *need[:1], *others], [*need[:-1], *others],
                      [*cheap, *need[1:], *others]):
            # a sell first, no buy at all, the needs out of order, one need left out, a bid below the going price
            if wrong and wrong != first:
                with pytest.raises(jsonschema.ValidationError):
                    jsonschema.validate(WORDS | {"orders": wrong}, schema)
        prefix = schema["properties"]["orders"]["prefixItems"]
        assert [k["properties"]["good"]["enum"][0] for k in prefix][:len(need)] == [n.good for n in need_buys(v)][:len(need)]
        assert {n.good for n in need_buys(v)} <= set(v.short_on) | ({v.fuels[0]} if winter_stock(v) else set())
    for v in calm:
        assert "prefixItems" not in answer_json_schema(v)["properties"]["orders"]
    broke = short[0].model_copy(update={"pebbles": 0})
    assert need_buys(broke) == [] and not any(
        k["properties"]["side"]["enum"] == ["buy"] for k in answer_json_schema(broke)["properties"]["orders"].get("prefixItems", []))


def _two_foods(views):
    v = next(v for v in views if v.foods_needed < 2)
    lacking = [g for g in v.foods if g != v.produces][:2]
    # with its winter stock in hand (the views are of turn 9, when the stock is gathered: `winter_stock`)
    goods = {**v.goods, **{g: 0 for g in lacking}, v.fuels[0]: WINTER_STOCK}
    return v.model_copy(update={"foods_needed": 2, "pebbles": 100, "goods": goods,
                                "short_on": {g: 1 for g in lacking}}), lacking


def test_a_creature_that_lacks_two_foods_must_buy_both(views):
    two, lacking = _two_foods(views)
    two = two.model_copy(update={"goods": {**two.goods, two.produces: 0}})  # nothing of its own to sell
    assert sorted(n.good for n in need_buys(two)) == sorted(lacking)
    schema = answer_json_schema(two)
    one = _first(two)[:1]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(WORDS | {"orders": one}, schema)
    jsonschema.validate(WORDS | {"orders": _first(two)}, schema)
    # whatever the model's cap: both needs (fixed orders cannot repeat, so the opening passes the cap, v13)
    # and one slot free after them (v15)
    for cap, (first, most) in ((3, (2, 3)), (2, (2, 3)), (1, (2, 3))):
        limited = limit_schema(schema, cap, None)["properties"]["orders"]
        assert (limited["minItems"], limited["maxItems"], len(limited["prefixItems"])) == (first, most, first)
        assert not [k for k in limited if k.startswith("x-")]  # nothing of ours reaches the grammar engine
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(WORDS | {"orders": one}, limit_schema(schema, 2, None))
    jsonschema.validate(WORDS | {"orders": _first(two)}, limit_schema(schema, 2, None))
    one_need = two.model_copy(update={"short_on": {lacking[0]: 1}, "foods_needed": 1})
    spare = limit_schema(answer_json_schema(one_need), 2, None)["properties"]["orders"]
    assert (spare["minItems"], spare["maxItems"]) == (1, 2)  # one need within the cap: one slot free


def test_a_maker_holding_more_than_it_keeps_must_offer_some_and_needs_share_the_slots(views):
    two, lacking = _two_foods(views)
    two = two.model_copy(update={"goods": {**two.goods, two.produces: KEEP + 3}})
    need, sale = _first(two), _sale(two)
    assert own_sale(two) == 3 and len(need) == 2 and sale
    schema = answer_json_schema(two)
    jsonschema.validate(WORDS | {"orders": [*need, *sale]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(WORDS | {"orders": need}, schema)  # no sale
    for wrong in ({"qty": 2}, {"price": sale[0]["price"] + 1}):  # less than the surplus; dearer than the last price
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(WORDS | {"orders": [*need, sale[0] | wrong]}, schema)
    jsonschema.validate(WORDS | {"orders": [*need, sale[0] | {"qty": 4, "price": sale[0]["price"] - 1}]}, schema)
    two_slots = limit_schema(schema, 2, None)  # a model capped at 2 orders still writes all 3 fixed ones
    jsonschema.validate(WORDS | {"orders": [*need, *sale]}, two_slots)
    for short in ([need[0], *sale], need):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(WORDS | {"orders": short}, two_slots)
    one_slot = limit_schema(schema, 1, None)["properties"]["orders"]
    assert (one_slot["minItems"], one_slot["maxItems"]) == (3, 4)  # the opening, then one free slot (v15)
    good, branch = next(iter(_branches(schema, "buy").items()))
    extra = {"side": "buy", "good": good, "qty": 1, "price": branch["properties"]["price"]["minimum"]}
    # the free slot takes any allowed order after the opening (a tipped buy, say); a fifth order is refused
    jsonschema.validate(WORDS | {"orders": [*need, *sale, extra]}, limit_schema(schema, 1, None))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(WORDS | {"orders": [*need, *sale, extra, extra]}, limit_schema(schema, 1, None))
    fed = two.model_copy(update={"short_on": {}, "foods_needed": 0})
    only_sale = answer_json_schema(fed)["properties"]["orders"]
    assert [k["properties"]["side"]["enum"][0] for k in only_sale["prefixItems"]] == ["sell"]
    kept = two.model_copy(update={"goods": {**two.goods, two.produces: KEEP}})
    assert own_sale(kept) == 0 and len(answer_json_schema(kept)["properties"]["orders"]["prefixItems"]) == 2


def test_before_winter_a_creature_gathers_its_fuel_stock_after_its_needs_keeping_pebbles_for_meals(views):
    """On seeds 61-63 and 71-73 (v17) no one bought firewood before winter: Bramble went broke and faint,
    and winter's firewood was short. The stock buy comes last in the opening, within the pebbles left
    after the needs and `STOCK_RESERVE_TURNS` turns of meals."""
    v = next(v for v in views if v.produces != v.fuels[0])
    fuel = v.fuels[0]
    fed = v.model_copy(update={"turn": v.winter_starts - 3, "pebbles": 200, "short_on": {}, "foods_needed": 0,
                               "goods": {**v.goods, fuel: 2}})
    plan = need_buys(fed)
    assert [(n.good, n.qty) for n in plan] == [(fuel, WINTER_STOCK - 2)]
    prefix = answer_json_schema(fed)["properties"]["orders"]["prefixItems"]
    assert prefix[0]["properties"]["good"]["enum"] == [fuel]
    assert f"gather {WINTER_STOCK} {fuel} before it (you have 2)" in build_prompt(fed)
    for quiet in (fed.model_copy(update={"turn": fed.winter_starts - 9}),  # too early
                  fed.model_copy(update={"turn": fed.winter_starts}),  # winter: the burn is a need
                  fed.model_copy(update={"goods": {**fed.goods, fuel: WINTER_STOCK}}),  # stocked
                  fed.model_copy(update={"produces": fuel})):  # Bramble makes it
        assert winter_stock(quiet) == 0 and need_buys(quiet) == [] and "before it (you have" not in build_prompt(quiet)
    hungry = fed.model_copy(update={"short_on": {f: 1 for f in fed.foods if f != fed.produces}, "foods_needed": 1,
                                    "pebbles": 80})
    last = {b.good: b.last for b in v.books}
    reserve = 2 * hungry.meals * max(last[f] for f in v.foods if f != v.produces)  # two turns of meals
    plan = need_buys(hungry)
    assert plan[0].good in v.foods and plan[-1].good == fuel  # the meal first
    assert hungry.pebbles - sum(n.qty * n.price for n in plan) >= reserve
    poorer = need_buys(hungry.model_copy(update={"pebbles": reserve}))
    assert poorer and fuel not in [n.good for n in poorer]  # the meal still, no stock


def test_the_free_slot_holds_no_second_order_of_a_side_and_good_the_opening_has(views):
    """On seeds 81-83 (v17) SmolLM2's owl sold 10 of its 15 honey in the opening and 10 more at a dearer
    price in the free slot: in the turn's shuffled arrival the cheap sale was refused half the time."""
    two, lacking = _two_foods(views)
    maker = two.model_copy(update={"goods": {**two.goods, two.produces: KEEP + 11}})
    need, sale = _first(maker), _sale(maker)
    schema = answer_json_schema(maker)
    jsonschema.validate(WORDS | {"orders": [*need, *sale]}, schema)
    for again in (sale[0] | {"qty": 1, "price": sale[0]["price"] + 2}, need[0]):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(WORDS | {"orders": [*need, *sale, again]}, schema)
    other = next(g for g in maker.goods_all if g not in {o["good"] for o in [*need, *sale]})
    price = next(b.last for b in maker.books if b.good == other)
    jsonschema.validate(WORDS | {"orders": [*need, *sale, {"side": "buy", "good": other, "qty": 1, "price": price}]},
                        schema)


def test_a_free_slot_buy_spends_only_the_pebbles_the_opening_leaves(views):
    """On seeds 94-96 a badger bid for its meal in the opening and for 7 honey in the free slot, 52
    pebbles in all with 52 in hand less the meal: the turn's shuffled arrival escrowed the honey first, the
    meal was refused, and it went hungry with the pebbles to eat."""
    two, lacking = _two_foods(views)
    need = _first(two)
    cost = sum(o["qty"] * o["price"] for o in need)
    other = next(g for g in two.goods_all if g not in {o["good"] for o in need} and g != two.produces)
    price = want_price(next(b for b in two.books if b.good == other))  # a want: not lacked this turn
    rich = two.model_copy(update={"pebbles": cost + 3 * price + price - 1,
                                  "goods": {**two.goods, two.produces: KEEP}})  # no sale in the opening
    rich = rich.model_copy(update={"hoard_limits": {}})
    schema = answer_json_schema(rich)
    assert _first(rich) == need  # the same opening
    buy = {"side": "buy", "good": other, "price": price}
    jsonschema.validate(WORDS | {"orders": [*need, buy | {"qty": 3}]}, schema)
    with pytest.raises(jsonschema.ValidationError):  # 4 would cost the pebbles of the opening's buys
        jsonschema.validate(WORDS | {"orders": [*need, buy | {"qty": 4}]}, schema)
    jsonschema.validate(WORDS | {"orders": [buy | {"qty": 4}]}, answer_json_schema(rich.model_copy(
        update={"short_on": {}, "foods_needed": 0, "turn": rich.winter_starts})))  # with no opening, all of them
    broke = rich.model_copy(update={"pebbles": cost + price - 1})
    assert _first(broke) == need and _branches(answer_json_schema(broke), "buy").keys() == {o["good"] for o in need}


def test_the_backup_food_takes_the_free_slot_where_the_needs_fill_the_opening(views):
    """On seeds 113-121, 4 of the 11 turns hungry with the pebbles to eat were Gemma's badger's: its two
    foods sold out, and the backup food, left to the free slot after its two needs and its sale, was not
    written. The opening now holds it before the sale, and no slot stays free."""
    badger = next(v for v in views if v.produces not in v.foods)  # eats three foods it must all buy
    hungry = badger.model_copy(update={"foods_needed": 2, "pebbles": 100, "short_on": {f: 1 for f in badger.foods},
                                       "goods": {**badger.goods, **{f: 0 for f in badger.foods},
                                                 badger.produces: KEEP + 6}, "hoard_limits": {}})
    plan, sale = _first(hungry), _sale(hungry)
    assert len(plan) == 3 and sale  # two meals and a backup, and the sale
    schema = answer_json_schema(hungry)
    jsonschema.validate(WORDS | {"orders": [*plan, *sale]}, schema)
    assert example_orders(hungry)[:4] == [*plan, *sale]  # the suggestion in the grammar's order
    for wrong in ([*plan[:2], *sale], [*plan[:2], *sale, plan[2]], [*plan, *sale, plan[2] | {"good": plan[0]["good"]}]):
        with pytest.raises(jsonschema.ValidationError):  # no backup, the backup after the sale, a fifth order
            jsonschema.validate(WORDS | {"orders": wrong}, schema)


def test_a_planned_buy_with_no_slot_in_the_opening_keeps_its_price_in_the_free_slot(views):
    """A wood with a fourth food (a scenario file may have one): an owl that lacks three foods and its
    fire's fuel plans two meals, the fuel and a backup, and with no sale the opening holds three; the
    backup in the free slot keeps its planned price or dearer (seeds 113-115: Gemma's owl wrote it at 8
    when its last price was 14, and went hungry two turns running)."""
    owl = next(v for v in views if v.produces in v.foods)
    fuel, mine = owl.fuels[0], owl.produces
    honey = next(b for b in owl.books if b.good == mine)
    foods = [*owl.foods, "mushrooms"]
    lacking = [f for f in foods if f != mine]
    cold = owl.model_copy(update={
        "foods": foods, "goods_all": [*owl.goods_all, "mushrooms"], "books": [*owl.books, honey.model_copy(
            update={"good": "mushrooms", "last": honey.last + 2})], "turn": owl.winter_starts + 1, "burn": 1,
        "foods_needed": 2, "pebbles": 200, "short_on": {**{f: 1 for f in lacking}, fuel: 1}, "hoard_limits": {},
        "goods": {**owl.goods, **{f: 0 for f in lacking}, fuel: 0, mine: KEEP}})
    plan = _first(cold)
    assert [o["good"] for o in plan][2] == fuel and len(plan) == 4 and not _sale(cold)
    backup = plan[3]
    schema = answer_json_schema(cold)
    jsonschema.validate(WORDS | {"orders": [*plan]}, schema)
    jsonschema.validate(WORDS | {"orders": [*plan[:3], backup | {"price": backup["price"] + 1}]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(WORDS | {"orders": [*plan[:3], backup | {"price": backup["price"] - 1}]}, schema)


def test_a_need_buy_asks_for_at_least_what_the_creature_lacks_this_turn(views):
    """On seeds 116-118 a squirrel that burns 2 firewood a turn, holding none, bid for 1 with 110 pebbles
    and went cold: a need buy asks for the whole lack (as far as the plan's units go), a backup food 1."""
    v = next(v for v in views if v.produces != v.fuels[0])
    fuel = v.fuels[0]
    cold = v.model_copy(update={"turn": v.winter_starts + 1, "pebbles": 110, "burn": 2, "foods_needed": 0,
                                "short_on": {fuel: 2}, "goods": {**v.goods, fuel: 0}})
    plan = need_buys(cold)
    assert [(n.good, n.qty) for n in plan] == [(fuel, 2)]
    schema = answer_json_schema(cold)
    need = {"side": "buy", "good": fuel, "qty": 2, "price": plan[0].price}
    sale = _sale(cold)
    jsonschema.validate(WORDS | {"orders": [need, *sale]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(WORDS | {"orders": [need | {"qty": 1}, *sale]}, schema)
    poor = cold.model_copy(update={"pebbles": plan[0].price})  # one unit is all the pebbles pay for: 1 will do
    jsonschema.validate(WORDS | {"orders": [need | {"qty": 1}, *_sale(poor)]}, answer_json_schema(poor))


def test_pebbles_short_of_the_going_price_bid_the_last_price(views):
    """A maker's surplus is offered at the last price or cheaper, so a buyer whose pebbles reach the last
    price but not the going one (last + 1) bids the last price, and still eats."""
    two, lacking = _two_foods(views)
    books = {b.good: b for b in two.books}
    first = min(lacking, key=lambda g: (books[g].last, g))
    for pebbles, price in ((books[first].last, books[first].last), (books[first].last + 1, books[first].last + 1),
                           (books[first].last - 1, None)):
        plan = need_buys(two.model_copy(update={"pebbles": pebbles, "short_on": {first: 1}, "foods_needed": 1}))
        assert [(n.good, n.price) for n in plan] == ([(first, price)] if price else []), pebbles


def test_pebbles_that_pay_for_every_lack_at_last_prices_only_bid_the_last_prices(views):
    """On seeds 97-99 a fox with 20 pebbles lacked an acorn and a firewood, both last traded at 10: it bid
    11 for the acorn, had 9 left, bid for no firewood and went cold."""
    two, lacking = _two_foods(views)
    two = two.model_copy(update={"goods": {**two.goods, two.produces: 0}})
    last = {b.good: b.last for b in two.books}
    at_last = sum(last[g] for g in lacking)
    plan = need_buys(two.model_copy(update={"pebbles": at_last}))
    assert sorted((n.good, n.price) for n in plan) == sorted((g, last[g]) for g in lacking)
    first = min(lacking, key=lambda g: (last[g], g))
    short = need_buys(two.model_copy(update={"pebbles": at_last - 1}))  # not even that: the first at the going price
    assert [(n.good, n.price) for n in short] == [(first, going_price(next(b for b in two.books if b.good == first)))]


def test_buys_ask_for_no_more_than_the_hoard_room_and_the_pebbles(views):
    for v in views:
        buys = _branches(answer_json_schema(v), "buy")
        planned = {o["good"]: o["qty"] for o in _open(v) if o["side"] == "buy"}
        left = v.pebbles - sum(o["qty"] * o["price"] for o in _open(v) if o["side"] == "buy")
        for good, branch in buys.items():
            most = branch["properties"]["qty"]["maximum"]
            assert most == planned.get(good, buy_room(v, good, left)) >= 1  # an opening's buy: its planned units
            if good in v.hoard_limits:
                assert most <= max(1, v.hoard_limits[good] - v.goods.get(good, 0))
            assert most * branch["properties"]["price"]["minimum"] <= v.pebbles
        broke = v.model_copy(update={"pebbles": 0})
        assert _branches(answer_json_schema(broke), "buy") == {}

@pytest.mark.parametrize("seed", [3, 8])
def test_the_suggested_orders_cut_to_the_grammars_length_are_a_valid_answer(seed):
    """The suggestion follows the grammar's order (needs, the sale, then the free slot: a model that copies
    it writes what the grammar allows), on every creature's view of a scripted season, with each view's
    pebbles also cut to a third (where needs are cut short and the free slot's budget binds)."""
    game = scripted_game(seed)
    checked = 0
    for _ in range(20):
        for t in game.state.scenario.traders:
            full = view_for(game.state, t.name)
            for v in (full, full.model_copy(update={"pebbles": full.pebbles // 3})):
                schema = answer_schema(v)
                most = schema["properties"]["orders"].get("maxItems", 0)
                suggested = example_orders(v)[:most]
                if suggested:
                    jsonschema.validate(WORDS | {"orders": suggested}, schema)
                    checked += 1
        play(game, 1)
    assert checked > 100


def test_the_games_grammar_buys_beyond_the_opening_only_what_it_has_a_reason_to_buy():
    """On every creature's view of a scripted season the game's grammar (`answer_schema`) keeps the opening
    of `answer_json_schema` whole and lets the free slot buy only goods of `buy_reasons`; the sells stay."""
    game = scripted_game(4)
    free_goods, kept = set(), 0
    for _ in range(18):
        for t in game.state.scenario.traders:
            v = view_for(game.state, t.name)
            if v.produces is None:
                continue
            wide = answer_json_schema(v, None, ahead_of(v))["properties"]["orders"]
            game_s = answer_schema(v)["properties"]["orders"]
            assert game_s.get("prefixItems") == wide.get("prefixItems")
            free = [k["properties"] for k in game_s.get("items", {}).get("anyOf", [])]
            bought = {k["good"]["enum"][0] for k in free if k["side"]["enum"] == ["buy"]}
            assert bought <= set(buy_reasons(v))
            wide_free = [k["properties"] for k in wide.get("items", {}).get("anyOf", [])]
            assert [k for k in free if k["side"]["enum"] == ["sell"]] == [
                k for k in wide_free if k["side"]["enum"] == ["sell"]]
            free_goods |= bought
            kept += len(bought)
        play(game, 1)
    assert kept > 20 and len(free_goods) >= 3


def test_no_want_outbids_a_need():
    """On every creature's view of a scripted season, at full and a third of its pebbles: a buy of a good
    the creature does not lack this turn (the winter stock, a tip's, a legend's, a bargain's) bids the last
    price or less, and the opening's buys of what it lacks bid the going price, or the last price where
    only that pays for the whole lack. The turn's orders trade as one call, price first, so a need gets a
    scarce unit before every want of the turn, or ties with it (on seeds 146-148, each of 9 short bidders
    passed over for a buyer not short lost to another creature's want bid as high or higher)."""
    game = scripted_game(6)
    needs = wants = above = 0
    for _ in range(20):
        for t in game.state.scenario.traders:
            full = view_for(game.state, t.name)
            for v in (full, full.model_copy(update={"pebbles": full.pebbles // 3})):
                if v.produces is None:
                    continue
                books = {b.good: b for b in v.books}
                orders = answer_schema(v)["properties"]["orders"]
                opening_ = orders.get("prefixItems", [])
                for k in [*opening_, *orders.get("items", {}).get("anyOf", [])]:
                    side, good = (k["properties"][f]["enum"][0] for f in ("side", "good"))
                    price = k["properties"]["price"]
                    if side == "buy" and good not in v.short_on:
                        wants += 1
                        assert price["maximum"] <= want_price(books[good]) < going_price(books[good]), (v.me, good)
                    elif side == "buy" and k in opening_:
                        needs += 1
                        assert price["minimum"] >= books[good].last, (v.me, good)
                        above += price["minimum"] > books[good].last
        play(game, 1)
    assert wants > 20 and needs > 20 and above > needs // 2


def test_a_buy_without_a_reason_is_refused_and_a_tip_gives_one(views):
    """A fed creature before the winter stock window may not bid for a food it holds enough of; a fresh
    whisper that the food will rise lets it."""
    from engine.mind.view import whisper_line

    owl = next(v for v in views if v.me == "Oona")
    fed = owl.model_copy(update={"turn": 3, "goods": {**owl.goods, "acorns": 5, "berries": 5, "honey": 3},
                                 "short_on": {}, "foods_needed": 0, "hunger": 0, "legends": [], "whispers": []})
    assert "acorns" not in buy_reasons(fed)
    acorns = next(b for b in fed.books if b.good == "acorns")
    buy = {"side": "buy", "good": "acorns", "qty": 1, "price": want_price(acorns)}
    jsonschema.validate(WORDS | {"orders": [buy]}, answer_json_schema(fed))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(WORDS | {"orders": [buy]}, answer_schema(fed))
    tipped = fed.model_copy(update={"whispers": [whisper_line(2, "acorns", "rise")]})
    assert buy_reasons(tipped)["acorns"] == "tip"
    jsonschema.validate(WORDS | {"orders": [buy]}, answer_schema(tipped))


def test_a_tipped_good_it_already_needs_is_bought_one_unit_ahead_in_the_suggestion_and_the_grammar():
    """Probe run 10: the tipped good was already a need buy in 56 of Gemma's 72 tip pairs, and the need buy
    was capped at the planned units, so no answer could move with the tip. Now it may take one unit more,
    and the suggestion does; with no tip, one more is refused."""
    from engine.mind.view import whisper_line

    game = scripted_game(5)
    for _ in range(20):
        play(game, 1)
        needy = [v for v in (view_for(game.state, t.name) for t in game.state.scenario.traders)
                 if v.produces and need_buys(v)]
        if needy:
            break
    v = needy[0].model_copy(update={"pebbles": 200, "hoard_limits": {}, "whispers": [], "legends": []})
    n = need_buys(v)[0]
    tipped = v.model_copy(update={"whispers": [whisper_line(v.turn - 1, n.good, "rise")]})

    def need_order(view) -> dict:
        return next(o for o in example_orders(view) if o["good"] == n.good and o["side"] == "buy")

    def answer(qty: int) -> dict:
        return WORDS | {"orders": [o | {"qty": qty} if o["good"] == n.good and o["side"] == "buy" else o
                                   for o in _open(v)]}

    assert need_order(v)["qty"] == n.qty and need_order(tipped)["qty"] == n.qty + 1
    jsonschema.validate(answer(n.qty), answer_schema(v))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(answer(n.qty + 1), answer_schema(v))
    jsonschema.validate(answer(n.qty + 1), answer_schema(tipped))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(answer(n.qty + 2), answer_schema(tipped))
