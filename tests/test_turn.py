"""Turn resolution: each rule on a small, exact state."""

from engine.core.answer import Answer, BribeMove, LendMove, OrderAction, PatronAnswer, ShortMove, TipMove
from engine.core.economy import burn_for, totals
from engine.core.newgame import new_game
from engine.core.scenario import PATRON
from engine.core.turn import begin_turn, resolve_turn
from engine.play.metrics import record_turn


def fresh(scenario, seed=1, **patch):
    st = new_game(scenario, seed)
    st.hidden.schedule = []  # no legends unless a test asks
    for name, goods in patch.items():
        st.hidden.holdings[name].goods.update(goods)
    return st


def turn(st, answers=None, hesitated=None):
    rep = resolve_turn(st, begin_turn(st), answers or {}, hesitated)
    record_turn(st, rep)
    return rep


def order(side, good, qty, price, lifetime=1):
    return OrderAction(side=side, good=good, qty=qty, price=price, lifetime=lifetime)


def goods(st, name):
    return {g: q for g, q in st.hidden.holdings[name].goods.items() if q}


def test_production_eating_and_hunger(scenario):
    st = fresh(scenario)
    st.hidden.holdings["Oona"].goods.update({"honey": 0, "acorns": 0})
    turn(st)
    # Oona made 3 honey and ate one (no second food: one missed meal).
    assert goods(st, "Oona") == {"honey": 2}
    assert st.hidden.holdings["Oona"].hunger == 1
    st.hidden.holdings["Oona"].goods["berries"] = 1
    turn(st)
    assert goods(st, "Oona") == {"honey": 4}
    assert st.hidden.holdings["Oona"].hunger == 0


def test_a_trade_moves_goods_and_pebbles_at_the_resting_price(scenario):
    st = fresh(scenario)
    rep = turn(st, {"Oona": Answer(orders=[order("sell", "honey", 2, 5)]),
                    "Fennick": Answer(orders=[order("buy", "honey", 2, 7)])})
    assert [(f.seller, f.buyer, f.qty) for f in rep.fills] == [("Oona", "Fennick", 2)]
    price = rep.fills[0].price
    # fresh()'s seed shuffles Fennick's bid in first: it rests, and Oona's ask takes it at its price
    assert price == 7
    assert st.hidden.holdings["Fennick"].pebbles == 60 - 2 * price
    assert st.hidden.holdings["Oona"].pebbles == 60 + 2 * price
    assert st.public.trades[-1].good == "honey"
    assert st.public.price_history["honey"][-1] == price
    assert rep.conserved and st.metrics.trades_by_turn == [1]


def test_self_buy_is_refused_and_counted(scenario):
    st = fresh(scenario)
    rep = turn(st, {"Oona": Answer(orders=[order("buy", "honey", 1, 6)])})
    assert [(r.trader, r.code) for r in rep.refusals] == [("Oona", "self_buy")]
    assert st.metrics.self_buy_attempts == 1
    assert st.metrics.self_buys_executed == 0
    assert st.market.orders_of("Oona") == []


def test_unaffordable_order_is_refused(scenario):
    st = fresh(scenario)
    rep = turn(st, {"Sorrel": Answer(orders=[order("buy", "honey", 100, 50)])})
    assert [r.code for r in rep.refusals] == ["insufficient_pebbles"]
    assert st.hidden.holdings["Sorrel"].pebbles == 60


def test_order_lifetime_rests_then_lapses(scenario):
    st = fresh(scenario)
    turn(st, {"Bramble": Answer(orders=[order("sell", "firewood", 2, 30, lifetime=2)])})
    assert [(o.qty, o.price) for o in st.market.orders_of("Bramble")] == [(2, 30)]
    turn(st)
    assert st.market.orders_of("Bramble") == []
    assert st.market.reserved_goods("firewood") == 0


def test_winter_burns_firewood_and_cold_follows(scenario):
    st = fresh(scenario)
    st.public.turn = scenario.winter.start - 1
    st.hidden.holdings["Oona"].goods["firewood"] = 0
    st.hidden.holdings["Sorrel"].goods["firewood"] = 5
    rep = turn(st)
    assert burn_for(st, rep.turn) == scenario.winter.burn
    assert st.hidden.holdings["Oona"].cold == 1
    assert st.hidden.holdings["Sorrel"].goods["firewood"] == 5 - scenario.winter.burn
    assert st.hidden.holdings["Sorrel"].cold == 0
    assert any(e.kind == "weather" for e in rep.events)


