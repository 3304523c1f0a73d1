"""Point2f, Size2f, RotatedRect, Rect: gen2 constructors and methods."""
import pytest

from oakling.messages import Point2f, Rect, RotatedRect, Size2f


def fields(r):
    return (r.x, r.y, r.width, r.height)


def test_point_size_defaults_and_values():
    assert (Point2f().x, Point2f().y) == (0.0, 0.0)
    assert (Point2f(1, 2).x, Point2f(1, 2).y) == (1.0, 2.0)
    assert (Size2f(3, 4).width, Size2f(3, 4).height) == (3.0, 4.0)


def test_rotated_rect_mutates_in_place():
    rr = RotatedRect()
    rr.center.x, rr.center.y = 0.5, 0.25
    rr.size.width, rr.size.height = 0.2, 0.1
    rr.angle = 30
    assert (rr.center.x, rr.center.y, rr.size.width, rr.size.height, rr.angle) == (0.5, 0.25, 0.2, 0.1, 30)


@pytest.mark.parametrize("args, expected", [
    ((), (0, 0, 0, 0)),
    ((1, 2, 3, 4), (1, 2, 3, 4)),
    ((Point2f(5, 1), Point2f(2, 7)), (2, 1, 3, 6)),
    ((Point2f(1, 2), Size2f(3, 4)), (1, 2, 3, 4)),
    ((Rect(1, 2, 3, 4),), (1, 2, 3, 4)),
])
def test_rect_constructors(args, expected):
    assert fields(Rect(*args)) == expected


def test_rect_bad_constructor_names_the_forms():
    with pytest.raises(TypeError, match=r"\(Point2f, Size2f\).*got \(Size2f, Point2f\)"):
        Rect(Size2f(), Point2f())


def test_rect_methods():
    r = Rect(1, 2, 3, 4)
    assert (r.topLeft().x, r.topLeft().y) == (1, 2)
    assert (r.bottomRight().x, r.bottomRight().y) == (4, 6)
    assert (r.size().width, r.size().height) == (3, 4) and r.area() == 12
    assert not r.empty() and Rect(0, 0, 0, 5).empty()
    assert r.contains(Point2f(1, 2)) and not r.contains(Point2f(4, 2))


@pytest.mark.parametrize("rect, normalized", [
    ((0.1, 0.1, 0.5, 0.5), True), ((0, 0, 1, 1), True), ((10, 20, 30, 40), False), ((0.5, 0, 1.5, 1), True),
])
def test_rect_isNormalized(rect, normalized):
    assert Rect(*rect).isNormalized() is normalized


def test_rect_denormalize_rounds_half_away_from_zero_like_cpp():
    assert fields(Rect(0.25, 0.125, 0.5, 0.5).denormalize(10, 4)) == (3, 1, 5, 2)   # 2.5 → 3, 0.5 → 1
    assert fields(Rect(10, 20, 30, 40).denormalize(100, 100)) == (10, 20, 30, 40)   # already pixels


def test_rect_normalize():
    assert fields(Rect(10, 20, 30, 40).normalize(100, 200)) == (0.1, 0.1, 0.3, 0.2)
    assert fields(Rect(0.1, 0.2, 0.3, 0.4).normalize(100, 200)) == (0.1, 0.2, 0.3, 0.4)
