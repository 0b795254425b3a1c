"""The standings maths on hand-computed examples: percentiles and ties, eligibility, direction, rate
aggregation, weights, the tie-break rule, dimension ranks, and award winners."""
from __future__ import annotations

import pytest

from recognition.campaigns.awards import Candidate, Winner, choose_winners
from recognition.campaigns.standings import (
    DimensionRule, Measure, Participant, Sums, percentiles, progress_toward, rank_participants,
)


def people(*usernames):
    return [Participant(i, name) for i, name in enumerate(usernames, 1)]


def measures(dimension_id, by_person: dict, volume=1.0):
    return {(dimension_id, pid): Measure(v, volume) for pid, v in by_person.items()}


def test_percentile_is_the_share_strictly_worse_with_half_the_ties():
    assert percentiles({1: 10, 2: 20, 3: 30}) == {1: 0.0, 2: 50.0, 3: 100.0}
    # n = 4: b and c tie: (1 worse + 0.5 × (2 − 1)) / 3 × 100 = 50
    assert percentiles({1: 10, 2: 20, 3: 20, 4: 30}) == {1: 0.0, 2: 50.0, 3: 50.0, 4: 100.0}
    assert percentiles({1: 7, 2: 7, 3: 7}) == {1: 50.0, 2: 50.0, 3: 50.0}
    assert percentiles({9: 3.5}) == {9: 100.0}
    assert percentiles({}) == {}


def test_lower_is_better_reverses_the_order_and_float_noise_does_not_split_a_tie():
    assert percentiles({1: 300, 2: 200, 3: 400}, higher_is_better=False) == {1: 50.0, 2: 100.0, 3: 0.0}
    assert percentiles({1: 0.1 + 0.2, 2: 0.3, 3: 0.1}) == {1: 75.0, 2: 75.0, 3: 0.0}


def test_rates_pool_numerators_and_denominators_means_average_days_sums_add():
    days = Sums()
    for numerator, denominator in ((1, 1), (1, 9)):
        days.add(Sums(0, 0.0, numerator, denominator))
    assert days.measure("rate") == Measure(0.2, 10)  # 2/10, not the mean of 100 % and 11 %
    values = Sums(2, 30.0, 0, 0)
    assert values.measure("sum") == Measure(30.0, 2)
    assert values.measure("mean") == Measure(15.0, 2)
    assert Sums(0, 0, 0, 0).measure("rate") == Measure(None, 0)
    assert Sums().measure("mean") == Measure(None, 0)


def test_the_score_is_the_weighted_sum_of_percentiles_with_normalised_weights():
    p1, p2, p3 = people("ann", "bob", "cat")
    quality, speed = DimensionRule(1, weight=3, position=0), DimensionRule(2, weight=1, position=1)
    data = {**measures(1, {1: 90, 2: 80, 3: 70}), **measures(2, {1: 1, 2: 3, 3: 2})}
    ranked = rank_participants([p1, p2, p3], [quality, speed], data)
    # ann (3×100 + 0)/4 = 75; bob (3×50 + 100)/4 = 62.5; cat (0 + 50)/4 = 12.5
    assert [(s.participant.username, s.score, s.rank, s.gap_to_next) for s in ranked] == [
        ("ann", 75.0, 1, None), ("bob", 62.5, 2, 12.5), ("cat", 12.5, 3, 50.0)]
    assert ranked[0].dimensions[2].percentile == 0.0 and ranked[0].dimensions[2].rank == 3


def test_below_the_minimum_volume_a_participant_is_ineligible_and_the_dimension_counts_zero():
    p1, p2, p3 = people("ann", "bob", "cat")
    quality = DimensionRule(1, weight=1, min_volume=10)
    data = {(1, 1): Measure(90, 12), (1, 2): Measure(80, 10), (1, 3): Measure(99, 9)}
    ranked = {s.participant.username: s for s in rank_participants([p1, p2, p3], [quality], data)}
    assert ranked["cat"].dimensions[1].eligible is False and ranked["cat"].dimensions[1].percentile is None
    assert ranked["ann"].dimensions[1].percentile == 100.0 and ranked["bob"].dimensions[1].percentile == 0.0
    assert (ranked["cat"].score, ranked["cat"].eligible_dimensions, ranked["cat"].rank) == (0.0, 0, 3)
    # No data at all is ineligible too, whatever the minimum.
    lonely = rank_participants([p1], [DimensionRule(1, weight=1)], {})
    assert lonely[0].dimensions[1].eligible is False