def test_winter_deepens():
    from engine.play.scenario_files import load_scenario
    sc = load_scenario()
    st = fresh(sc)
    w = sc.winter
    assert burn_for(st, w.start - 1) == 0
    assert burn_for(st, w.start) == w.burn
    assert burn_for(st, w.start + w.deepen_every) == w.burn + 1
    assert burn_for(st, w.start + 100 * w.deepen_every) == w.max_burn


def test_perishables_rot_past_the_hoard_limit(scenario):
    st = fresh(scenario)
    st.hidden.holdings["Fennick"].goods["berries"] = 20
    rep = turn(st)
    limit, pct = scenario.good("berries").hoard_limit, scenario.good("berries").spoil_pct
    made, eaten = 3, 1
    excess = 20 + made - eaten - limit
    assert rep.flows.spoiled["berries"] == -(-excess * pct // 100)
    assert st.hidden.holdings["Fennick"].goods["berries"] == 20 + made - eaten - rep.flows.spoiled["berries"]


def test_hunger_weakens_production(scenario):
    st = fresh(scenario)
    st.hidden.holdings["Sorrel"].hunger = scenario.diet.weak_at
    before = st.hidden.holdings["Sorrel"].goods["acorns"]
    rep = begin_turn(st)
    assert rep.flows.produced["acorns"] == 3 // 2
    assert st.hidden.holdings["Sorrel"].goods["acorns"] == before + 1
    st.hidden.holdings["Sorrel"].hunger = scenario.diet.faint_at
    rep = begin_turn(st)
    assert rep.flows.produced["acorns"] == 0


def test_loan_offer_accept_interest_and_repayment(scenario):
    st = fresh(scenario)
    turn(st, {PATRON: PatronAnswer(lend=[LendMove(creature="oona", amount=20, rate_pct=10, term=2)])})
    loan = st.hidden.loans[0]
    assert (loan.creature, loan.status) == ("Oona", "offered")
    assert st.hidden.holdings[PATRON].pebbles == 200  # nothing moves until accepted
    turn(st, {"Oona": Answer(accept=[loan.id])})
    assert loan.status == "active" and loan.owed == 22 and loan.due == 4
    assert st.hidden.holdings[PATRON].pebbles == 180
    turn(st)
    assert loan.owed == 24
    turn(st)  # turn 4: due, Oona has the pebbles
    assert loan.status == "repaid"
    assert st.hidden.holdings[PATRON].pebbles == 180 + 26


def test_default_seizes_goods_and_sours_feelings(scenario):
    st = fresh(scenario)
    turn(st, {PATRON: PatronAnswer(lend=[LendMove(creature="Sorrel", amount=50, rate_pct=0, term=1)])})
    loan_id = st.hidden.loans[0].id
    turn(st, {"Sorrel": Answer(accept=[loan_id])})
    st.hidden.holdings["Sorrel"].pebbles = 0  # spent it all
    st.hidden.holdings["Sorrel"].goods = {g: 0 for g in scenario.good_names} | {"acorns": 3}
    rep = turn(st)
    loan = st.hidden.loans[0]
    assert loan.status == "defaulted"
    assert any(e.kind == "default" and "Sorrel" in e.text for e in rep.events)
    assert st.hidden.holdings[PATRON].goods["acorns"] > 0
    assert st.hidden.sentiment["Sorrel"][PATRON] < 0
    assert rep.conserved


def test_declined_loan_and_lapsed_offer(scenario):
    st = fresh(scenario)
    turn(st, {PATRON: PatronAnswer(lend=[LendMove(creature="Oona", amount=10, rate_pct=5, term=3),
                                         LendMove(creature="Bramble", amount=10, rate_pct=5, term=3)])})
    a, b = st.hidden.loans
    turn(st, {"Oona": Answer(decline=[a.id])})
    assert a.status == "declined" and b.status == "offered"
    turn(st)
    assert b.status == "lapsed"


def test_tip_is_delivered_as_words_only(scenario):
    from engine.mind.view import view_for
    st = fresh(scenario)
    turn(st, {PATRON: PatronAnswer(tip=[TipMove(creature="Fennick", good="honey", direction="rise", true=True)])})
    v = view_for(st, "Fennick")
    assert v.whispers == ["turn 1: the Patron whispers that honey will rise."]
    assert "planted" not in v.model_dump_json() and '"true"' not in v.model_dump_json()
    assert st.hidden.tips[0].true is True


def test_bribe_accepted_pays_and_is_evidence(scenario):
    st = fresh(scenario)
    turn(st, {PATRON: PatronAnswer(bribe=[BribeMove(creature="Bramble", amount=45, request="sell me wood")])})
    bid = st.hidden.bribes[0].id
    turn(st, {"Bramble": Answer(accept=[bid])})
    assert st.hidden.holdings["Bramble"].pebbles == 70 + 45
    kinds = sorted(e.kind for e in st.hidden.evidence)
    assert kinds == ["bribe", "large_transfer"]
    assert st.hidden.suspicion == 2


def test_short_pays_fees_and_is_forced_to_cover(scenario):
    st = fresh(scenario)
    turn(st, {PATRON: PatronAnswer(short=[ShortMove(good="acorns", qty=4, term=2)])})
    s = st.hidden.shorts[0]
    assert st.hidden.holdings[PATRON].goods["acorns"] == 4
    st.hidden.holdings[PATRON].goods["acorns"] = 1  # pretend it sold three
    st.hidden.holdings["Sorrel"].goods["acorns"] += 3
    pebbles = st.hidden.holdings[PATRON].pebbles
    turn(st)
    rep = turn(st)  # turn 3: due
    assert s.status == "forced"
    assert st.hidden.holdings[PATRON].goods["acorns"] == 0
    fee = scenario.patron.short_fee * 4
    assert s.fees_paid == 3 * fee
    assert st.hidden.holdings[PATRON].pebbles < pebbles - 2 * fee
    assert rep.conserved


def test_spring_a_legend_once_per_season(scenario):
    st = fresh(scenario)
    rep = turn(st, {PATRON: PatronAnswer(legend="long_frost")})
    assert rep.refusals == []
    rep = turn(st, {PATRON: PatronAnswer(legend="berry_corner")})
    assert [r.where for r in rep.refusals] == ["legend"]
    assert [lg.id for lg in st.public.legends] == ["long_frost"]
    assert burn_for(st, 2) == 1  # the Long Frost burns before winter


def test_magistrate_ladder_warn_fine_freeze_banish(scenario):
    from engine.core import magistrate
    st = fresh(scenario)
    events = []
    st.hidden.suspicion = scenario.magistrate.warn_at
    events += magistrate.observe(st, 1, [], [])
    assert st.hidden.sanctions == ["warn"] and st.public.suspicion == "murmurs"
    st.hidden.suspicion = scenario.magistrate.freeze_at
    events += magistrate.observe(st, 2, [], [])
    assert st.hidden.sanctions == ["warn", "fine", "freeze"]
    assert st.public.patron_frozen_until == 2 + scenario.magistrate.freeze_turns
    assert st.hidden.holdings[PATRON].pebbles == 200 - 40
    rep = turn(st, {PATRON: PatronAnswer(orders=[order("buy", "acorns", 1, 5)])})
    assert [r.code for r in rep.refusals] == ["frozen"]
    st.hidden.suspicion = scenario.magistrate.banish_at
    events += magistrate.observe(st, 3, [], [])
    assert st.public.patron_banished
    assert [e.kind for e in events].count("magistrate") >= 4
    assert [e.sanction for e in events if e.sanction] == ["warn", "fine", "freeze", "banish"]
    assert all(e.sanction is None for e in events if "mood" in e.text)


def test_true_tip_traded_on_is_evidence_but_a_planted_one_is_not(scenario):
    for truth, expected in ((True, 2), (False, 0)):
        st = fresh(scenario)
        turn(st, {PATRON: PatronAnswer(tip=[TipMove(creature="Fennick", good="honey", direction="rise",
                                                    true=truth)])})
        turn(st, {"Oona": Answer(orders=[order("sell", "honey", 1, 6)]),
                  "Fennick": Answer(orders=[order("buy", "honey", 1, 6)])})
        assert st.hidden.suspicion == expected


def test_gossip_is_public_and_scrubbed(scenario):
    st = fresh(scenario)
    rep = turn(st, {"Oona": Answer(gossip="Fennick is a thief, I have evidence")})
    said = [(e.text, e.said) for e in rep.events if e.kind == "gossip"]
    assert said == [('Oona says: "Fennick is a thief, I have …"', "Fennick is a thief, I have …")]
    assert st.hidden.sentiment["Fennick"]["Oona"] == -2


def test_hesitation_is_a_public_event(scenario):
    st = fresh(scenario)
    rep = turn(st, {}, {"Sorrel": "its thoughts would not come"})
    assert [e.text for e in rep.events if e.kind == "hesitate"] == [
        "Sorrel hesitates this turn (its thoughts would not come)."]


def test_every_turn_conserves(scenario):
    from tests.conftest import play, scripted_game
    game = scripted_game(3)
    for rec in play(game, scenario.season_length):
        assert rec.report.conserved, rec.turn
    p, g = totals(game.state)
    assert p == 60 * 3 + 70 + 200 + scenario.treasury


# --- each stage returns what it produced -------------------------------------------------------

def test_legends_begin_due_returns_its_events_and_what_it_destroyed(scenario):
    from engine.core import legends
    st = fresh(scenario)
    spoiling = next(lg for lg in scenario.legends if any(e.kind == "spoil" for e in lg.effects))
    effect = next(e for e in spoiling.effects if e.kind == "spoil")
    st.hidden.schedule = [(1, spoiling.id)]
    held = sum(h.goods.get(effect.good, 0) for h in st.hidden.holdings.values())
    events, destroyed = legends.begin_due(st, 1)
    assert [(e.kind, e.text) for e in events] == [("legend", f"{spoiling.name} begins: {spoiling.words}")]
    assert destroyed[effect.good] == held - sum(h.goods.get(effect.good, 0) for h in st.hidden.holdings.values()) > 0
    assert st.public.events == []  # the caller makes them public


def test_answer_offer_returns_the_deal_paid_or_why_not(scenario):
    from engine.core import dealings
    st = fresh(scenario)
    turn(st, {PATRON: PatronAnswer(lend=[LendMove(creature="Oona", amount=20, rate_pct=0, term=2)])})
    loan_id = st.hidden.loans[0].id
    assert dealings.answer_offer(st, "Oona", loan_id, True, 2) == (("loan", "Oona", 20), None)
    paid, why = dealings.answer_offer(st, "Oona", loan_id, True, 2)
    assert paid is None and (why.code, why.detail) == ("unknown_offer", f"no open offer #{loan_id} for Oona")


def test_settle_loans_returns_the_default_events(scenario):
    from engine.core import dealings
    st = fresh(scenario)
    turn(st, {PATRON: PatronAnswer(lend=[LendMove(creature="Sorrel", amount=50, rate_pct=0, term=1)])})
    turn(st, {"Sorrel": Answer(accept=[st.hidden.loans[0].id])})
    st.hidden.holdings["Sorrel"].pebbles = 0
    st.hidden.holdings["Sorrel"].goods = {g: 0 for g in scenario.good_names}
    events = dealings.settle_loans(st, 3)
    assert [(e.kind, e.actors) for e in events] == [("default", ["Sorrel", PATRON])]
    assert dealings.settle_loans(st, 4) == []


def test_resolving_a_turn_writes_no_metrics(scenario):
    st = fresh(scenario)
    before = st.metrics.model_copy(deep=True)
    rep = resolve_turn(st, begin_turn(st), {"Oona": Answer(orders=[order("buy", "honey", 1, 5)]),
                                            "Fennick": Answer(orders=[order("buy", "honey", 1, 5)])})
    assert rep.refusals and st.metrics == before


def test_every_patron_refusal_carries_its_code(scenario):
    st = fresh(scenario)
    rep = turn(st, {PATRON: PatronAnswer(
        lend=[LendMove(creature="nobody", amount=5, rate_pct=0, term=1),
              LendMove(creature="Oona", amount=10_000, rate_pct=0, term=1)],
        tip=[TipMove(creature="Oona", good="gold", direction="rise", true=True)],
        short=[ShortMove(good="acorns", qty=999, term=1)], legend="no_such_legend", accept=[1])})
    assert [(r.where, r.code) for r in rep.refusals] == [
        ("accept[0]", "patron_receives_no_offers"), ("short[0]", "pool_short"),
        ("lend[0]", "unknown_creature"), ("lend[1]", "insufficient_pebbles"), ("tip[0]", "unknown_good"),
        ("legend", "unknown_legend")]
    assert rep.refusals[2].reason == "unknown_creature: no creature called 'nobody'"
    assert st.metrics.refusals == {"patron_receives_no_offers": 1, "pool_short": 1, "unknown_creature": 1,
                                   "insufficient_pebbles": 1, "unknown_good": 1, "unknown_legend": 1}
