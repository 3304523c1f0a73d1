"""gen2's small geometry structs: Point2f, Point3f, Size2f, RotatedRect and Rect ([shared] common/*.hpp).

All are mutable in place, as gen2 scripts expect: `rr.center.x = 0.5`.
"""
import math


def _round_half_away(v: float) -> float:
    """C++ std::round (Python's round() rounds half to even)."""
    return math.copysign(math.floor(abs(v) + 0.5), v)


class Point2f:
    __slots__ = ("x", "y")

    def __init__(self, x: float = 0.0, y: float = 0.0):
        self.x = float(x)
        self.y = float(y)

    def __repr__(self):
        return f"Point2f(x={self.x}, y={self.y})"


class Point3f:
    """x, y, z: a point in space (spatial coordinates are millimetres: x right, y up, z ahead)."""

    __slots__ = ("x", "y", "z")

    def __init__(self, x: float = 0.0, y: float = 0.0, z: float = 0.0):
        self.x = float(x)
        self.y = float(y)
        self.z = float(z)

    def __repr__(self):
        return f"Point3f(x={self.x}, y={self.y}, z={self.z})"


class Size2f:
    __slots__ = ("width", "height")

    def __init__(self, width: float = 0.0, height: float = 0.0):
        self.width = float(width)
        self.height = float(height)

    def __repr__(self):
        return f"Size2f(width={self.width}, height={self.height})"


class RotatedRect:
    """A rectangle turned by `angle` degrees (clockwise) around its `center`. Arguments are an extension."""

    __slots__ = ("center", "size", "angle")

    def __init__(self, center: Point2f = None, size: Size2f = None, angle: float = 0.0):
        self.center = Point2f(center.x, center.y) if center is not None else Point2f()
        self.size = Size2f(size.width, size.height) if size is not None else Size2f()
        self.angle = float(angle)

    def __repr__(self):
        return f"RotatedRect(center={self.center!r}, size={self.size!r}, angle={self.angle})"


class Rect:
    """x, y (top-left), width, height; normalised (0..1) or in pixels.

    Rect(), Rect(x, y, w, h), Rect(Point2f, Point2f) (two corners), Rect(Point2f, Size2f), Rect(Rect)."""

    __slots__ = ("x", "y", "width", "height")

    def __init__(self, *args):
        if not args:
            x = y = w = h = 0.0
        elif len(args) == 4:
            x, y, w, h = args
        elif len(args) == 1 and isinstance(args[0], Rect):
            r = args[0]
            x, y, w, h = r.x, r.y, r.width, r.height
        elif len(args) == 2 and isinstance(args[0], Point2f) and isinstance(args[1], Size2f):
            x, y, w, h = args[0].x, args[0].y, args[1].width, args[1].height
        elif len(args) == 2 and isinstance(args[0], Point2f) and isinstance(args[1], Point2f):
            p1, p2 = args
            x, y = min(p1.x, p2.x), min(p1.y, p2.y)
            w, h = max(p1.x, p2.x) - x, max(p1.y, p2.y) - y
        else:
            got = ", ".join(type(a).__name__ for a in args)
            raise TypeError(f"Rect: expected (), (x, y, width, height), (Point2f, Point2f), (Point2f, Size2f) "
                            f"or (Rect), got ({got})")
        self.x, self.y, self.width, self.height = float(x), float(y), float(w), float(h)

    def topLeft(self) -> Point2f:
        return Point2f(self.x, self.y)

    def bottomRight(self) -> Point2f:
        return Point2f(self.x + self.width, self.y + self.height)

    def size(self) -> Size2f:
        return Size2f(self.width, self.height)

    def area(self) -> float:
        return self.width * self.height

    def empty(self) -> bool:
        return self.width <= 0 or self.height <= 0

    def contains(self, pt: Point2f) -> bool:
        return self.x <= pt.x < self.x + self.width and self.y <= pt.y < self.y + self.height

    def isNormalized(self) -> bool:
        """gen2's guess: inside the unit square, or not all whole numbers."""
        if self.x + self.width <= 1.0 and self.y + self.height <= 1.0:
            return True
        return not all(float(v).is_integer() for v in (self.x, self.y, self.width, self.height))

    def denormalize(self, width: int, height: int) -> "Rect":
        """Pixel coordinates for a `width` × `height` frame (unchanged if already in pixels)."""
        if not self.isNormalized():
            return Rect(self)
        r = _round_half_away
        return Rect(r(self.x * width), r(self.y * height), r(self.width * width), r(self.height * height))

    def normalize(self, width: int, height: int) -> "Rect":
        """Normalised coordinates for a `width` × `height` frame (unchanged if already normalised)."""
        if self.isNormalized():
            return Rect(self)
        return Rect(self.x / width, self.y / height, self.width / width, self.height / height)

    def __repr__(self):
        return f"Rect(x={self.x}, y={self.y}, width={self.width}, height={self.height})"
