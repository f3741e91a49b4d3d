#!/usr/bin/env python3
"""Draws the Bürgerportal app icons into pwa/static/icons/.

One geometric design, a city shield with three crenellated towers and a
gate, in KERN's primary blue (--kern-color-action-default, darkblue-700,
#2044AA). It is defined once below in a 100 x 100 unit square and written
both as SVG (favicon.svg, exact curves) and as PNG/ICO (Pillow, 8x
supersampled, then reduced to a small palette).

Outputs
  favicon.svg                 blue shield, white towers, transparent
  favicon.ico                 16, 32, 48 px of the same
  icon-192.png, icon-512.png  manifest purpose "any" (transparent)
  icon-maskable-192.png,      manifest purpose "maskable": full-bleed blue,
  icon-maskable-512.png       white shield inside the central 80 % circle
  apple-touch-icon.png        180 px, white background (iOS ignores alpha)

Usage: .venv/bin/python frontend/make_icons.py   (needs Pillow)
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "pwa" / "static" / "icons"

BLUE = "#2044AA"  # KERN --kern-color-action-default (light theme)
WHITE = "#FFFFFF"

Point = tuple[float, float]

# ---------------------------------------------------------------------------
# Geometry, in a 100 x 100 unit square
# ---------------------------------------------------------------------------
# Shield: flat top, straight sides, two cubic curves meeting in a point.
SHIELD_TOP, SHIELD_LEFT, SHIELD_RIGHT, SHIELD_SIDE_END, SHIELD_TIP = 8.0, 14.0, 86.0, 50.0, 94.0
SHIELD_CURVES = (
    # (start, control 1, control 2, end)
    ((86.0, 50.0), (86.0, 72.0), (68.0, 86.0), (50.0, 94.0)),
    ((50.0, 94.0), (32.0, 86.0), (14.0, 72.0), (14.0, 50.0)),
)
SHIELD_SVG = "M14 8H86V50C86 72 68 86 50 94C32 86 14 72 14 50Z"

GROUND = 76.0


def crenellated(x0: float, x1: float, top: float, merlons: int, merlon_h: float) -> list[Point]:
    """Outline of a tower from x0..x1 with `merlons` battlements on top.

    Clockwise from the bottom left.
    """
    width = x1 - x0
    # merlons and gaps: merlon width 1.75 x gap width
    unit = width / (merlons * 1.75 + (merlons - 1))
    pts: list[Point] = [(x0, GROUND), (x0, top - merlon_h)]
    x = x0
    for i in range(merlons):
        x += unit * 1.75
        pts += [(x, top - merlon_h), (x, top)] if i < merlons - 1 else [(x1, top - merlon_h)]
        if i < merlons - 1:
            x += unit
            pts += [(x, top), (x, top - merlon_h)]
    pts.append((x1, GROUND))
    return pts


TOWERS = (
    crenellated(26.0, 41.0, 42.0, 3, 5.0),  # left
    crenellated(41.0, 59.0, 30.0, 3, 6.0),  # middle, taller
    crenellated(59.0, 74.0, 42.0, 3, 5.0),  # right
)

# Cut-outs drawn in the shield colour: arched gate and three slit windows.
GATE_X0, GATE_X1, GATE_SPRING = 45.0, 55.0, 63.0  # arch springs at y=63
WINDOWS = ((32.2, 48.0, 34.8, 56.0), (65.2, 48.0, 67.8, 56.0), (48.6, 37.0, 51.4, 46.0))


def gate_polygon(steps: int = 24) -> list[Point]:
    r = (GATE_X1 - GATE_X0) / 2
    cx = GATE_X0 + r
    pts: list[Point] = [(GATE_X0, GROUND), (GATE_X0, GATE_SPRING)]
    for i in range(1, steps):
        a = math.pi - math.pi * i / steps
        pts.append((cx + r * math.cos(a), GATE_SPRING - r * math.sin(a)))
    pts += [(GATE_X1, GATE_SPRING), (GATE_X1, GROUND)]
    return pts


def gate_svg() -> str:
    r = (GATE_X1 - GATE_X0) / 2
    arc = f"A{r:g} {r:g} 0 0 1 {GATE_X1:g} {GATE_SPRING:g}"
    return f"M{GATE_X0:g} {GROUND:g}V{GATE_SPRING:g}{arc}V{GROUND:g}Z"


def cubic(p0: Point, p1: Point, p2: Point, p3: Point, steps: int = 48) -> list[Point]:
    out = []
    for i in range(1, steps + 1):
        t = i / steps
        u = 1 - t
        out.append(
            (
                u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
            )
        )
    return out


def shield_polygon() -> list[Point]:
    pts: list[Point] = [
        (SHIELD_LEFT, SHIELD_TOP),
        (SHIELD_RIGHT, SHIELD_TOP),
        (SHIELD_RIGHT, SHIELD_SIDE_END),
    ]
    for curve in SHIELD_CURVES:
        pts += cubic(*curve)
    return pts


# ---------------------------------------------------------------------------
# SVG
# ---------------------------------------------------------------------------
def points_svg(pts: list[Point]) -> str:
    return "M" + "L".join(f"{x:.4g} {y:.4g}" for x, y in pts) + "Z"


def write_svg(path: Path) -> None:
    towers = "".join(points_svg(t) for t in TOWERS)
    windows = "".join(f"M{x0:g} {y0:g}H{x1:g}V{y1:g}H{x0:g}Z" for x0, y0, x1, y1 in WINDOWS)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
        f'<path fill="{BLUE}" d="{SHIELD_SVG}"/>'
        f'<path fill="{WHITE}" d="{towers}"/>'
        f'<path fill="{BLUE}" d="{gate_svg()}{windows}"/>'
        "</svg>\n"
    )
    path.write_text(svg, encoding="ascii")


# ---------------------------------------------------------------------------
# Raster
# ---------------------------------------------------------------------------
def render(
    size: int, *, background: str | None, shield: str, towers: str, scale: float = 1.0
) -> Image.Image:
    """Draws the design at `size` px.

    `scale` shrinks it around the centre (1.0 = the 100-unit square).
    """
    ss = 8  # supersampling factor
    big = size * ss
    img = Image.new("RGBA", (big, big), background or (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    k = big / 100 * scale
    off = big * (1 - scale) / 2

    def tr(pts: list[Point]) -> list[Point]:
        return [(off + x * k, off + y * k) for x, y in pts]

    draw.polygon(tr(shield_polygon()), fill=shield)
    for tower in TOWERS:
        draw.polygon(tr(tower), fill=towers)
    draw.polygon(tr(gate_polygon()), fill=shield)
    for x0, y0, x1, y1 in WINDOWS:
        draw.rectangle(tr([(x0, y0), (x1, y1)]), fill=shield)
    return img.resize((size, size), Image.Resampling.LANCZOS)


def save_png(img: Image.Image, path: Path, colors: int = 48) -> None:
    # A few flat colours plus anti-aliasing: a small palette is visually lossless.
    pal = img.quantize(colors=colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    pal.save(path, optimize=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    write_svg(OUT / "favicon.svg")

    for size in (192, 512):
        save_png(render(size, background=None, shield=BLUE, towers=WHITE), OUT / f"icon-{size}.png")
        # Maskable: the shield's top corners, the points farthest from the centre, lie
        # 55.3 units from it; at scale 0.68 that is 0.376 of the size, inside the 0.40
        # radius of the safe zone.
        save_png(
            render(size, background=BLUE, shield=WHITE, towers=BLUE, scale=0.68),
            OUT / f"icon-maskable-{size}.png",
        )

    save_png(
        render(180, background=WHITE, shield=BLUE, towers=WHITE, scale=0.8),
        OUT / "apple-touch-icon.png",
    )

    ico = render(256, background=None, shield=BLUE, towers=WHITE)
    ico.save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])

    for f in sorted(OUT.iterdir()):
        print(f"{f.relative_to(ROOT)}  {f.stat().st_size} bytes")


if __name__ == "__main__":
    main()
