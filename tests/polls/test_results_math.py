import pytest

from polls.results import largest_remainder_percentages


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([1, 1, 1], [34, 33, 33]),
        ([2, 1], [67, 33]),
        ([0, 0, 0], [0, 0, 0]),
        ([5, 0, 0], [100, 0, 0]),
        ([1, 2, 3, 4, 5, 6], [5, 9, 14, 19, 24, 29]),
        ([333, 333, 334], [33, 33, 34]),
        ([], []),
    ],
)
def test_percentages_are_whole_and_add_up_to_100(counts, expected):
    result = largest_remainder_percentages(counts)
    assert result == expected
    if sum(counts):
        assert sum(result) == 100


def test_percentages_add_up_for_many_awkward_splits():
    for total in range(1, 60):
        for first in range(total + 1):
            for second in range(total - first + 1):
                counts = [first, second, total - first - second]
                assert sum(largest_remainder_percentages(counts)) == 100