def test_lower_is_better_dimensions_rank_the_smallest_first():
    p1, p2 = people("ann", "bob")
    complaints = DimensionRule(1, weight=1, higher_is_better=False)
    ranked = rank_participants([p1, p2], [complaints], measures(1, {1: 0.02, 2: 0.005}))
    assert [s.participant.username for s in ranked] == ["bob", "ann"]


def test_ties_are_broken_by_the_heaviest_dimension_then_dimensions_eligible_then_username():
    # Equal weights: the first by position is the heaviest. x and y both score 50.
    x, y = people("xavier", "yara")
    a, b = DimensionRule(1, weight=1, position=0), DimensionRule(2, weight=1, position=1)
    ranked = rank_participants([y, x], [a, b], {**measures(1, {1: 10, 2: 5}), **measures(2, {1: 1, 2: 2})})
    assert [(s.participant.username, s.score) for s in ranked] == [("xavier", 50.0), ("yara", 50.0)]
    assert ranked[1].gap_to_next == 0.0

    # p and q both score 12.5 with 25 in the heaviest; p is eligible in two dimensions, q in one.
    p, q, r = people("pat", "quinn", "rob")
    b_min = DimensionRule(2, weight=1, position=1, min_volume=5)
    data = {**measures(1, {1: 5, 2: 5, 3: 10}), (2, 1): Measure(1, 5), (2, 2): Measure(9, 1), (2, 3): Measure(2, 5)}
    ranked = rank_participants([q, p, r], [a, b_min], data)
    assert [(s.participant.username, s.score, s.eligible_dimensions) for s in ranked] == [
        ("rob", 100.0, 2), ("pat", 12.5, 2), ("quinn", 12.5, 1)]

    # Everything equal: by username.
    twins = people("bob", "amy")
    ranked = rank_participants(twins, [a], measures(1, {1: 3, 2: 3}))
    assert [s.participant.username for s in ranked] == ["amy", "bob"]


def test_dimension_ranks_follow_the_percentile_then_the_overall_rank():
    p1, p2, p3 = people("ann", "bob", "cat")
    a, b = DimensionRule(1, weight=3, position=0), DimensionRule(2, weight=1, position=1)
    # In b, ann and cat tie; ann ranks higher overall, so she is first of the two.
    data = {**measures(1, {1: 9, 2: 5, 3: 1}), **measures(2, {1: 4, 2: 1, 3: 4})}
    ranked = {s.participant.username: s for s in rank_participants([p1, p2, p3], [a, b], data)}
    assert [ranked[n].dimensions[2].rank for n in ("ann", "cat", "bob")] == [1, 2, 3]


def test_progress_toward_a_target_is_a_share_capped_at_one():
    assert progress_toward(0.81, 0.9, True) == (False, 0.9)
    assert progress_toward(0.95, 0.9, True) == (True, 1.0)
    assert progress_toward(0.03, 0.015, False) == (False, 0.5)
    assert progress_toward(0.01, 0.015, False) == (True, 1.0)
    assert progress_toward(None, 0.9, True) == (None, None)


def test_winners_top_n_per_category_and_one_award_per_person():
    overall = [Candidate(p, 90 - p) for p in (1, 2, 3, 4)]
    first = (10, [Candidate(1, 100), Candidate(5, 90), Candidate(2, 80), Candidate(7, 70)])
    second = (20, [Candidate(2, 100), Candidate(1, 90), Candidate(6, 80)])
    many = choose_winners(overall, [first, second], top_n=2, one_per_person=False)
    assert [(w.category, w.person_id, w.position) for w in many] == [
        ("overall", 1, 1), ("overall", 2, 2), ("dimension-10", 1, 1), ("dimension-10", 5, 2),
        ("dimension-20", 2, 1), ("dimension-20", 1, 2)]
    once = choose_winners(overall, [first, second], top_n=2, one_per_person=True)
    assert [(w.category, w.person_id, w.position) for w in once] == [
        ("overall", 1, 1), ("overall", 2, 2), ("dimension-10", 5, 1), ("dimension-10", 7, 2),
        ("dimension-20", 6, 1)]
    assert once[2] == Winner("dimension-10", 10, 5, 1, 90)


@pytest.mark.parametrize("n", [2, 5, 11])
def test_percentiles_span_zero_to_a_hundred(n):
    result = percentiles({i: float(i) for i in range(n)})
    assert min(result.values()) == 0.0 and max(result.values()) == 100.0
